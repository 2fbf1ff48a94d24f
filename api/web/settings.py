"""Settings of the web app: limits and refresh intervals, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WebSettings"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    sparql_timeout_s: float = 30.0  # a SPARQL query running longer is stopped
    sparql_row_limit: int = 10_000  # rows (or triples) of a SPARQL answer at most
    cypher_timeout_s: float = 30.0
    cypher_row_limit: int = 1000
    index_check_s: float = 10.0  # how often the search index checks whether the store changed
    max_per_page: int = 200
    max_network_nodes: int = 500
