"""Public procurement (DECP, données essentielles de la commande publique) in the
regulatory JSON format of 2019, read from the zip archives as published.

Pipeline: `read_archive` (parse, `loaders.decp_parse`) → `contract_record` (one
record → a normalised contract, or a rejection) → `decp_outputs` (identity across
records and archives, names, matching, one output per archive).

- A contract is a node `marche:{buyer SIRET}-{id}` (kind `MarchePublic`, name = its
  object) with its nature, procedure, full CPV code as given, place of execution,
  duration, amount and dates; `AWARDED_BY` its buyer, `IN_CPV` its CPV division,
  `LOCATED_IN` the département of execution when one can be told.
- Identity is buyer + id: the same contract published twice in one archive is
  loaded once (holders joined) and the later records are reported; published by
  two archives, it is one node written by both datasets, so both provenances stay.
  Concessions (`autoriteConcedante`, `concessionnaires`, `valeurGlobale`) load the
  same way.
- Buyers are organisations of kind `AcheteurPublic`, `org:{SIRET}`, unless the SIRET
  is already a known node (a structure, an organisation of the guide): then the
  contract points at that node.
- Holders (`HOLDS` → contract) are matched to the known structures by SIRET, then by
  SIREN (`match` = "siret" | "siren" on the relation); the others are `org:{SIRET}`
  (or `org:{siren}`, or `org:{type}-{id}` for a foreign identifier), of kind
  `Entreprise` or `Association`. Several holders are tied pairwise by
  `CO_CONTRACTOR_OF`, keyed by the contract.
- No personal data: see `loaders.decp_names`; a withheld name leaves the holder
  named "Titulaire SIRET …" with `name_withheld = true`.
- Reported (file, line, field, reason): records without id or buyer (rejected),
  duplicates (rejected, merged), holders without a usable identifier (rejected,
  the contract loads), SIRETs failing the Luhn check (loaded with
  `siret_valid = false`), names with U+FFFD and no clean spelling, contracts
  without holders, amounts of zero (not stored), CPV codes and places that cannot
  be resolved, contracts also published by another archive.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from graph.ids import is_valid_siren, is_valid_siret, org_id, slugify
from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Provenance, Rejection
from loaders.base import LoaderOutput
from loaders.decp_cpv import cpv_division_of
from loaders.decp_names import REPLACEMENT, best_name, is_legal_person_name
from loaders.decp_parse import DecpArchive, DecpRecord
from loaders.decp_places import DepartementIndex
from loaders.sources import json_kind

__all__ = [
    "ContractRecord",
    "HolderRef",
    "contract_id",
    "contract_record",
    "dataset_slug",
    "decp_outputs",
]

_SAFE_ID: Final = re.compile(r"[^A-Za-z0-9._-]+")
_SAYS_DEPARTEMENT: Final = re.compile(r"(?i)code\s+(d[eé]partement|postal|commune)")


def dataset_slug(archive: DecpArchive) -> str:
    """`decp-` and the source's slug.

    >>> from pathlib import Path
    >>> dataset_slug(DecpArchive(Path("x.zip"), "data.gouv.fr_aife.json", date(2019, 4, 4), ()))
    'decp-data-gouv-fr-aife'
    """
    return "decp-" + slugify(archive.source)


def contract_id(buyer_siret: str, given_id: str) -> str:
    """The node id of a contract: its buyer's SIRET and its id, characters outside
    `[A-Za-z0-9._-]` replaced by `_`.

    >>> contract_id("28850001000013", "2018MA181101"), contract_id("1", "18/04 lot 2")
    ('marche:28850001000013-2018MA181101', 'marche:1-18_04_lot_2')
    """
    return f"marche:{buyer_siret}-{_SAFE_ID.sub('_', given_id.strip())}"


@dataclass(frozen=True, slots=True)
class HolderRef:
    """A holder as a record gives it: `key` is its identity across records
    (`siret:…`, `siren:…`, `tva:…`)."""

    key: str
    scheme: str  # "SIRET" | "SIREN" | the typeIdentifiant of a foreign identifier
    identifier: str
    name: str


@dataclass(slots=True)
class ContractRecord:
    file: str
    line: int
    node_id: str
    buyer_siret: str
    buyer_name: str
    name: str
    props: dict[str, PropValue]
    holders: list[HolderRef]
    cpv_division: str | None
    departement: str | None
    issues: list[Rejection] = field(default_factory=list)  # loaded, but reported
    rejected_holders: list[Rejection] = field(default_factory=list)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _digits(value: Any) -> str:
    return re.sub(r"\s+", "", _text(value))


def _date(value: Any) -> date | None:
    text = _text(value)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(_text(value).replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def _holder(raw: Any, *, file: str, line: int, position: int) -> HolderRef | Rejection:
    where = f"titulaires[{position}].id"
    if not isinstance(raw, Mapping):
        return Rejection(file, line, f"titulaires[{position}]", "pas un objet : titulaire écarté")
    scheme = _text(raw.get("typeIdentifiant")).upper().replace("_", "-") or "SIRET"
    identifier = _digits(raw.get("id"))
    name = _text(raw.get("denominationSociale"))
    if not identifier:
        return Rejection(file, line, where, "aucun identifiant : titulaire écarté")
    if not identifier.strip("0"):
        return Rejection(
            file, line, where, f"{identifier} est un identifiant de remplissage : titulaire écarté"
        )
    if scheme == "SIRET" or (identifier.isdigit() and len(identifier) in (9, 14)):
        if identifier.isdigit() and len(identifier) == 14:
            return HolderRef(f"siret:{identifier}", "SIRET", identifier, name)
        if identifier.isdigit() and len(identifier) == 9:
            return HolderRef(f"siren:{identifier}", "SIREN", identifier, name)
        return Rejection(
            file,
            line,
            where,
            f"le SIRET {identifier!r} n'a ni 14 chiffres ni les 9 d'un SIREN : titulaire écarté",
        )
    local = slugify(identifier)
    if not local:
        return Rejection(
            file, line, where, f"l'identifiant {scheme} {identifier!r} est vide une fois nettoyé"
        )
    return HolderRef(f"{slugify(scheme)}:{local}", scheme, identifier, name)


def contract_record(
    record: DecpRecord, *, places: DepartementIndex, cpv: Mapping[str, str]
) -> ContractRecord | Rejection:
    """Normalise one record: a contract with its buyer and holders, or the reason
    it cannot be loaded (no id, no buyer SIRET)."""
    file, line, data = record.file, record.line, record.data
    if not isinstance(data, Mapping):
        return Rejection(file, line, "(marché)", f"un marché doit être un objet, trouvé : {json_kind(data)}")
    given_id = _text(data.get("id"))
    if not given_id:
        return Rejection(
            file, line, "id", "aucun id de marché : impossible de le distinguer d'un autre (acheteur + id)"
        )
    buyer = data.get("acheteur") or data.get("autoriteConcedante")
    buyer_siret = _digits(buyer.get("id")) if isinstance(buyer, Mapping) else ""
    if not buyer_siret:
        return Rejection(file, line, "acheteur.id", "aucun SIRET d'acheteur : le marché n'a pas d'identité")
    if not (buyer_siret.isdigit() and len(buyer_siret) == 14):
        return Rejection(
            file, line, "acheteur.id", f"le SIRET d'acheteur {buyer_siret!r} n'a pas 14 chiffres"
        )
    if not buyer_siret.strip("0"):
        return Rejection(
            file, line, "acheteur.id", "le SIRET d'acheteur 00000000000000 est un identifiant de remplissage"
        )
    buyer_name = _text(buyer.get("nom")) if isinstance(buyer, Mapping) else ""
    issues: list[Rejection] = []
    props: dict[str, PropValue] = {"contract_id": given_id}
    for name, key in (
        ("contract_type", "_type"),
        ("nature", "nature"),
        ("procedure", "procedure"),
        ("forme_prix", "formePrix"),
        ("cpv", "codeCPV"),
    ):
        if _text(data.get(key)):
            props[name] = _text(data.get(key))
    duration = data.get("dureeMois")
    if isinstance(duration, int) and not isinstance(duration, bool) and duration >= 0:
        props["duree_mois"] = duration
    amount = _amount(data.get("montant", data.get("valeurGlobale")))
    if amount is None:
        issues.append(Rejection(file, line, "montant", "aucun montant donné"))
    elif amount <= 0:
        issues.append(
            Rejection(file, line, "montant", f"montant de {amount:g} : non enregistré (montant inconnu)")
        )
    else:
        props["montant"] = amount
    for name, key in (
        ("date_notification", "dateNotification"),
        ("date_signature", "dateSignature"),
        ("date_publication", "datePublicationDonnees"),
    ):
        if data.get(key) is None:
            continue
        when = _date(data.get(key))
        if when is None:
            issues.append(Rejection(file, line, key, f"pas une date : {data.get(key)!r}"))
        else:
            props[name] = when
    division, cpv_reason = cpv_division_of(_text(data.get("codeCPV")), cpv)
    if cpv_reason:
        issues.append(Rejection(file, line, "codeCPV", cpv_reason))
    place = data.get("lieuExecution")
    departement = None
    if isinstance(place, Mapping):
        code, type_code = _text(place.get("code")), _text(place.get("typeCode"))
        for prop, value in (
            ("lieu_code", code),
            ("lieu_type", type_code),
            ("lieu_nom", _text(place.get("nom"))),
        ):
            if value:
                props[prop] = value
        departement, how = places.resolve(code, type_code)
        if departement is None and _SAYS_DEPARTEMENT.match(type_code):
            issues.append(Rejection(file, line, "lieuExecution.code", f"{how} : aucun département"))
    holders: list[HolderRef] = []
    rejected_holders: list[Rejection] = []
    raw_holders = data.get("titulaires", data.get("concessionnaires"))
    for position, raw in enumerate(raw_holders if isinstance(raw_holders, list) else []):
        holder = _holder(raw, file=file, line=line, position=position)
        if isinstance(holder, Rejection):
            rejected_holders.append(holder)
        elif all(h.key != holder.key for h in holders):
            holders.append(holder)
    if not holders:
        issues.append(
            Rejection(
                file, line, "titulaires", "aucun titulaire : le marché est chargé avec son seul acheteur"
            )
        )
    name = _text(data.get("objet")) or f"Marché {given_id}"
    return ContractRecord(
        file,
        line,
        contract_id(buyer_siret, given_id),
        buyer_siret,
        buyer_name,
        name,
        props,
        holders,
        division,
        departement,
        issues,
        rejected_holders,
    )


# -- identity across records: buyers, holders, known organisations ---------------


@dataclass(frozen=True, slots=True)
class _Known:
    """The organisations already in the graph that DECP ids can point at."""

    by_siret: Mapping[str, Sequence[Node]]
    structures_by_siret: Mapping[str, Sequence[Node]]
    structures_by_siren: Mapping[str, Sequence[Node]]

    @classmethod
    def of(cls, nodes: Iterable[Node]) -> _Known:
        by_siret: dict[str, list[Node]] = defaultdict(list)
        by_siren: dict[str, list[Node]] = defaultdict(list)
        structures: dict[str, list[Node]] = defaultdict(list)
        employers = OrgKind.inclusive_employers()
        for node in nodes:
            siret = node.props.get("siret")
            if not isinstance(siret, str) or not isinstance(node.kind, OrgKind):
                continue
            by_siret[siret].append(node)
            if node.kind in employers:
                structures[siret].append(node)
                by_siren[siret[:9]].append(node)

        def ordered(index: dict[str, list[Node]]) -> dict[str, list[Node]]:
            return {k: sorted(v, key=lambda n: n.id) for k, v in index.items()}

        return cls(ordered(by_siret), ordered(structures), ordered(by_siren))


def _stub(node: Node) -> Node:
    """A node as another dataset wrote it, without its properties: it keeps the
    batch's relations from dangling and says nothing new."""
    return Node(node.id, node.kind, node.name)


@dataclass(frozen=True, slots=True)
class _Holder:
    nodes: tuple[Node, ...]  # the node(s) the holder is; stubs when known elsewhere
    attrs: Mapping[str, PropValue]  # on HOLDS: how it was matched


def _siret_props(siret: str) -> dict[str, PropValue]:
    props: dict[str, PropValue] = {"siret": siret, "siren": siret[:9]}
    if not is_valid_siret(siret):
        props["siret_valid"] = False
    return props


def _names_by_key(records: Iterable[ContractRecord]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    buyers: dict[str, list[str]] = defaultdict(list)
    holders: dict[str, list[str]] = defaultdict(list)
    for record in records:
        buyers[record.buyer_siret].append(record.buyer_name)
        for holder in record.holders:
            holders[holder.key].append(holder.name)
    return buyers, holders


def _holder_kind(names: Sequence[str]) -> OrgKind:
    folded = " ".join(names).upper()
    return OrgKind.ASSOCIATION if re.search(r"\bASSO(CIATION)?\b", folded) else OrgKind.ENTREPRISE


def _resolve_holder(
    ref: HolderRef, names: Sequence[str], known: _Known, buyers: Mapping[str, Node]
) -> _Holder:
    if ref.scheme == "SIRET":
        if ref.identifier in known.structures_by_siret:
            return _Holder(
                tuple(_stub(n) for n in known.structures_by_siret[ref.identifier]), {"match": "siret"}
            )
        if ref.identifier[:9] in known.structures_by_siren:
            nodes = known.structures_by_siren[ref.identifier[:9]]
            return _Holder(tuple(_stub(n) for n in nodes), {"match": "siren", "holder_siret": ref.identifier})
        if ref.identifier in known.by_siret:
            return _Holder((_stub(known.by_siret[ref.identifier][0]),), {"match": "siret"})
        if ref.identifier in buyers:
            return _Holder((buyers[ref.identifier],), {"match": "acheteur"})
    if ref.scheme == "SIREN" and ref.identifier in known.structures_by_siren:
        nodes = known.structures_by_siren[ref.identifier]
        return _Holder(tuple(_stub(n) for n in nodes), {"match": "siren"})
    legal = [n for n in names if n and is_legal_person_name(n)]
    props: dict[str, PropValue]
    if ref.scheme == "SIRET":
        node_id, props = org_id(ref.identifier), _siret_props(ref.identifier)
    elif ref.scheme == "SIREN":
        node_id, props = org_id(ref.identifier), {"siren": ref.identifier}
        if not is_valid_siren(ref.identifier):
            props["siret_valid"] = False
    else:
        node_id = org_id(f"{slugify(ref.scheme)}-{ref.key.partition(':')[2]}")
        props = {"identifier_type": ref.scheme, "identifier": ref.identifier}
    if legal:  # a legal person: any of its names is a company name, the clean one first
        name = best_name(names)
    else:
        name = f"Titulaire {ref.scheme} {ref.identifier}"
        props["name_withheld"] = True
    return _Holder((Node(node_id, _holder_kind(legal), name, props),), {})


# -- outputs ---------------------------------------------------------------------


def decp_outputs(
    archives: Sequence[DecpArchive],
    *,
    places: DepartementIndex,
    cpv: Mapping[str, str],
    known: Iterable[Node] = (),
) -> list[LoaderOutput]:
    """One output per archive, in the given order. `known` are the nodes already
    loaded that DECP SIRETs may point at (structures, the guide's organisations)."""
    index = _Known.of(known)
    parsed: list[tuple[DecpArchive, list[ContractRecord], list[Rejection]]] = []
    for archive in archives:
        records: list[ContractRecord] = []
        rejected: list[Rejection] = []
        for raw in archive.records:
            result = contract_record(raw, places=places, cpv=cpv)
            if isinstance(result, Rejection):
                rejected.append(result)
            else:
                records.append(result)
        parsed.append((archive, records, rejected))
    every = [r for _, records, _ in parsed for r in records]
    buyer_names, holder_names = _names_by_key(every)
    buyers = _buyers(buyer_names, index)
    holders = {
        ref.key: _resolve_holder(ref, holder_names[ref.key], index, buyers)
        for record in every
        for ref in record.holders
    }
    first_seen: dict[str, tuple[str, int]] = {}
    return [
        _archive_output(archive, records, rejected, buyers=buyers, holders=holders, places=places,
                        cpv=cpv, first_seen=first_seen)
        for archive, records, rejected in parsed
    ]  # fmt: skip


def _buyers(names: Mapping[str, list[str]], known: _Known) -> dict[str, Node]:
    """The node of each buyer SIRET: a known node (as a stub), else a new public buyer."""
    found: dict[str, Node] = {}
    for siret, given in names.items():
        if siret in known.by_siret:
            found[siret] = _stub(known.by_siret[siret][0])
            continue
        name = best_name(given) or f"Acheteur public {siret}"
        found[siret] = Node(org_id(siret), OrgKind.ACHETEUR_PUBLIC, name, _siret_props(siret))
    return found


def _archive_output(
    archive: DecpArchive,
    records: list[ContractRecord],
    rejected: list[Rejection],
    *,
    buyers: Mapping[str, Node],
    holders: Mapping[str, _Holder],
    places: DepartementIndex,
    cpv: Mapping[str, str],
    first_seen: dict[str, tuple[str, int]],
) -> LoaderOutput:
    unresolved: list[Rejection] = []
    merged: dict[str, ContractRecord] = {}
    for record in records:
        rejected.extend(record.rejected_holders)
        held = merged.get(record.node_id)
        if held is not None:
            added = [h for h in record.holders if all(h.key != k.key for k in held.holders)]
            held.holders.extend(added)
            rejected.append(
                Rejection(
                    record.file,
                    record.line,
                    "id",
                    f"doublon de la ligne {held.line} (même acheteur + id {record.props['contract_id']}) : "
                    f"fusionné dans {record.node_id}"
                    + (f", {len(added)} titulaire(s) de plus ajouté(s)" if added else ""),
                )
            )
            continue
        merged[record.node_id] = record
        unresolved.extend(record.issues)
        if record.node_id in first_seen:
            other_file, other_line = first_seen[record.node_id]
            unresolved.append(
                Rejection(
                    record.file,
                    record.line,
                    "id",
                    f"même marché que {other_file}:{other_line} (acheteur + id) : "
                    "un seul nœud, les deux sources gardées",
                )
            )
        else:
            first_seen[record.node_id] = (record.file, record.line)

    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    reported: set[tuple[str, str]] = set()  # (what, node id) reported once an archive
    for record in merged.values():
        nodes[record.node_id] = Node(record.node_id, CodeKind.MARCHE_PUBLIC, record.name, record.props)
        buyer = buyers[record.buyer_siret]
        nodes.setdefault(buyer.id, buyer)
        edges.append(Edge(record.node_id, RelKind.AWARDED_BY, buyer.id))
        if REPLACEMENT in buyer.name and ("name", buyer.id) not in reported:
            reported.add(("name", buyer.id))
            unresolved.append(
                Rejection(
                    record.file,
                    record.line,
                    "acheteur.nom",
                    "le nom contient U+FFFD et aucune source ne l'écrit proprement",
                )
            )
        if buyer.props.get("siret_valid") is False and ("siret", buyer.id) not in reported:
            reported.add(("siret", buyer.id))
            unresolved.append(
                Rejection(record.file, record.line, "acheteur.id",
                          f"SIRET {record.buyer_siret} : clé de Luhn fausse ; chargé comme {buyer.id}")
            )  # fmt: skip
        if record.cpv_division is not None:
            division = f"cpv:{record.cpv_division}"
            nodes.setdefault(division, Node(division, CodeKind.CPV_DIVISION, cpv[record.cpv_division]))
            edges.append(Edge(record.node_id, RelKind.IN_CPV, division))
        if record.departement is not None:
            place = f"departement:{record.departement}"
            nodes.setdefault(place, Node(place, PlaceKind.DEPARTEMENT, places.names[record.departement]))
            edges.append(Edge(record.node_id, RelKind.LOCATED_IN, place))
        by_holder: list[tuple[str, tuple[str, ...]]] = []
        for position, ref in enumerate(record.holders):
            holder = holders[ref.key]
            for node in holder.nodes:
                nodes.setdefault(node.id, node)
                edges.append(Edge(node.id, RelKind.HOLDS, record.node_id, attrs=dict(holder.attrs)))
            by_holder.append((ref.key, tuple(n.id for n in holder.nodes)))
            first = holder.nodes[0]
            if REPLACEMENT in first.name and ("name", first.id) not in reported:
                reported.add(("name", first.id))
                unresolved.append(
                    Rejection(record.file, record.line, f"titulaires[{position}].denominationSociale",
                              "le nom contient U+FFFD et aucune source ne l'écrit proprement")
                )  # fmt: skip
            if first.props.get("siret_valid") is False and ("siret", first.id) not in reported:
                reported.add(("siret", first.id))
                unresolved.append(
                    Rejection(record.file, record.line, f"titulaires[{position}].id",
                              f"{ref.scheme} {ref.identifier} : clé de Luhn fausse ; "
                              f"chargé comme {first.id}")
                )  # fmt: skip
        edges.extend(_co_contractors(record.node_id, by_holder))
    provenance = Provenance(
        dataset_slug(archive),
        archive.written,
        title=f"Données essentielles de la commande publique (DECP), source {archive.source}",
    )
    batch = Batch(provenance, list(nodes.values()), _unique(edges))
    return LoaderOutput(batch, len(archive.records), rejected, unresolved)


def _co_contractors(contract: str, holders: Sequence[tuple[str, tuple[str, ...]]]) -> list[Edge]:
    """`CO_CONTRACTOR_OF` between the nodes of every two distinct holders, from the
    smaller id to the other, keyed by the contract."""
    found: list[Edge] = []
    for i, (key_a, nodes_a) in enumerate(holders):
        for key_b, nodes_b in holders[i + 1 :]:
            if key_a == key_b:
                continue
            for a in nodes_a:
                for b in nodes_b:
                    if a != b:
                        low, high = sorted((a, b))
                        found.append(Edge(low, RelKind.CO_CONTRACTOR_OF, high, key=contract))
    return found


def _unique(edges: Iterable[Edge]) -> list[Edge]:
    seen: dict[tuple[str, str, str, str], Edge] = {}
    for edge in edges:
        seen.setdefault(edge.ident, edge)
    return list(seen.values())


def read_decp(
    archives: Iterable[Path], *, places: DepartementIndex, cpv: Mapping[str, str], known: Iterable[Node] = ()
) -> list[LoaderOutput]:
    """Read and load DECP zip archives: `decp_outputs` of `read_archive` of each."""
    from loaders.decp_parse import read_archive

    return decp_outputs([read_archive(p) for p in archives], places=places, cpv=cpv, known=known)
