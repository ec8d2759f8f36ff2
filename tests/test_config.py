"""Settings: demo data only where asked for, URLs printed without their password."""

from __future__ import annotations

import pytest

from score_impact.config import load_settings

PG = "postgresql+psycopg://score:s3cret-pass@db.example.org:5432/score"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SCORE_DATABASE_URL", "SCORE_DEMO_ON_EMPTY", "SCORE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_SECRET_KEY", "k")
    return monkeypatch


@pytest.mark.parametrize(
    ("url", "demo", "expected"),
    [
        (None, None, True),  # the README's first command: the default SQLite file
        (PG, None, False),  # a database given by URL is a real server's
        (PG, "1", True),  # ... unless the demo is asked for explicitly
        (None, "0", False),
        (PG, "", False),
    ],
)
def test_demo_only_where_asked_for(clean_env, url, demo, expected):
    if url:
        clean_env.setenv("SCORE_DATABASE_URL", url)
    if demo is not None:
        clean_env.setenv("SCORE_DEMO_ON_EMPTY", demo)
    assert load_settings().demo_on_empty is expected


def test_display_url_hides_the_password(clean_env):
    clean_env.setenv("SCORE_DATABASE_URL", PG)
    settings = load_settings()
    assert "s3cret-pass" not in settings.display_url
    assert settings.display_url == "postgresql+psycopg://score:***@db.example.org:5432/score"
