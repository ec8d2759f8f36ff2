"""The HTTP routes mounted beside the pages answer without Streamlit."""

from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web


def test_healthz_answers_json():
    client = TestClient(Starlette(routes=web.routes()))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
