"""The vocabulary (graph/ontology.ttl) and the shapes (graph/shapes.ttl) against the
enums of graph/kinds.py: every kind, relation, form, type and role is declared,
labelled in French (the enum's label) and English, and the shapes' lists repeat
the enums exactly."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from graph.kinds import (
    CodeKind,
    GmeMode,
    MemberRole,
    NodeKind,
    OrgKind,
    PartnershipForm,
    PartnershipType,
    PlaceKind,
    RelKind,
)
from graph.model import Batch
from graph.rdf import batch_quads
from graph.validation import DEFAULT_ONTOLOGY, DEFAULT_SHAPES
from loaders.case_studies import read_case_studies
from loaders.real import real_sources
from loaders.real_frame import real_outputs

MLG = rdflib.Namespace("https://w3id.org/maillage/ontologie#")
MLGSH = rdflib.Namespace("https://w3id.org/maillage/shapes#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
SCHEMA = rdflib.Namespace("https://schema.org/")
IGEO = rdflib.Namespace("http://rdf.insee.fr/def/geo#")

NODE_KINDS: list[NodeKind] = [*OrgKind, *PlaceKind, *CodeKind]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(DEFAULT_ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(DEFAULT_SHAPES, format="turtle")


def _label(
    g: rdflib.Graph, subject: rdflib.URIRef, lang: str, prop: rdflib.URIRef = RDFS.label
) -> str | None:
    found = [str(o) for o in g.objects(subject, prop) if isinstance(o, rdflib.Literal) and o.language == lang]
    assert len(found) <= 1, f"{subject} has several {prop} in {lang}: {found}"
    return found[0] if found else None


def _subclasses(g: rdflib.Graph, cls: rdflib.URIRef) -> set[str]:
    """Local names of the node-kind classes under `cls` (itself excluded)."""
    below = set(g.transitive_subjects(RDFS.subClassOf, cls)) - {cls}
    kinds = {k.value for k in NODE_KINDS}
    return {str(c).removeprefix(str(MLG)) for c in below} & kinds


def _in_list(shapes: rdflib.Graph, shape: rdflib.URIRef) -> list[str]:
    head = shapes.value(shape, SH["in"])
    assert head is not None, f"{shape} has no sh:in"
    return [str(item) for item in Collection(shapes, head)]


def test_ontology_is_an_owl_ontology(ontology: rdflib.Graph) -> None:
    assert (rdflib.URIRef("https://w3id.org/maillage/ontologie"), RDF.type, OWL.Ontology) in ontology


def test_kind_values_are_distinct_across_families() -> None:
    assert len({k.value for k in NODE_KINDS}) == len(NODE_KINDS)


@pytest.mark.parametrize("kind", NODE_KINDS, ids=lambda k: k.value)
def test_every_node_kind_is_a_labelled_defined_class(ontology: rdflib.Graph, kind: NodeKind) -> None:
    cls = MLG[kind.value]
    assert (cls, RDF.type, OWL.Class) in ontology
    assert _label(ontology, cls, "fr") == kind.label
    assert _label(ontology, cls, "en")
    assert _label(ontology, cls, "en", SKOS.definition)


@pytest.mark.parametrize("rel", list(RelKind), ids=lambda r: r.value)
def test_every_relation_is_a_labelled_object_property(ontology: rdflib.Graph, rel: RelKind) -> None:
    prop = MLG[rel.predicate]
    assert (prop, RDF.type, OWL.ObjectProperty) in ontology
    assert _label(ontology, prop, "fr") == rel.label
    assert _label(ontology, prop, "en")
    assert _label(ontology, prop, "en", SKOS.definition)
    assert ontology.value(prop, RDFS.domain) is not None
    assert ontology.value(prop, RDFS.range) is not None


def test_member_of_specialises_w3c_org_member_of(ontology: rdflib.Graph) -> None:
    assert (MLG.memberOf, RDFS.subPropertyOf, ORG.memberOf) in ontology
    assert (MLG.Organisation, RDFS.subClassOf, ORG.Organization) in ontology
    assert (ORG.Membership, RDFS.subClassOf, MLG.QualifiedRelation) in ontology


def test_class_hierarchy_groups_the_kinds_as_the_enum_does(ontology: rdflib.Graph) -> None:
    assert _subclasses(ontology, MLG.SIAE) == {k.value for k in OrgKind.siae()}
    assert _subclasses(ontology, MLG.EmployeurInclusif) == {k.value for k in OrgKind.inclusive_employers()}
    assert _subclasses(ontology, MLG.Collectif) == {k.value for k in OrgKind.collectives()}
    assert _subclasses(ontology, MLG.OrganismePublic) == {k.value for k in OrgKind.public_bodies()}
    assert _subclasses(ontology, MLG.Financeur) == {"Fondation", "Banque", "InvestisseurSolidaire"}
    assert _subclasses(ontology, MLG.Organisation) == {k.value for k in OrgKind}
    assert _subclasses(ontology, MLG.Lieu) == {k.value for k in PlaceKind}
    assert _subclasses(ontology, SKOS.Concept) == {k.value for k in CodeKind} - {"Projet", "MarchePublic"}
    assert _subclasses(ontology, MLG.CodeNaf) == {k.value for k in CodeKind if k.value.startswith("Naf")}


def test_places_are_schema_places_and_insee_territories(ontology: rdflib.Graph) -> None:
    assert (MLG.Lieu, RDFS.subClassOf, SCHEMA.Place) in ontology
    insee = {
        PlaceKind.COMMUNE: IGEO.Commune,
        PlaceKind.ARRONDISSEMENT: IGEO.ArrondissementMunicipal,
        PlaceKind.EPCI: IGEO.Intercommunalite,
        PlaceKind.DEPARTEMENT: IGEO.Departement,
        PlaceKind.REGION: IGEO.Region,
        PlaceKind.ZONE_EMPLOI: IGEO.GroupementStatistiqueDeCommunes,
    }
    for kind, insee_class in insee.items():
        assert (MLG[kind.value], RDFS.subClassOf, insee_class) in ontology


def _concepts(ontology: rdflib.Graph, scheme: rdflib.URIRef) -> dict[str, rdflib.URIRef]:
    """The concepts of a scheme by their notation."""
    return {
        str(ontology.value(c, SKOS.notation)): c
        for c in ontology.subjects(SKOS.inScheme, scheme)
        if isinstance(c, rdflib.URIRef)
    }


def test_partnership_types_are_narrower_than_their_form(ontology: rdflib.Graph) -> None:
    forms = _concepts(ontology, MLG.FormesPartenariat)
    types = _concepts(ontology, MLG.TypesPartenariat)
    assert set(forms) == {f.value for f in PartnershipForm}
    assert set(types) == {t.value for t in PartnershipType}
    for form in PartnershipForm:
        assert _label(ontology, forms[form.value], "fr", SKOS.prefLabel) == form.label
        assert _label(ontology, forms[form.value], "en", SKOS.prefLabel)
    for kind in PartnershipType:
        concept = types[kind.value]
        assert _label(ontology, concept, "fr", SKOS.prefLabel) == kind.label
        assert _label(ontology, concept, "en", SKOS.prefLabel)
        assert list(ontology.objects(concept, SKOS.broader)) == [forms[kind.form.value]]


def test_member_roles_and_gme_modes_are_concept_schemes(ontology: rdflib.Graph) -> None:
    assert set(_concepts(ontology, MLG.RolesMembre)) == {r.value for r in MemberRole}
    assert set(_concepts(ontology, MLG.ModesGme)) == {m.value for m in GmeMode}
    for scheme in (MLG.RolesMembre, MLG.ModesGme):
        for concept in _concepts(ontology, scheme).values():
            assert _label(ontology, concept, "fr", SKOS.prefLabel)
            assert _label(ontology, concept, "en", SKOS.prefLabel)


def _undeclared(ontology: rdflib.Graph, batches: Iterable[Batch]) -> set[str]:
    """The mlg: predicates the batches write that the ontology does not declare."""
    used = {
        q.predicate.value for b in batches for q in batch_quads(b) if q.predicate.value.startswith(str(MLG))
    }
    declared = {
        str(p)
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in ontology.subjects(RDF.type, kind)
    }
    return used - declared


def test_every_property_of_the_case_studies_is_declared(ontology: rdflib.Graph) -> None:
    assert _undeclared(ontology, [read_case_studies()]) == set()


def test_every_property_the_real_loaders_write_is_declared(ontology: rdflib.Graph) -> None:
    outputs = real_sources(frame=real_outputs().within(["10"]))
    assert _undeclared(ontology, (o.batch for o in outputs)) == set()


def test_shapes_parse_as_shacl(shapes: rdflib.Graph) -> None:
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert MLGSH["Organisation-siret"] in property_shapes
    assert shapes.value(MLGSH["Organisation-siret"], SH.pattern) == rdflib.Literal("^[0-9]{14}$")
    # every named shape has a message, so that violations explain themselves
    for shape in property_shapes | set(shapes.subjects(RDF.type, SH.NodeShape)):
        if isinstance(shape, rdflib.URIRef) and shapes.value(shape, SH.path) is not None:
            assert shapes.value(shape, SH.message) is not None, shape


def test_shape_lists_repeat_the_enums(shapes: rdflib.Graph) -> None:
    assert _in_list(shapes, MLGSH["Partnership-type"]) == [t.value for t in PartnershipType]
    assert _in_list(shapes, MLGSH["Partnership-form"]) == [f.value for f in PartnershipForm]
    assert _in_list(shapes, MLGSH["Partnership-gme"]) == [m.value for m in GmeMode]
    assert _in_list(shapes, MLGSH["Membership-role"]) == [r.value for r in MemberRole]
    assert _in_list(shapes, MLGSH["QualifiedRelation-relation"]) == [str(MLG[r.predicate]) for r in RelKind]
    assert _in_list(shapes, MLGSH["PartOf-subject"]) == [
        str(MLG[k.value])
        for k in (*PlaceKind, *CodeKind)
        if k not in (CodeKind.PROJET, CodeKind.MARCHE_PUBLIC)
    ]
    for form in PartnershipForm:
        types = _in_list(shapes, MLGSH[f"Partnership-form-{form.value}"])
        assert types == [t.value for t in PartnershipType if t.form is form]
