"""The screens of the tablet survey, one function per step of ``score_impact.kiosk``.

Each screen renders, and on a tap changes the attempt and asks for a rerun; the page
(pages/kiosk.py) only picks the screen for the attempt's current step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages.common import db, runtime
from pages.widgets import answer_text, item_input, label_of
from score_impact.i18n import LANGUAGES, t
from score_impact.kiosk import KioskAttempt, Step
from score_impact.pairing import ELEMENTS
from score_impact.read_aloud import Spoken, controls_html
from score_impact.services.drafts import UnknownResumeCode, discard_draft, resume, save_draft
from score_impact.services.errors import DomainError, InvalidSubmission, RoundClosed
from score_impact.services.responses import submit_response
from score_impact.surveys.schema import Item, ItemType
from score_impact.surveys.validation import Issue, is_visible

RESET_AFTER_SECONDS = 8
state = st.session_state


def reset() -> None:
    """Forget everything about the previous worker; keep only the round's join code."""
    code = state.get("join_code")
    for key in list(state.keys()):
        del state[key]
    if code:
        state["join_code"] = code


def _remember(attempt: KioskAttempt, issues: list[Issue]) -> None:
    """Keep the issues for the next run, already in the worker's language."""
    state["issues"] = {i.item_id: i.message(attempt.language or "en") for i in issues}


def _tap(label: str, key: str, primary: bool = False, where=st) -> bool:
    return where.button(label, key=key, type="primary" if primary else "secondary")


def language(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(label_of(a.survey.title, a.survey.default_language))
    st.subheader(" / ".join(t("kiosk.choose_language", code) for code in a.survey.languages))
    for code in a.survey.languages:
        if _tap(LANGUAGES.get(code, code), f"lang-{code}"):
            a.choose_language(code)
            st.rerun()
    langs = a.survey.languages
    with st.expander(" / ".join(t("kiosk.resume_title", x) for x in langs)):
        label = " / ".join(t("kiosk.resume_label", x) for x in langs)
        typed = st.text_input(label, key=f"{a.client_uuid}:resume")
        go = _tap(" / ".join(t("kiosk.resume_button", x) for x in langs), f"{a.client_uuid}:go")
        if go and typed:
            try:
                with db() as s:
                    state["attempt"] = resume(s, typed)
            except (UnknownResumeCode, RoundClosed):
                state["issues"] = {"_resume": t("kiosk.resume_unknown", lang)}
            st.rerun()
    if "_resume" in issues:
        st.error(issues["_resume"])


def consent(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.consent_title", lang))
    st.markdown(label_of(a.survey.consent, lang))
    for agreed, label in ((True, "kiosk.agree"), (False, "kiosk.decline")):
        if _tap(t(label, lang), f"{a.client_uuid}:{label}", primary=agreed):
            a.consent(agreed)
            st.rerun()


def factory(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.choose_factory", lang))
    for ent_id, name in state["factories"].items():
        if _tap(name, f"{a.client_uuid}:ent-{ent_id}"):
            a.choose_factory(ent_id)
            st.rerun()


def code(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.code_title", lang))
    st.write(t("kiosk.code_intro", lang))
    elements = {
        name: st.selectbox(
            t(f"kiosk.code.{name}", lang), list(allowed), index=None, key=f"{a.client_uuid}:{name}"
        )
        for name, allowed in ELEMENTS.items()
    }
    if "_code" in issues:
        st.error(issues["_code"])
    key = runtime().settings.secret_key
    if _tap(t("kiosk.next", lang), f"{a.client_uuid}:code-next", primary=True):
        _remember(a, a.set_code(key, elements))
        _save_draft(a)
        st.rerun()
    if _tap(t("kiosk.skip_code", lang), f"{a.client_uuid}:code-skip"):
        a.set_code(key, None)
        _save_draft(a)
        st.rerun()


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
        _read_aloud(a, item, lang, autoplay=a.autoplay and not values)
        values[item.id] = item_input(a.survey, item, lang, key, a.answers.get(item.id))
        a.update({item.id: values[item.id]})  # a follow-up appears in this same run
        if item.id in issues:
            st.error(issues[item.id])
    if issues:
        st.warning(t("kiosk.fix_errors", lang))
    left, right = st.columns(2)
    if _tap(t("kiosk.back", lang), f"{a.client_uuid}:back", where=left):
        a.back()
        st.rerun()
    if _tap(t("kiosk.next", lang), f"{a.client_uuid}:next", primary=True, where=right):
        _remember(a, a.next(values))
        _save_draft(a)
        st.rerun()
    if a.resume_code:
        st.caption(t("kiosk.resume_caption", lang, code=a.resume_code))


def review(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.review_title", lang))
    for sec in a.survey.sections:
        for item in a.visible(sec):
            if item.type is not ItemType.NOTE:
                answer = answer_text(a.survey, item, a.answers.get(item.id), lang)
                st.markdown(f"**{label_of(item.label, lang)}**  \n{answer}")
    for message in issues.values():
        st.error(message)
    left, right = st.columns(2)
    if _tap(t("kiosk.back", lang), f"{a.client_uuid}:review-back", where=left):
        a.back()
        st.rerun()
    if _tap(t("kiosk.submit", lang), f"{a.client_uuid}:submit", primary=True, where=right):
        _submit(a, lang)
        st.rerun()


def _submit(a: KioskAttempt, lang: str) -> None:
    """One transaction keyed by the attempt's UUID: a second tap stores nothing new."""
    try:
        with db() as s:
            submit_response(s, a.submission())
            discard_draft(s, a.client_uuid)
        a.step = Step.DONE
        state["done_at"] = time.monotonic()
    except InvalidSubmission as exc:
        _remember(a, exc.issues)
    except RoundClosed:
        state["issues"] = {"_save": t("kiosk.closed_round", lang)}
    except (DomainError, OperationalError):
        state["issues"] = {"_save": t("kiosk.save_failed", lang)}


def _save_draft(a: KioskAttempt) -> None:
    """Keep the answers so far in the database; a failure here must not block the worker,
    whose answers are still in this session."""
    try:
        with db() as s:
            a.resume_code = save_draft(s, a)
    except OperationalError:
        pass


def _read_aloud(a: KioskAttempt, item: Item, lang: str, autoplay: bool) -> None:
    """Play buttons for the question and each of its options."""
    if item.type is ItemType.LIKERT:
        points = a.survey.scales[item.scale or ""]
        options = [Spoken(str(p.value), label_of(p.label, lang)) for p in points]
    elif item.type is ItemType.YES_NO:
        options = [Spoken(t(k, lang), t(k, lang)) for k in ("kiosk.yes", "kiosk.no")]
    else:
        options = [
            Spoken(label_of(o.label, lang), label_of(o.label, lang)) for o in item.options or []
        ]
    question = Spoken("", label_of(item.label, lang), (item.audio or {}).get(lang))
    html = controls_html(
        f"ra-{a.client_uuid[:8]}-{item.id}",
        lang,
        question,
        options,
        t("kiosk.no_voice", lang),
        base=runtime().settings.survey_dir,
        autoplay=autoplay,
    )
    st.html(html, unsafe_allow_javascript=True)


def thank_you(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """Thanks, then a clean screen for the next worker after a tap or a few seconds."""
    state.setdefault("done_at", time.monotonic())

    @st.fragment(run_every=2)
    def countdown() -> None:
        st.success(t("kiosk.thanks" if a.step is Step.DONE else "kiosk.declined", lang))
        waited = time.monotonic() - state.get("done_at", time.monotonic())
        if _tap(t("kiosk.next_worker", lang), f"{a.client_uuid}:again", primary=True) or (
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
    Step.DONE: thank_you,
    Step.DECLINED: thank_you,
}
