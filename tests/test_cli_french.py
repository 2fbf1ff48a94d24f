"""Click's own words on the command line are French: help, usage errors, exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()

ENGLISH = ("Usage:", "Show this message", "default:", "required", "env var", "Commands:", "Error:", "Try '")


def test_the_help_of_a_command_is_french_from_usage_to_defaults() -> None:
    result = runner.invoke(app, ["partenaires", "--help"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Utilisation : maillage partenaires [OPTIONS] {acteur}"
    assert "Arguments :" in lines and "Options :" in lines
    assert "  acteur <texte>  L'organisation : identifiant, SIRET ou nom.  [obligatoire]" in lines
    assert "  --limit, --limite <entier>  Nombre de candidats.  [défaut : 20]" in lines
    assert "  --help                      Afficher cette aide et quitter." in lines
    assert not [word for word in ENGLISH if word in result.output]


def test_the_top_level_help_lists_its_commandes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Utilisation : maillage [OPTIONS] COMMANDE [ARGS]..."
    assert "Commandes :" in result.output.splitlines()
    assert not [word for word in ENGLISH if word in result.output]


def test_a_group_without_its_command_shows_its_french_help() -> None:
    result = runner.invoke(app, ["neo4j"])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == "Utilisation : maillage neo4j [OPTIONS] COMMANDE [ARGS]..."
    assert "Erreur" not in result.output


def _error(args: list[str]) -> tuple[int, list[str]]:
    result = runner.invoke(app, args)
    return result.exit_code, [line for line in result.output.splitlines() if line]


def test_usage_errors_are_french_with_the_usage_and_a_hint() -> None:
    code, lines = _error(["partenaires", "x", "--formt", "table"])
    assert code == 2
    assert lines == [
        "Utilisation : maillage partenaires [OPTIONS] {acteur}",
        "Essayez « maillage partenaires --help » pour l'aide.",
        "Erreur : option inconnue : --formt (options proches : --format)",
    ]


def test_each_kind_of_usage_error_reads_in_french() -> None:
    cases = {
        ("partenaires",): "Erreur : argument manquant : 'acteur'.",
        ("partenaires", "x", "--limite", "zz"): (
            "Erreur : valeur invalide pour '--limit' / '--limite' : un nombre entier est attendu."
        ),
        ("partenaires", "x", "--format", "zz"): (
            "Erreur : valeur invalide pour '--format' : 'zz' n'est pas parmi 'table', 'csv', 'json'."
        ),
        ("partenaires", "x", "--limite"): "Erreur : l'option '--limite' demande une valeur.",
        ("partenaires", "x", "y"): "Erreur : argument en trop : y",
        ("stat",): "Erreur : commande inconnue : 'stat' (vouliez-vous dire 'stats' ?)",
        ("nop",): "Erreur : commande inconnue : 'nop'.",
    }
    for args, message in cases.items():
        code, lines = _error(list(args))
        assert (code, lines[-1]) == (2, message), args
