"""Where the source files live and how they are read.

One place for the data directory, the datasets (slug, title, files, date, where to
get a fresh copy) and the readers every loader shares: strict UTF-8, JSON arrays
with the line each object starts on, CSV files whose columns are checked before
any row is read. A file that cannot be read raises `LoaderError` before anything
is written.

The data directory is the setting `data_dir` of graph.settings: `../shared/data`
relative to the repository root, unless the environment variable `MAILLAGE_DATA`
names another one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Final

from graph.model import Provenance, Rejection
from graph.settings import settings
from loaders.base import LoaderError

__all__ = [
    "DATASETS",
    "SHARED_DATA",
    "CsvSource",
    "Dataset",
    "data_path",
    "json_kind",
    "json_problem",
    "open_csv",
    "provenance",
    "read_json",
    "read_json_array",
]


SHARED_DATA: Final[Path] = settings().data_dir  # read once, at import (see graph.settings)


def data_path(relative: str) -> Path:
    """A file of the data directory.

    >>> data_path("geo/regions.json").name
    'regions.json'
    """
    return SHARED_DATA / relative


@dataclass(frozen=True, slots=True)
class Dataset:
    """One published dataset: every node and relation it yields cites `slug`."""

    slug: str
    title: str
    files: tuple[str, ...]  # relative to the data directory
    published: date | None  # None: the producer gives no date; the file's date is used
    url: str  # where to download a fresh copy


DATASETS: Final[Mapping[str, Dataset]] = {
    d.slug: d
    for d in (
        Dataset(
            "cog-2025",
            "Découpage administratif COG 2025 (Etalab, @etalab/decoupage-administratif 6.0.0)",
            ("geo/communes.json", "geo/epci.json", "geo/departements.json", "geo/regions.json"),
            date(2025, 1, 1),
            "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/",
        ),
        Dataset(
            "communes-centroides",
            "Centroïdes des communes (geo.api.gouv.fr, export Les emplois de l'inclusion)",
            ("geo/communes_centroides.csv",),
            date(2024, 9, 1),
            "https://geo.api.gouv.fr/communes?fields=code,nom,centre&format=json",
        ),
        Dataset(
            "insee-ze2020",
            "Zonage en zones d'emploi 2020 (INSEE)",
            ("geo/zones_emploi_2020_communes.csv",),
            date(2020, 1, 1),
            "https://www.insee.fr/fr/information/4652957",
        ),
        Dataset(
            "emplois-de-linclusion",
            "Structures conventionnées, Les emplois de l'inclusion (schéma data·inclusion v1)",
            ("siae/structures-emplois-de-linclusion.json",),
            None,  # the latest `date_maj` of the rows
            "https://www.data.inclusion.beta.gouv.fr/ (structures, schema v1, source emplois-de-linclusion)",
        ),
        Dataset(
            "insee-sirene",
            "Base SIRENE, StockEtablissement (INSEE)",
            ("siae/sirene-etablissements-siae.csv",),
            None,
            "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/",
        ),
        Dataset(
            "insee-naf-rev2",
            "Nomenclature d'activités française NAF rév. 2 (INSEE)",
            ("nomenclatures/naf2008.json",),
            date(2008, 1, 1),
            "https://unpkg.com/@socialgouv/codes-naf@1.1.1/",
        ),
        Dataset(
            "france-travail-rome4",
            "Répertoire opérationnel des métiers et des emplois ROME 4.0 (France Travail)",
            ("nomenclatures/rome4.csv",),
            date(2024, 10, 1),
            "https://www.data.gouv.fr/fr/datasets/repertoire-operationnel-des-metiers-et-des-emplois-rome/",
        ),
        Dataset(
            "marche-inclusion-secteurs",
            "Secteurs d'activité du Marché de l'inclusion",
            ("nomenclatures/secteurs_marche_inclusion.csv",),
            None,
            "https://github.com/gip-inclusion/le-marche (sector taxonomy)",
        ),
        Dataset(
            "asp-siae-metiers-2019",
            "Métiers (ROME) proposés par les SIAE, export ASP 2019-07",
            ("siae/siae-metiers-rome-2019.csv",),
            date(2019, 7, 1),
            "ASP export, 2019-07 (no stable public address)",
        ),
    )
}


def provenance(slug: str, *, as_of: date | None = None, path: Path | None = None) -> Provenance:
    """The provenance of a dataset: `as_of` if given, else its publication date,
    else the modification date of `path`."""
    dataset = DATASETS.get(slug)
    when = as_of or (dataset.published if dataset else None)
    if when is None:
        if path is None:
            raise ValueError(f"{slug} : aucune date donnée, ni de fichier où la prendre")
        when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
    return Provenance(slug, when, title=dataset.title if dataset else "")


# -- reading -------------------------------------------------------------------


_JSON_KINDS: Final = {
    dict: "un objet",
    list: "un tableau",
    str: "une chaîne",
    int: "un nombre",
    float: "un nombre",
    bool: "un booléen",
    type(None): "null",
}

# The messages of Python's JSON decoder (json.decoder), in French; the message of a
# newer decoder that is not here is shown as it is.
_JSON_PROBLEMS: Final = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "« , » attendu",
    "Expecting ':' delimiter": "« : » attendu",
    "Expecting property name enclosed in double quotes": "nom de propriété entre guillemets doubles attendu",
    "Unterminated string starting at": "chaîne jamais fermée",
    "Invalid \\uXXXX escape": "échappement \\uXXXX invalide",
    "Extra data": "données en trop après la valeur",
}


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in French (for the messages of the loaders).

    >>> json_kind([1]), json_kind("x"), json_kind(None)
    ('un tableau', 'une chaîne', 'null')
    """
    return _JSON_KINDS.get(type(value), type(value).__name__)


def json_problem(message: str) -> str:
    """The French for a message of Python's JSON decoder (`JSONDecodeError.msg`).

    >>> json_problem("Expecting value"), json_problem("Invalid \\\\escape: 'x'")
    ('valeur attendue', "échappement invalide : 'x'")
    """
    if message in _JSON_PROBLEMS:
        return _JSON_PROBLEMS[message]
    for english, french in (
        ("Invalid control character ", "caractère de contrôle interdit "),
        ("Invalid \\escape: ", "échappement invalide : "),
    ):
        if message.startswith(english):
            return french + message.removeprefix(english).removesuffix(" at")
    return message


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise LoaderError(f"{path}: fichier illisible : {e.strerror or e}") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise LoaderError(
            f"{path}:{line}: pas en UTF-8 (octet 0x{raw[e.start]:02x} à la position {e.start}) ; "
            "réencoder le fichier en UTF-8"
        ) from e


def read_json(path: Path) -> Any:
    """A whole JSON document."""
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise LoaderError(f"{path}:{e.lineno}:{e.colno}: pas du JSON : {json_problem(e.msg)}") from e


_WHITESPACE: Final = " \t\n\r"


def read_json_array(path: Path) -> list[tuple[int, Any]]:
    """The elements of a top-level JSON array, each with the line it starts on.

    Raises `LoaderError` if the file is not UTF-8, not JSON, or not an array.
    """
    text = _read_text(path)
    decoder = json.JSONDecoder()

    def fail(pos: int, message: str) -> LoaderError:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return LoaderError(f"{path}:{line}:{column}: {message}")

    def decode(pos: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise fail(e.pos, f"pas du JSON : {json_problem(e.msg)}") from e

    pos = skip_json_space(text, 0)
    if pos >= len(text):
        raise fail(pos, "pas du JSON : le fichier est vide")
    if text[pos] != "[":
        value, _ = decode(pos)
        raise fail(pos, f"un tableau JSON d'objets est attendu, trouvé : {json_kind(value)}")
    rows, pos = json_array_items(text, pos, decode, fail, "le tableau")
    pos = skip_json_space(text, pos)
    if pos < len(text):
        raise fail(pos, "pas du JSON : des données suivent la fin du tableau")
    return rows


def skip_json_space(text: str, pos: int) -> int:
    """The first position from `pos` on that is not JSON whitespace."""
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def json_array_items(
    text: str,
    pos: int,
    decode: Callable[[int], tuple[Any, int]],
    fail: Callable[[int, str], LoaderError],
    where: str,
) -> tuple[list[tuple[int, Any]], int]:
    """The elements of the JSON array opening at `text[pos]`, each with the line it
    starts on, and the position after its closing bracket. `decode` reads one value
    at a position; `fail` makes the error for a position (`where` names the array)."""
    rows: list[tuple[int, Any]] = []
    line, counted_to = 1 + text.count("\n", 0, pos), pos
    pos = skip_json_space(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return rows, pos + 1
    while True:
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        value, pos = decode(pos)
        rows.append((line, value))
        pos = skip_json_space(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = skip_json_space(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return rows, pos + 1
        raise fail(pos, f"pas du JSON : « , » ou « ] » attendu dans {where}")


def _not_utf8(path: Path, line: int, error: UnicodeDecodeError) -> LoaderError:
    return LoaderError(
        f"{path}:{line}: pas en UTF-8 (octet 0x{error.object[error.start]:02x}) ; "
        "réencoder le fichier en UTF-8"
    )


@dataclass(frozen=True, slots=True)
class CsvSource:
    """A CSV file whose header has been read and checked.

    Iterating reads the file (again) and yields `(line, row)`, `line` being the
    physical line where the record starts; values are stripped. A record whose
    number of fields differs from the header's is not yielded: it is kept in
    `malformed` (file, line, reason) for the loader's report. Raises `LoaderError`
    on the first line that is not UTF-8 or not CSV.
    """

    path: Path
    columns: tuple[str, ...]
    delimiter: str
    malformed: list[Rejection] = field(default_factory=list)

    def _lines(self, handle: IO[bytes], counter: list[int]) -> Iterator[str]:
        for raw in handle:
            counter[0] += 1
            try:
                yield raw.decode("utf-8-sig" if counter[0] == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise _not_utf8(self.path, counter[0], e) from e

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        counter = [0]  # physical lines read so far
        self.malformed.clear()
        with self.path.open("rb") as handle:
            reader = csv.reader(self._lines(handle, counter), delimiter=self.delimiter)
            try:
                next(reader, None)  # the header
                for values in reader:
                    start = counter[0] - _extra_lines(values)
                    if not values or values == [""]:
                        continue
                    if len(values) != len(self.columns):
                        # A quote never closed swallows the rest of the file, its last line
                        # end included: the record started one line later than counted.
                        unclosed = values[-1].endswith("\n")
                        reason = (
                            "un guillemet ouvert sur cette ligne n'est jamais fermé : la suite du "
                            "fichier a été lue comme une seule valeur"
                            if unclosed
                            else f"{len(values)} champs, alors que l'en-tête en a {len(self.columns)}"
                        )
                        self.malformed.append(Rejection(self.path.name, start + unclosed, "(ligne)", reason))
                        continue
                    yield start, dict(zip(self.columns, (v.strip() for v in values), strict=True))
            except csv.Error as e:
                raise LoaderError(f"{self.path}:{counter[0]}: pas du CSV : {e}") from e


def _extra_lines(values: list[str]) -> int:
    """How many line breaks a record's quoted values hold (it started that many lines earlier)."""
    return sum(v.count("\n") for v in values)


def open_csv(path: Path, *, required: Collection[str]) -> CsvSource:
    """A CSV file (comma or semicolon separated, UTF-8 with or without BOM) whose
    columns are checked.

    Raises `LoaderError` naming every missing column before any row is read.
    """
    try:
        with path.open("rb") as handle:
            first_bytes = handle.readline()
    except OSError as e:
        raise LoaderError(f"{path}: fichier illisible : {e.strerror or e}") from e
    try:
        first = first_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _not_utf8(path, 1, e) from e
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    columns = tuple(c.strip() for c in header)
    missing = [c for c in required if c not in columns]
    if missing:
        raise LoaderError(
            f"{path}:1: {'colonnes manquantes' if len(missing) > 1 else 'colonne manquante'} : "
            f"{', '.join(missing)} (trouvé : {', '.join(columns) or 'rien'})"
        )
    return CsvSource(path, columns, delimiter)
