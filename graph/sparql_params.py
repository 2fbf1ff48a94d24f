"""SPARQL with `$name` parameters, and its answers as plain values: how the embedded
store runs a named question (graph.store.Question) like Neo4j runs its Cypher twin."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from pyoxigraph import Literal, NamedNode

from graph.rdf import PREFIXES, from_literal, iri, node_id, to_literal
from graph.store import Param, Value

__all__ = ["bind_sparql", "sparql_value"]

_PARAM: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _term(value: Param) -> str:
    """The RDF term a parameter stands for, in SPARQL syntax: a node id's IRI, or for a
    prefixed name of a vocabulary (``mlg:SIAE``; ``org:`` is a node family) its IRI.

    >>> _term("commune:10387"), _term(20.0), _term(True)
    ('<http://id.insee.fr/geo/commune/10387>', '"20.0"^^<http://www.w3.org/2001/XMLSchema#double>', \
'"true"^^<http://www.w3.org/2001/XMLSchema#boolean>')
    >>> _term("mlg:SIAE")
    '<https://w3id.org/maillage/ontologie#SIAE>'
    """
    if isinstance(value, str):
        prefix, _, name = value.partition(":")
        if prefix in PREFIXES and prefix != "org":
            return str(NamedNode(PREFIXES[prefix] + name))
        return str(NamedNode(iri(value)))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(to_literal(float(value)))
    return str(to_literal(value))


def bind_sparql(text: str, params: Mapping[str, Param]) -> str:
    """`text` with each ``$name`` replaced by the term of ``params[name]``.

    >>> bind_sparql("SELECT * WHERE { $org ?p ?o }", {"org": "org:x"})
    'SELECT * WHERE { <https://w3id.org/maillage/id/org/x> ?p ?o }'
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(f"missing parameter ${name}")
        return _term(params[name])

    return _PARAM.sub(replace, text)


def sparql_value(term: object) -> Value:
    """A term of an answer as a plain value: a node id for a node's IRI."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        try:
            return node_id(term.value)
        except ValueError:
            return term.value
    if isinstance(term, Literal):
        value: Value = from_literal(term)
        return value
    return str(term)
