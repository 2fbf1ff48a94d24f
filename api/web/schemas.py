"""The shapes of the REST answers (they make the OpenAPI schema)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from graph.kinds import CodeKind, NodeKind, OrgKind, PlaceKind

__all__ = [
    "ActorOut",
    "DatasetOut",
    "FacetOut",
    "Labelled",
    "NetworkEdge",
    "NetworkNode",
    "NetworkOut",
    "Page",
    "SearchItem",
    "famille_of",
    "kind_label",
    "paginate",
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    start = (page - 1) * per_page
    return Page[T](
        items=list(items[start : start + per_page]), total=len(items), page=page, per_page=per_page
    )


def kind_label(kind: NodeKind) -> str:
    return kind.label


def famille_of(kind: NodeKind) -> str:
    if isinstance(kind, OrgKind):
        return "org"
    if isinstance(kind, PlaceKind):
        return "place"
    assert isinstance(kind, CodeKind)
    return "code"


class DatasetOut(BaseModel):
    id: str
    title: str
    date: date
    synthetic: bool


class SearchItem(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    famille: str
    commune: str | None
    commune_name: str | None
    departement: str | None
    siret: str | None
    latitude: float | None
    longitude: float | None
    score: float
    distance_km: float | None = None
    synthetic: bool


class Labelled(BaseModel):
    id: str
    label: str


class FactOut(BaseModel):
    property: str
    label: str
    value: Any
    value_label: str | None = None
    datasets: list[str]


class DatasetRef(BaseModel):
    id: str
    title: str
    synthetic: bool


class ActorOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    famille: str
    siret: str | None
    adresse: str | None
    commune: str | None
    commune_name: str | None
    departement: str | None
    departement_name: str | None
    latitude: float | None
    longitude: float | None
    sectors: list[Labelled]
    jobs: list[Labelled]
    facts: list[FactOut]
    datasets: list[DatasetRef]
    synthetic: bool


class NetworkNode(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    famille: str
    synthetic: bool
    depth: int


class NetworkEdge(BaseModel):
    source: str
    target: str
    rel: str
    rel_label: str
    key: str
    attrs: dict[str, Any]
    datasets: list[str]
    synthetic: bool


class FacetOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    rel: str
    of: list[str]


class Facets(BaseModel):
    places: list[FacetOut]
    codes: list[FacetOut]


class NetworkOut(BaseModel):
    centre: str
    depth: int
    rels: list[str]
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    facets: Facets
    truncated: bool
