"""SPARQL for power users on the embedded store: read-only, bounded, interruptible.

One path for every front end (``maillage sparql`` now, the web API's ``/sparql``):

- `prepare` checks a query before anything runs: an update (INSERT, DELETE, LOAD,
  CLEAR, CREATE, DROP, COPY, MOVE, ADD) is refused as such (`ReadOnlyQuery`, the
  console only reads), so is ``SERVICE`` (`RemoteServiceRefused`: no remote call
  leaves the machine); parameters ``$name`` are bound to typed RDF terms in the
  query's code, never inside its strings, IRIs or comments (`term_of`, `parse_param`);
- `run_sparql` evaluates it in a child process (`queries.query_process`), over the merged graph (each
  fact once, superclass types included, ``GRAPH ?g`` for provenance). The child
  streams rows back; the parent keeps at most `limit` rows (`truncated` says more
  were there), stops the child at `timeout_s` (`SparqlTimeout`) or on Ctrl-C
  (KeyboardInterrupt, re-raised), and the child's address space is capped
  (`memory_mb`), so a cartesian product cannot grow memory without bound
  (`SparqlResourceError`). pyoxigraph cannot be interrupted in-process: a query runs
  in Rust until it ends, hence the child.

Messages are French: they are shown to the user as they are.
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import resource
import signal
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple

from graph.oxigraph_store import OxigraphStore
from graph.rdf import PREFIXES, XSD, from_literal, iri
from graph.store import StoreError
from queries import query_process
from queries.query_process import QueryChild
from queries.table import Cell, Table

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT_S",
    "PreparedQuery",
    "QueryForm",
    "ReadOnlyQuery",
    "RemoteServiceRefused",
    "SparqlError",
    "SparqlResourceError",
    "SparqlResult",
    "SparqlTimeout",
    "Term",
    "check_bounds",
    "parse_param",
    "prepare",
    "run_sparql",
    "term_of",
]

DEFAULT_TIMEOUT_S: Final = 30.0
DEFAULT_LIMIT: Final = 1000
DEFAULT_MEMORY_MB: Final = 2048
_BATCH: Final = 256  # rows a message from the child

Term = NamedNode | BlankNode | Literal | Triple


class SparqlError(StoreError):
    """A query that could not be run; the message (French) says why."""


class ReadOnlyQuery(SparqlError):
    """An update: the console only reads."""


class RemoteServiceRefused(SparqlError):
    """A ``SERVICE`` clause: no query leaves the machine."""


class SparqlTimeout(SparqlError):
    """A query that ran past its time limit, stopped."""


class SparqlResourceError(SparqlError):
    """A query that needed more memory than it is allowed, stopped."""


class QueryForm(StrEnum):
    SELECT = "select"
    ASK = "ask"
    CONSTRUCT = "construct"  # and DESCRIBE: triples


# -- reading the query's text --------------------------------------------------------------------------

_SEGMENTS: Final = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '(?:[^'\\\n]|\\.)*'
               | "(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n]*)
    """,
    re.VERBOSE,
)
_NOT_A_WORD: Final = r"(?<![\w:?$@.-])"  # mlg:insert, ?delete, "x"@add are names, not keywords
_UPDATES: Final = re.compile(
    _NOT_A_WORD + r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)(?![\w:-])", re.IGNORECASE
)
_SERVICE: Final = re.compile(_NOT_A_WORD + r"SERVICE(?![\w:-])", re.IGNORECASE)
_PARAMETER: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _code_segments(text: str) -> Iterator[tuple[bool, str]]:
    """The text cut into (is code, piece): strings, IRIs and comments are not code."""
    at = 0
    for match in _SEGMENTS.finditer(text):
        if match.start() > at:
            yield True, text[at : match.start()]
        yield False, match.group(0)
        at = match.end()
    if at < len(text):
        yield True, text[at:]


def _code(text: str) -> str:
    return " ".join(piece for is_code, piece in _code_segments(text) if is_code)


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A checked query, its parameters bound: what `run_sparql` evaluates."""

    text: str
    params: Mapping[str, Term] = field(default_factory=dict)


def prepare(query: str, params: Mapping[str, object] | None = None) -> PreparedQuery:
    """Check `query` and bind its ``$name`` parameters (values: see `term_of`).

    >>> prepare("SELECT ?n WHERE { ?o a $k ; schema:name ?n } # $k", {"k": "mlg:SIAE"}).text
    'SELECT ?n WHERE { ?o a <https://w3id.org/maillage/ontologie#SIAE> ; schema:name ?n } # $k'
    >>> prepare("DELETE WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    ...
    queries.sparql_console.ReadOnlyQuery: DELETE est une mise à jour : la console SPARQL est en lecture \
seule (charger des données : maillage load)
    """
    code = _code(query)
    update = _UPDATES.search(code)
    if update:
        raise ReadOnlyQuery(
            f"{update.group(1).upper()} est une mise à jour : la console SPARQL est en lecture seule "
            "(charger des données : maillage load)"
        )
    if _SERVICE.search(code):
        raise RemoteServiceRefused("SERVICE est refusé : la console n'interroge aucun service distant")
    terms = {name: term_of(value) for name, value in (params or {}).items()}
    for name in terms:
        if not _NAME.fullmatch(name):
            raise SparqlError(f"paramètre invalide : {name!r} (attendu : un nom comme club ou km)")
    used = {m.group(1) for m in _PARAMETER.finditer(code)}
    unknown = sorted(set(terms) - used)
    if unknown:
        raise SparqlError(f"paramètre inconnu : ${unknown[0]} (la requête n'a pas de ${unknown[0]})")

    def bind(match: re.Match[str]) -> str:
        term = terms.get(match.group(1))
        return match.group(0) if term is None else str(term)

    pieces = _code_segments(query)
    text = "".join(_PARAMETER.sub(bind, piece) if is_code else piece for is_code, piece in pieces)
    return PreparedQuery(text, terms)


# -- parameters ---------------------------------------------------------------------------------------------

_INTEGER: Final = re.compile(r"[+-]?\d+")
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_PREFIXED: Final = re.compile(r"([A-Za-z][\w-]*):(\S+)")
_SPARQL_PREFIXES: Final = {p: ns for p, ns in PREFIXES.items() if p != "org"}  # org: is a node id family


def _xsd(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype))


def term_of(value: object) -> Term:
    """The RDF term a parameter value stands for.

    Python values keep their type (bool, int, float as ``xsd:double``, date); text is
    read as the command line writes it: ``<…>`` an IRI; ``org:…``, ``commune:…`` and
    every ``family:code`` a node id (its IRI); ``mlg:SIAE``, ``schema:name``… a
    prefixed name; ``true``/``false``, integers, decimals (``xsd:double``) and
    ``AAAA-MM-JJ`` dates typed; ``"…"`` (JSON) a string; anything else a string.

    >>> [str(term_of(v)) for v in ("org:club-10", "mlg:ACI", "20", "Troyes")]
    ['<https://w3id.org/maillage/id/org/club-10>', '<https://w3id.org/maillage/ontologie#ACI>',
     '"20"^^<http://www.w3.org/2001/XMLSchema#integer>', '"Troyes"']
    """
    if isinstance(value, NamedNode | BlankNode | Literal | Triple):
        return value
    if isinstance(value, bool):
        return _xsd("true" if value else "false", "boolean")
    if isinstance(value, int):
        return _xsd(str(value), "integer")
    if isinstance(value, float):
        return _xsd(repr(value), "double")
    if isinstance(value, date):
        return _xsd(value.isoformat(), "date")
    if not isinstance(value, str):
        raise SparqlError(f"valeur de paramètre non prise en charge : {value!r}")
    return _text_term(value.strip())


def _text_term(text: str) -> Term:
    try:
        if text.startswith("<") and text.endswith(">"):
            return NamedNode(text[1:-1])
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return Literal(str(json.loads(text)))
        if text in ("true", "false"):
            return _xsd(text, "boolean")
        if _INTEGER.fullmatch(text):
            return _xsd(str(int(text)), "integer")
        if _DECIMAL.fullmatch(text):
            return _xsd(repr(float(text)), "double")
        if _DATE.fullmatch(text):
            return _xsd(date.fromisoformat(text).isoformat(), "date")
        if text.startswith(("http://", "https://", "urn:")):
            return NamedNode(text)
        prefixed = _PREFIXED.fullmatch(text)
        if prefixed:
            prefix, local = prefixed.groups()
            if prefix in _SPARQL_PREFIXES:
                return NamedNode(_SPARQL_PREFIXES[prefix] + local)
            return NamedNode(iri(text))
    except ValueError as e:
        raise SparqlError(f"valeur de paramètre invalide {text!r} : {e}") from e
    return Literal(text)


def parse_param(item: str) -> tuple[str, Term]:
    """``NAME=value`` from the command line: the name and its term (`term_of`).

    >>> parse_param("km=20.0")
    ('km', <Literal value=20.0 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#double>>)
    """
    name, sep, raw = item.partition("=")
    name = name.strip().lstrip("$")
    if not sep or not _NAME.fullmatch(name):
        raise SparqlError(f"--param {item!r} : attendu NOM=valeur (ex. club=org:club-10)")
    return name, term_of(raw)


def check_bounds(*, timeout_s: float, limit: int) -> None:
    """A French error for a timeout that is not positive or a negative row limit."""
    if not timeout_s > 0:
        raise SparqlError(f"--timeout doit être un nombre de secondes positif (reçu : {timeout_s:g})")
    if limit < 0:
        raise SparqlError(f"--limit doit être un nombre de lignes positif ou nul (reçu : {limit})")


# -- the answer ----------------------------------------------------------------------------------------------


def _cell(term: object) -> Cell:
    if term is None:
        return None
    if isinstance(term, Literal):
        return from_literal(term)
    if isinstance(term, NamedNode):
        return term.value
    return str(term)


@dataclass(frozen=True, slots=True)
class SparqlResult:
    """The answer as RDF terms: rows of a SELECT (None where unbound), the boolean of an
    ASK, the triples of a CONSTRUCT or DESCRIBE (as rows subject, predicate, object).
    `truncated` when the row limit cut it."""

    form: QueryForm
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    truncated: bool = False

    def table(self) -> Table:
        """Plain Python values: literals typed (int, float, date…), IRIs as text."""
        if self.form is QueryForm.ASK:
            return Table(("ask",), ((bool(self.boolean),),))
        return Table(self.variables, tuple(tuple(_cell(t) for t in row) for row in self.rows))


# -- running ------------------------------------------------------------------------------------------------


def run_sparql(
    store: OxigraphStore,
    query: str | PreparedQuery,
    *,
    params: Mapping[str, object] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    limit: int = DEFAULT_LIMIT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    base_iri: str | None = None,
) -> SparqlResult:
    """Evaluate a read-only query (`prepare`d here if given as text) in a child process.

    The dataset is the store's merged default graph and every named graph, unless the
    SPARQL Protocol's `default_graphs` / `named_graphs` (graph IRIs) name others
    (`OxigraphStore.query_dataset`); relative IRIs resolve against `base_iri`.

    At most `limit` rows are kept; past `timeout_s` seconds the child is killed and
    `SparqlTimeout` raised; Ctrl-C kills it and re-raises KeyboardInterrupt; beyond
    `memory_mb` more than the parent's address space, the child dies and
    `SparqlResourceError` is raised. Syntax errors raise `SparqlError`.
    """
    check_bounds(timeout_s=timeout_s, limit=limit)
    prepared = query if isinstance(query, PreparedQuery) else prepare(query, params)
    dataset = _Dataset(default_graphs, named_graphs, base_iri)
    # An on-disk store is opened afresh by a child the fork server starts; an in-memory
    # store, which only this process holds, is read by a fork of it (`query_process`).
    source: OxigraphStore | str = store if store.path is None else str(store.path)
    child = query_process.start(_child, source, prepared.text, dataset, limit, memory_mb)
    try:
        return _collect(child, limit, timeout_s, memory_mb)
    finally:
        child.stop()


def _collect(child: QueryChild, limit: int, timeout_s: float, memory_mb: int) -> SparqlResult:
    conn = child.conn
    deadline = time.monotonic() + timeout_s
    form, variables = QueryForm.SELECT, ()
    rows: list[tuple[Term | None, ...]] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not conn.poll(remaining):
            raise SparqlTimeout(f"la requête a dépassé son délai de {timeout_s:g} s et a été arrêtée")
        try:
            message = conn.recv()
        except EOFError:
            raise _why_it_died(child, memory_mb) from None
        tag = message[0]
        if tag == "head":
            form, variables = QueryForm(message[1]), tuple(message[2])
        elif tag == "rows":
            rows.extend(message[1])
            if len(rows) > limit:
                return SparqlResult(form, variables, tuple(rows[:limit]), truncated=True)
        elif tag == "ask":
            return SparqlResult(QueryForm.ASK, boolean=bool(message[1]))
        elif tag == "end":
            return SparqlResult(form, variables, tuple(rows))
        else:  # "error"
            raise SparqlError(message[1])


def _why_it_died(child: QueryChild, memory_mb: int) -> SparqlError:
    """The child closed its end without an answer: it died. Its status says why."""
    signalled, code = child.ended()
    if signalled or code == _OUT_OF_MEMORY:
        return SparqlResourceError(
            f"la requête a demandé plus de mémoire que permis ({memory_mb} Mo) et a été arrêtée"
        )
    return SparqlError("l'évaluation de la requête s'est interrompue")


_OUT_OF_MEMORY: Final = 3


@dataclass(frozen=True, slots=True)
class _Dataset:
    default_graphs: Sequence[str] | None
    named_graphs: Sequence[str] | None
    base_iri: str | None


def _child(
    source: OxigraphStore | str, text: str, dataset: _Dataset, limit: int, memory_mb: int, conn: Connection
) -> None:
    """Evaluate and stream back, then leave without running any cleanup of the parent's.
    `source`: the parent's in-memory store (this process is its fork), or the path of
    an on-disk store, opened here read-only."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # an allocator's last words are not the user's business
        store = OxigraphStore(Path(source), read_only=True) if isinstance(source, str) else source
        _cap_memory(memory_mb)
        _evaluate(store, text, dataset, limit, conn)
    except MemoryError:
        code = _OUT_OF_MEMORY
    except BaseException as e:
        try:
            conn.send(("error", _message(e)))
        except (OSError, ValueError):
            code = 1
    finally:
        os._exit(code)


def _cap_memory(memory_mb: int) -> None:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[0])
    size = pages * os.sysconf("SC_PAGE_SIZE") + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _evaluate(store: OxigraphStore, text: str, dataset: _Dataset, limit: int, conn: Connection) -> None:
    result: Any = store.query_dataset(
        text,
        default_graphs=dataset.default_graphs,
        named_graphs=dataset.named_graphs,
        base_iri=dataset.base_iri,
    )
    if isinstance(result, QueryBoolean):
        conn.send(("ask", bool(result)))
        return
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        conn.send(("head", QueryForm.SELECT.value, variables))
        rows: Iterator[tuple[Term | None, ...]] = (tuple(s[v] for v in variables) for s in result)
    else:
        conn.send(("head", QueryForm.CONSTRUCT.value, ["subject", "predicate", "object"]))
        rows = ((t.subject, t.predicate, t.object) for t in result)
    batch: list[tuple[Term | None, ...]] = []
    size = min(_BATCH, limit + 1)  # a small limit is answered without waiting for a full batch
    sent = 0
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            conn.send(("rows", batch))
            sent += len(batch)
            batch = []
            if sent > limit:
                return
    if batch:
        conn.send(("rows", batch))
    conn.send(("end",))


def _message(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"SPARQL invalide : {' '.join(str(error).split())}"
    return f"la requête n'a pas pu être évaluée : {' '.join(str(error).split()) or type(error).__name__}"
