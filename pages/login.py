"""Sign in and sign out (staff only: workers answer the tablet survey without an account).

The form posts to ``/auth/signin`` (score_impact.web.session), which sets the session
cookie and comes back here, or to the page asked for, with the outcome in the URL.
"""

from __future__ import annotations

import re

import streamlit as st

from pages.auth import current_user, sign_in_form, sign_out_form, signed_out_notice
from pages.common import ui_lang
from score_impact.i18n import t

lang = ui_lang()
st.title(t("login.title", lang))
user = current_user()
if user is not None:
    role = t(f"role.{user.role.value}", lang)
    st.success(t("login.signed_in_as", lang, name=user.label, role=role))
    sign_out_form(lang)
    st.stop()

error = st.query_params.get("error")
if error == "locked" and re.fullmatch(r"\d\d:\d\d", until := st.query_params.get("until", "")):
    st.error(t("login.locked", lang, time=f"{until} UTC"))
elif error == "failed":
    st.error(t("login.failed", lang))
elif notice := signed_out_notice(lang):
    st.info(notice)
st.write(t("login.intro", lang))
sign_in_form(lang, st.query_params.get("next", ""))
