"""The DECP loader on the four real archives of the data mirror, read as published:
every contract once with its buyer and holders, structures matched by SIRET then
SIREN, co-contracting ties, no natural person's name, every row set aside reported.
Expected sets are recomputed from the raw JSON with the stdlib, independently of
the loader."""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator

import pytest

from graph.ids import is_valid_siret
from graph.kinds import CodeKind, OrgKind, RelKind
from graph.model import Edge, Node
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from graph.validation import validate
from loaders.base import LoaderOutput
from loaders.case_studies import read_case_studies
from loaders.decp import contract_id, read_decp
from loaders.decp_cpv import cpv_divisions, cpv_output
from loaders.decp_names import is_legal_person_name
from loaders.decp_parse import read_archive
from loaders.decp_places import DepartementIndex, departement_index
from loaders.geo import geography_outputs
from loaders.reseaux import MERGED_WITH_GUIDE, reseaux_output
from loaders.sources import SHARED_DATA
from loaders.structures import structures_output

DECP = SHARED_DATA / "decp"
ARCHIVES = sorted(DECP.glob("*.zip"))
SIAE = {k.value for k in OrgKind.siae()}


def _raw() -> Iterator[tuple[str, dict]]:
    for path in ARCHIVES:
        with zipfile.ZipFile(path) as z:
            for record in json.loads(z.read(z.namelist()[0]))["marches"]:
                yield path.name, record


@pytest.fixture(scope="module")
def places() -> DepartementIndex:
    return departement_index(SHARED_DATA / "geo")


@pytest.fixture(scope="module")
def structures() -> list[Node]:
    communes, _ = geography_outputs(SHARED_DATA / "geo")
    output = structures_output(SHARED_DATA / "siae/structures-emplois-de-linclusion.json", communes=communes)
    return [n for n in output.batch.nodes if n.id.startswith("org:")]


@pytest.fixture(scope="module")
def outputs(places: DepartementIndex, structures: list[Node]) -> list[LoaderOutput]:
    return read_decp(ARCHIVES, places=places, cpv=cpv_divisions(), known=structures)


@pytest.fixture(scope="module")
def nodes(outputs: list[LoaderOutput]) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for output in outputs:
        for node in output.batch.nodes:
            found.setdefault(node.id, node)
    return found


@pytest.fixture(scope="module")
def edges(outputs: list[LoaderOutput]) -> list[Edge]:
    return [e for o in outputs for e in o.batch.edges]


def _clean(value: object) -> str:
    return "".join(str(value or "").split())


def test_the_four_archives_are_read_as_published_with_their_lines() -> None:
    archives = [read_archive(p) for p in ARCHIVES]
    assert [a.source for a in archives] == [
        "data.gouv.fr_aife",
        "data.gouv.fr_pes",
        "e-marchespublics",
        "marches-publics.info",
    ]
    assert [len(a.records) for a in archives] == [4530, 1148, 470, 4509]
    first = archives[2].records[0]
    assert (first.file, first.line, first.data["id"]) == (
        "e-marchespublics_json.zip/e-marchespublics.json",
        3,
        "2018MA181101",
    )


def test_every_contract_is_loaded_once_with_its_buyer(
    outputs: list[LoaderOutput], nodes: dict[str, Node], edges: list[Edge]
) -> None:
    keys = {
        (_clean((r.get("acheteur") or r.get("autoriteConcedante") or {}).get("id")), str(r["id"]).strip())
        for _, r in _raw()
        if r.get("id")
        and _clean((r.get("acheteur") or r.get("autoriteConcedante") or {}).get("id")).strip("0")
    }
    contracts = {i for i, n in nodes.items() if n.kind is CodeKind.MARCHE_PUBLIC}
    assert len(keys) == len(contracts) == 10158
    awarded = {e.source for e in edges if e.rel is RelKind.AWARDED_BY}
    assert awarded == contracts
    buyers = {e.target for e in edges if e.rel is RelKind.AWARDED_BY}
    merged = {b for b in buyers if nodes[b].kind is not OrgKind.ACHETEUR_PUBLIC}
    assert all(not nodes[b].props for b in merged)  # known structures: stubs, their own dataset has the data
    assert len(buyers) == 1135
    assert sum(o.rows_in for o in outputs) == 10657


def test_a_contract_published_by_two_archives_is_one_node_written_by_both(
    outputs: list[LoaderOutput],
) -> None:
    pes, info = outputs[1], outputs[3]
    shared = {n.id for n in pes.batch.nodes if n.kind is CodeKind.MARCHE_PUBLIC} & {
        n.id for n in info.batch.nodes if n.kind is CodeKind.MARCHE_PUBLIC
    }
    assert len(shared) == 176
    noted = [r for r in info.unresolved if r.field == "id" and "les deux sources gardées" in r.reason]
    assert len(noted) == len(shared)


def test_structures_that_won_public_contracts_are_linked_by_siret_then_siren(
    structures: list[Node], edges: list[Edge]
) -> None:
    sirets = {str(n.props["siret"]) for n in structures}
    expected = {
        (_clean(r["acheteur"]["id"]), str(r["id"]).strip())
        for _, r in _raw()
        if r.get("id")
        and r.get("acheteur")
        and any(_clean(t.get("id")) in sirets for t in r.get("titulaires") or [])
    }
    assert len(expected) == 67  # the 71 records name 67 distinct contracts
    ids = {n.id for n in structures}
    by_siret = {
        e.target
        for e in edges
        if e.rel is RelKind.HOLDS and e.source in ids and e.attrs.get("match") == "siret"
    }
    by_siren = {
        e.target
        for e in edges
        if e.rel is RelKind.HOLDS and e.source in ids and e.attrs.get("match") == "siren"
    }
    assert len(by_siret) == 67
    assert {c.split("-", 1)[0].removeprefix("marche:") for c in by_siret} <= {k[0] for k in expected}
    assert len(by_siren) == 35
    siren_edge = next(e for e in edges if e.rel is RelKind.HOLDS and e.attrs.get("match") == "siren")
    assert str(siren_edge.attrs["holder_siret"])[:9] == siren_edge.source[4:13]


def test_multi_holder_contracts_tie_their_holders_as_co_contractors(
    edges: list[Edge], nodes: dict[str, Node]
) -> None:
    """A contract is multi-holder when one archive names two holders or more for it
    (two archives naming one holder each disagree: no tie). A holder counts when its
    identifier is usable (a SIRET of 14 digits, a SIREN of 9, a foreign identifier);
    conventions of one SIRET are one holder."""
    usable = re.compile(r"\d{14}|\d{9}")
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for archive, r in _raw():
        buyer = _clean((r.get("acheteur") or r.get("autoriteConcedante") or {}).get("id"))
        if not r.get("id") or not buyer.strip("0"):
            continue
        for t in r.get("titulaires") or r.get("concessionnaires") or []:
            ident = _clean(t.get("id"))
            foreign = str(t.get("typeIdentifiant") or "SIRET").upper() != "SIRET"
            if ident.strip("0") and (foreign or usable.fullmatch(ident)):
                holders[(archive, contract_id(buyer, str(r["id"])))].add(ident)
    multi = {c for (_, c), h in holders.items() if len(h) >= 2 and c in nodes}
    tied = {e.key for e in edges if e.rel is RelKind.CO_CONTRACTOR_OF}
    assert tied == multi
    assert len(tied) == 621
    assert all(e.source < e.target for e in edges if e.rel is RelKind.CO_CONTRACTOR_OF)


def test_no_natural_person_name_is_stored(nodes: dict[str, Node], edges: list[Edge]) -> None:
    sole_trader = nodes["org:53180918400017"]  # published as "RENE GIRAUD"
    assert sole_trader.name == "Titulaire SIRET 53180918400017"
    assert sole_trader.props["name_withheld"] is True
    assert nodes["org:82746233400018"].name == "SAS SHOW VISION ACRO"
    held = {e.source for e in edges if e.rel is RelKind.HOLDS}
    kinds = (OrgKind.ENTREPRISE, OrgKind.ASSOCIATION)
    new_holders = [nodes[i] for i in held if nodes[i].props and nodes[i].kind in kinds]
    assert len(new_holders) == 7237
    named = [n for n in new_holders if not n.props.get("name_withheld")]
    assert len(named) == 1123
    published: dict[str, set[str]] = defaultdict(set)
    for _, r in _raw():
        for t in r.get("titulaires") or r.get("concessionnaires") or []:
            published[_clean(t.get("id"))].add(str(t.get("denominationSociale") or ""))
    for n in named:
        ident = str(n.props.get("siret", n.props.get("siren", n.props.get("identifier"))))
        assert any(is_legal_person_name(x) for x in published[ident]), n
    assert "RENE GIRAUD" not in {n.name for n in new_holders}


def test_a_clean_name_from_another_record_is_preferred_to_one_with_u_fffd(nodes: dict[str, Node]) -> None:
    assert nodes["org:21950424800010"].name == "Commune de Montigny-lès-Cormeilles"
    assert (
        nodes["org:37980820700029"].name == "CHAUVIRE DIFFUSION"
    )  # its other spelling is "SARL Chauvir\ufffd Diffusion"


def test_every_row_set_aside_is_reported_with_its_reason(outputs: list[LoaderOutput]) -> None:
    rejected = [r for o in outputs for r in o.rejected]
    unresolved = [r for o in outputs for r in o.unresolved]
    assert len(rejected) == 377
    assert all(
        r.file.endswith(".json") and r.line > 0 and r.field and r.reason for r in rejected + unresolved
    )
    no_id = [r for r in rejected if r.field == "id" and r.reason.startswith("aucun id de marché")]
    assert len(no_id) == 7
    duplicates = [r for r in rejected if r.reason.startswith("doublon de la ligne")]
    assert len(duplicates) == 308
    zero = [r for r in unresolved if r.field == "montant" and r.reason.startswith("montant de 0")]
    assert len(zero) == 78  # montant (contracts) or valeurGlobale (concessions) of 0
    luhn = [r for r in unresolved if "clé de Luhn fausse" in r.reason]
    assert len(luhn) == 137
    no_holder = [r for r in unresolved if r.field == "titulaires"]
    assert len(no_holder) == 49  # none published, or every holder set aside (no usable identifier)


def test_a_siret_failing_luhn_is_loaded_flagged(nodes: dict[str, Node]) -> None:
    flagged = [n for n in nodes.values() if n.props.get("siret_valid") is False]
    assert len(flagged) == 137
    assert not any(is_valid_siret(str(n.props["siret"])) for n in flagged if "siret" in n.props)


def test_amounts_of_zero_are_not_stored(nodes: dict[str, Node]) -> None:
    contracts = [n for n in nodes.values() if n.kind is CodeKind.MARCHE_PUBLIC]
    assert all(float(n.props["montant"]) > 0 for n in contracts if "montant" in n.props)


def test_cpv_table_has_the_45_divisions_and_contracts_keep_the_full_code(nodes: dict[str, Node]) -> None:
    table = cpv_divisions()
    assert len(table) == 45
    assert table["45"] == "Travaux de construction"
    contract = nodes["marche:28850001000013-2018MA181101"]
    assert contract.props["cpv"] == "45314000"
    assert contract.props["montant"] == 80000.0
    assert contract.props["procedure"] == "Procédure adaptée"


def test_the_place_of_execution_gives_the_departement(edges: list[Edge]) -> None:
    located = {e.source: e.target for e in edges if e.rel is RelKind.LOCATED_IN}
    assert located["marche:28850001000013-2018MA181101"] == "departement:85"


def test_the_thirteen_networks_merge_with_the_guide() -> None:
    output = reseaux_output(SHARED_DATA / "reseaux/marche-inclusion-reseaux.json")
    networks = {n.id: n for n in output.batch.nodes}
    assert len(networks) == 13 and output.rejected == []
    assert {n.kind for n in networks.values()} == {OrgKind.RESEAU}
    guide = {n.id for n in read_case_studies().nodes if n.kind is OrgKind.RESEAU}
    assert set(MERGED_WITH_GUIDE.values()) <= guide
    assert len(set(networks) & guide) == 9
    assert networks["org:hosmoz"].props["website"] == "https://www.hosmoz.fr/"
    assert networks["org:federation-des-entreprises-d-insertion"].props["brand"] == "FEI"


@pytest.fixture(scope="module")
def one_archive(places: DepartementIndex, structures: list[Node]) -> LoaderOutput:
    (output,) = read_decp(
        [DECP / "e-marchespublics_json.zip"], places=places, cpv=cpv_divisions(), known=structures
    )
    return output


def test_one_archive_conforms_to_the_shapes(oxigraph_store: OxigraphStore, one_archive: LoaderOutput) -> None:
    oxigraph_store.upsert(cpv_output().batch)
    oxigraph_store.upsert(one_archive.batch)
    result = validate(oxigraph_store)
    assert result.conforms, str(result)


def test_both_stores_hold_the_same_contracts(store: GraphStore, one_archive: LoaderOutput) -> None:
    store.upsert(one_archive.batch)
    counts = store.counts()
    assert counts.nodes["MarchePublic"] == 441
    assert counts.edges["AWARDED_BY"] == 441
    again = store.upsert(one_archive.batch)
    assert again.triples_added == 0 or store.counts() == counts


def test_real_contracts_are_partner_evidence(outputs: list[LoaderOutput]) -> None:
    """Vitaservices Pas de Calais (EI) holds, with four other Vitaservices EI, a contract
    of the SDIS du Pas-de-Calais, which awarded 7 contracts in CPV division 90."""
    from bench.recommend_eval import network_from_batches
    from queries.partners import partner_candidates

    network = network_from_batches([o.batch for o in outputs])
    vita, sdis_id = "org:42880141900139-ei", "org:28620001900045"
    contract = "marche:28620001900045-201960876900"
    (sdis,) = partner_candidates(network, vita, objective="achat", limit=1, with_introductions=False)
    # 7 contracts in 90: 0.5 x min(log2 8, 2); already its holder: 1.0; one contract to EI: 0.5
    assert (sdis.id, sdis.score) == (sdis_id, 2.5)
    past = next(r for r in sdis.reasons if r.text.startswith("Vitaservices"))
    assert past.text == (
        "Vitaservices Pas de Calais est déjà titulaire de 1 marché(s) public(s) de SDIS DU PAS-DE-CALAIS : "
        f"{contract}"
    )
    assert past.facts == (f"{vita} HOLDS {contract}", f"{contract} AWARDED_BY {sdis_id}")
    assert past.datasets == ("decp-e-marchespublics",)
    mates = partner_candidates(network, vita, objective="cotraitance", limit=4, with_introductions=False)
    assert {c.score for c in mates} == {2.3}  # co-held 1.0, CPV 90 0.5, same buyer 0.5, groupement 0.3
    assert all(c.id.startswith("org:428801419") and c.kind == "EI" for c in mates)
