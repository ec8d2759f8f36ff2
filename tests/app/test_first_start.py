"""`streamlit run app.py` in an empty folder: database and demo created, pages render."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select, text
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

import pages.auth
from score_impact import web
from score_impact.db.models import Enterprise, Response
from tests.conftest import ROOT


def test_first_start_in_empty_folder_creates_demo_and_serves_pages(tmp_path, monkeypatch):
    for name in ("SCORE_DATABASE_URL", "SCORE_DATA_DIR", "SCORE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCORE_DEMO_ON_EMPTY", "1")
    monkeypatch.chdir(tmp_path)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    db = tmp_path / ".score_impact" / "score_impact.db"
    assert db.exists() and (tmp_path / ".score_impact" / "secret.key").exists()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Enterprise)).scalar() == 11
        assert conn.execute(select(func.count()).select_from(Response)).scalar() > 500
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()

    # the demo admin signs in (through the sign-in route, whose cookie the pages read),
    # then fills in a factory's manager survey
    client = TestClient(Starlette(routes=web.routes()), follow_redirects=False)
    form = {"username": "admin", "password": "demo-admin-2026"}
    signed_in = client.post("/auth/signin", data=form, headers={"origin": "http://testserver"})
    monkeypatch.setattr(pages.auth, "request_cookies", lambda: dict(signed_in.cookies))
    at.switch_page("pages/login.py").run()
    assert at.success and at.success[0].value.startswith("Signed in as admin")
    at.switch_page("pages/manager.py").run()
    assert not at.exception
    at.selectbox[0].set_value(1).run()  # the first demo factory
    assert not at.exception and len(at.selectbox) == 2  # factory and its open round
