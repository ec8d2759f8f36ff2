"""Sign in and sign out (staff only: workers answer the tablet survey without an account)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from pages.auth import NOTICE_KEY, current_user, sign_in, sign_out
from pages.common import client_address, db, ui_lang
from score_impact.i18n import t
from score_impact.services.accounts import authenticate
from score_impact.services.errors import LoginFailed, TooManyAttempts
from score_impact.text import literal

lang = ui_lang()
st.title(t("login.title", lang))
if notice := st.session_state.pop(NOTICE_KEY, None):
    key, params = notice
    st.info(t(key, lang, **params))

user = current_user()
if user is not None:
    role = t(f"role.{user.role.value}", lang)
    st.success(t("login.signed_in_as", lang, name=literal(user.label), role=role))
    if st.button(t("login.logout", lang), key="logout"):
        sign_out(("login.signed_out", {}))
        st.rerun()
    st.stop()

st.write(t("login.intro", lang))
# No key on the password field (so it is never a user-visible session entry), and
# clear_on_submit empties both fields after each attempt.
with st.form("login", clear_on_submit=True):
    username = st.text_input(t("login.username", lang), key="login_username")
    password = st.text_input(t("login.password", lang), type="password")
    submitted = st.form_submit_button(t("login.submit", lang), type="primary")
if submitted:
    now = datetime.now(UTC)
    try:
        with db() as s:
            user_id = authenticate(s, username, password, now, client_address()).id
    except TooManyAttempts as exc:
        seconds = max(1, round((exc.retry_at - now).total_seconds()))
        st.error(t("login.locked", lang, seconds=seconds))
    except LoginFailed:
        st.error(t("login.failed", lang))
    else:
        sign_in(user_id)
        st.rerun()
