"""Streamlit glue shared by the pages: the cached runtime, the database session, styling,
the signed-in user and the interface language.

Everything else a page needs comes from the domain package; this module only adapts it
to Streamlit (caching, session state, CSS). Who may see what is decided by
``score_impact.services.scope``; here we only remember who signed in, and forget them after
``Settings.session_minutes`` idle minutes (checked on every page run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.runtime.pages_manager import PagesManager

from score_impact.config import load_settings
from score_impact.db.models import Role, User
from score_impact.i18n import LANGUAGES, t
from score_impact.runtime import Runtime, start
from score_impact.services.accounts import session_expired
from score_impact.services.errors import AccessDenied, InvalidInput
from score_impact.services.scope import Scope, scope_of


def _route_through_app() -> None:
    """Make app.py the router even when the first request after start-up is a deep link.

    Streamlit starts every process in its old "pages directory" mode when a ``pages/``
    folder exists, and leaves it only when app.py calls ``st.navigation``. If the first
    visitor opens /login or /dashboard, Streamlit runs that file directly: no router, no
    role table, and a sidebar listing every file in pages/ for everyone until someone
    opens "/". Every page imports this module, so switching the mode off here and
    rerunning sends this and all later runs through app.py. (The flag is internal to
    Streamlit; tests/e2e/test_staff_navigation.py checks the behaviour in a browser.)
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_route_through_app()

# Session-state keys; nothing is stored for someone who never signs in (the tablets).
USER_KEY, SEEN_KEY, NOTICE_KEY, LANG_KEY, FLASH_KEY = (
    "auth_user_id",
    "auth_last_seen",
    "auth_notice",
    "ui_lang",
    "flash",
)

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


# --- interface language -----------------------------------------------------------------


def ui_lang() -> str:
    """The interface language chosen in this browser session (English until changed)."""
    return st.session_state.get(LANG_KEY) or "en"


def language_switch() -> None:
    """The sidebar switch; the choice is kept under its own key (not the widget's), so it
    survives runs in which the switch is not drawn (the tablet view)."""

    def remember() -> None:
        st.session_state[LANG_KEY] = st.session_state.get(f"{LANG_KEY}_switch") or "en"

    st.sidebar.segmented_control(
        "Language / 语言",
        list(LANGUAGES),
        default=ui_lang(),
        format_func=LANGUAGES.get,
        key=f"{LANG_KEY}_switch",
        on_change=remember,
    )


# --- signed-in user -----------------------------------------------------------------------


def sign_in(user_id: int) -> None:
    st.session_state[USER_KEY] = user_id
    st.session_state[SEEN_KEY] = datetime.now(UTC)


def sign_out(notice: tuple[str, dict[str, Any]] | None = None) -> None:
    """Forget the user; ``notice`` (string key, parameters) is shown on the sign-in page."""
    for key in (USER_KEY, SEEN_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def current_user() -> Scope | None:
    """The signed-in user's scope, or None; an idle session expires here, on any page run.

    Read from the database each run, so a deactivated account or changed links take effect
    at once rather than at the next sign-in.
    """
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    now = datetime.now(UTC)
    minutes = runtime().settings.session_minutes
    if session_expired(st.session_state.get(SEEN_KEY), now, minutes):
        sign_out(("login.expired", {"minutes": minutes}))
        return None
    with db() as s:
        user = s.get(User, user_id)
        scope = scope_of(s, user) if user is not None and user.is_active else None
    if scope is None:
        sign_out()
        return None
    st.session_state[SEEN_KEY] = now
    return scope


def require_role(*roles: Role) -> Scope:
    """The current user if their role is one of ``roles``; otherwise stop the page.

    Navigation already hides pages a role may not open; this guards a page reached anyway.
    """
    scope = current_user()
    if scope is None or scope.role not in roles:
        st.error(t("auth.denied", ui_lang()))
        st.stop()
    return scope


def account_sidebar(scope: Scope) -> None:
    lang = ui_lang()
    role = t(f"role.{scope.role.value}", lang)
    st.sidebar.caption(t("login.signed_in_as", lang, name=scope.label, role=role))
    if st.sidebar.button(t("login.logout", lang), key="sidebar_logout"):
        sign_out(("login.signed_out", {}))
        st.rerun()


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
