"""Load on the app itself: 30 tablets fill in the worker survey at the same time, each in
its own Streamlit session (AppTest, one thread per tablet, the same cached runtime and
engine as in production), half in Chinese, half in English. No session may see an error
and every response must be stored with its answers, on SQLite and PostgreSQL.

AppTest is built for one session at a time: each run installs a mock ``Runtime`` as a
process global and clears it afterwards, patches the config getter for its run, and gives
every run a new script cache (so every run re-parses the scripts, which CPython 3.11's
``ast.parse`` does not survive from many threads at once). ``threaded_apptest`` makes
those process-wide, as they are in a real server (one runtime, one script cache), and
leaves the sessions, their scripts and the database work running concurrently.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import MagicMock

import pytest
from sqlalchemy import func, select
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner

from score_impact.db.models import Answer, Response
from score_impact.i18n import t
from score_impact.runtime import Runtime as AppRuntime
from score_impact.surveys.schema import Survey
from tests.app.kiosk_driver import click, complete_survey, fill_code, open_app
from tests.conftest import WORKER_CODE, World

SESSIONS = 30


@pytest.fixture
def threaded_apptest(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One mock runtime, one script cache and appTest config for every AppTest thread."""
    runtime = MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    scripts = ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: scripts)
    monkeypatch.setattr(local_script_runner, "ScriptCache", lambda: scripts)
    real_get_option = config.get_option
    monkeypatch.setattr(
        config,
        "get_option",
        lambda name: True if name == "global.appTest" else real_get_option(name),
    )
    monkeypatch.setattr(app_test, "patch_config_options", lambda _: contextlib.nullcontext())
    yield


def one_tablet(number: int, survey: Survey, factories: list[str]) -> str:
    """A worker's whole visit; returns the attempt's client UUID."""
    lang = ("zh", "en")[number % 2]
    at = open_app(WORKER_CODE)
    at.button(key=f"lang-{lang}").click().run()
    click(at, t("kiosk.agree", lang))
    click(at, factories[number % len(factories)])
    if number % 3:
        fill_code(at, (1 + number % 28, 1 + number % 12, number % 4, number % 10))
        click(at, t("kiosk.next", lang))
    else:
        click(at, t("kiosk.skip_code", lang))
    complete_survey(at, survey, t("kiosk.next", lang))
    click(at, t("kiosk.submit", lang))
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.title] == [t("kiosk.thanks", lang)]
    return at.session_state["attempt"].client_uuid


@pytest.mark.usefixtures("threaded_apptest")
def test_30_simultaneous_tablet_sessions_all_store_their_response(rt: AppRuntime, world: World):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    factories = ["Alpha Garments", "Beta Knitwear"]
    open_app(WORKER_CODE)  # warm the cached runtime once, as a running server would be
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        uuids = list(pool.map(lambda n: one_tablet(n, survey, factories), range(SESSIONS)))
    elapsed = time.perf_counter() - started

    assert len(set(uuids)) == SESSIONS
    with rt.session() as s:
        stored = dict(
            s.execute(
                select(Response.client_uuid, func.count(Answer.id))
                .join(Answer, Answer.response_id == Response.id)
                .group_by(Response.client_uuid)
            ).all()
        )
    assert set(stored) == set(uuids)
    required = [i for i in survey.items if i.required and i.show_if is None]
    assert min(stored.values()) >= len(required)
    print(f"{SESSIONS} sessions in {elapsed:.1f}s on {rt.engine.dialect.name}")
