"""Real-browser fixtures: the app under ``streamlit run`` and Debian's Chromium via Playwright.

Playwright never downloads a browser here: it drives the system Chromium (``SCORE_CHROMIUM``
or ``chromium`` on PATH), and every test in this folder is skipped, with the reason, when
there is none or the ``playwright`` package is missing. The app server is started once per
session on a free port with a fresh SQLite data dir holding the demo data, and stopped at
the end. Screenshots go to ``test-artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from score_impact.config import load_settings
from score_impact.runtime import start
from tests.conftest import ROOT
from tests.servers import streamlit_server

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TABLET = {"width": 768, "height": 1024}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
E2E_KEY = "e2e-pairing-key"


def chromium_path() -> str | None:
    return os.environ.get("SCORE_CHROMIUM") or shutil.which("chromium")


@dataclass(frozen=True)
class AppServer:
    base_url: str
    database_url: str
    data_dir: Path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """``streamlit run app.py`` on a free port, over a fresh SQLite database with the demo.

    The demo is seeded here first (through the same ``runtime.start`` the app uses), so the
    first browser request does not wait for it."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {
        **os.environ,
        "SCORE_DATA_DIR": str(data_dir),
        "SCORE_DATABASE_URL": f"sqlite:///{data_dir / 'score_impact.db'}",
        "SCORE_SECRET_KEY": E2E_KEY,
        "SCORE_DEMO_ON_EMPTY": "1",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name in ("SCORE_DATA_DIR", "SCORE_DATABASE_URL", "SCORE_SECRET_KEY"):
            mp.setenv(name, env[name])
        mp.chdir(ROOT)
        start(load_settings(), demo=True).engine.dispose()
    with streamlit_server(env, data_dir / "streamlit.log") as url:
        yield AppServer(url, env["SCORE_DATABASE_URL"], data_dir)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 (playwright's Browser, imported lazily)
    executable = chromium_path()
    if not executable:
        pytest.skip("no Chromium: install Debian's chromium or set SCORE_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser, app_server: AppServer):  # noqa: ANN001, ANN201
    """A fresh 768x1024 browser context (no cookies or session from other tests)."""
    context = browser.new_context(viewport=TABLET, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def settle(page) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished the rerun a click started."""
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_timeout(100)


def shot(page, name: str) -> Path:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
