"""Settings read from the environment, so one code base serves a laptop and a multi-site server.

| variable | default | meaning |
|---|---|---|
| SCORE_DATABASE_URL | sqlite in the data dir | any SQLAlchemy URL, e.g. postgresql+psycopg://... |
| SCORE_DATA_DIR | ./.score_impact | where the SQLite file and the generated secret key live |
| SCORE_MIN_GROUP_SIZE | 5 | groups with fewer respondents are suppressed everywhere |
| SCORE_SECRET_KEY | generated once into <data dir>/secret.key | keys the anonymous pairing hashes |
| SCORE_DEMO_ON_EMPTY | 1 | create the demo data when the app starts on an empty database |
| SCORE_SESSION_MINUTES | 30 | idle minutes before a logged-in user must log in again |
| SCORE_SURVEY_DIR | ./survey_defs | survey definitions (YAML) and their audio files |
| SCORE_MIN_ALPHA | 0.6 | reliability gate: constructs with a lower Cronbach's alpha: items only |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SURVEY_DIR = Path(__file__).resolve().parents[1] / "survey_defs"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    min_group_size: int
    secret_key: bytes
    demo_on_empty: bool
    session_minutes: int
    survey_dir: Path
    min_alpha: float = 0.6


def _secret_key(data_dir: Path) -> bytes:
    """The pairing key: from the environment, else a random key kept beside the database.

    It must stay the same across restarts, or before/after codes stop matching.
    """
    env = os.environ.get("SCORE_SECRET_KEY")
    if env:
        return env.encode()
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _unit_interval(name: str, default: float) -> float:
    raw = os.environ.get(name, str(default))
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number between 0 and 1, got {raw!r}") from exc
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("SCORE_DATA_DIR", ".score_impact")).resolve()
    url = os.environ.get("SCORE_DATABASE_URL") or f"sqlite:///{data_dir / 'score_impact.db'}"
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=url,
        data_dir=data_dir,
        min_group_size=_positive_int("SCORE_MIN_GROUP_SIZE", 5),
        secret_key=_secret_key(data_dir),
        demo_on_empty=os.environ.get("SCORE_DEMO_ON_EMPTY", "1") not in ("0", "false", "no"),
        session_minutes=_positive_int("SCORE_SESSION_MINUTES", 30),
        survey_dir=Path(os.environ.get("SCORE_SURVEY_DIR") or DEFAULT_SURVEY_DIR).resolve(),
        min_alpha=_unit_interval("SCORE_MIN_ALPHA", 0.6),
    )
