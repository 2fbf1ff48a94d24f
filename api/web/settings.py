"""Settings of the web app: limits and refresh intervals, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from graph.settings import Settings

__all__ = ["WebSettings"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    sparql_timeout_s: float = 30.0  # a SPARQL query running longer is stopped
    sparql_row_limit: int = 10_000  # rows (or triples) of a SPARQL answer at most
    cypher_timeout_s: float = 30.0
    cypher_row_limit: int = 1000
    max_per_page: int = 200
    max_network_nodes: int = 500
    max_overview_nodes: int = 50_000  # organisations the overview draws at most

    @classmethod
    def from_settings(cls, settings: Settings) -> WebSettings:
        """The project's settings (`graph.settings`): query time and row limits."""
        return cls(
            sparql_timeout_s=settings.query_timeout_s,
            sparql_row_limit=settings.row_limit,
            cypher_timeout_s=settings.query_timeout_s,
            cypher_row_limit=settings.row_limit,
        )
