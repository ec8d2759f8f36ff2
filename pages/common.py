"""Streamlit glue shared by the pages: the cached runtime, the database session, styling,
the interface language and the admin pages' change/flash pattern.

Everything else a page needs comes from the domain package; this module only adapts it
to Streamlit (caching, session state, CSS). The signed-in user is in pages/auth.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from score_impact.config import load_settings
from score_impact.demo import demo_accounts_in_use
from score_impact.i18n import language_names, t, t_all
from score_impact.runtime import Runtime, shared
from score_impact.services.errors import AccessDenied, InvalidInput

# Session-state keys; nothing is stored for someone who never signs in (the tablets).
LANG_KEY, FLASH_KEY = "ui_lang", "flash"

# Large touch targets and type for shared factory tablets (768x1024 and up).
TABLET_CSS = """
<style>
html, body, [class*="st-"] { font-size: 1.15rem; }
.stButton button, .stFormSubmitButton button {
  min-height: 3.4rem; font-size: 1.3rem; padding: 0.6rem 1.4rem; width: 100%;
}
div[role="radiogroup"] label { min-height: 3rem; padding: 0.4rem 0.9rem; margin: 0.15rem 0;
  border: 1px solid #c9d3df; border-radius: 0.6rem; width: 100%; }
div[role="radiogroup"] > div { width: 100%; }
[data-testid="stWidgetLabel"] p { font-size: 1.3rem; font-weight: 600; }
div[role="radiogroup"] label p { font-size: 1.2rem; }
input { font-size: 1.3rem !important; min-height: 3rem; }
</style>
"""


@st.cache_resource(show_spinner="Preparing the database…")
def _runtime(database_url: str) -> Runtime:
    return shared()  # the same runtime as the HTTP routes, with its scheduled housekeeping


def runtime() -> Runtime:
    """The process-wide runtime for the configured database (created once, then cached)."""
    return _runtime(load_settings().database_url)


@contextmanager
def db() -> Iterator[Session]:
    with runtime().session() as session:
        yield session


def client_address() -> str:
    """Where this browser connects from, as the web server sees it ("local" from this
    machine): sign-in waits and resume-code waits are counted per client."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def tablet_style() -> None:
    st.html(TABLET_CSS)


@st.cache_data(ttl=120, show_spinner=False)
def _demo_accounts(database_url: str) -> list[str]:
    with db() as s:
        return demo_accounts_in_use(s)


def demo_banner(where: Any = st) -> None:
    """While demo accounts with public passwords are active, every staff page says so (in
    ``where``: the page, or the sidebar of the signed-out home page, whose top belongs to
    the worker's join-code screen)."""
    if names := _demo_accounts(runtime().settings.database_url):
        where.warning(
            t("demo.banner", ui_lang(), users=", ".join(names)), icon=":material/warning:"
        )


def show_definition_problems() -> None:
    """A broken survey file is shown to the admin, never a crash."""
    for problem in runtime().problems:
        st.warning(t("admin.definition_problem", ui_lang(), problem=problem))


# --- interface language -----------------------------------------------------------------


def ui_lang() -> str:
    """The interface language chosen in this browser session (English until changed)."""
    return st.session_state.get(LANG_KEY) or "en"


def language_switch(on_change: Callable[[str], None] | None = None) -> None:
    """The sidebar switch; the choice is kept under its own key (not the widget's), so it
    survives runs in which the switch is not drawn (the tablet view). ``on_change`` also
    gets the new language (a signed-in user's session keeps it over reloads)."""

    def remember() -> None:
        st.session_state[LANG_KEY] = st.session_state.get(f"{LANG_KEY}_switch") or "en"
        if on_change is not None:
            on_change(st.session_state[LANG_KEY])

    names = language_names()  # read from score_impact/locales: a new directory shows up here
    st.sidebar.segmented_control(
        t_all("ui.language"),
        list(names),
        default=ui_lang(),
        format_func=names.get,
        key=f"{LANG_KEY}_switch",
        on_change=remember,
    )


# --- admin changes ------------------------------------------------------------------------


def apply(change: Callable[[Session], object], done: str) -> None:
    """Run one admin change: show every problem it reports (in the interface language), or
    rerun with ``done`` shown."""
    try:
        with db() as s:
            change(s)
    except InvalidInput as exc:
        for problem in exc.messages(ui_lang()):
            st.error(problem)
        return
    except AccessDenied:
        st.error(t("auth.denied", ui_lang()))
        return
    st.session_state[FLASH_KEY] = done
    st.rerun()


def flash() -> None:
    """Show the message of the change made on the previous run, once."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message)
