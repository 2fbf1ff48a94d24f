"""Values of the command line, accented or not: `reel` and `réel`, `synthetique` and
`synthétique` name the same thing (the naming rule of docs/cli.md)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from graph.ids import slugify

__all__ = ["accent_free"]

E = TypeVar("E", bound=StrEnum)


def accent_free(enum: type[E]) -> Callable[[str | E], E]:
    """A parser of an enum's values that takes them with or without accents, in any case.

    >>> from loaders.pipeline import LoadSource
    >>> accent_free(LoadSource)("Réseaux")
    <LoadSource.RESEAUX: 'reseaux'>
    """

    def parse(value: str | E) -> E:
        if isinstance(value, enum):
            return value
        try:
            return enum("_".join(slugify(part) for part in str(value).split("_")))
        except ValueError:
            raise ValueError(f"{value!r} n'est pas l'une des valeurs : {', '.join(enum)}") from None

    return parse
