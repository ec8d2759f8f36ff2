"""Worker tablet survey: no login, anonymous, one screen at a time, nothing kept after reset."""

from __future__ import annotations

import streamlit as st

from pages.common import db, tablet_style
from pages.kiosk_screens import SCREENS
from score_impact.i18n import t, t_all
from score_impact.kiosk import KioskAttempt
from score_impact.services.errors import RoundClosed, UnknownRound
from score_impact.services.rounds import open_round, round_by_code, round_enterprises
from score_impact.services.surveys import survey_of

tablet_style()
state = st.session_state


def start_attempt(code: str) -> KioskAttempt | None:
    """A fresh attempt for an open round, or a clear message for a closed/unknown code."""
    lang = st.query_params.get("lang", "en")
    try:
        with db() as s:
            round_ = open_round(s, round_by_code(s, code).id)
            factories = {e.id: e.name for e in round_enterprises(s, round_)}
            state["factories"] = factories
            survey = survey_of(round_.survey_version)
            autoplay = bool((round_.settings or {}).get("autoplay_audio"))
            return KioskAttempt(round_.id, survey, list(factories), autoplay=autoplay)
    except UnknownRound:
        st.error(t("kiosk.unknown_round", lang))
    except RoundClosed:
        st.warning(t("kiosk.closed_round", lang))
    return None


code = state.get("join_code") or st.query_params.get("code")
if not code:
    # Nobody has chosen a language yet: every shipped language at once.
    st.title(t_all("kiosk.title", sep=" · "))
    typed = st.text_input(t_all("kiosk.enter_code"))
    if st.button(t_all("kiosk.open", sep=" · ")) and typed.strip():
        state["join_code"] = typed
        st.rerun()
    st.stop()

attempt = state.get("attempt") or start_attempt(code)
if attempt is None:
    state.pop("join_code", None)
    st.stop()
state["join_code"], state["attempt"] = code, attempt
SCREENS[attempt.step](
    attempt, attempt.language or attempt.survey.default_language, state.pop("issues", {})
)
