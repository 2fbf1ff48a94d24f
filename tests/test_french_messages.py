"""The naming rule of docs/cli.md: every message a user reads is in French, the
reasons of rejected rows included (on the console and in the `--report` file)."""

from __future__ import annotations

import ast
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from api.load_report import print_issues, write_issues
from loaders.nomenclatures import rome_output
from loaders.report import issues, report_of
from loaders.sources import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]

# -- a corrupted copy of a real file -----------------------------------------------


def _corrupted_rome(tmp_path: Path) -> Path:
    """A copy of the real ROME 4 file with a malformed code (line 2), an empty label
    (line 3) and line 4 repeated at the end (line 611)."""
    path = tmp_path / "rome4.csv"
    shutil.copyfile(SHARED_DATA / "nomenclatures" / "rome4.csv", path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("A1101,") and lines[2].startswith("A1102,") and len(lines) == 610
    lines[1] = "A11O1" + lines[1][5:]
    code, _, rest = lines[2].partition(",")
    lines[2] = code + ",," + rest.partition(",")[2]
    lines.append(lines[3])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rejected_rows_of_a_real_file_are_explained_in_french_on_the_console_and_in_the_report(
    tmp_path: Path,
) -> None:
    output = rome_output(_corrupted_rome(tmp_path))
    found = issues([report_of(output, file="rome4.csv")])
    console = io.StringIO()
    print_issues(found, stream=console)
    assert console.getvalue().splitlines() == [
        "rejetées (3) :",
        "rome4.csv:2: code_rome: pas un code ROME : 'A11O1'",
        "rome4.csv:3: libelle: absent ou vide",
        "rome4.csv:611: code_rome: code en double : A1201",
    ]
    report = tmp_path / "rapport.csv"
    assert write_issues(report, found) == 3
    assert report.read_text(encoding="utf-8").splitlines()[1:] == [
        "france-travail-rome4,rejected,rome4.csv,2,code_rome,pas un code ROME : 'A11O1'",
        "france-travail-rome4,rejected,rome4.csv,3,libelle,absent ou vide",
        "france-travail-rome4,rejected,rome4.csv,611,code_rome,code en double : A1201",
    ]


# -- no English message left in the code -------------------------------------------

# Words of an English message; a French message has none of them. Placeholders
# (`{expected}`) are left out before looking.
_ENGLISH = re.compile(
    r"\b(not|no|is|are|the|missing|unknown|expected|duplicate|invalid|found|cannot|fails|empty|must|"
    r"should|needs|loaded|left|holds)\b",
    re.IGNORECASE,
)
# Strings of loaders/ that look English and are no message: the English messages of
# Python's JSON decoder (what loaders.sources translates), pydantic's error type
# `missing`, the word `no` read as a false boolean, and a source's citation.
_NOT_MESSAGES = frozenset(
    {
        "Expecting value",
        "Expecting property name enclosed in double quotes",
        "Unterminated string starting at",
        "Invalid \\uXXXX escape",
        "Invalid control character ",
        "Invalid \\escape: ",
        "missing",
        "no",
        "ASP export, 2019-07 (no stable public address)",
    }
)
# Functions writing an English document (the README of a generated directory).
_DOCUMENT_WRITERS = frozenset({"_notice", "_write_ground_truth"})


def _texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string literal of a module but docstrings and the strings of the
    document writers, f-strings with `{}` for their values."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if isinstance(node, ast.FunctionDef) and node.name in _DOCUMENT_WRITERS:
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(v) for v in node.values)
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.lineno, node.value


def _raised(tree: ast.AST) -> ast.Module:
    """The raise statements of a module, as a module (a store's SPARQL texts left out)."""
    return ast.Module([node for node in ast.walk(tree) if isinstance(node, ast.Raise)], [])


def _english(paths: Iterator[Path], *, raised_only: bool = False) -> list[str]:
    found = []
    for path in sorted(paths):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _texts(_raised(tree) if raised_only else tree):
            if text not in _NOT_MESSAGES and _ENGLISH.search(re.sub(r"\{[^}]*\}", "", text)):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    return found


def test_the_scan_finds_an_english_reason() -> None:
    tree = ast.parse('Rejection(f, 3, "siret", f"duplicate of line {first}")\nx = "doublon : {expected}"\n')
    assert [text for _, text in _texts(tree) if _ENGLISH.search(re.sub(r"\{[^}]*\}", "", text))] == [
        "duplicate of line {}"
    ]


def test_no_loader_message_is_in_english() -> None:
    """Rejection reasons, `LoaderError`s and the values they are built from."""
    assert _english((ROOT / "loaders").rglob("*.py")) == []


def test_no_store_error_is_in_english() -> None:
    stores = ("oxigraph_store.py", "store.py", "neo4j_store.py", "neo4j_ledger.py")
    assert _english((ROOT / "graph" / name for name in stores), raised_only=True) == []


def test_every_shape_message_is_in_french() -> None:
    """`maillage validate` prints the sh:message of each broken shape (the terms of
    the vocabulary it names, `mlg:holds`, are left out before looking)."""
    shapes = rdflib.Graph().parse(ROOT / "graph" / "shapes.ttl", format="turtle")
    messages = sorted(str(m) for m in shapes.objects(None, SH.message))
    assert len(messages) == 64
    assert [m for m in messages if _ENGLISH.search(re.sub(r"\b\w+:\w+", "", m))] == []
