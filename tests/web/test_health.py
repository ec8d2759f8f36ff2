"""``/healthz`` checks the database for real: up, at the schema head, or 503 without
leaking the database URL."""

from alembic import command
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.db.engine import alembic_config, upgrade
from score_impact.runtime import shared


def client() -> TestClient:
    return TestClient(Starlette(routes=web.routes()))


def test_healthz_checks_the_database(rt):
    response = client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["schema"] and body["database_ms"] >= 0


def test_healthz_fails_with_503_and_no_details_when_the_database_is_gone(rt, monkeypatch):
    monkeypatch.setenv("SCORE_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/x")
    response = client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "secret" not in response.text and "127.0.0.1" not in response.text


def test_healthz_says_when_the_schema_is_behind_the_code(rt):
    runtime = shared()
    command.downgrade(alembic_config(runtime.engine), "-1")
    try:
        response = client().get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "schema_behind"
    finally:
        upgrade(runtime.engine)
