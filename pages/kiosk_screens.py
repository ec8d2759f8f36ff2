"""The screens of the tablet survey, one function per step of ``score_impact.kiosk``: the
questions, the review and the thank-you here, the screens before them in kiosk_start.py.
The page (pages/kiosk.py) only picks the screen for the attempt's current step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages.common import db, runtime
from pages.kiosk_start import (
    code,
    consent,
    factory,
    keep_draft,
    language,
    remember_issues,
    reset,
    state,
    tap,
)
from pages.widgets import answer_text, item_input, label_of, read_aloud
from score_impact.i18n import t
from score_impact.kiosk import KioskAttempt, Step
from score_impact.services.drafts import discard_draft
from score_impact.services.errors import (
    DomainError,
    InvalidSubmission,
    NotEnrolled,
    RoundClosed,
)
from score_impact.services.responses import submit_response
from score_impact.surveys.schema import ItemType
from score_impact.surveys.validation import is_visible
from score_impact.text import literal

RESET_AFTER_SECONDS = 8
PAUSE_SECONDS = 120  # a paused screen (with its code) is cleared after two minutes


def section(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    current, total = a.progress()
    st.progress(current / total, text=t("kiosk.progress", lang, current=current, total=total))
    st.header(label_of(a.section.title, lang))
    if a.section.intro:
        st.write(label_of(a.section.intro, lang))
    values = {}
    for item in a.section.items:
        if not is_visible(item, a.answers):  # judged with the answers given above it
            continue
        key = f"{a.client_uuid}:{item.id}"  # unique per attempt: nothing survives a reset
        base = runtime().settings.survey_dir
        read_aloud(a.survey, item, lang, f"ra-{a.client_uuid[:8]}-{item.id}", base,
                   autoplay=a.autoplay and not values)  # fmt: skip
        values[item.id] = item_input(a.survey, item, lang, key, a.answers.get(item.id))
        a.update({item.id: values[item.id]})  # a follow-up appears in this same run
        if item.id in issues:
            st.error(issues[item.id])
    if issues:
        st.warning(t("kiosk.fix_errors", lang))
    left, right = st.columns(2)
    if tap(t("kiosk.back", lang), f"{a.client_uuid}:back", where=left):
        a.back()
        st.rerun()
    if tap(t("kiosk.next", lang), f"{a.client_uuid}:next", primary=True, where=right):
        remember_issues(a, a.next(values))
        keep_draft(a)
        st.rerun()
    pause_button(a, lang)


def pause_button(a: KioskAttempt, lang: str) -> None:
    """The worker has to step away: save, then show the resume code on its own screen."""
    if tap(t("kiosk.pause", lang), f"{a.client_uuid}:pause"):
        a.pause()
        keep_draft(a)
        st.rerun()


def paused(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """The resume code, big, with "continue now" and "hand the tablet on", which clears the
    screen for the next person, as do PAUSE_SECONDS without a tap (the draft waits up to
    two hours for its code)."""
    paused_at = state.setdefault("paused_at", time.monotonic())

    @st.fragment(run_every=5)
    def clear_when_left() -> None:
        if a.resume_code and time.monotonic() - paused_at > PAUSE_SECONDS:
            reset()
            st.rerun(scope="app")

    clear_when_left()
    st.title(t("kiosk.paused_title", lang))
    if a.resume_code:
        st.write(t("kiosk.paused_intro", lang))
        st.html(f'<p style="font-size:3.2rem;letter-spacing:.35em;font-weight:700">'
                f"{a.resume_code}</p>")  # fmt: skip
    else:
        st.warning(t("kiosk.pause_failed", lang))
    if tap(t("kiosk.continue_now", lang), f"{a.client_uuid}:unpause", primary=True):
        a.unpause()
        state.pop("paused_at", None)
        st.rerun()
    if a.resume_code and tap(t("kiosk.pause_done", lang), f"{a.client_uuid}:pause-done"):
        reset()
        st.rerun()


def review(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.review_title", lang))
    for sec in a.survey.sections:
        for item in a.visible(sec):
            if item.type is not ItemType.NOTE:
                answer = answer_text(a.survey, item, a.answers.get(item.id), lang)
                st.markdown(f"**{label_of(item.label, lang)}**  \n{literal(answer)}")
    for message in issues.values():
        st.error(message)
    left, right = st.columns(2)
    if tap(t("kiosk.back", lang), f"{a.client_uuid}:review-back", where=left):
        a.back()
        st.rerun()
    if tap(t("kiosk.submit", lang), f"{a.client_uuid}:submit", primary=True, where=right):
        _submit(a, lang)
        st.rerun()
    pause_button(a, lang)


def _submit(a: KioskAttempt, lang: str) -> None:
    """One transaction keyed by the attempt's UUID: a second tap stores nothing new."""
    try:
        with db() as s:
            submit_response(s, a.submission())
            discard_draft(s, a.client_uuid)
        a.step = Step.DONE
        state["done_at"] = time.monotonic()
    except InvalidSubmission as exc:
        remember_issues(a, exc.issues)
    except RoundClosed:
        state["issues"] = {"_save": t("kiosk.closed_round", lang)}
    except NotEnrolled:
        state["issues"] = {"_save": t("kiosk.not_enrolled", lang)}
    except (DomainError, OperationalError):
        state["issues"] = {"_save": t("kiosk.save_failed", lang)}


def thank_you(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """Thanks, then a clean screen for the next worker after a tap or a few seconds."""
    state.setdefault("done_at", time.monotonic())

    @st.fragment(run_every=2)
    def countdown() -> None:
        st.success(t("kiosk.thanks" if a.step is Step.DONE else "kiosk.declined", lang))
        waited = time.monotonic() - state.get("done_at", time.monotonic())
        if tap(t("kiosk.next_worker", lang), f"{a.client_uuid}:again", primary=True) or (
            waited > RESET_AFTER_SECONDS
        ):
            reset()
            st.rerun(scope="app")

    countdown()


SCREENS: dict[Step, Callable[[KioskAttempt, str, dict[str, str]], None]] = {
    Step.LANGUAGE: language,
    Step.CONSENT: consent,
    Step.FACTORY: factory,
    Step.CODE: code,
    Step.SECTION: section,
    Step.REVIEW: review,
    Step.PAUSED: paused,
    Step.DONE: thank_you,
    Step.DECLINED: thank_you,
}
