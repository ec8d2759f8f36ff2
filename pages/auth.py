"""The signed-in user: sign in and out, the idle timeout, role checks, the sidebar box.

Who may see what is decided by ``score_impact.services.scope``; here we only remember who
signed in, and forget them after ``Settings.session_minutes`` idle minutes (checked on every
page run). Nothing is stored for someone who never signs in (the tablets).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from pages.common import db, runtime, ui_lang
from score_impact.db.models import Role, User
from score_impact.i18n import t
from score_impact.services.accounts import session_expired
from score_impact.services.scope import Scope, scope_of
from score_impact.text import literal

USER_KEY, SEEN_KEY, NOTICE_KEY = "auth_user_id", "auth_last_seen", "auth_notice"


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


def still_signed_in() -> bool:
    """For a fragment that refreshes itself (the live counts): is its viewer still signed
    in, not idle past the timeout and not deactivated? A refresh is not activity, so it
    never extends the session; when the answer is no, the user is signed out here."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return False
    minutes = runtime().settings.session_minutes
    if session_expired(st.session_state.get(SEEN_KEY), datetime.now(UTC), minutes):
        sign_out(("login.expired", {"minutes": minutes}))
        return False
    with db() as s:
        user = s.get(User, user_id)
        active = user is not None and user.is_active
    if not active:
        sign_out()
    return active


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
    st.sidebar.caption(t("login.signed_in_as", lang, name=literal(scope.label), role=role))
    if st.sidebar.button(t("login.logout", lang), key="sidebar_logout"):
        sign_out(("login.signed_out", {}))
        st.rerun()
