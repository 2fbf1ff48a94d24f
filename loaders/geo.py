"""French administrative geography: communes, arrondissements, EPCI, départements,
régions (Etalab's `decoupage-administratif`), commune centroids, zones d'emploi 2020.

Three datasets, three outputs, to write in this order (each later one points at
the communes of the first, and carries minimal commune nodes so it never dangles):

- `cog_output` → `cog-2025`: current communes (`commune:{code}`), municipal
  arrondissements (`arrondissement:{code}`), EPCI (`epci:{siren}`), départements,
  régions, and their `PART_OF` links: commune → EPCI, commune → département
  (direct, since 89 EPCI straddle départements), EPCI → département when all its
  members are in one, département → région, arrondissement → its commune;
- `centroids_output` → `communes-centroides`: `latitude` / `longitude` on communes
  and arrondissements;
- `zones_emploi_output` → `insee-ze2020`: zones d'emploi (`ze:{code}`) and
  commune → zone `PART_OF` links.

Scope: every current commune, and France's départements and régions (zones
`metro` and `drom`: 101 and 18). The collectivités d'outre-mer (zone `com`:
Saint-Pierre-et-Miquelon, Saint-Martin, Polynésie…) are not départements: their
rows in `departements.json` and `regions.json` are rejected with that reason,
while their communes are kept (SIAE exist in Saint-Martin and Saint-Pierre), with
the property `collectivite` (975, 977…) and no `PART_OF` département. Communes
déléguées and associées are not places of the graph: they are read into the
`CommuneIndex` (their codes and names lead to the current commune) and not counted
in `rows_in`.

`CommuneIndex` resolves a commune for the other loaders: by INSEE code (current,
arrondissement, or former/delegated code), else postal code + normalised name, else
normalised name in the postal code's département, else nearest centroid.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from graph.geo import distance_km
from graph.ids import place_id, slugify
from graph.kinds import PlaceKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Rejection
from loaders.base import LoaderOutput
from loaders.report import progress
from loaders.sources import SHARED_DATA, json_kind, open_csv, provenance, read_json, read_json_array

__all__ = [
    "CommuneIndex",
    "CommuneMatch",
    "centroids_output",
    "cog_output",
    "commune_index",
    "geography_outputs",
    "normalise_place_name",
    "place_id",
    "zones_emploi_output",
]

_IN_SCOPE: Final = frozenset({"metro", "drom"})
_COM_REASON: Final = (
    "collectivité d'outre-mer (zone com), ni département ni région : ses communes sont gardées"
)
_CURRENT: Final = "commune-actuelle"
_ARRONDISSEMENT: Final = "arrondissement-municipal"
_FORMER_TYPES: Final = frozenset({"commune-deleguee", "commune-associee"})


_DROPPED_TOKENS: Final = frozenset({"cedex", "cedex1", "cs", "bp"})
_EXPANDED: Final = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalise_place_name(name: str) -> str:
    """A commune name reduced for comparison: ASCII, lower case, hyphens, `St` → `saint`,
    no `CEDEX` and no bare numbers.

    >>> normalise_place_name("ST ETIENNE CEDEX 2")
    'saint-etienne'
    >>> normalise_place_name("La Roche-sur-Yon")
    'la-roche-sur-yon'
    """
    tokens = [_EXPANDED.get(t, t) for t in slugify(name).split("-")]
    return "-".join(t for t in tokens if t and t not in _DROPPED_TOKENS and not t.isdigit())


def _postal_prefix(code: str) -> str:
    """The département part of a postal code or département code (Corsica is `20`)."""
    return "20" if code[:2] in ("2A", "2B") else code[:2]


@dataclass(frozen=True, slots=True)
class CommuneMatch:
    """A resolved place: how it was found, and how far the centroid was."""

    node_id: str
    method: str  # insee | former-code | postal-code+name | departement+name | centroid
    distance_km: float | None = None


_CELL: Final = 0.5  # degrees, for the centroid grid


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return (math.floor(latitude / _CELL), math.floor(longitude / _CELL))


@dataclass(frozen=True, slots=True)
class CommuneIndex:
    """Current communes and arrondissements, and the ways to find one.

    Build it with `commune_index`. `places` maps an INSEE code to the kind and name
    of its node; `former` maps the code of a commune déléguée, associée or merged
    away to the current commune.
    """

    places: Mapping[str, tuple[PlaceKind, str]]
    former: Mapping[str, str] = field(default_factory=dict)
    by_postal: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    by_name: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    grid: Mapping[tuple[int, int], tuple[tuple[str, float, float], ...]] = field(default_factory=dict)

    def node_id(self, code: str) -> str | None:
        """The node id of a current commune or arrondissement code."""
        held = self.places.get(code)
        return place_id(held[0], code) if held else None

    def stub(self, node_id: str) -> Node:
        """The minimal node a loader includes so that its relations never dangle."""
        code = node_id.partition(":")[2]
        kind, name = self.places[code]
        return Node(node_id, kind, name)

    def by_code(self, code: str) -> CommuneMatch | None:
        """A current commune or arrondissement by its code, or a former code's heir."""
        found = self.node_id(code)
        if found:
            return CommuneMatch(found, "insee")
        heir = self.former.get(code)
        if heir and (found := self.node_id(heir)):
            return CommuneMatch(found, "former-code")
        return None

    def resolve(
        self,
        *,
        code_insee: str | None = None,
        postal_code: str | None = None,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        max_km: float = 20.0,
    ) -> CommuneMatch | None:
        """Find a commune: by INSEE code, else postal code + name, else name in the
        postal code's département, else the nearest centroid within `max_km`."""
        if code_insee and (match := self.by_code(code_insee)):
            return match
        wanted = normalise_place_name(name) if name else ""
        if postal_code and wanted:
            hits = [c for c in self.by_postal.get(postal_code, ()) if wanted in self.aliases.get(c, ())]
            if len(hits) == 1 and (found := self.node_id(hits[0])):
                return CommuneMatch(found, "postal-code+name")
            hits = list(self.by_name.get((_postal_prefix(postal_code), wanted), ()))
            if len(hits) == 1 and (found := self.node_id(hits[0])):
                return CommuneMatch(found, "departement+name")
        if latitude is not None and longitude is not None:
            return self.nearest(latitude, longitude, max_km=max_km)
        return None

    def nearest(self, latitude: float, longitude: float, *, max_km: float = 20.0) -> CommuneMatch | None:
        """The commune or arrondissement whose centroid is nearest, if within `max_km`."""
        row, col = _cell(latitude, longitude)
        best: tuple[float, str] | None = None
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for code, lat, lon in self.grid.get((row + dr, col + dc), ()):
                    d = distance_km(latitude, longitude, lat, lon)
                    if best is None or (d, code) < best:
                        best = (d, code)
        if best is None or best[0] > max_km:
            return None
        found = self.node_id(best[1])
        return CommuneMatch(found, "centroid", round(best[0], 3)) if found else None


def commune_index(
    communes: Path = SHARED_DATA / "geo/communes.json",
    centroids: Path | None = SHARED_DATA / "geo/communes_centroides.csv",
) -> CommuneIndex:
    """The commune index from `communes.json` (and the centroids, for nearest-centroid
    resolution). Rows it cannot use are skipped: `cog_output` reports them."""
    rows = read_json(communes)
    places: dict[str, tuple[PlaceKind, str]] = {}
    former: dict[str, str] = {}
    by_postal: dict[str, list[str]] = defaultdict(list)
    aliases: dict[str, set[str]] = defaultdict(set)
    prefixes: dict[str, set[str]] = defaultdict(set)
    delegated: list[dict[str, Any]] = []
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict) or not isinstance(row.get("code"), str):
            continue
        code, kind_text, name = row["code"], row.get("type"), str(row.get("nom", ""))
        if kind_text in (_CURRENT, _ARRONDISSEMENT):
            kind = PlaceKind.COMMUNE if kind_text == _CURRENT else PlaceKind.ARRONDISSEMENT
            places[code] = (kind, name)
            aliases[code].add(normalise_place_name(name))
            for postal in row.get("codesPostaux") or ():
                by_postal[str(postal)].append(code)
                prefixes[code].add(_postal_prefix(str(postal)))
            if isinstance(row.get("departement"), str):
                prefixes[code].add(_postal_prefix(row["departement"]))
            for old in row.get("anciensCodes") or ():
                former.setdefault(str(old), code)
        elif kind_text in _FORMER_TYPES:
            delegated.append(row)
    for row in delegated:
        heir = row.get("chefLieu")
        if isinstance(heir, str) and heir in places:
            former.setdefault(row["code"], heir)
            aliases[heir].add(normalise_place_name(str(row.get("nom", ""))))
    by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, names in aliases.items():
        if places[code][0] is not PlaceKind.COMMUNE:
            continue
        for prefix in prefixes[code]:
            for alias in names:
                by_name[(prefix, alias)].add(code)
    grid: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    if centroids is not None:
        for _, row in open_csv(centroids, required=("code_insee", "latitude", "longitude")):
            code = row["code_insee"]
            if code not in places:
                continue
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                continue
            grid[_cell(lat, lon)].append((code, lat, lon))
    return CommuneIndex(
        places=places,
        former=former,
        by_postal={k: tuple(v) for k, v in by_postal.items()},
        aliases={k: frozenset(v) for k, v in aliases.items()},
        by_name={k: tuple(sorted(v)) for k, v in by_name.items()},
        grid={k: tuple(v) for k, v in grid.items()},
    )


# -- the COG: communes, EPCI, départements, régions -----------------------------


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _check(row: Any, keys: Iterable[str], file: str, line: int) -> Rejection | None:
    if not isinstance(row, dict):
        return Rejection(file, line, "-", f"un objet est attendu, trouvé : {json_kind(row)}")
    for key in keys:
        if _text(row, key) is None:
            return Rejection(file, line, key, "absent ou vide")
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def cog_output(
    communes: Path = SHARED_DATA / "geo/communes.json",
    epci: Path = SHARED_DATA / "geo/epci.json",
    departements: Path = SHARED_DATA / "geo/departements.json",
    regions: Path = SHARED_DATA / "geo/regions.json",
    *,
    as_of: date | None = None,
) -> LoaderOutput:
    """Régions, départements, communes, arrondissements and EPCI with their `PART_OF` links."""
    files = {p: read_json_array(p) for p in (regions, departements, communes, epci)}
    nodes: list[Node] = []
    edges: list[Edge] = []
    rejected: list[Rejection] = []
    unresolved: list[Rejection] = []
    rows_in = 0

    region_codes: set[str] = set()
    for line, row in files[regions]:
        rows_in += 1
        if (problem := _check(row, ("code", "nom"), regions.name, line)) is not None:
            rejected.append(problem)
        elif row.get("zone") not in _IN_SCOPE:
            rejected.append(Rejection(regions.name, line, "zone", _COM_REASON))
        else:
            region_codes.add(row["code"])
            nodes.append(
                Node(
                    place_id(PlaceKind.REGION, row["code"]),
                    PlaceKind.REGION,
                    row["nom"],
                    {"code": row["code"]},
                )
            )

    departement_codes: set[str] = set()
    for line, row in files[departements]:
        rows_in += 1
        if (problem := _check(row, ("code", "nom", "region"), departements.name, line)) is not None:
            rejected.append(problem)
        elif row.get("zone") not in _IN_SCOPE:
            rejected.append(Rejection(departements.name, line, "zone", _COM_REASON))
        elif row["region"] not in region_codes:
            rejected.append(
                Rejection(departements.name, line, "region", f"région inconnue : {row['region']!r}")
            )
        else:
            code = row["code"]
            departement_codes.add(code)
            own = place_id(PlaceKind.DEPARTEMENT, code)
            nodes.append(Node(own, PlaceKind.DEPARTEMENT, row["nom"], {"code": code}))
            edges.append(Edge(own, RelKind.PART_OF, place_id(PlaceKind.REGION, row["region"])))

    commune_departement: dict[str, str] = {}
    arrondissements: list[tuple[int, dict[str, Any]]] = []
    for line, row in progress(files[communes], desc="communes", unit="row"):
        if isinstance(row, dict) and row.get("type") in _FORMER_TYPES:
            continue  # not a place of the graph: read into the CommuneIndex only
        rows_in += 1
        if (problem := _check(row, ("code", "nom", "type"), communes.name, line)) is not None:
            rejected.append(problem)
        elif row["type"] == _ARRONDISSEMENT:
            arrondissements.append((line, row))
        elif row["type"] != _CURRENT:
            rejected.append(
                Rejection(communes.name, line, "type", f"type de commune inconnu : {row['type']!r}")
            )
        elif row.get("zone") not in _IN_SCOPE:
            # a commune of a collectivité d'outre-mer: a place, in no département
            overseas = _commune_props(row)
            if (collectivite := _text(row, "departement")) is not None:
                overseas["collectivite"] = collectivite
            commune_departement[row["code"]] = ""
            nodes.append(
                Node(place_id(PlaceKind.COMMUNE, row["code"]), PlaceKind.COMMUNE, row["nom"], overseas)
            )
        elif row.get("departement") not in departement_codes:
            rejected.append(
                Rejection(
                    communes.name, line, "departement", f"département inconnu : {row.get('departement')!r}"
                )
            )
        else:
            code = row["code"]
            own = place_id(PlaceKind.COMMUNE, code)
            commune_departement[code] = row["departement"]
            nodes.append(Node(own, PlaceKind.COMMUNE, row["nom"], _commune_props(row)))
            edges.append(Edge(own, RelKind.PART_OF, place_id(PlaceKind.DEPARTEMENT, row["departement"])))
    for line, row in arrondissements:
        parent = row.get("commune")
        if parent not in commune_departement:
            rejected.append(
                Rejection(communes.name, line, "commune", f"commune parente inconnue : {parent!r}")
            )
            continue
        own = place_id(PlaceKind.ARRONDISSEMENT, row["code"])
        nodes.append(Node(own, PlaceKind.ARRONDISSEMENT, row["nom"], _commune_props(row)))
        edges.append(Edge(own, RelKind.PART_OF, place_id(PlaceKind.COMMUNE, parent)))

    for line, row in files[epci]:
        rows_in += 1
        if (problem := _check(row, ("code", "nom"), epci.name, line)) is not None:
            rejected.append(problem)
            continue
        members = row.get("membres")
        if not isinstance(members, list) or not members:
            rejected.append(Rejection(epci.name, line, "membres", "absent ou vide"))
            continue
        code = row["code"]
        own = place_id(PlaceKind.EPCI, code)
        props: dict[str, PropValue] = {"code": code, "siren": code}
        if (nature := _text(row, "type")) is not None:
            props["epci_type"] = nature
        if (population := _int(row.get("populationMunicipale"))) is not None:
            props["population"] = population
        nodes.append(Node(own, PlaceKind.EPCI, row["nom"], props))
        their_departements: set[str] = set()
        for member in members:
            member_code = member.get("code") if isinstance(member, dict) else None
            if member_code not in commune_departement:
                unresolved.append(
                    Rejection(
                        epci.name,
                        line,
                        "membres",
                        f"le membre {member_code!r} n'est pas une commune actuelle",
                    )
                )
                continue
            their_departements.add(commune_departement[member_code])
            edges.append(Edge(place_id(PlaceKind.COMMUNE, member_code), RelKind.PART_OF, own))
        if len(their_departements) == 1 and "" not in their_departements:
            edges.append(
                Edge(own, RelKind.PART_OF, place_id(PlaceKind.DEPARTEMENT, their_departements.pop()))
            )

    batch = Batch(provenance("cog-2025", as_of=as_of), nodes, edges)
    return LoaderOutput(batch, rows_in, rejected, unresolved)


def _commune_props(row: Mapping[str, Any]) -> dict[str, PropValue]:
    props: dict[str, PropValue] = {"code": row["code"]}
    if (population := _int(row.get("population"))) is not None:
        props["population"] = population
    postal = [str(p) for p in row.get("codesPostaux") or () if p]
    if postal:
        props["postal_codes"] = ",".join(postal)
    if (siren := _text(row, "siren")) is not None:
        props["siren"] = siren
    return props


# -- centroids and zones d'emploi ----------------------------------------------


def _unknown_commune(index: CommuneIndex, code: str) -> str:
    heir = index.former.get(code)
    if heir:
        return f"{code} est une ancienne commune, aujourd'hui dans commune:{heir}"
    return f"{code} n'est ni une commune actuelle ni un arrondissement municipal"


def centroids_output(
    path: Path = SHARED_DATA / "geo/communes_centroides.csv",
    *,
    communes: CommuneIndex,
    as_of: date | None = None,
) -> LoaderOutput:
    """`latitude` and `longitude` on every current commune and arrondissement listed."""
    source = open_csv(path, required=("code_insee", "latitude", "longitude"))
    nodes: list[Node] = []
    rejected: list[Rejection] = []
    rows_in = 0
    for line, row in progress(source, desc="centroids", unit="row"):
        rows_in += 1
        code = row["code_insee"]
        own = communes.node_id(code)
        if own is None:
            rejected.append(Rejection(path.name, line, "code_insee", _unknown_commune(communes, code)))
            continue
        try:
            latitude, longitude = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            rejected.append(Rejection(path.name, line, "latitude", "pas un nombre"))
            continue
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            rejected.append(
                Rejection(
                    path.name,
                    line,
                    "latitude",
                    "hors des bornes (latitude de -90 à 90, longitude de -180 à 180)",
                )
            )
            continue
        stub = communes.stub(own)
        nodes.append(Node(own, stub.kind, stub.name, {"latitude": latitude, "longitude": longitude}))
    batch = Batch(provenance("communes-centroides", as_of=as_of), nodes)
    return LoaderOutput(batch, rows_in, rejected)


_ZE_CODE: Final = re.compile(r"^\d{4}$")


def zones_emploi_output(
    path: Path = SHARED_DATA / "geo/zones_emploi_2020_communes.csv",
    *,
    communes: CommuneIndex,
    as_of: date | None = None,
) -> LoaderOutput:
    """Zones d'emploi 2020 and the `PART_OF` link of each commune to its zone."""
    source = open_csv(path, required=("code_insee", "ze2020", "libelle_ze2020"))
    zones: dict[str, Node] = {}
    stubs: list[Node] = []
    edges: list[Edge] = []
    rejected: list[Rejection] = []
    rows_in = 0
    for line, row in progress(source, desc="zones d'emploi", unit="row"):
        rows_in += 1
        code, zone = row["code_insee"], row["ze2020"]
        if not _ZE_CODE.match(zone):
            rejected.append(Rejection(path.name, line, "ze2020", f"pas un code de zone d'emploi : {zone!r}"))
            continue
        own = communes.node_id(code)
        if own is None:
            rejected.append(Rejection(path.name, line, "code_insee", _unknown_commune(communes, code)))
            continue
        zone_id = place_id(PlaceKind.ZONE_EMPLOI, zone)
        if zone_id not in zones:
            zones[zone_id] = Node(
                zone_id, PlaceKind.ZONE_EMPLOI, row["libelle_ze2020"] or zone, {"code": zone}
            )
        stubs.append(communes.stub(own))
        edges.append(Edge(own, RelKind.PART_OF, zone_id))
    batch = Batch(provenance("insee-ze2020", as_of=as_of), [*zones.values(), *stubs], edges)
    return LoaderOutput(batch, rows_in, rejected)


def geography_outputs(directory: Path = SHARED_DATA / "geo") -> tuple[CommuneIndex, list[LoaderOutput]]:
    """The commune index and the three geography outputs, in the order to write them."""
    index = commune_index(directory / "communes.json", directory / "communes_centroides.csv")
    outputs = [
        cog_output(
            directory / "communes.json",
            directory / "epci.json",
            directory / "departements.json",
            directory / "regions.json",
        ),
        centroids_output(directory / "communes_centroides.csv", communes=index),
        zones_emploi_output(directory / "zones_emploi_2020_communes.csv", communes=index),
    ]
    return index, outputs
