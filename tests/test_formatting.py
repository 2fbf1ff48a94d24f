"""How answers are shown: table, CSV, JSON — for SPARQL and Cypher alike."""

from __future__ import annotations

import json
from datetime import date

from api.formatting import OutputFormat, render
from queries.table import Table

# A Cypher answer with a nested list, as `run_cypher` returns it.
RESULT = Table(("id", "since", "tags"), (("org:a", date(2019, 3, 1), ["x", "y"]), ("org:b", None, [])))  # type: ignore[arg-type]


def test_table_output() -> None:
    assert render(RESULT) == (
        "id     since       tags\n"
        "─────  ──────────  ──────────\n"
        'org:a  2019-03-01  ["x", "y"]\n'
        "org:b              []\n"
        "(2 lignes)"
    )


def test_table_compacts_iris() -> None:
    table = Table(("o",), (("https://w3id.org/maillage/id/org/trivel",),))
    assert render(table).splitlines()[2] == "id:org/trivel"


def test_csv_output_keeps_iris_and_writes_nested_values_as_json() -> None:
    assert render(RESULT, OutputFormat.CSV) == 'id,since,tags\norg:a,2019-03-01,"[""x"", ""y""]"\norg:b,,[]\n'


def test_json_output() -> None:
    assert json.loads(render(RESULT, OutputFormat.JSON)) == [
        {"id": "org:a", "since": "2019-03-01", "tags": ["x", "y"]},
        {"id": "org:b", "since": None, "tags": []},
    ]


def test_truncated_table_says_so() -> None:
    assert render(Table(("x",), ((1,),)), truncated=True).endswith("(1 ligne, tronqué à la limite)")
