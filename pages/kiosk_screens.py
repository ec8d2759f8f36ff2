"""The screens of the tablet survey, one function per step of ``score_impact.kiosk``: the
questions, the review and the thank-you here, the screens before them in kiosk_start.py.
The page (pages/kiosk.py) only picks the screen for the attempt's current step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages import kiosk_ui as ui
from pages.common import db
from pages.kiosk_pause import pause_button, paused
from pages.kiosk_start import (
    ISSUES_KEY,
    code,
    consent,
    factory,
    keep_draft,
    language,
    remember_issues,
    reset,
    state,
)
from pages.widgets import answer_text, label_of
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
from score_impact.surveys.schema import DECLINED, Item, ItemType
from score_impact.surveys.validation import is_visible
from score_impact.text import literal

RESET_AFTER_SECONDS = 8

TYPED = (ItemType.NUMBER, ItemType.TEXT)  # typed into a box; every other answer is a tap


def _options(a: KioskAttempt, item: Item, lang: str) -> list[tuple[Any, str]]:
    """(value, words) of a choice question's options, as the review shows them too, with
    "prefer not to answer" last where the survey offers it for the item."""
    if item.type is ItemType.LIKERT:
        options = [(p.value, label_of(p.label, lang)) for p in a.survey.scales[item.scale or ""]]
    elif item.type is ItemType.YES_NO:
        options = [(True, t("kiosk.yes", lang)), (False, t("kiosk.no", lang))]
    else:
        options = [(o.value, label_of(o.label, lang)) for o in item.options or []]
    if a.survey.declinable(item):
        options.append((DECLINED, t("kiosk.prefer_not", lang)))
    return options


def _pick(a: KioskAttempt, item: Item) -> Callable[[Any], None]:
    """The tap on an option: record it (a follow-up question shows in the same run) and
    clear that question's red message."""

    def pick(value: Any) -> None:
        if item.type is ItemType.MULTIPLE_CHOICE:
            ticked = list(a.answers.get(item.id) or [])
            value = [v for v in ticked if v != value] if value in ticked else [*ticked, value]
        a.update({item.id: value})
        state.get(ISSUES_KEY, {}).pop(item.id, None)

    return pick


def question(a: KioskAttempt, item: Item, lang: str, error: str | None, autoplay: bool) -> Any:
    """One question: its text with the speaker, then its answer rows (or a text box).
    Returns the typed value of a text or number question (choices are kept on tap)."""
    asked = label_of(item.label, lang)
    helps = label_of(item.help, lang) if item.help else ""
    shown = f"**{asked}**  \n*{helps}*" if helps else f"**{asked}**"
    typed = None
    with st.container(key=f"kq-{item.id}"):
        if item.type is ItemType.NOTE:
            ui.said(asked, lang)
            return None
        audio = (item.audio or {}).get(lang)
        ui.said(shown, lang, audio=audio, autoplay=autoplay, spoken=f"{asked} {helps}".strip())
        if item.type in TYPED:
            typed = st.text_input(
                label_of(item.label, lang),
                value="" if a.answers.get(item.id) is None else str(a.answers[item.id]),
                key=f"{a.client_uuid}:{item.id}",
                max_chars=item.max_length,
                label_visibility="collapsed",
            )
            typed = typed or None
        else:
            ui.choices(
                _options(a, item, lang),
                a.answers.get(item.id),
                item.id,
                lang,
                _pick(a, item),
                multiple=item.type is ItemType.MULTIPLE_CHOICE,
            )
        if error:
            st.error(error)
    return typed


def section(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    current, total = a.progress()
    st.progress(current / total, text=t("kiosk.progress", lang, current=current, total=total))
    st.title(label_of(a.section.title, lang), anchor=False)
    if a.section.intro:
        ui.said(label_of(a.section.intro, lang), lang)
    typed: dict[str, Any] = {}
    first = True
    for item in a.section.items:
        if not is_visible(item, a.answers):  # judged with the answers given above it
            continue
        value = question(a, item, lang, issues.get(item.id), a.autoplay and first)
        first = False
        if item.type in TYPED:
            typed[item.id] = value
            a.update({item.id: value})
    if issues:
        st.warning(t("kiosk.fix_errors", lang))
    forward = "kiosk.to_review" if a.from_review else "kiosk.next"
    back, next_ = ui.nav(
        (t("kiosk.back", lang), f"{a.client_uuid}:back"),
        (t(forward, lang), f"{a.client_uuid}:next"),
    )
    if back:
        a.back()
        st.rerun()
    if next_:
        remember_issues(a, a.next(typed))
        keep_draft(a)
        st.rerun()
    pause_button(a, lang)


def review(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """Answers grouped by section; a tap on one opens its question to change it."""
    st.title(t("kiosk.review_title", lang), anchor=False)
    ui.said(t("kiosk.review_intro", lang), lang)
    for sec in a.survey.sections:
        shown = [i for i in a.visible(sec) if i.type is not ItemType.NOTE]
        if not shown:
            continue
        st.header(label_of(sec.title, lang), anchor=False)
        for item in shown:
            asked = label_of(item.label, lang)
            answer = answer_text(a.survey, item, a.answers.get(item.id), lang)
            with st.container(key=f"krev-{item.id}", horizontal=True, wrap=False,
                              vertical_alignment="center", gap=None):  # fmt: skip
                st.button(
                    f"{literal(asked)}  \n**{literal(answer)}**",
                    key=f"{a.client_uuid}:change-{item.id}",
                    on_click=_change,
                    args=(a, item.id),
                    width="stretch",
                    wrap=True,
                )
                ui.speaker(f"{asked} {answer}", lang)
    for message in issues.values():
        st.error(message)
    back, submit = ui.nav(
        (t("kiosk.back", lang), f"{a.client_uuid}:review-back"),
        (t("kiosk.submit", lang), f"{a.client_uuid}:submit"),
    )
    if back:
        a.back()
        st.rerun()
    if submit:
        _submit(a, lang)
        st.rerun()
    pause_button(a, lang)


def _change(a: KioskAttempt, item_id: str) -> None:
    a.jump_to(item_id)
    ui.open_at(item_id)


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
        state[ISSUES_KEY] = {"_save": t("kiosk.closed_round", lang)}
    except NotEnrolled:
        state[ISSUES_KEY] = {"_save": t("kiosk.not_enrolled", lang)}
    except (DomainError, OperationalError):
        state[ISSUES_KEY] = {"_save": t("kiosk.save_failed", lang)}


def thank_you(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """Thanks, then a clean screen for the next worker after a tap or a few seconds."""
    state.setdefault("done_at", time.monotonic())
    message = t("kiosk.thanks" if a.step is Step.DONE else "kiosk.declined", lang)
    ui.said(message, lang, kind="title")

    @st.fragment(run_every=2)
    def countdown() -> None:
        waited = time.monotonic() - state.get("done_at", time.monotonic())
        _, again = ui.nav(None, (t("kiosk.next_worker", lang), f"{a.client_uuid}:again"))
        if again or waited > RESET_AFTER_SECONDS:
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
