"""``score-impact doctor``: what about this installation puts worker answers at risk.

The same checks run from the command line and on the admins' audit-log page:

- ``key_beside_database``: the pairing key (``secret.key``) sits in the folder of the
  SQLite database, so one copy of the folder (a backup, a laptop) holds both; with them
  every worker's private code can be recovered. Set ``SCORE_SECRET_KEY`` from a secrets
  store instead, and keep the same value for the life of the data.
- ``database_readable`` / ``key_readable``: the file can be read by every account on the
  machine (new files are created 0600; older ones may not be).
- ``demo_accounts``: accounts with the README's public passwords are active.
- ``error_details``: Streamlit shows tracebacks in browsers (``client.showErrorDetails``
  is not "none").

Each finding is a key (``doctor.<key>`` in the interface strings) and its parameters, so
the page shows it in the reader's language and the command line in English.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.orm import Session

from score_impact.config import Settings
from score_impact.demo import demo_accounts_in_use
from score_impact.i18n import t

APP_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Finding:
    key: str
    params: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return t(f"doctor.{self.key}", lang, **self.params)


def _sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


def _world_readable(path: Path) -> bool:
    return path.exists() and bool(stat.S_IMODE(path.stat().st_mode) & stat.S_IROTH)


def streamlit_error_details(app_dir: Path = APP_DIR) -> str:
    """``client.showErrorDetails`` as ``streamlit run`` will see it: the environment, then
    the project's and the user's config.toml (Streamlit's own order), else its default."""
    if value := os.environ.get("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"):
        return value
    for config in (
        app_dir / ".streamlit" / "config.toml",
        Path.home() / ".streamlit" / "config.toml",
    ):
        if config.exists():
            value = tomllib.loads(config.read_text()).get("client", {}).get("showErrorDetails")
            if value is not None:
                return str(value).lower()
    return "full"


def check(session: Session, settings: Settings, error_details: str) -> list[Finding]:
    """Everything worth fixing; an empty list means nothing was found."""
    found: list[Finding] = []
    database = _sqlite_path(settings)
    key_file = settings.data_dir / "secret.key"
    uses_key_file = not os.environ.get("SCORE_SECRET_KEY")
    if uses_key_file and database is not None and database.parent == key_file.parent.resolve():
        found.append(Finding("key_beside_database", {"folder": str(database.parent)}))
    if database is not None and _world_readable(database):
        found.append(Finding("database_readable", {"path": str(database)}))
    if uses_key_file and _world_readable(key_file):
        found.append(Finding("key_readable", {"path": str(key_file)}))
    if names := demo_accounts_in_use(session):
        found.append(Finding("demo_accounts", {"users": ", ".join(names)}))
    if error_details not in ("none", "false", "False"):
        found.append(Finding("error_details", {"value": error_details}))
    return found
