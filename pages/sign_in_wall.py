"""Stands in for a staff page opened without the right to it (a reload after signing out or
timing out, a bookmark, another browser): at that page's URL, with its title, it says why
in the user's language and offers the sign-in form, which leads back to the page.
Registered by app.py only for the URL in the address bar, so navigation lists nothing new.
"""

from __future__ import annotations

import streamlit as st

from pages.auth import WALL_KEY, current_user, sign_in_form, signed_out_notice
from pages.common import ui_lang
from score_impact.i18n import t

lang = ui_lang()
title_key, url_path = st.session_state.get(WALL_KEY, ("login.title", "login"))
st.title(t(title_key, lang))
if current_user() is not None:
    st.error(t("auth.denied", lang))  # signed in, as a role without this page
else:
    st.info(signed_out_notice(lang) or t("login.required", lang))
    sign_in_form(lang, f"/{url_path}")
