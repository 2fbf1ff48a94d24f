"""Every setting of maillage in one place: where the store and the data live, how to
reach Neo4j, how long a query may run and how many rows it may return.

Each setting has a default and an environment variable; the command line and the web
API read them from here (an option given on the command line wins over both):

| setting             | environment variable            | default                          |
|---------------------|---------------------------------|----------------------------------|
| `store`             | `MAILLAGE_STORE`                | `var/maillage.oxigraph`          |
| `data_dir`          | `MAILLAGE_DATA`                 | `../shared/data` from the repo   |
| `neo4j_uri`         | `MAILLAGE_NEO4J_URI`            | `bolt://127.0.0.1:7687`          |
| `neo4j_user`        | `MAILLAGE_NEO4J_USER`           | `neo4j`                          |
| `neo4j_password`    | `MAILLAGE_NEO4J_PASSWORD`       | none: no authentication          |
| `connect_timeout_s` | `MAILLAGE_CONNECT_TIMEOUT`      | 10 s                             |
| `query_timeout_s`   | `MAILLAGE_QUERY_TIMEOUT`        | 30 s                             |
| `row_limit`         | `MAILLAGE_ROW_LIMIT`            | 1000 rows                        |
| `max_rejected`      | `MAILLAGE_MAX_REJECTED`         | 100 rows                         |
| `max_rejected_share`| `MAILLAGE_MAX_REJECTED_SHARE`   | 0.5 (half of a file's rows)      |

The error ceiling: a load stops before writing anything when one of its files has
more than `max_rejected` rejected rows that are also more than `max_rejected_share`
of its rows (a file that is mostly garbage).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_DATA_DIR",
    "DEFAULT_MAX_REJECTED",
    "DEFAULT_MAX_REJECTED_SHARE",
    "DEFAULT_NEO4J_URI",
    "DEFAULT_QUERY_TIMEOUT_S",
    "DEFAULT_ROW_LIMIT",
    "DEFAULT_STORE",
    "Settings",
    "SettingsError",
    "settings",
]

DEFAULT_STORE: Final = Path("var/maillage.oxigraph")
DEFAULT_DATA_DIR: Final = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT_NEO4J_URI: Final = "bolt://127.0.0.1:7687"
DEFAULT_NEO4J_USER: Final = "neo4j"
DEFAULT_CONNECT_TIMEOUT_S: Final = 10.0
DEFAULT_QUERY_TIMEOUT_S: Final = 30.0
DEFAULT_ROW_LIMIT: Final = 1000
DEFAULT_MAX_REJECTED: Final = 100
DEFAULT_MAX_REJECTED_SHARE: Final = 0.5


class SettingsError(ValueError):
    """An environment variable holds a value that is not of its setting's type."""


@dataclass(frozen=True, slots=True)
class Settings:
    store: Path = DEFAULT_STORE
    data_dir: Path = DEFAULT_DATA_DIR
    neo4j_uri: str = DEFAULT_NEO4J_URI
    neo4j_user: str = DEFAULT_NEO4J_USER
    neo4j_password: str | None = None
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    row_limit: int = DEFAULT_ROW_LIMIT
    max_rejected: int = DEFAULT_MAX_REJECTED
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE

    @property
    def neo4j_auth(self) -> tuple[str, str] | None:
        """The Neo4j credentials; none without a password.

        >>> Settings(neo4j_password="secret12").neo4j_auth
        ('neo4j', 'secret12')
        >>> Settings().neo4j_auth is None
        True
        """
        return None if not self.neo4j_password else (self.neo4j_user, self.neo4j_password)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings named by the environment (`os.environ` when `env` is None); an
        unset or empty variable keeps the default.

        >>> s = Settings.from_env({"MAILLAGE_NEO4J_URI": "bolt://neo4j:7687", "MAILLAGE_ROW_LIMIT": "50"})
        >>> s.neo4j_uri, s.row_limit, s.store
        ('bolt://neo4j:7687', 50, PosixPath('var/maillage.oxigraph'))
        """
        values = os.environ if env is None else env

        def get(name: str) -> str | None:
            return values.get(name) or None

        def number(name: str, default: float) -> float:
            raw = get(name)
            try:
                return default if raw is None else float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} : un nombre est attendu") from None

        def whole(name: str, default: int) -> int:
            raw = get(name)
            try:
                return default if raw is None else int(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} : un nombre entier est attendu") from None

        row_limit = whole("MAILLAGE_ROW_LIMIT", DEFAULT_ROW_LIMIT)
        store, data = get("MAILLAGE_STORE"), get("MAILLAGE_DATA")
        return cls(
            store=Path(store) if store else DEFAULT_STORE,
            data_dir=Path(data) if data else DEFAULT_DATA_DIR,
            neo4j_uri=get("MAILLAGE_NEO4J_URI") or DEFAULT_NEO4J_URI,
            neo4j_user=get("MAILLAGE_NEO4J_USER") or DEFAULT_NEO4J_USER,
            neo4j_password=get("MAILLAGE_NEO4J_PASSWORD"),
            connect_timeout_s=number("MAILLAGE_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_S),
            query_timeout_s=number("MAILLAGE_QUERY_TIMEOUT", DEFAULT_QUERY_TIMEOUT_S),
            row_limit=row_limit,
            max_rejected=whole("MAILLAGE_MAX_REJECTED", DEFAULT_MAX_REJECTED),
            max_rejected_share=number("MAILLAGE_MAX_REJECTED_SHARE", DEFAULT_MAX_REJECTED_SHARE),
        )


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The current settings, read from the environment at each call."""
    return Settings.from_env(env)
