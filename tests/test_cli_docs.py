"""docs/cli.md shows every command's --help as the tool prints it.

Regenerate with `MAILLAGE_WRITE_DOCS=1 .venv/bin/pytest tests/test_cli_docs.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from api.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
runner = CliRunner()


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    found: list[list[str]] = [[]]

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                found.append([*path, name])
                walk(sub, [*path, name])

    walk(root, [])
    return found


def _help(words: list[str]) -> str:
    result = runner.invoke(
        app, [*words, "--help"], env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"}, color=False
    )
    assert result.exit_code == 0, result.output
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())


def _document() -> str:
    parts = [
        "# Command line reference",
        "",
        "Every command of `maillage`, with the help it prints (`maillage COMMAND --help`).",
        "This page is checked by `tests/test_cli_docs.py`.",
    ]
    for words in _commands():
        parts += ["", f"## `{' '.join(['maillage', *words])}`", ""]
        parts += ["```text", _help(words), "```"]
    return "\n".join(parts) + "\n"


def _squash(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", " ", text).strip()


def test_every_command_is_documented_with_its_help() -> None:
    if os.environ.get("MAILLAGE_WRITE_DOCS"):
        DOC.write_text(_document(), encoding="utf-8")
    doc = _squash(DOC.read_text(encoding="utf-8"))
    for words in _commands():
        assert _squash(_help(words)) in doc, f"docs/cli.md is out of date for: maillage {' '.join(words)}"
