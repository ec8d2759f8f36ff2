"""Streamlit glue shared by the pages: the cached runtime, the database session and styling.

Everything else a page needs comes from the domain package; this module only adapts it
to Streamlit (caching, session state, CSS).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.orm import Session

from score_impact.config import load_settings
from score_impact.runtime import Runtime, start

# Large touch targets and type for shared factory tablets (768x1024 and up).
TABLET_CSS = """
<style>
html, body, [class*="st-"] { font-size: 1.15rem; }
div.stButton > button, div.stFormSubmitButton > button {
  min-height: 3.4rem; font-size: 1.3rem; padding: 0.6rem 1.4rem; width: 100%;
}
div[role="radiogroup"] label { min-height: 3rem; padding: 0.4rem 0.9rem; margin: 0.15rem 0;
  border: 1px solid #c9d3df; border-radius: 0.6rem; }
div[role="radiogroup"] label p { font-size: 1.2rem; }
input { font-size: 1.3rem !important; min-height: 3rem; }
</style>
"""


@st.cache_resource(show_spinner="Preparing the database…")
def _runtime(database_url: str) -> Runtime:
    return start()


def runtime() -> Runtime:
    """The process-wide runtime for the configured database (created once, then cached)."""
    return _runtime(load_settings().database_url)


@contextmanager
def db() -> Iterator[Session]:
    with runtime().session() as session:
        yield session


def tablet_style() -> None:
    st.html(TABLET_CSS)


def show_definition_problems() -> None:
    """A broken survey file is shown to the admin, never a crash."""
    for problem in runtime().problems:
        st.warning(f"Survey definition problem: {problem}")
