"""docs/cli.md shows every command's --help as the tool prints it.

Regenerate with `MAILLAGE_WRITE_DOCS=1 .venv/bin/pytest tests/test_cli_docs.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from api.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
runner = CliRunner()


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    found: list[list[str]] = [[]]

    def walk(command: object, path: list[str]) -> None:
        commands = getattr(command, "commands", None)  # a group: typer's own click classes
        if isinstance(commands, dict):
            for name, sub in sorted(commands.items()):
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
        "",
        *NAMING_RULE,
    ]
    for words in _commands():
        parts += ["", f"## `{' '.join(['maillage', *words])}`", ""]
        parts += ["```text", _help(words), "```"]
    return "\n".join(parts) + "\n"


NAMING_RULE = [
    "## Naming rule",
    "",
    "- **Commands and options are English words**, like the code: `load`, `generate`, `stats`,",
    "  `--store`, `--dataset`, `--report`, `--limit`. A domain term keeps its French name, as",
    "  everywhere in maillage: `--departement`, and commands named for a domain object",
    "  (`club`, `territoire`) stay French.",
    "- **Values are French domain words, written without accents** (`reel`, `synthetique`,",
    "  `reseaux`, `partenariats`), and are accepted with accents and in any case too:",
    "  `maillage load réel` is `maillage load reel`.",
    "- **Help texts and messages are in French**: the help of every command and option, the",
    "  errors (`erreur : …`), the load report (`rejetées`, `non résolues`, the reason of each",
    "  row on the console and in the `--report` file, the summary table), the violations of",
    "  `validate`; `tests/test_french_messages.py` checks the loaders, the embedded store and",
    "  the shapes. Field names, codes and ids stay as the files write them (`code_rome`, `SIRET`).",
    "  Click's own words are French too (`api/cli_french.py`): `Utilisation :`, the headings,",
    "  the `--help` line, `[défaut : …]`, the type names (`<entier>`) and the usage errors",
    "  (`Erreur : option inconnue : --formt (options proches : --format)`), exit code 2.",
    "- Settings read from the environment are named `MAILLAGE_*` (graph/settings.py), and an",
    "  option that has one says so in its help (`env MAILLAGE_STORE`).",
]


def test_the_naming_rule_holds_for_every_option() -> None:
    """Every option is an English word or a French domain term; no French-only option
    name slips in (`--jeu`, `--rapport`, `--synthetique` became `--dataset`, `--report`,
    `--synthetic`)."""
    french_only = {"--jeu", "--rapport", "--synthetique", "--magasin", "--donnees", "--sortie", "--graine"}
    for words in _commands():
        found = set(re.findall(r"--[a-z][a-z0-9-]*", _help(words)))
        assert not found & french_only, f"maillage {' '.join(words)}: {sorted(found & french_only)}"


def _squash(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", " ", text).strip()


def test_every_command_is_documented_with_its_help() -> None:
    if os.environ.get("MAILLAGE_WRITE_DOCS"):
        DOC.write_text(_document(), encoding="utf-8")
    doc = _squash(DOC.read_text(encoding="utf-8"))
    for words in _commands():
        assert _squash(_help(words)) in doc, f"docs/cli.md is out of date for: maillage {' '.join(words)}"
