"""The club leader's view and territory coverage: by hand on the Aube fixture (with a
PTCE added), and checked against the store's own projection on a synthetic
département; the commands that show them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.analytic import AnalyticGraph, analytic_projection
from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from loaders.pipeline import load_generated
from loaders.synthetic import departement, generate
from queries.club import club_view
from queries.territory import territory_view
from tests.conftest import aube_batch

PTCE = Provenance("fixture-ptce", date(2024, 2, 1), synthetic=True)
SIAE = {k.value for k in OrgKind.siae()}


def ptce_batch() -> Batch:
    """A PTCE of the Aube with the Menuiserie (a club member) and the Troyes EI."""
    return Batch(
        PTCE,
        [Node("org:ptce-aube", OrgKind.PTCE, "PTCE de l'Aube")],
        [
            Edge("org:ptce-aube", RelKind.LOCATED_IN, "departement:10"),
            Edge("org:menuiserie", RelKind.MEMBER_OF, "org:ptce-aube"),
            Edge("org:ei-troyes", RelKind.MEMBER_OF, "org:ptce-aube"),
        ],
    )


@pytest.fixture
def aube(tmp_path: Path) -> Iterator[tuple[OxigraphStore, AnalyticGraph]]:
    store = OxigraphStore(tmp_path / "store")
    store.upsert(aube_batch())
    store.upsert(ptce_batch())
    yield store, analytic_projection(store)
    store.close()


# -- the club leader's view, by hand ------------------------------------------------------------------


def test_club_members_by_section_size_and_coverage(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    view = club_view(aube[1], "org:club-10")
    assert view.members == ("org:boutique-boulot", "org:leader-sa", "org:menuiserie")
    assert view.territory == "departement:10"
    assert view.by_section.rows == (("inconnu", 3),)  # the fixture gives no NAF code
    assert view.by_tranche.rows == (("inconnu", "inconnu", 3),)
    # 2 of the 4 companies of the Aube are members (the third member is an ACI)
    assert view.coverage.rows == (("inconnu", 3, 4, 75.0),)


def test_club_lists_the_siae_of_its_territory_linked_to_no_member(
    aube: tuple[OxigraphStore, AnalyticGraph],
) -> None:
    view = club_view(aube[1], "org:club-10")
    # Boutique Boulot is a member; the Troyes EI is tied to the PTCE and Transports only
    assert view.unlinked_siae.rows == (("org:ei-troyes", "Recyclerie de Troyes", "EI", "Troyes", 0.0, 0.0),)


def test_club_members_bridging_to_other_collectives(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    view = club_view(aube[1], "org:club-10")
    assert view.bridging.rows == (("org:menuiserie", "Menuiserie Champenoise", 1, "PTCE de l'Aube"),)


def test_club_brokers_are_ranked_by_betweenness_of_the_territory(
    aube: tuple[OxigraphStore, AnalyticGraph],
) -> None:
    store, ag = aube
    full = store.projection()
    organisations = full.subgraph(n for n, k in full.nodes(data="kind") if k in {o.value for o in OrgKind})
    orgs = nx.Graph()  # ties weighted by the number of relations they stand for
    orgs.add_nodes_from(organisations)
    for u, v in organisations.edges():
        weight = orgs.get_edge_data(u, v, {"weight": 0})["weight"]
        orgs.add_edge(u, v, weight=weight + 1)
    expected = nx.betweenness_centrality(orgs, weight=None)
    view = club_view(ag, "org:club-10")
    assert [row[0] for row in view.brokers.rows] == ["org:menuiserie"]  # the only member between others
    assert view.brokers.rows[0][2] == round(expected["org:menuiserie"], 6)
    assert view.brokers.rows[0][3] == round(nx.constraint(orgs, weight="weight")["org:menuiserie"], 4)


def test_club_communities_leave_out_the_club_itself(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    view = club_view(aube[1], "org:club-10")
    *grouped, alone = view.communities.rows
    assert alone == (None, 1, None, "membres liés aux autres par le seul club")  # Leader SA
    assert sum(row[1] for row in grouped) == 2  # Boutique Boulot and the Menuiserie, tied by partnerships


def test_club_view_refuses_what_is_not_a_collective(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    with pytest.raises(ValueError, match="org:menuiserie n'est pas un collectif"):
        club_view(aube[1], "org:menuiserie")
    with pytest.raises(KeyError, match="org:inconnu"):
        club_view(aube[1], "org:inconnu")


# -- territory coverage, by hand -----------------------------------------------------------------------


def indicators(view: object) -> dict[str, tuple[object, ...]]:
    return {row[0]: row[1:] for row in view.indicators.rows}  # type: ignore[attr-defined]


def test_departement_coverage_by_hand(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    view = territory_view(aube[1], "departement:10", blank_km=15)
    found = {name: values[0] for name, values in indicators(view).items()}
    assert found == {
        "SIAE": 2,
        "ACI": 1,
        "EI": 1,
        "AI": 0,
        "ETTI": 0,
        "EITI": 0,
        "entreprises membres d'un club": 2,  # Leader SA, the Menuiserie
        "entreprises partenaires d'une SIAE": 2,  # the Menuiserie, Transports de Seine
        "entreprises engagées": 3,
        "partenariats par SIAE": 1.5,  # two with Boutique Boulot, one with the EI
        "secteurs du Marché couverts": 0,
        "communes": 2,
        "communes à plus de 15 km d'un ACI ou EI": 1,  # Romilly, 35.4 km from Troyes
        "part de communes en zone blanche %": 50.0,
    }
    # one département: it is its own département and the national median
    assert all(values[0] == values[1] == values[2] for values in indicators(view).values())
    assert view.blank_communes.rows == (("commune:10323", "Romilly-sur-Seine", 35.4),)
    assert view.siae.rows == (
        ("org:boutique-boulot", "Boutique Boulot", "ACI", "Troyes", 2),
        ("org:ei-troyes", "Recyclerie de Troyes", "EI", "Troyes", 1),
    )


def test_commune_coverage_is_compared_with_its_departement(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    found = indicators(territory_view(aube[1], "commune:10323", blank_km=15))
    assert found["SIAE"] == (0, 2, 2.0)
    assert found["entreprises partenaires d'une SIAE"] == (1, 2, 2.0)  # Transports de Seine
    assert found["part de communes en zone blanche %"] == (100.0, 50.0, 50.0)
    assert (
        indicators(territory_view(aube[1], "commune:10323", blank_km=40))[
            "communes à plus de 40 km d'un ACI ou EI"
        ][0]
        == 0
    )


def test_unknown_territory_is_refused(aube: tuple[OxigraphStore, AnalyticGraph]) -> None:
    with pytest.raises(KeyError, match="territoire inconnu : commune:99999"):
        territory_view(aube[1], "commune:99999")


# -- the commands -------------------------------------------------------------------------------------


@pytest.fixture
def aube_path(tmp_path: Path) -> Path:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
        store.upsert(ptce_batch())
    return tmp_path / "store"


def test_territoire_command_exports_csv(aube_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["territoire", "departement:10", "--store", str(aube_path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    first, *_ = result.output.split("\n\n")
    lines = first.splitlines()
    assert lines[0] == "# Indicateurs (territoire, département, médiane nationale)"
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    assert rows[0] == ["indicateur", "territoire", "département", "médiane nationale des départements"]
    assert rows[1] == ["SIAE", "2", "2", "2.0"]


def test_club_command_in_json_and_its_errors(aube_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["club", "org:club-10", "--store", str(aube_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    tables = json.loads(result.output)
    assert tables["Membres reliés à d'autres clubs, PTCE ou réseaux"] == [
        {
            "id": "org:menuiserie",
            "nom": "Menuiserie Champenoise",
            "autres collectifs": 1,
            "lesquels": "PTCE de l'Aube",
        }
    ]
    refused = runner.invoke(app, ["club", "org:menuiserie", "--store", str(aube_path)])
    assert refused.exit_code == 1
    assert "n'est pas un collectif" in refused.output


def test_club_command_table_is_in_french(aube_path: Path) -> None:
    result = CliRunner().invoke(app, ["club", "org:club-10", "--store", str(aube_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Club Les entreprises s'engagent de l'Aube (org:club-10) — 3 membres")
    assert "SIAE du territoire liées à aucun membre" in result.output


# -- a synthetic département: the views agree with the store's projection ----------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[nx.MultiDiGraph, AnalyticGraph]]:
    out = tmp_path_factory.getbasetemp() / "differential" / "synthetic-10"
    if not (out / "manifest.json").exists():
        generate(departement("10"), out, seed=42, as_of=date(2025, 1, 1))
    store = OxigraphStore(tmp_path_factory.mktemp("views-rdf"))
    load_generated(store, out)
    yield store.projection(), analytic_projection(store)
    store.close()


def test_club_view_of_a_synthetic_departement(synthetic: tuple[nx.MultiDiGraph, AnalyticGraph]) -> None:
    G, ag = synthetic
    (club,) = [n for n, k in G.nodes(data="kind") if k == OrgKind.CLUB.value]
    members = sorted({u for u, v, r in G.in_edges(club, data="rel") if r == RelKind.MEMBER_OF.value})
    view = club_view(ag, club, limit=1000)
    assert list(view.members) == members and len(members) > 50
    assert sum(row[1] for row in view.by_section.rows) == len(members)
    assert sum(row[2] for row in view.by_tranche.rows) == len(members)
    tied = {w for m in members for w in (*G.successors(m), *G.predecessors(m))}
    inside = {
        u for u, v, r in G.edges(data="rel") if r == RelKind.LOCATED_IN.value and v.startswith("commune:10")
    }
    expected = sorted(n for n in inside if G.nodes[n]["kind"] in SIAE and n not in tied and n not in members)
    assert sorted(row[0] for row in view.unlinked_siae.rows) == expected
    fits = [row[4] for row in view.unlinked_siae.rows]
    assert fits == sorted(fits, reverse=True)


def test_territory_view_of_a_synthetic_departement(synthetic: tuple[nx.MultiDiGraph, AnalyticGraph]) -> None:
    G, ag = synthetic
    view = territory_view(ag, "departement:10")
    found = {row[0]: row[1] for row in view.indicators.rows}
    located = {
        u for u, v, r in G.edges(data="rel") if r == RelKind.LOCATED_IN.value and v.startswith("commune:10")
    }
    assert found["SIAE"] == sum(1 for n in located if G.nodes[n]["kind"] in SIAE) > 10
    assert found["communes"] == sum(1 for n in G if n.startswith("commune:10")) > 400
    assert found["entreprises membres d'un club"] > 50
