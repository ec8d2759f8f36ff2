"""What a person sees when a page fails: a calm message in their language, never a
traceback (``client.showErrorDetails = "none"`` in .streamlit/config.toml hides Streamlit's
own too). The traceback goes to the server log under a short reference.

A worker mid-survey keeps their answers: the attempt is saved as a draft and its resume
code shown, so "Start again" and typing the code continues where they were.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from pages.common import ui_lang
from pages.kiosk_start import keep_draft, reset
from score_impact.i18n import t
from score_impact.kiosk import KioskAttempt

LOG = logging.getLogger("score_impact.errors")


def error_screen() -> None:
    """Call from an ``except Exception`` block: logs the exception, draws the screen."""
    reference = secrets.token_hex(4)
    LOG.exception("page failed (reference %s)", reference)
    attempt = st.session_state.get("attempt")
    if not isinstance(attempt, KioskAttempt):
        st.error(t("error.staff", ui_lang(), reference=reference))
        return
    lang = attempt.language or attempt.survey.default_language
    try:
        keep_draft(attempt)
    except Exception:  # the draft is a courtesy here; the screen must still appear
        LOG.exception("no draft saved after the failure (reference %s)", reference)
    if attempt.resume_code:
        st.error(t("error.worker", lang))
        st.info(t("error.worker_code", lang, code=attempt.resume_code))
    else:
        st.error(t("error.worker_unsaved", lang))
    st.button(t("error.start_again", lang), type="primary", on_click=reset, key="error-restart")
