"""My account: change my password (which signs me out everywhere) and, for admins, trainers
and brands, personal API tokens for Excel / Power BI (score_impact.services.tokens)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from pages.auth import require_role
from pages.common import apply, db, flash, ui_lang
from pages.widgets import table
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.services.accounts import authenticate, set_password
from score_impact.services.errors import InvalidInput, LoginFailed
from score_impact.services.tokens import (
    LIFETIMES_DAYS,
    TOKEN_ROLES,
    create_token,
    list_tokens,
    revoke_token,
)

NEW_TOKEN_KEY = "account_new_token"

lang = ui_lang()
scope = require_role(Role.ADMIN, Role.TRAINER, Role.BRAND, Role.MANAGER)
st.title(t("account.title", lang))
flash()

st.header(t("account.password", lang))
with st.form("password", clear_on_submit=True):
    current = st.text_input(t("account.current_password", lang), type="password")
    new = st.text_input(t("account.new_password", lang), type="password")
    again = st.text_input(t("account.repeat_password", lang), type="password")
    change = st.form_submit_button(t("account.change_password", lang))
if change:
    if new != again:
        st.error(t("account.passwords_differ", lang))
    else:
        try:
            with db() as s:
                authenticate(s, scope.username, current, datetime.now(UTC))
                set_password(s, scope.user_id, new, actor=scope.username)
        except LoginFailed:
            st.error(t("account.wrong_password", lang))
        except InvalidInput as exc:
            for problem in exc.messages(lang):
                st.error(problem)
        else:
            st.success(t("account.password_changed", lang))
            st.stop()  # this session ended with the old password: the next action says so

if scope.role not in TOKEN_ROLES:
    st.stop()

st.header(t("account.tokens", lang))
st.write(t("account.tokens_intro", lang))
if new_token := st.session_state.pop(NEW_TOKEN_KEY, None):
    st.warning(t("account.token_shown_once", lang))
    st.code(new_token, language=None)

now = datetime.now(UTC)
with db() as s:
    tokens = list_tokens(s, scope)
rows = [
    {
        "id": tok.id,
        "name": tok.name,
        "prefix": f"{tok.prefix}…",
        "created": f"{tok.created_at:%Y-%m-%d}",
        "expires": f"{tok.expires_at:%Y-%m-%d}",
        "last_used": f"{tok.last_used_at:%Y-%m-%d %H:%M}" if tok.last_used_at else "-",
        "status": t(
            "account.token.active"
            if tok.active(now)
            else "account.token.revoked"
            if tok.revoked_at
            else "account.token.expired",
            lang,
        ),
    }
    for tok in tokens
]
if rows:
    table(rows, ["name", "prefix", "created", "expires", "last_used", "status"], lang)

with st.form("new_token", clear_on_submit=True):
    name = st.text_input(t("account.token_name", lang), max_chars=80)
    days = st.selectbox(
        t("account.token_days", lang),
        LIFETIMES_DAYS,
        index=1,
        format_func=lambda d: t("account.days", lang, n=d),
    )
    made = st.form_submit_button(t("account.create_token", lang), type="primary")
if made:
    try:
        with db() as s:
            token, _ = create_token(s, scope, name, days, datetime.now(UTC))
    except InvalidInput as exc:
        for problem in exc.messages(lang):
            st.error(problem)
    else:
        st.session_state[NEW_TOKEN_KEY] = token  # shown once, on the next run, then forgotten
        st.rerun()

active = {f"{tok.name} ({tok.prefix}…)": tok.id for tok in tokens if tok.active(now)}
if active:
    with st.form("revoke_token"):
        chosen = st.selectbox(t("account.revoke_which", lang), list(active))
        revoke = st.form_submit_button(t("account.revoke", lang))
    if revoke and chosen is not None:
        apply(
            lambda s: revoke_token(s, scope, active[chosen], datetime.now(UTC)),
            t("account.token_revoked", lang),
        )
st.caption(t("account.api_help", lang))
