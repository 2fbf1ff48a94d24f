"""The club leader's view: who the club gathers, what it covers, whom it misses.

`club_view(ag, club)` reads the organisation lens (`graph.analytic`) and answers, for
a club (or any collective: PTCE, Fabrique, network):

- its members by NAF section and by size band;
- its sector coverage: members against the companies of its territory (its
  département), by NAF section;
- the SIAE of its territory linked to no member, ranked by sector fit (the share of
  members whose NAF division is one the SIAE serves: its own NAF, and the NAF
  divisions of its Marché sectors and ROME jobs by `queries.correspondences`), then
  by distance to the nearest member;
- the members who bridge to other clubs, PTCE and networks;
- the brokers: members ranked by betweenness in the territory's network;
- the communities inside the club: Leiden on the territory's network without the
  club itself, so that what ties members apart from the club shows.

Tables have French column names: the CLI and the web API show them as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from graph.analytic import AnalyticGraph
from graph.kinds import OrgKind, RelKind
from queries.analytics import centrality, communities
from queries.analytics.brokerage import constraint
from queries.correspondences import correspondences, naf_division, naf_section
from queries.search import distance_km
from queries.table import Table

__all__ = ["TRANCHES", "ClubView", "club_view", "naf_section_label", "tranche_label"]

TRANCHES: Final[dict[str, str]] = {
    "00": "0 salarié",
    "01": "1 ou 2 salariés",
    "02": "3 à 5 salariés",
    "03": "6 à 9 salariés",
    "11": "10 à 19 salariés",
    "12": "20 à 49 salariés",
    "21": "50 à 99 salariés",
    "22": "100 à 199 salariés",
    "31": "200 à 249 salariés",
    "32": "250 à 499 salariés",
    "41": "500 à 999 salariés",
    "42": "1 000 à 1 999 salariés",
    "51": "2 000 à 4 999 salariés",
    "52": "5 000 à 9 999 salariés",
    "53": "10 000 salariés et plus",
}
"""INSEE's size bands (tranches d'effectif salarié)."""

UNKNOWN: Final = "inconnu"
SIAE: Final = frozenset(k.value for k in OrgKind.siae())
COLLECTIVES: Final = frozenset(k.value for k in OrgKind.collectives())


def tranche_label(code: str | None) -> str:
    """>>> tranche_label("12"), tranche_label(None)
    ('20 à 49 salariés', 'inconnu')
    """
    return TRANCHES.get(code or "", UNKNOWN)


def naf_section_label(naf: str | None) -> str:
    """The section letter of a NAF id, or "inconnu".

    >>> naf_section_label("naf:56.21Z"), naf_section_label(None)
    ('I', 'inconnu')
    """
    return (naf_section(naf) if naf else None) or UNKNOWN


@dataclass(frozen=True)
class ClubView:
    club: str
    name: str
    territory: str | None  # the département the club is compared with
    members: tuple[str, ...]
    by_section: Table
    by_tranche: Table
    coverage: Table
    unlinked_siae: Table
    bridging: Table
    brokers: Table
    communities: Table

    def tables(self) -> dict[str, Table]:
        """Every table, by a French title."""
        return {
            "Membres par section NAF": self.by_section,
            "Membres par tranche d'effectif": self.by_tranche,
            "Couverture sectorielle (membres / entreprises du territoire)": self.coverage,
            "SIAE du territoire liées à aucun membre": self.unlinked_siae,
            "Membres reliés à d'autres clubs, PTCE ou réseaux": self.bridging,
            "Membres en position de courtier": self.brokers,
            "Communautés au sein du club": self.communities,
        }


def club_view(ag: AnalyticGraph, club: str, *, limit: int = 20) -> ClubView:
    """The club leader's view of `club` (an organisation id) in `ag` (the organisation
    lens of the whole store). `limit` bounds the ranked tables.

    Raises KeyError for an unknown id, ValueError when it is not a collective.
    """
    if club not in ag.index:
        raise KeyError(f"organisation inconnue : {club}")
    G = ag.graph
    c = ag.index[club]
    if G.vs[c]["kind"] not in COLLECTIVES:
        raise ValueError(f"{club} n'est pas un collectif (club, PTCE, réseau…) : {G.vs[c]['kind']}")
    members = sorted(
        {e.source for e in G.es[G.incident(c, mode="in")] if e["rel"] == RelKind.MEMBER_OF.value}
    )
    territory = ag.facets["departement"][c] or _most_common(ag.facets["departement"][m] for m in members)
    inside = [v for v, held in enumerate(ag.facets["places"]) if territory in held] if territory else []
    return ClubView(
        club=club,
        name=G.vs[c]["label"],
        territory=territory,
        members=tuple(ag.ids[m] for m in members),
        by_section=_by_section(ag, members),
        by_tranche=_by_tranche(ag, members),
        coverage=_coverage(ag, members, inside),
        unlinked_siae=_unlinked_siae(ag, c, members, inside, limit),
        bridging=_bridging(ag, c, members),
        brokers=_brokers(ag, members, territory, limit),
        communities=_communities(ag, c, members, territory),
    )


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return min(counted, key=lambda v: (-counted[v], v)) if counted else None


def _by_section(ag: AnalyticGraph, members: Sequence[int]) -> Table:
    counted = Counter(naf_section_label(ag.facets["naf"][m]) for m in members)
    return Table(("section NAF", "membres"), tuple(sorted(counted.items())))


def _by_tranche(ag: AnalyticGraph, members: Sequence[int]) -> Table:
    counted = Counter(ag.facets["tranche"][m] or "" for m in members)
    rows = tuple((code or UNKNOWN, tranche_label(code), n) for code, n in sorted(counted.items()))
    return Table(("tranche", "libellé", "membres"), rows)


def _coverage(ag: AnalyticGraph, members: Sequence[int], inside: Sequence[int]) -> Table:
    kinds = ag.graph.vs["kind"]
    companies = Counter(
        naf_section_label(ag.facets["naf"][v]) for v in inside if kinds[v] == OrgKind.ENTREPRISE.value
    )
    in_club = Counter(naf_section_label(ag.facets["naf"][m]) for m in members)
    rows = []
    for section in sorted(set(companies) | set(in_club)):
        total = companies.get(section, 0)
        share = round(100 * in_club.get(section, 0) / total, 1) if total else None
        rows.append((section, in_club.get(section, 0), total, share))
    return Table(("section NAF", "membres", "entreprises du territoire", "couverture %"), tuple(rows))


def _coordinates(ag: AnalyticGraph, v: int) -> tuple[float, float] | None:
    lat, lon = ag.facets["latitude"][v], ag.facets["longitude"][v]
    return (lat, lon) if lat is not None and lon is not None else None


def _unlinked_siae(
    ag: AnalyticGraph, club: int, members: Sequence[int], inside: Sequence[int], limit: int
) -> Table:
    G = ag.graph
    member_set = set(members)
    linked = set(member_set)
    for m in members:
        linked.update(G.neighbors(m, mode="all"))
    tables = correspondences()
    member_divisions = [naf_division(ag.facets["naf"][m]) for m in members if ag.facets["naf"][m]]
    member_points = [p for m in members if (p := _coordinates(ag, m)) is not None]
    rows: list[tuple[Any, ...]] = []
    for v in inside:
        if G.vs[v]["kind"] not in SIAE or v in linked or v == club:
            continue
        served: set[str] = set()
        for sector in ag.facets["secteurs"][v]:
            served |= tables.naf_divisions_of_sector(sector)
        for rome in ag.facets["rome"][v]:
            served |= tables.naf_divisions_of_rome(rome)
        if ag.facets["naf"][v]:
            served.add(naf_division(ag.facets["naf"][v]))
        fit = sum(1 for d in member_divisions if d in served) / len(members) if members else 0.0
        here = _coordinates(ag, v)
        km = min((distance_km(*here, *p) for p in member_points), default=None) if here else None
        commune = ag.facets["commune"][v]
        rows.append(
            (
                ag.ids[v],
                G.vs[v]["label"],
                G.vs[v]["kind"],
                ag.places[commune].name if commune in ag.places else None,
                round(100 * fit, 1),
                round(km, 1) if km is not None else None,
            )
        )
    rows.sort(key=lambda r: (-r[4], r[5] if r[5] is not None else float("inf"), r[0]))
    columns = (
        "id",
        "nom",
        "type",
        "commune",
        "adéquation sectorielle %",
        "distance au plus proche membre km",
    )
    return Table(columns, tuple(rows[:limit]))


def _bridging(ag: AnalyticGraph, club: int, members: Sequence[int]) -> Table:
    G = ag.graph
    rows = []
    for m in members:
        others = sorted(
            {
                e.target
                for e in G.es[G.incident(m, mode="out")]
                if e["rel"] == RelKind.MEMBER_OF.value
                and e.target != club
                and G.vs[e.target]["kind"] in COLLECTIVES
            }
        )
        if others:
            names = "; ".join(G.vs[o]["label"] for o in others)
            rows.append((ag.ids[m], G.vs[m]["label"], len(others), names))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return Table(("id", "nom", "autres collectifs", "lesquels"), tuple(rows))


def _world(ag: AnalyticGraph, territory: str | None) -> AnalyticGraph:
    """The network the club lives in: its territory's, or the whole store's."""
    if territory is None:
        return ag
    try:
        return ag.within(territory)
    except KeyError:
        return ag


def _brokers(ag: AnalyticGraph, members: Sequence[int], territory: str | None, limit: int) -> Table:
    world = _world(ag, territory)
    between = centrality.betweenness(world)
    constraints = constraint(world)
    rows = []
    for m in members:
        node = ag.ids[m]
        if node in world.index and between.values[node] > 0:
            held = constraints[node]
            rows.append(
                (
                    node,
                    ag.graph.vs[m]["label"],
                    round(between.values[node], 6),
                    round(held, 4) if held is not None else None,
                )
            )
    rows.sort(key=lambda r: (-r[2], r[0]))
    return Table(("id", "nom", "intermédiarité", "contrainte de Burt"), tuple(rows[:limit]))


def _communities(ag: AnalyticGraph, club: int, members: Sequence[int], territory: str | None) -> Table:
    world = _world(ag, territory)
    without = world.induced(v for v in range(world.graph.vcount()) if world.ids[v] != ag.ids[club])
    tied = [v for v, d in enumerate(without.graph.degree()) if d > 0]
    part = communities.leiden(without.induced(tied))
    groups: dict[int, list[str]] = {}
    alone = 0
    for m in members:
        node = ag.ids[m]
        if node in part.membership:
            groups.setdefault(part.membership[node], []).append(node)
        else:
            alone += 1
    rows: list[tuple[Any, ...]] = []
    for community, nodes in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = "; ".join(ag.graph.vs[ag.index[n]]["label"] for n in sorted(nodes)[:5])
        rows.append((community, len(nodes), len(part.communities[community]), names))
    if alone:
        rows.append((None, alone, None, "membres liés aux autres par le seul club"))
    return Table(("communauté", "membres du club", "organisations de la communauté", "exemples"), tuple(rows))
