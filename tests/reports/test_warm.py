"""Views computed before anyone opens them (score_impact/reports/warm.py): only once data
has settled, exactly the view each page opens on, in a child process."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from pages import impact_view as view
from score_impact.db.models import Response, Role, StoredResult
from score_impact.reports import result_store, warm
from score_impact.runtime import Runtime
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def empty_page_cache() -> None:
    view._impact.clear()


def _newest(rt: Runtime):  # noqa: ANN202
    with rt.session() as s:
        return warm._aware(s.scalar(select(func.max(Response.submitted_at))))


def test_nothing_is_computed_ahead_while_responses_come_in(seeded_demo: Runtime):
    settled = _newest(seeded_demo) + warm.QUIET
    with seeded_demo.session() as s:
        assert warm.pending(s, seeded_demo.settings, now=settled - warm.QUIET / 2) == []
        views = warm.pending(s, seeded_demo.settings, now=settled)
    who = {(v.scope.username, v.filters.cohort_id is not None) for v in views}
    # a brand's report, a trainer's dashboard, both for the admin
    assert {("northwind", False), ("trainer.li", True), ("admin", False), ("admin", True)} <= who
    assert not any(v.scope.username.startswith("manager") for v in views)


@pytest.mark.parametrize(("page", "username"), [("pages/brand_report.py", "northwind"),
                                                ("pages/dashboard.py", "trainer.li")])  # fmt: skip
def test_the_page_opens_on_the_view_computed_ahead(
    seeded_demo: Runtime, sign_in_as, builds: list[str], page: str, username: str
):
    with seeded_demo.session() as s:
        for ahead in warm.pending(s, seeded_demo.settings, now=_newest(seeded_demo) + warm.QUIET):
            if ahead.scope.username == username:
                settings = seeded_demo.settings
                result_store.compute(s, ahead.scope, ahead.filters, settings.min_group_size,
                                     settings.min_alpha, settings.secret_key)  # fmt: skip
    assert builds == [username]
    sign_in_as(username)
    at = AppTest.from_file(str(ROOT / page), default_timeout=120).run()
    assert not at.exception
    assert builds == [username], "the page computed its view again"


def test_the_housekeeping_computes_in_a_child_and_then_has_nothing_left(
    seeded_demo: Runtime, builds: list[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(warm, "QUIET", -warm.QUIET)  # the demo was seeded a moment ago
    monkeypatch.setattr(warm, "FIRST_VIEWS", {Role.BRAND: (False,)})
    with seeded_demo.session() as s:
        views = warm.warm(s, seeded_demo.settings)
        assert views >= 2  # the demo's brands
        assert builds == []  # not in this process
        # each view and its printable report
        assert s.scalar(select(func.count()).select_from(StoredResult)) == 2 * views
        assert warm.pending(s, seeded_demo.settings) == []
