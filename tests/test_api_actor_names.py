"""The actor route names the places, codes and actors an actor's facts point to from
memory (the search index, then names read once per store state): the same names and
kinds the store gives, on the real guide and the Aube fixture."""

from __future__ import annotations

from pyoxigraph import NamedNode

from api.web.services import Services
from api.web.settings import WebSettings
from graph.oxigraph_store import OxigraphStore
from graph.rdf import iri, predicate_rel
from graph.rdf import node_id as id_of_iri
from loaders.case_studies import read_case_studies
from queries.actor import actor_profile, node_names
from queries.catalogue import catalogue
from tests.conftest import aube_batch


def test_names_from_memory_are_the_store_s_and_so_is_the_profile() -> None:
    with OxigraphStore() as store:
        store.upsert(read_case_studies())
        store.upsert(aube_batch())
        services = Services(store, WebSettings())
        targets = sorted(
            {
                id_of_iri(q.object.value)
                for e in catalogue(store)
                for q in store.quads_for_pattern(NamedNode(iri(e.id)), None, None, None)
                if isinstance(q.object, NamedNode) and predicate_rel(q.predicate.value) is not None
            }
        )
        assert len(targets) > 50 and {t.split(":")[0] for t in targets} >= {"org", "commune", "departement"}
        from_store = node_names(store, targets)
        assert services.index_if_ready() is None
        assert services.node_names(targets) == from_store  # before the index: the store
        services.index()
        assert services.index_if_ready() is not None
        assert services.node_names(targets) == from_store  # the index, and the memo of the others
        assert services.node_names(["org:nope"]) == {}
        for node in ("org:boutique-boulot", "org:club-10", "commune:10387"):
            assert actor_profile(store, node, names=services.node_names) == actor_profile(store, node)
