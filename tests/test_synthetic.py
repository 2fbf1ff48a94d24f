"""The synthetic territory generator (loaders/synthetic): determinism, the counts of
the Aube preset (seed 42), what is marked synthetic, what is kept out of the graph.

Runs the real loaders on ../shared/data and the real embedded store; the national
preset is only planned here (its generation is in bench/national_load.py)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.ids import is_valid_siret
from graph.kinds import OrgKind, RelKind
from graph.model import LoadReport, Subgraph
from graph.oxigraph_store import OxigraphStore
from graph.validation import validate
from loaders.pipeline import load_generated
from loaders.real_frame import RealOutputs, real_outputs
from loaders.synthetic import Manifest, departement, generate, national
from loaders.synthetic.collectives import network_by_name
from loaders.synthetic.presets import plan
from loaders.synthetic.reference import Reference, reference_from_outputs

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 1, 1)
BOUTIQUE_BOULOT = "org:34267885100045-aci"

# The Aube (seed 42), checked by hand:
# - population of the Aube 310,447 over 68,320,398 in the 101 départements (current
#   communes with a centroid; Paris, Lyon, Marseille by arrondissement), so
#   companies = round(300,000 × 310,447 / 68,320,398) = round(1,363.2) = 1,363;
#   club member companies = round(15,000 × 310,447 / 68,320,398) = round(68.16) = 68;
#   PTCE = max(1, round(56 × 0.00454)) = 1; one Fabrique;
# - the structures of the Aube in the mirror: 25 (16 ACI, 3 EI, 2 AI, 2 ETTI, 2 GEIQ);
# - what the seed drew (read in the files, then fixed here): 35 closed companies,
#   3 leaders, 3 SIAE in the club (Boutique Boulot and two drawn), …
AUBE_COMPANIES = 1363
AUBE_CLOSED = 35
AUBE_CLUB_COMPANIES = 68
AUBE_CLUB_STRUCTURES = 3
AUBE_LEADERS = 3
AUBE_PTCE_MEMBERS = 20
AUBE_PROJECTS = 4
AUBE_NETWORK_MEMBERSHIPS = 21
AUBE_PARTNERSHIPS_WRITTEN = 67
AUBE_PARTNERSHIPS_HELD_OUT = 18


@pytest.fixture(scope="module")
def real() -> RealOutputs:
    return real_outputs()


@pytest.fixture(scope="module")
def reference(real: RealOutputs) -> Reference:
    return reference_from_outputs(real.geography, real.nomenclatures, real.structures)


@pytest.fixture(scope="module")
def aube(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("aube-42")
    generate(departement("10"), out, seed=42, reference=reference, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def loaded(
    aube: Path, real: RealOutputs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[OxigraphStore, list[LoadReport]]]:
    with OxigraphStore() as store:
        reports = load_generated(store, aube, frame=real)
        yield store, reports


@pytest.fixture(scope="module")
def graph(loaded: tuple[OxigraphStore, list[LoadReport]]) -> Subgraph:
    return loaded[0].subgraph()


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- determinism ----------------------------------------------------------------------


def test_same_seed_writes_byte_identical_files(aube: Path, reference: Reference, tmp_path: Path) -> None:
    generate(departement("10"), tmp_path, seed=42, reference=reference, as_of=AS_OF)
    assert files_of(tmp_path) == files_of(aube)
    assert sorted(files_of(aube)) == [
        "SYNTHETIC.md",
        "clubs.csv",
        "fabriques.csv",
        "ground_truth.json",
        "manifest.json",
        "organisations.csv",
        "partenariats.csv",
        "ptce.csv",
        "reseaux.csv",
        "sirene-etablissements.csv",
    ]


def test_same_seed_in_another_process_writes_the_same_files(aube: Path, tmp_path: Path) -> None:
    """Another interpreter, another string-hash seed: the same bytes."""
    code = (
        "import sys; from datetime import date; from pathlib import Path; "
        "from loaders.synthetic import departement, generate; "
        "generate(departement('10'), Path(sys.argv[1]), seed=42, as_of=date(2025, 1, 1))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, env=env, check=True)
    assert files_of(tmp_path) == files_of(aube)


def test_another_seed_writes_other_files(aube: Path, reference: Reference, tmp_path: Path) -> None:
    generate(departement("10"), tmp_path, seed=7, reference=reference, as_of=AS_OF)
    mine, theirs = files_of(tmp_path), files_of(aube)
    differing = sorted(name for name in mine if mine[name] != theirs[name])
    assert differing == sorted(mine)  # every file, the manifest and notice included (the seed is in them)
    assert Manifest.read(tmp_path).seed == 7
    sirets_7 = {r["siret"] for r in rows(tmp_path / "sirene-etablissements.csv")}
    sirets_42 = {r["siret"] for r in rows(aube / "sirene-etablissements.csv")}
    assert len(sirets_7) == len(sirets_42) == AUBE_COMPANIES
    assert len(sirets_7 & sirets_42) == 0


def test_same_seed_gives_the_same_graph(
    aube: Path, reference: Reference, real: RealOutputs, graph: Subgraph, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    generate(departement("10"), again, seed=42, reference=reference, as_of=AS_OF)
    with OxigraphStore() as store:
        load_generated(store, again, frame=real)
        assert store.subgraph() == graph


# -- the Aube, seed 42 ------------------------------------------------------------------


def test_aube_plan_follows_the_population_share(reference: Reference) -> None:
    counts = plan(departement("10"), reference)
    assert (counts.departements, counts.companies, dict(counts.club_members)) == (("10",), 1363, {"10": 68})
    assert (counts.ptce, counts.fabriques) == (("10",), ("10",))


def test_aube_counts(aube: Path, graph: Subgraph) -> None:
    companies = [n for n in graph.nodes if n.kind is OrgKind.ENTREPRISE]
    assert len(companies) == AUBE_COMPANIES
    assert sum(1 for n in companies if n.props.get("closed") is True) == AUBE_CLOSED
    club = [e for e in graph.edges if e.rel is RelKind.MEMBER_OF and e.target == "org:club-10"]
    members = {e.source for e in club}
    assert sum(1 for m in members if m.removeprefix("org:").isdigit()) == AUBE_CLUB_COMPANIES
    assert sum(1 for m in members if not m.removeprefix("org:").isdigit()) == AUBE_CLUB_STRUCTURES
    assert sum(1 for e in club if e.attrs["role"] == "leader") == AUBE_LEADERS
    collectives = sorted(
        n.kind.value for n in graph.nodes if n.kind in (OrgKind.CLUB, OrgKind.PTCE, OrgKind.FABRIQUE)
    )
    assert collectives == ["Club", "Fabrique", "PTCE"]
    ptce = next(n.id for n in graph.nodes if n.kind is OrgKind.PTCE)
    assert sum(1 for e in graph.edges if e.rel is RelKind.MEMBER_OF and e.target == ptce) == AUBE_PTCE_MEMBERS
    fabrique = next(n.id for n in graph.nodes if n.kind is OrgKind.FABRIQUE)
    assert (
        sum(1 for e in graph.edges if e.rel is RelKind.SUPPORTED_BY and e.target == fabrique) == AUBE_PROJECTS
    )
    networks = {n.id for n in graph.nodes if n.kind is OrgKind.RESEAU}
    assert sum(1 for e in graph.edges if e.target in networks) == AUBE_NETWORK_MEMBERSHIPS
    structures = {n.id for n in graph.nodes if n.kind in OrgKind.inclusive_employers()}
    assert len(structures) == 25
    assert sum(1 for e in graph.edges if e.rel is RelKind.PARTNER_OF) == AUBE_PARTNERSHIPS_WRITTEN
    counts = Manifest.read(aube).counts
    assert (counts["companies"], counts["club_member_companies"], counts["club_leaders"]) == (
        AUBE_COMPANIES,
        AUBE_CLUB_COMPANIES,
        AUBE_LEADERS,
    )


def test_aube_club_holds_boutique_boulot(graph: Subgraph) -> None:
    club = {
        e.source: dict(e.attrs)
        for e in graph.edges
        if e.rel is RelKind.MEMBER_OF and e.target == "org:club-10"
    }
    assert club[BOUTIQUE_BOULOT] == {"role": "membre", "since": date(2018, 7, 1)}
    names = {n.id: n.name for n in graph.nodes}
    assert names[BOUTIQUE_BOULOT] == "ASSOC BOUTIQUE BOULOT"
    assert names["org:club-10"] == "Club Les entreprises s'engagent – Aube"


def test_generated_sirets_are_valid_and_not_real_ones(aube: Path, reference: Reference) -> None:
    companies = [r["siret"] for r in rows(aube / "sirene-etablissements.csv")]
    organisations = [r["siret"] for r in rows(aube / "organisations.csv") if r["siret"]]
    generated = companies + organisations
    assert len(generated) == len(set(generated)) == AUBE_COMPANIES + 6  # 5 associations and a training centre
    assert all(is_valid_siret(s) for s in generated)
    real = {s.siret[:9] for s in reference.structures}
    assert not {s[:9] for s in generated} & real


def test_network_memberships_are_inferred_from_names_and_kinds(graph: Subgraph) -> None:
    names = {n.id: n.name for n in graph.nodes}
    by_member = {
        (names[e.source], e.target)
        for e in graph.edges
        if e.rel is RelKind.MEMBER_OF and e.attrs.get("inferred") is True
    }
    for expected in (
        ("SCOP EBS LE RELAIS 10", "org:emmaus-france"),  # Le Relais → Emmaüs
        ("ASSOC JARDIN DE COCAGNE DE LA BARBUISE", "org:reseau-cocagne"),
        ("ASSOC CROIX ROUGE FRANCAISE", "org:croix-rouge-insertion"),
        ("ASSOC LA REGIE DE NOS QUARTIERS", "org:cnlrq"),
        ("ASSOC REGIES SERVICES", "org:cnlrq"),
    ):
        assert expected in by_member
    network_edges = [
        e for e in graph.edges if e.target.startswith(("org:chantier", "org:fed", "org:coorace"))
    ]
    assert network_edges and all(e.attrs["inferred"] is True for e in network_edges)


@pytest.mark.parametrize(
    ("name", "networks"),
    [
        ("ENVIE 2E NORD", ["envie"]),
        ("Emmaüs Défi", ["emmaus-france"]),
        ("Régie de territoire des Deux Rives", ["cnlrq"]),
        ("Les Relais du Cœur de Paris", ["restos-du-coeur"]),
        ("Tissons la solidarité Bretagne", ["tissons-la-solidarite"]),
        ("Boutique Boulot", []),
    ],
)
def test_network_by_name(name: str, networks: list[str]) -> None:
    assert network_by_name(name) == networks


# -- marked synthetic, and what stays out -------------------------------------------------


def test_every_generated_dataset_is_flagged_synthetic(
    aube: Path, loaded: tuple[OxigraphStore, list[LoadReport]]
) -> None:
    store = loaded[0]
    manifest = Manifest.read(aube)
    flagged = {
        row["g"].value.rsplit("/", 1)[1] for row in store.query("SELECT ?g WHERE { ?g mlg:synthetic true }")
    }
    assert flagged == {manifest.dataset(f.name) for f in manifest.files}
    real = {
        row["g"].value.rsplit("/", 1)[1] for row in store.query("SELECT ?g WHERE { ?g mlg:synthetic false }")
    }
    assert real == {
        "cog-2025",
        "communes-centroides",
        "insee-ze2020",
        "insee-naf-rev2",
        "france-travail-rome4",
        "marche-inclusion-secteurs",
        "emplois-de-linclusion",
    }


def test_every_synthetic_triple_sits_in_a_synthetic_dataset(
    loaded: tuple[OxigraphStore, list[LoadReport]],
) -> None:
    """Companies, collectives, organisations made up, memberships and partnerships: no
    triple of theirs stands in a dataset not flagged synthetic."""
    store = loaded[0]
    outside = store.query(
        """SELECT ?g ?s WHERE {
            GRAPH ?g {
                { ?s a ?kind . VALUES ?kind { mlg:Entreprise mlg:Club mlg:PTCE mlg:Fabrique mlg:Projet
                                              mlg:Association mlg:CollectiviteCommune mlg:Reseau } }
                UNION { ?s mlg:memberOf|mlg:partnerOf|mlg:carriedBy|mlg:supportedBy ?o }
                UNION { ?s a mlg:Partnership } UNION { ?s a <http://www.w3.org/ns/org#Membership> }
            }
            FILTER NOT EXISTS { ?g mlg:synthetic true }
        }"""
    )
    assert [(row["g"].value, row["s"].value) for row in outside] == []
    inside = next(
        iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } ?g mlg:synthetic true }"))
    )
    added = sum(r.triples_added for r in loaded[1] if r.source.startswith("synthetique-"))
    assert int(inside["n"].value) == added - 4 * 7  # less each dataset's 4 metadata triples


def test_ground_truth_is_kept_out_of_the_graph(aube: Path, graph: Subgraph) -> None:
    truth = json.loads((aube / "ground_truth.json").read_text(encoding="utf-8"))
    assert (truth["written"], truth["held_out_count"]) == (
        AUBE_PARTNERSHIPS_WRITTEN,
        AUBE_PARTNERSHIPS_HELD_OUT,
    )
    assert truth["rule"]["radius_km"] == 40.0 and truth["rule"]["held_out_share"] == 0.2
    partnerships = {(e.source, e.target, e.key) for e in graph.edges if e.rel is RelKind.PARTNER_OF}
    held = {(h["from"], h["to"], h["subtype"]) for h in truth["held_out"]}
    assert len(held) == AUBE_PARTNERSHIPS_HELD_OUT
    assert not held & partnerships
    assert all(h["distance_km"] <= 40.0 for h in truth["held_out"])
    assert "ground_truth.json" in Manifest.read(aube).to_json()["not_loaded"]


def test_aube_graph_conforms_to_the_shapes(loaded: tuple[OxigraphStore, list[LoadReport]]) -> None:
    result = validate(loaded[0])
    assert (result.conforms, result.violations) == (True, [])


def test_generated_files_load_without_a_rejection(loaded: tuple[OxigraphStore, list[LoadReport]]) -> None:
    reports = [r for r in loaded[1] if r.source.startswith("synthetique-")]
    assert [(r.source, len(r.rejected), len(r.unresolved)) for r in reports] == [
        ("synthetique-departement-10-s42-entreprises", 0, 0),
        ("synthetique-departement-10-s42-organisations", 0, 0),
        ("synthetique-departement-10-s42-clubs", 0, 0),
        ("synthetique-departement-10-s42-ptce", 0, 0),
        ("synthetique-departement-10-s42-fabriques", 0, 0),
        ("synthetique-departement-10-s42-reseaux", 0, 0),
        ("synthetique-departement-10-s42-partenariats", 0, 0),
    ]


def test_the_frame_is_written_before_the_generated_files(
    loaded: tuple[OxigraphStore, list[LoadReport]],
) -> None:
    assert [r.source for r in loaded[1]] == [
        "cog-2025",
        "communes-centroides",
        "insee-ze2020",
        "insee-naf-rev2",
        "france-travail-rome4",
        "marche-inclusion-secteurs",
        "emplois-de-linclusion",
        *(f"synthetique-departement-10-s42-{name}" for name in SYNTHETIC_DATASETS),
    ]


SYNTHETIC_DATASETS = ("entreprises", "organisations", "clubs", "ptce", "fabriques", "reseaux", "partenariats")


def test_load_synthetique_on_the_command_line_is_the_same_load(
    aube: Path, loaded: tuple[OxigraphStore, list[LoadReport]], graph: Subgraph, tmp_path: Path
) -> None:
    """`maillage load synthetique DIR` goes through the same pipeline: the frame, then
    the generated files, into an empty store: the same graph and datasets."""
    result = CliRunner().invoke(app, ["load", "synthétique", str(aube), "--store", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    with OxigraphStore(tmp_path / "cli") as store:
        assert store.datasets() == loaded[0].datasets()
        assert store.subgraph() == graph


# -- the national preset, planned only ------------------------------------------------------


def test_national_plan_has_the_guide_figures(reference: Reference) -> None:
    counts = plan(national(), reference)
    assert counts.companies == 300_000
    assert len(counts.departements) == 101
    assert (len(counts.club_members), sum(counts.club_members.values())) == (95, 15_000)
    assert (len(counts.ptce), len(counts.fabriques)) == (56, 30)
    regions = {reference.departements[d][1] for d in counts.fabriques}
    assert len(regions) == 18  # every région has its Fabrique
