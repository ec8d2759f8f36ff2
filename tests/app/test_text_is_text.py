"""The markdown-image probe, through the real pages (AppTest): an action title that would
make every reader's browser fetch an image from another host is drawn as plain text on the
plans page, the dashboard and the brand report."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from sqlalchemy import select

from score_impact.db.models import Enterprise
from score_impact.services.actions import ActionInput, create_action
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)
from tests.test_text import rendered

PIXEL = "![x](http://attacker.example/pixel.png)"
LINK = "[call us](http://attacker.example/)"


def _markdown_sources(at) -> list[str]:  # noqa: ANN001
    """Every string the page handed to Streamlit's Markdown renderer."""
    sources = [m.value for m in at.markdown] + [c.value for c in at.caption]
    sources += [e.label for e in at.expander] + [b.label for b in at.button]
    return sources


def test_markdown_in_an_action_is_drawn_as_text(demo, open_as):  # noqa: F811
    st.cache_data.clear()  # impact results of earlier tests' databases share cache keys
    with demo.session() as s:
        ent = s.scalar(select(Enterprise).where(Enterprise.name == "Dongguan Evergreen Garments"))
        action = ActionInput(
            ent.id, "intention_stay", "construct", PIXEL, LINK,
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
