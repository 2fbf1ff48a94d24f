"""The JSON array scanner both JSON readers share (`loaders.sources.json_array_items`):
each element with the line it starts on, and errors at the right place."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.base import LoaderError
from loaders.decp_parse import _marches
from loaders.sources import read_json_array


def test_a_top_level_array_gives_each_element_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text('[{"a": 1},\n\n  {"b": 2}\n]\n', encoding="utf-8")
    assert read_json_array(path) == [(1, {"a": 1}), (3, {"b": 2})]
    path.write_text(" [ ] ", encoding="utf-8")
    assert read_json_array(path) == []


def test_a_missing_comma_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text('[{"a":1} {"b":2}]', encoding="utf-8")
    with pytest.raises(LoaderError) as error:
        read_json_array(path)
    assert str(error.value) == f"{path}:1:10: pas du JSON : « , » ou « ] » attendu dans le tableau"


def test_the_marches_array_of_a_decp_object_gives_each_contract_with_its_line() -> None:
    text = '{"source": "x",\n "marches": [\n  {"id": 1},\n  {"id": 2}]}'
    assert _marches(text, "decp.json") == [(3, {"id": 1}), (4, {"id": 2})]
    with pytest.raises(LoaderError) as error:
        _marches('{"marches": [{"id": 1}\n 2]}', "decp.json")
    assert str(error.value) == "decp.json:2: pas du JSON : « , » ou « ] » attendu dans le tableau « marches »"
