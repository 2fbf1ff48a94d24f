"""The command line's own words in French: usage, headings, the help option, defaults,
and the usage errors that Typer's bundled Click writes in English.

Typer bundles Click with its texts hard-coded (no gettext), so they are translated where
they are written: the help formatter (usage prefix, headings, the `[default: …]`
brackets, type names) and the top-level `main` (usage errors). A Typer app made with
`cls=FrenchGroup` has these classes on every command and group.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, cast

import typer
from typer import _click as click
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup

__all__ = ["FrenchGroup", "french_message", "french_term", "french_text"]

HELP_TEXT = "Afficher cette aide et quitter."
_HEADINGS = {"Usage": "Utilisation", "Options": "Options", "Arguments": "Arguments", "Commands": "Commandes"}

# Type names in option and argument columns (`--limit <int>`).
_METAVARS = (
    ("<list[str]>", "<texte…>"),
    ("<str>", "<texte>"),
    ("<int>", "<entier>"),
    ("<float>", "<nombre>"),
    ("<path>", "<chemin>"),
    ("<bool>", "<booléen>"),
)

# The brackets Click and Typer add after an option's help.
_BRACKETS = (
    (re.compile(r"\benv var: "), "variable d'environnement : "),
    (re.compile(r"\bdefault: "), "défaut : "),
    (re.compile(r"(?<=[\[; ])required(?=[\];])"), "obligatoire"),
)

# Usage errors, as Click and Typer word them, first match wins.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), french)
    for pattern, french in (
        (r"^Missing argument (.+)\.$", r"argument manquant : \1."),
        (r"^Missing option (.+)\.$", r"option obligatoire manquante : \1."),
        (r"^Missing parameter:? (.+?)\.?$", r"paramètre manquant : \1."),
        (
            r"^No such option: (\S+) \(Possible options: (.+)\)$",
            r"option inconnue : \1 (options proches : \2)",
        ),
        (r"^No such option: (\S+)$", r"option inconnue : \1"),
        (r"^No such command (.+)\. Did you mean (.+)\?$", r"commande inconnue : \1 (vouliez-vous dire \2 ?)"),
        (r"^No such command (.+)\.$", r"commande inconnue : \1."),
        (r"^Option (.+) requires an argument\.$", r"l'option \1 demande une valeur."),
        (r"^Option (.+) does not take a value\.$", r"l'option \1 ne prend pas de valeur."),
        (r"^Got unexpected extra arguments? \((.+)\)$", r"argument en trop : \1"),
        (r"^Got unexpected extra argument\(s\) \((.+)\)$", r"argument en trop : \1"),
        (r"^Invalid value for (.+?): (.+)$", r"valeur invalide pour \1 : \2"),
        (r"^Invalid value: (.+)$", r"valeur invalide : \1"),
    )
)

# What follows "valeur invalide pour X :" (type conversions).
_VALUES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^Value error, ", ""),
        (r"Input should be a valid integer.*$", "un nombre entier est attendu."),
        (r"Input should be a valid number.*$", "un nombre est attendu."),
        (r"Input should be a valid boolean.*$", "oui ou non (true/false) est attendu."),
        (r"Value (.+) is not a valid integer\.", r"\1 n'est pas un nombre entier."),
        (r"Value (.+) is not a valid float\.", r"\1 n'est pas un nombre."),
        (r"^(.+) is not one of (.+)\.$", r"\1 n'est pas parmi \2."),
        (r"^(?:File|Directory|Path) (.+) does not exist\.$", r"\1 n'existe pas."),
        (r"^(?:File|Directory|Path) (.+) is a directory\.$", r"\1 est un dossier."),
        (r"^(?:File|Directory|Path) (.+) is a file\.$", r"\1 est un fichier."),
        (r"^(?:File|Directory|Path) (.+) is not readable\.$", r"\1 n'est pas lisible."),
        (r"^(?:File|Directory|Path) (.+) is not writable\.$", r"\1 n'est pas accessible en écriture."),
        (r"^(.+) is not in the range (.+)\.$", r"\1 n'est pas dans l'intervalle \2."),
    )
)


def french_message(message: str) -> str:
    """A usage error's message in French (unknown wordings are kept as they are).

    >>> french_message("No such option: --formt (Possible options: --format)")
    'option inconnue : --formt (options proches : --format)'
    >>> french_message("Invalid value for '--format': Value error, 'zz' is not one of 'table', 'csv'.")
    "valeur invalide pour '--format' : 'zz' n'est pas parmi 'table', 'csv'."
    """
    for pattern, french in _ERRORS:
        if pattern.match(message):
            message = pattern.sub(french, message, count=1)
            break
    head, sep, value = message.partition(" : ")
    if sep and head.startswith("valeur invalide"):
        for pattern, french in _VALUES:
            value = pattern.sub(french, value)
        message = f"{head} : {value}"
    return message


def french_term(term: str) -> str:
    """An option's or argument's column with French type names.

    >>> french_term("--limit, --limite <int>")
    '--limit, --limite <entier>'
    """
    for english, french in _METAVARS:
        term = term.replace(english, french)
    return term


def french_text(text: str) -> str:
    """The bracketed notes of a help text in French.

    >>> french_text("Nombre.  [env var: N; default: 20; required]")
    "Nombre.  [variable d'environnement : N; défaut : 20; obligatoire]"
    """
    for pattern, french in _BRACKETS:
        text = pattern.sub(french, text)
    return text


class FrenchFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = french_term(args).replace("COMMAND", "COMMANDE")
        super().write_usage(prog, args, prefix=f"{_HEADINGS['Usage']} : " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)} :\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(french_term(a), french_text(b)) for a, b in rows], col_max, col_spacing)


class FrenchContext(click.Context):
    formatter_class = FrenchFormatter


class FrenchCommand(TyperCommand):
    context_class = FrenchContext

    def get_help_option(self, ctx: click.Context) -> Any:
        return _french_help(super().get_help_option(ctx))


class FrenchGroup(TyperGroup):
    """The top-level group: French help on every command, usage errors in French."""

    context_class = FrenchContext

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for sub in self.commands.values():
            frenchify(sub)

    def get_help_option(self, ctx: click.Context) -> Any:
        return _french_help(super().get_help_option(ctx))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as e:
            e.show()  # the help itself, in French already
            sys.exit(e.exit_code)
        except UsageError as e:
            _show(e)
            sys.exit(e.exit_code)
        except ClickException as e:
            click.echo(f"Erreur : {french_message(e.format_message())}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            click.echo("Interrompu.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _french_help(option: Any) -> Any:
    if option is not None:
        option.help = HELP_TEXT
    return option


def _show(error: UsageError) -> None:
    ctx = error.ctx
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"Essayez « {ctx.command_path} {ctx.help_option_names[0]} » pour l'aide.\n"
        click.echo(f"{ctx.get_usage()}\n{hint}", err=True)
    click.echo(f"Erreur : {french_message(error.format_message())}", err=True)


def frenchify(command: click.Command) -> click.Command:
    """`command` and its subcommands with the French classes (Typer builds them itself)."""
    if type(command) is TyperGroup:
        command.__class__ = FrenchGroup
    elif type(command) is TyperCommand:
        command.__class__ = FrenchCommand
    for sub in cast(dict[str, click.Command], getattr(command, "commands", {})).values():
        frenchify(sub)
    return command
