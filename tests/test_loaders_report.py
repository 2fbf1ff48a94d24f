"""The load report: computed by the pipeline (merged counts, rows, time), shown by
api/load_report.py (summary table, issue lines on the console and in files)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from api.load_report import print_issues, print_summary, summary_table, write_issues
from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, LoadReport, Node, Provenance, Rejection
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderOutput
from loaders.pipeline import write
from loaders.report import Issue, issues, progress, report_of

TROYES = Node("commune:10387", PlaceKind.COMMUNE, "Troyes")


def structures_output() -> LoaderOutput:
    batch = Batch(
        Provenance("emplois-de-linclusion", date(2024, 1, 15)),
        [
            Node("org:34267885100045-aci", OrgKind.ACI, "Boutique Boulot", {"siret": "34267885100045"}),
            Node("org:80746931700018-ei", OrgKind.EI, "Baluchon", {"siret": "80746931700018"}),
            TROYES,
        ],
        [Edge("org:34267885100045-aci", RelKind.LOCATED_IN, "commune:10387")],
    )
    return LoaderOutput(
        batch,
        rows_in=3,
        rejected=[Rejection("s.json", 40, "siret", "34267885100046 : clé de Luhn fausse")],
        unresolved=[Rejection("s.json", 27, "code_insee", "missing; resolved by nearest centroid (0.3 km)")],
    )


def sirene_output() -> LoaderOutput:
    batch = Batch(
        Provenance("insee-sirene", date(2024, 11, 1)),
        [
            Node("org:34267885100045-aci", OrgKind.ACI, "Boutique Boulot", {"state": "active"}),
            Node("org:80746931700018", OrgKind.ENTREPRISE, "Élec de Seine", {"state": "closed"}),
            TROYES,
        ],
    )
    return LoaderOutput(batch, rows_in=2)


def test_merged_counts_own_nodes_the_store_already_held() -> None:
    store = OxigraphStore()
    first = write(store, structures_output(), file="s.json")
    second = write(store, sirene_output(), file="sirene.csv")
    assert (first.rows_in, first.loaded, first.merged, len(first.rejected), len(first.unresolved)) == (
        3,
        2,
        0,
        1,
        1,
    )
    # Boutique Boulot already existed; the company is new; Troyes is a minimal node, not counted
    assert (second.source, second.file, second.rows_in, second.loaded, second.merged) == (
        "insee-sirene",
        "sirene.csv",
        2,
        2,
        1,
    )
    node = store.node("org:34267885100045-aci")
    assert node is not None and node.sources == ("emplois-de-linclusion", "insee-sirene")


def test_the_report_is_the_stores_completed() -> None:
    store = OxigraphStore()
    report = write(store, structures_output(), file="s.json", started=0.0)
    # the store's counts, the output's rows, and a time from `started` on
    assert (report.source, report.nodes_written, report.edges_written) == ("emplois-de-linclusion", 3, 1)
    assert report.triples_added > 0
    assert [r.line for r in report.rejected] == [40] and [r.line for r in report.unresolved] == [27]
    assert report.seconds > 0
    assert report.rows_per_second == pytest.approx(3 / report.seconds)


def test_summary_table() -> None:
    reports = [
        report_of(structures_output(), file="s.json", seconds=0.5),
        report_of(sirene_output(), file="sirene.csv", merged=1, seconds=0.25),
    ]
    assert summary_table(reports).splitlines() == [
        "jeu                    fichier     lues  chargées  fusionnés  rejetées  non résolues    s  lignes/s",
        "---------------------  ----------  ----  --------  ---------  --------  ------------  ---  --------",
        "emplois-de-linclusion  s.json         3         2          0         1             1  0.5         6",
        "insee-sirene           sirene.csv     2         2          1         0             0  0.2         8",
        "---------------------  ----------  ----  --------  ---------  --------  ------------  ---  --------",
        "total                                 5         4          1         1             1  0.8         7",
    ]
    out = io.StringIO()
    print_summary(reports, stream=out)
    assert out.getvalue() == summary_table(reports) + "\n"


def test_issue_lines_on_the_console() -> None:
    out = io.StringIO()
    print_issues(issues([report_of(o, file="f") for o in (structures_output(), sirene_output())]), stream=out)
    assert out.getvalue().splitlines() == [
        "rejetées (1) :",
        "s.json:40: siret: 34267885100046 : clé de Luhn fausse",
        "non résolues (1) :",
        "s.json:27: code_insee: missing; resolved by nearest centroid (0.3 km)",
    ]


def test_issue_file_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.csv"
    assert write_issues(path, issues([report_of(structures_output(), file="s.json")])) == 2
    assert path.read_text("utf-8").splitlines() == [
        "loader,status,file,line,field,reason",
        "emplois-de-linclusion,rejected,s.json,40,siret,34267885100046 : clé de Luhn fausse",
        "emplois-de-linclusion,unresolved,s.json,27,code_insee,"
        "missing; resolved by nearest centroid (0.3 km)",
    ]


def test_issue_file_in_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "report.jsonl"
    write_issues(path, [Issue("insee-sirene", "rejected", Rejection("é.csv", 2, "siret", "doublon"))])
    assert [json.loads(line) for line in path.read_text("utf-8").splitlines()] == [
        {
            "loader": "insee-sirene",
            "status": "rejected",
            "file": "é.csv",
            "line": 2,
            "field": "siret",
            "reason": "doublon",
        }
    ]


def test_progress_is_silent_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress(range(20_000), desc="rows")) == list(range(20_000))
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_load_report_without_time_has_no_rate() -> None:
    assert LoadReport("x", rows_in=10).rows_per_second == 0.0
