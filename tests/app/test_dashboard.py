"""The trainer dashboard and the brand report render for the demo data (AppTest), for the
roles that may open them, in English and Chinese, with the downloads a role may take."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from score_impact.config import load_settings
from score_impact.runtime import start
from tests.conftest import ROOT


@pytest.fixture
def demo(database_url: str):
    runtime = start(load_settings(), demo=True)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def open_as(demo, sign_in_as):
    def open_page(path: str, username: str, lang: str = "en") -> AppTest:
        """A page run for ``username``, signed in a moment ago."""
        sign_in_as(username)
        at = AppTest.from_file(str(ROOT / path), default_timeout=120)
        at.session_state["ui_lang"] = lang
        return at.run()

    return open_page


@pytest.mark.parametrize(("username", "lang"), [("trainer.li", "en"), ("admin", "zh")])
def test_dashboard_renders_for_demo_data(open_as, username, lang):
    at = open_as("pages/dashboard.py", username, lang)
    assert not at.exception
    assert at.title[0].value == ("Trainer dashboard" if lang == "en" else "培训师数据看板")
    assert len(at.get("vega_lite_chart")) >= 3  # counts, constructs, items, KPIs
    assert at.metric, "the win-win-win scorecard"


def test_brand_report_renders_with_downloads_for_its_own_factories(open_as):
    at = open_as("pages/brand_report.py", "northwind")
    assert not at.exception
    labels = [b.label for b in at.download_button]
    assert labels == ["CSV (zip)", "Excel", "HTML", "PDF"]  # no raw rows for a brand
    factories = at.selectbox(key="brand_one").options
    assert "Shenzhen Brightway Components" not in factories  # a Lotus Electronics supplier
    assert "Dongguan Evergreen Garments" in factories


def test_raw_download_is_offered_to_admins_only(open_as):
    admin = open_as("pages/brand_report.py", "admin")
    assert not admin.exception
    assert any("Raw" in b.label for b in admin.download_button)


WRONG_ROLE = [("pages/dashboard.py", "northwind"), ("pages/brand_report.py", "trainer.li")]


@pytest.mark.parametrize(("path", "username"), WRONG_ROLE)
def test_pages_refuse_other_roles(open_as, path, username):
    at = open_as(path, username)
    assert not at.exception and at.error and not at.download_button


def test_pages_ask_for_sign_in_without_a_scope(demo):
    at = AppTest.from_file(str(ROOT / "pages/dashboard.py"), default_timeout=60).run()
    assert not at.exception and at.info


def test_worker_groups_are_for_whole_cohorts_not_one_factory(open_as):
    at = open_as("pages/brand_report.py", "northwind")
    band = at.selectbox(key="brand_band")
    assert not band.disabled
    band.set_value(band.options[1]).run()
    assert not at.exception
    assert "brand_one" not in [s.key for s in at.selectbox]  # no factory rows within a band
    at.selectbox(key="brand_ent").set_value(at.selectbox(key="brand_ent").options[1]).run()
    assert not at.exception and at.selectbox(key="brand_band").disabled
    assert at.selectbox(key="brand_one").options  # one factory chosen: its own rows again
