"""SHACL validation of the real embedded store: a sound graph conforms; each broken
one fails with a violation naming the node, the property and the constraint."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from pyoxigraph import NamedNode, Quad

from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from graph.rdf import batch_quads, graph_iri, iri, rel_predicate, relation_iri
from graph.validation import ValidationResult, Violation, validate
from loaders.base import LoaderOutput
from loaders.case_studies import read_case_studies
from loaders.real import real_sources
from loaders.real_frame import real_outputs
from tests.conftest import AUBE, aube_batch

SH = "http://www.w3.org/ns/shacl#"
MLG = "https://w3id.org/maillage/ontologie#"
MLGSH = "https://w3id.org/maillage/shapes#"
OTHER = Provenance("fixture-autre", date(2024, 2, 1))


@pytest.fixture
def aube_store(oxigraph_store: OxigraphStore) -> OxigraphStore:
    oxigraph_store.upsert(aube_batch())
    return oxigraph_store


def _with(*items: Node | Edge) -> Batch:
    """The Aube fixture plus some nodes and edges."""
    batch = aube_batch()
    nodes = [i for i in items if isinstance(i, Node)]
    edges = [i for i in items if isinstance(i, Edge)]
    return replace(batch, nodes=[*batch.nodes, *nodes], edges=[*batch.edges, *edges])


def _only(result: ValidationResult) -> Violation:
    assert not result.conforms
    assert len(result.violations) == 1, "\n".join(v.message for v in result.violations)
    return result.violations[0]


def test_the_aube_fixture_conforms(aube_store: OxigraphStore) -> None:
    result = validate(aube_store)
    assert result.conforms, str(result)
    assert result.violations == []
    assert result.triples == len(aube_store)


def _is_decp(output: LoaderOutput) -> bool:
    return output.batch.provenance.source.startswith("decp-")


def test_the_real_sources_of_the_aube_conform(oxigraph_store: OxigraphStore) -> None:
    """Every real file of the data mirror (geography, nomenclatures, structures,
    SIRENE, jobs, networks, CPV), on the Aube, judged together. The public
    contracts (DECP) are national: they are validated on one archive in
    tests/test_loaders_decp.py, to keep this test fast."""
    outputs = [o for o in real_sources(frame=real_outputs().within(["10"])) if not _is_decp(o)]
    for output in outputs:
        oxigraph_store.upsert(output.batch)
    result = validate(oxigraph_store)
    assert result.conforms, str(result)
    assert len(oxigraph_store.datasets()) == len(outputs)


def test_a_malformed_siret_is_named_with_its_node_and_constraint(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(_with(Node("org:bad", OrgKind.EI, "EI au SIRET tronqué", {"siret": "8074693170"})))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == "https://w3id.org/maillage/id/org/bad"
    assert violation.path == MLG + "siret"
    assert violation.constraint == SH + "PatternConstraintComponent"
    assert violation.shape == MLGSH + "Organisation-siret"
    assert violation.value == "8074693170"
    assert violation.message == (
        "org:bad mlg:siret: un SIRET a 14 chiffres "
        '(valeur "8074693170" ; sh:PatternConstraintComponent dans mlgsh:Organisation-siret)'
    )


def test_a_partnership_without_type_is_named_with_its_ends(oxigraph_store: OxigraphStore) -> None:
    untyped = Edge("org:leader-sa", RelKind.PARTNER_OF, "org:ei-troyes", {"form": "mecenat"}, key="don")
    oxigraph_store.upsert(_with(untyped))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == relation_iri(untyped).value
    assert violation.path == MLG + "type"
    assert violation.constraint == SH + "MinCountConstraintComponent"
    assert violation.shape == MLGSH + "Partnership-type"
    assert "(org:leader-sa mlg:partnerOf org:ei-troyes) mlg:type:" in violation.message
    assert "sh:MinCountConstraintComponent" in violation.message


def test_membership_of_a_company_is_refused(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(_with(Edge("org:menuiserie", RelKind.MEMBER_OF, "org:transports")))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == iri("org:menuiserie")
    assert violation.path == MLG + "memberOf"
    assert violation.constraint == SH + "ClassConstraintComponent"
    assert violation.shape == MLGSH + "MemberOf-value"
    assert violation.value == iri("org:transports")
    assert violation.message.startswith("org:menuiserie mlg:memberOf: mlg:memberOf pointe vers un collectif")


def test_a_qualified_membership_of_a_company_breaks_both_forms(oxigraph_store: OxigraphStore) -> None:
    member = Edge("org:menuiserie", RelKind.MEMBER_OF, "org:transports", {"role": "membre"})
    oxigraph_store.upsert(_with(member))
    found = {(v.focus_node, v.shape) for v in validate(oxigraph_store).violations}
    assert found == {
        (iri("org:menuiserie"), MLGSH + "MemberOf-value"),
        (relation_iri(member).value, MLGSH + "Membership-to"),
    }


def test_a_form_that_is_not_the_form_of_the_type_is_refused(oxigraph_store: OxigraphStore) -> None:
    wrong = Edge(
        "org:boutique-boulot",
        RelKind.PARTNER_OF,
        "org:transports",
        {"type": "jvs", "form": "mecenat"},
        key="jvs",
    )
    oxigraph_store.upsert(_with(wrong))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == relation_iri(wrong).value
    assert violation.constraint == SH + "InConstraintComponent"
    assert violation.shape == MLGSH + "Partnership-form-mecenat"
    assert violation.value == "jvs"


def test_a_grouping_mode_outside_a_cotraitance_is_refused(oxigraph_store: OxigraphStore) -> None:
    gme = Edge(
        "org:ei-troyes",
        RelKind.PARTNER_OF,
        "org:leader-sa",
        {"type": "sous_traitance", "form": "cooperation_economique", "gme": "conjoint"},
        key="sous_traitance",
    )
    oxigraph_store.upsert(_with(gme))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == relation_iri(gme).value
    assert violation.constraint == SH + "OrConstraintComponent"
    assert violation.shape == MLGSH + "Partnership-gmeOnlyInCotraitance"


def test_a_latitude_out_of_range_is_refused(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(
        _with(Node("commune:10033", PlaceKind.COMMUNE, "Bar-sur-Aube", {"latitude": 148.23}))
    )
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == iri("commune:10033")
    assert violation.path == "https://schema.org/latitude"
    assert violation.constraint == SH + "MaxInclusiveConstraintComponent"


def test_a_place_part_of_an_organisation_is_refused(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(_with(Edge("commune:10387", RelKind.PART_OF, "org:club-10")))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == iri("commune:10387")
    assert violation.shape == MLGSH + "Lieu-partOf"
    assert violation.constraint == SH + "ClassConstraintComponent"


def test_validation_judges_the_union_of_the_datasets(oxigraph_store: OxigraphStore) -> None:
    """A node declared by one dataset and related by another: sound in the union,
    a dangling end in the second dataset alone."""
    oxigraph_store.upsert(aube_batch())
    newcomer = Node("org:newcomer", OrgKind.ENTREPRISE, "Nouvelle entreprise")
    oxigraph_store.upsert(Batch(OTHER, [newcomer], [Edge(newcomer.id, RelKind.MEMBER_OF, "org:club-10")]))
    assert validate(oxigraph_store).conforms

    alone = [q for q in oxigraph_store.quads() if q.graph_name == graph_iri(OTHER.source)]
    found = {(v.focus_node, v.shape) for v in validate(alone).violations}
    assert found == {
        (iri("org:club-10"), MLGSH + "RelationEnd-type"),
        (iri("org:newcomer"), MLGSH + "MemberOf-value"),
    }


def test_two_datasets_disagreeing_on_a_kind_are_caught(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(aube_batch())
    oxigraph_store.upsert(Batch(OTHER, [Node("org:ei-troyes", OrgKind.ENTREPRISE, "Recyclerie de Troyes")]))
    violation = _only(validate(oxigraph_store))
    assert violation.focus_node == iri("org:ei-troyes")
    assert violation.shape == MLGSH + "Node-kind"
    assert violation.constraint == SH + "MaxCountConstraintComponent"


def test_quads_with_an_undeclared_end_are_refused() -> None:
    """Quads from elsewhere than a batch (an import): a relation to a commune no
    dataset declares."""
    quads = [
        *batch_quads(aube_batch()),
        Quad(
            NamedNode(iri("org:isolee")),
            rel_predicate(RelKind.LOCATED_IN),
            NamedNode(iri("commune:10999")),
            graph_iri(AUBE.source),
        ),
    ]
    found = {(v.focus_node, v.shape) for v in validate(quads).violations}
    assert found == {
        (iri("commune:10999"), MLGSH + "RelationEnd-type"),
        (iri("org:isolee"), MLGSH + "LocatedIn-value"),
    }


def test_the_bundled_case_studies_conform(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(read_case_studies())
    result = validate(oxigraph_store)
    assert result.violations == []
    assert result.conforms
