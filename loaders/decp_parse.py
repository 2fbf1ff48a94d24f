"""Reading DECP archives as published: a zip holding one JSON document in the
regulatory 2019 format, `{"marches": [ {...}, ... ]}`.

Pure reading, no interpretation: `read_archive` hands back every record of the
`marches` array with the file it came from and the line it starts on, so that
every later rejection can say `archive.zip/member.json:line`.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from loaders.base import LoaderError
from loaders.sources import json_array_items, json_problem, skip_json_space

__all__ = ["DecpArchive", "DecpRecord", "read_archive"]


@dataclass(frozen=True, slots=True)
class DecpRecord:
    """One element of `marches`: `file` is `archive.zip/member.json`, `line` the
    line of the member where the record starts."""

    file: str
    line: int
    data: Any  # an object in a valid file; anything else is rejected by the normaliser


@dataclass(frozen=True, slots=True)
class DecpArchive:
    """The records of one archive, and the date its member was written (the
    archive's own date: the producer publishes no other)."""

    path: Path
    member: str
    written: date
    records: tuple[DecpRecord, ...]

    @property
    def source(self) -> str:
        """The publishing source: the member's name without `.json`
        (`data.gouv.fr_aife`, `marches-publics.info`…)."""
        return self.member.removesuffix(".json")


def read_archive(path: Path) -> DecpArchive:
    """Every record of the one JSON member of a DECP zip archive.

    Raises `LoaderError` naming the file when it is not a zip, holds no JSON
    member, is not UTF-8 or JSON, or has no `marches` array.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if i.filename.endswith(".json")]
            if len(members) != 1:
                raise LoaderError(f"{path}: un seul membre .json est attendu, trouvé : {len(members)}")
            info = members[0]
            raw = archive.read(info)
    except (OSError, zipfile.BadZipFile) as e:
        raise LoaderError(f"{path}: archive zip illisible : {e}") from e
    name = f"{path.name}/{info.filename}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise LoaderError(f"{name}:{line}: pas en UTF-8 (octet 0x{raw[e.start]:02x})") from e
    records = tuple(DecpRecord(name, line, data) for line, data in _marches(text, name))
    return DecpArchive(path, info.filename, datetime(*info.date_time).date(), records)


def _marches(text: str, name: str) -> list[tuple[int, Any]]:
    """The objects of the top-level `marches` array, each with its starting line."""
    decoder = json.JSONDecoder()
    size = len(text)

    def fail(pos: int, message: str) -> LoaderError:
        return LoaderError(f"{name}:{text.count(chr(10), 0, pos) + 1}: {message}")

    def decode(pos: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise fail(e.pos, f"pas du JSON : {json_problem(e.msg)}") from e

    pos = skip_json_space(text, 0)
    if pos >= size or text[pos] != "{":
        raise fail(pos, 'un objet JSON {"marches": [...]} est attendu')
    pos = skip_json_space(text, pos + 1)
    found: list[tuple[int, Any]] | None = None
    while pos < size and text[pos] != "}":
        key, pos = decode(pos)
        pos = skip_json_space(text, pos)
        if pos >= size or text[pos] != ":":
            raise fail(pos, "pas du JSON : « : » attendu après une clé")
        pos = skip_json_space(text, pos + 1)
        if key == "marches" and pos < size and text[pos] == "[":
            found, pos = json_array_items(text, pos, decode, fail, "le tableau « marches »")
        else:
            _, pos = decode(pos)
        pos = skip_json_space(text, pos)
        if pos < size and text[pos] == ",":
            pos = skip_json_space(text, pos + 1)
    if found is None:
        raise fail(0, "pas de tableau « marches » : ce n'est pas le format JSON des DECP")
    return found
