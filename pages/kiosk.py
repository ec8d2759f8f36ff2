"""Worker tablet survey: no login, anonymous, one screen at a time, nothing kept after reset."""

from __future__ import annotations

import streamlit as st

from pages import kiosk_ui as ui
from pages.common import db
from pages.kiosk_screens import SCREENS
from pages.kiosk_start import ISSUES_KEY, device_token
from score_impact.i18n import t_all
from score_impact.kiosk import KioskAttempt
from score_impact.names import factory_name
from score_impact.services.devices import device_for_token, enrolled_only
from score_impact.services.errors import RoundClosed, UnknownRound
from score_impact.services.rounds import open_round, round_by_code, round_enterprises
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience

state = st.session_state


def start_attempt(code: str) -> KioskAttempt | tuple[str, str]:
    """A fresh attempt for an open worker round on a tablet it accepts, or why not as
    (kind, text) — closed or unknown code, a manager round's code, a tablet not enrolled
    for it — the text in every shipped language: the tablet does not know the worker's
    language before the survey is open."""
    try:
        with db() as s:
            round_ = open_round(s, round_by_code(s, code).id)
            survey = survey_of(round_.survey_version)
            device = device_for_token(s, device_token())
            if survey.audience is not Audience.WORKER:
                return "error", t_all("kiosk.not_worker_round", sep="  \n")
            if enrolled_only(round_) and (device is None or device.cohort_id != round_.cohort_id):
                return "error", t_all("kiosk.not_enrolled", sep="  \n")
            state["factories"] = {
                e.id: {lang: factory_name(e, lang) for lang in survey.languages}
                for e in round_enterprises(s, round_)
            }
            autoplay = bool((round_.settings or {}).get("autoplay_audio"))
            device_id = device.id if device else None
            return KioskAttempt(
                round_.id, survey, list(state["factories"]), autoplay=autoplay, device_id=device_id
            )
    except UnknownRound:
        return "error", t_all("kiosk.unknown_round", sep="  \n")
    except RoundClosed:
        return "warning", t_all("kiosk.closed_round", sep="  \n")


def join_screen(problem: tuple[str, str] | None) -> None:
    """For the trainer setting up a tablet without a join link: type the round's code."""
    ui.begin("join")
    st.title(t_all("kiosk.title"), anchor=False)
    if problem:
        kind, text = problem
        getattr(st, kind)(text)
    typed = st.text_input(t_all("kiosk.enter_code", sep="  \n"), key="join_typed")
    if st.button(t_all("kiosk.open"), type="primary") and (typed.strip()):
        state["join_code"] = typed.strip()
        st.rerun()
    st.stop()


code = state.get("join_code") or st.query_params.get("code")
if not code:
    join_screen(None)
attempt = state.get("attempt") or start_attempt(code)
if isinstance(attempt, tuple):
    state.pop("join_code", None)
    join_screen(attempt)
state["join_code"], state["attempt"] = code, attempt
where = (attempt.step, attempt.section_index)
if state.get(ui.WHERE_KEY) != where:
    state.pop(ISSUES_KEY, None)  # a message belongs to the screen it was shown on
ui.begin(where)
SCREENS[attempt.step](
    attempt, attempt.language or attempt.survey.default_language, state.get(ISSUES_KEY, {})
)
