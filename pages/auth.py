"""The signed-in user, read from the staff session cookie on every page run.

Signing in and out happens over HTTP (``score_impact.web.session`` sets and clears the
signed, HttpOnly cookie); this module only reads the cookie the browser sent when this
tab connected (``st.context.cookies``) and asks ``score_impact.services.sessions`` whom it
signs in *now*. Because the session row decides, a reload, a second tab or a bookmark
stays signed in, and a sign-out, idle timeout, password change or deactivation signs
every tab out at its next action. Who may see what is decided by
``score_impact.services.scope``. Nothing is stored for someone who never signs in (the
tablets): no cookie is set for workers.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st

from pages.common import LANG_KEY, db, runtime, ui_lang
from score_impact.db.models import Role
from score_impact.i18n import LANGUAGES, t
from score_impact.services.scope import Scope
from score_impact.services.sessions import (
    COOKIE,
    SIGNED_OUT_COOKIE,
    EndReason,
    SessionCheck,
    check_session,
    set_session_language,
    token_from_cookie,
)

WALL_KEY = "auth_wall"  # (title key, url path) of the page pages/sign_in_wall.py stands in for
ENDED_MESSAGES = {
    EndReason.SIGNED_OUT: "login.signed_out",
    EndReason.IDLE: "login.expired",
    EndReason.EXPIRED: "login.expired_day",
    EndReason.PASSWORD_CHANGED: "login.ended_password",
    EndReason.DEACTIVATED: "login.ended_deactivated",
}


def request_cookies() -> Mapping[str, str]:
    """The cookies of the request that opened this tab's connection, as a plain dict (tests
    replace this: ``AppTest`` has no browser to send cookies)."""
    return dict(st.context.cookies)


def _token() -> str | None:
    return token_from_cookie(runtime().settings.secret_key, request_cookies().get(COOKIE))


def session_check(activity: bool = True) -> SessionCheck:
    """What this tab's cookie is worth now (one query, plus a write at most once a minute).
    ``activity=False`` for timers, so an unattended screen still times out."""
    with db() as s:
        check = check_session(
            s, _token(), datetime.now(UTC), runtime().settings.session_minutes, activity
        )
    remembered = check.lang or request_cookies().get(SIGNED_OUT_COOKIE)
    if remembered in LANGUAGES and LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = remembered  # the language of the last sign-in, on reload
    return check


def current_user(activity: bool = True) -> Scope | None:
    """The signed-in user's scope, or None. Read from the database on every run, so a
    deactivated account or changed links take effect at once."""
    return session_check(activity).scope


def signed_out_notice(lang: str) -> str | None:
    """Why this browser is no longer signed in, in ``lang``; None if it never was (or the
    notice was already given after a sign-out that cleared the cookie)."""
    check = session_check(activity=False)
    reason = check.ended
    if reason is None and check.scope is None and request_cookies().get(SIGNED_OUT_COOKIE):
        reason = EndReason.SIGNED_OUT
    if reason is None:
        return None
    return t(ENDED_MESSAGES[reason], lang, minutes=runtime().settings.session_minutes)


def keep_language(lang: str) -> None:
    """Store the interface language on the session (the sidebar switch calls this)."""
    with db() as s:
        set_session_language(s, _token(), lang)


def require_role(*roles: Role) -> Scope:
    """The current user if their role is one of ``roles``; otherwise stop the page.

    Navigation already hides pages a role may not open; this guards a page reached anyway.
    """
    scope = current_user()
    if scope is None or scope.role not in roles:
        st.error(t("auth.denied", ui_lang()))
        st.stop()
    return scope


# --- the two HTML forms that post to score_impact.web.session ----------------------------

FORM_CSS = """
<style>
form.score-auth { display: flex; flex-direction: column; gap: .75rem; max-width: 28rem; }
form.score-auth label { font-size: .9rem; display: flex; flex-direction: column; gap: .25rem; }
form.score-auth input { font: inherit; padding: .55rem .7rem; border-radius: .5rem;
  border: 1px solid rgba(49, 51, 63, .25); background: #f0f2f6; }
form.score-auth button { font: inherit; padding: .5rem 1rem; border-radius: .5rem;
  cursor: pointer; border: 1px solid rgba(49, 51, 63, .25); background: #fff; }
form.score-auth button.primary { background: #ff4b4b; border-color: #ff4b4b; color: #fff;
  align-self: flex-start; }
</style>
"""


def _hidden(name: str, value: str) -> str:
    """A hidden field. (Streamlit's HTML sanitizer drops ``name`` values that shadow DOM
    properties, such as ``lang``: hence ``ui_lang``.)"""
    return f'<input type="hidden" name="{name}" value="{html.escape(value)}">'


def sign_in_form(lang: str, next_path: str) -> None:
    """Username and password, posted to ``/auth/signin`` (never through the websocket)."""
    user, password = t("login.username", lang), t("login.password", lang)
    st.html(
        FORM_CSS
        + '<form class="score-auth" method="post" action="/auth/signin">'
        + f'<label for="login-username">{html.escape(user)}<input id="login-username" '
        'name="username" type="text" autocomplete="username" autocapitalize="none" '
        'required maxlength="80"></label>'
        + f'<label for="login-password">{html.escape(password)}<input id="login-password" '
        'name="password" type="password" autocomplete="current-password" required '
        'maxlength="200"></label>'
        + _hidden("next", next_path)
        + _hidden("ui_lang", lang)
        + f'<button class="primary" type="submit">{html.escape(t("login.submit", lang))}'
        "</button></form>"
    )


def sign_out_form(lang: str) -> None:
    """The sign-out button: a post to ``/auth/signout``, which ends the session and clears
    the cookie (other tabs are signed out at their next action)."""
    st.html(
        FORM_CSS
        + '<form class="score-auth" method="post" action="/auth/signout">'
        + _hidden("ui_lang", lang)
        + f'<button type="submit">{html.escape(t("login.logout", lang))}</button></form>'
    )


def account_sidebar(scope: Scope) -> None:
    lang = ui_lang()
    role = t(f"role.{scope.role.value}", lang)
    st.sidebar.caption(t("login.signed_in_as", lang, name=scope.label, role=role))
    with st.sidebar:
        sign_out_form(lang)
