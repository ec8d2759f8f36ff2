"""The offline client's files: the page carries its first strings in every language (and
nothing that could end its script early), the service worker may control /tablet and names
the files to keep, recordings are served only from inside the survey folder."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.config import load_settings
from score_impact.i18n import languages, t
from score_impact.runtime import start
from score_impact.web.tablet import STATIC, client_version
from tests.conftest import ROOT


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=web.routes()))


def test_page_has_its_first_strings_in_every_language(client):
    response = client.get("/tablet?code=ABC123")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>',
                                response.text, re.S).group(1))  # fmt: skip
    assert set(boot["strings"]) == set(languages())
    for code in languages():
        assert boot["strings"][code]["tablet.insecure"] == t("tablet.insecure", code)
    assert '<script type="module" src="/tablet/static/app.js">' in response.text


def test_service_worker_may_control_the_page_and_lists_every_file(client):
    response = client.get("/tablet/sw.js")
    assert response.headers["service-worker-allowed"] == "/tablet"
    assert response.headers["content-type"].startswith("text/javascript")
    assert client_version() in response.text and "__VERSION__" not in response.text
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", response.text).group(1))
    for path in ("/tablet", "/tablet/static/app.js", "/tablet/static/vendor/idb-keyval.js"):
        assert path in assets
    for asset in assets:  # every file the worker keeps exists
        assert client.get(asset).status_code == 200, asset


def test_static_modules_are_served_as_javascript(client):
    response = client.get("/tablet/static/flow.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert client.get("/tablet/static/../tablet.py").status_code == 404
    assert (STATIC / "vendor" / "idb-keyval.LICENCE").read_text().startswith("Copyright 2016")


@pytest.fixture
def recorded(tmp_path, database_url, monkeypatch):
    """A survey folder whose worker survey has a recording for one question."""
    folder = tmp_path / "surveys"
    shutil.copytree(ROOT / "survey_defs", folder)
    (folder / "audio").mkdir()
    (folder / "audio" / "q_zh.mp3").write_bytes(b"ID3fake-mp3")
    path = folder / "worker_m1_cooperation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sections"][0]["items"][0]["audio"] = {"zh": "audio/q_zh.mp3", "en": "../secret.txt"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for tablets")
    monkeypatch.setenv("SCORE_SURVEY_DIR", str(folder))
    runtime = start(load_settings(), demo=False)
    with runtime.session() as s:
        from score_impact.services.surveys import publish

        version = publish(s, runtime.catalog.surveys[("worker_m1_cooperation", 1)])  # edited
        s.commit()
        item_id = data["sections"][0]["items"][0]["id"]
        yield version.id, item_id
    runtime.engine.dispose()


def test_recordings_come_only_from_the_survey_folder(recorded, client):
    version_id, item_id = recorded
    response = client.get(f"/tablet/audio/{version_id}/{item_id}/zh")
    assert response.status_code == 200 and response.content == b"ID3fake-mp3"
    assert client.get(f"/tablet/audio/{version_id}/{item_id}/en").status_code == 404
    assert client.get(f"/tablet/audio/{version_id}/no_such_item/zh").status_code == 404
    assert client.get(f"/tablet/audio/99999/{item_id}/zh").status_code == 404
