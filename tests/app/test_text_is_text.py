"""The markdown-image probe, through the real pages (AppTest): an action title that would
make every reader's browser fetch an image from another host is drawn as plain text on the
plans page, the dashboard and the brand report."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from sqlalchemy import select

from score_impact.db.models import Enterprise
from score_impact.reports.findings import Finding, findings
from score_impact.reports.impact import build_impact_for
from score_impact.services.actions import ActionInput, create_action
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)
from tests.reports.conftest import scope_for
from tests.test_text import rendered

PIXEL = "![x](http://attacker.example/pixel.png)"
LINK = "[call us](http://attacker.example/)"


def _markdown_sources(at) -> list[str]:  # noqa: ANN001
    """Every string the page handed to Streamlit's Markdown renderer."""
    sources = [m.value for m in at.markdown] + [c.value for c in at.caption]
    sources += [e.label for e in at.expander] + [b.label for b in at.button]
    return sources


def _shared_finding(session) -> Finding:  # noqa: ANN001
    """A finding (an outcome that did not improve) the trainer and the brand both see: the
    pages list actions next to findings only (issue 9's decision rule picks them)."""
    seen = [
        {(f.enterprise, f.outcome_id, f.kind): f for f in findings(result)}
        for result in (
            build_impact_for(session, scope_for(session, user), min_group_size=5)
            for user in ("trainer.li", "northwind")
        )
    ]
    shared = sorted(set(seen[0]) & set(seen[1]))
    assert shared, "the demo has no finding both the trainer and the brand see"
    return seen[0][shared[0]]


def test_markdown_in_an_action_is_drawn_as_text(demo, open_as):  # noqa: F811
    st.cache_data.clear()  # impact results of earlier tests' databases share cache keys
    with demo.session() as s:
        found = _shared_finding(s)
        ent = s.scalar(select(Enterprise).where(Enterprise.name == found.enterprise))
        action = ActionInput(
            ent.id, found.outcome_id, found.kind, PIXEL, LINK,
            date.today() + timedelta(days=10), notes=PIXEL,
        )  # fmt: skip
        create_action(s, action, "trainer.li")
    for path, user in (
        ("pages/actions.py", "trainer.li"),
        ("pages/dashboard.py", "trainer.li"),
        ("pages/brand_report.py", "northwind"),
    ):
        at = open_as(path, user)
        assert not at.exception, at.exception
        shown = [s for s in _markdown_sources(at) if "attacker" in s]
        assert shown, f"{path} does not show the action"
        for source in shown:
            kinds, text = rendered(source)
            assert not kinds & {"image", "link_open", "html_inline", "html_block"}, (path, source)
            assert PIXEL in text or LINK in text
