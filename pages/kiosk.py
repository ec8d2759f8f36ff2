"""Worker tablet survey: no login, anonymous, one screen at a time, nothing kept after reset."""

from __future__ import annotations

import time

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages.common import db, runtime, tablet_style
from pages.widgets import answer_text, item_input, label_of
from score_impact.i18n import LANGUAGES, t
from score_impact.kiosk import KioskAttempt, Step
from score_impact.pairing import ELEMENTS
from score_impact.services.errors import DomainError, InvalidSubmission, RoundClosed, UnknownRound
from score_impact.services.responses import submit_response
from score_impact.services.rounds import open_round, round_by_code, round_enterprises
from score_impact.services.surveys import survey_of

RESET_AFTER_SECONDS = 8
tablet_style()
state = st.session_state


def reset() -> None:
    """Forget everything about the previous worker; keep only the round's join code."""
    code = state.get("join_code")
    for key in list(state.keys()):
        del state[key]
    if code:
        state["join_code"] = code


def start_attempt(code: str) -> KioskAttempt | None:
    lang = st.query_params.get("lang", "en")
    try:
        with db() as s:
            round_ = open_round(s, round_by_code(s, code).id)
            ents = round_enterprises(s, round_)
            state["factories"] = {e.id: e.name for e in ents}
            return KioskAttempt(round_.id, survey_of(round_.survey_version), [e.id for e in ents])
    except UnknownRound:
        st.error(t("kiosk.unknown_round", lang))
    except RoundClosed:
        st.warning(t("kiosk.closed_round", lang))
    state.pop("join_code", None)
    return None


def show_issues(issues) -> None:
    state["issues"] = {i.item_id: i.message(attempt.language or "en") for i in issues}


code = state.get("join_code") or st.query_params.get("code")
if not code:
    st.title(t("kiosk.title", "en") + " · " + t("kiosk.title", "zh"))
    typed = st.text_input(f"{t('kiosk.enter_code', 'en')} / {t('kiosk.enter_code', 'zh')}")
    if st.button(t("kiosk.open", "en") + " · " + t("kiosk.open", "zh")) and typed.strip():
        state["join_code"] = typed
        st.rerun()
    st.stop()
state["join_code"] = code
if "attempt" not in state:
    state["attempt"] = start_attempt(code)
attempt: KioskAttempt | None = state["attempt"]
if attempt is None:
    del state["attempt"]
    st.stop()
survey, lang = attempt.survey, attempt.language or survey_lang if (survey_lang := None) else None
lang = attempt.language or survey.default_language
issues: dict[str, str] = state.pop("issues", {})
k = attempt.client_uuid  # widget keys are unique per attempt: no value survives a reset

if attempt.step is Step.LANGUAGE:
    st.title(label_of(survey.title, survey.default_language))
    st.subheader(" / ".join(t("kiosk.choose_language", code) for code in survey.languages))
    for code in survey.languages:
        if st.button(LANGUAGES.get(code, code), key=f"lang-{code}", use_container_width=True):
            attempt.choose_language(code)
            st.rerun()

elif attempt.step is Step.CONSENT:
    st.title(t("kiosk.consent_title", lang))
    st.markdown(label_of(survey.consent, lang))
    if st.button(t("kiosk.agree", lang), type="primary", key=f"{k}:agree"):
        attempt.consent(True)
        st.rerun()
    if st.button(t("kiosk.decline", lang), key=f"{k}:decline"):
        attempt.consent(False)
        st.rerun()

elif attempt.step is Step.FACTORY:
    st.title(t("kiosk.choose_factory", lang))
    for ent_id, name in state["factories"].items():
        if st.button(name, key=f"{k}:ent-{ent_id}"):
            attempt.choose_factory(ent_id)
            st.rerun()

elif attempt.step is Step.CODE:
    st.title(t("kiosk.code_title", lang))
    st.write(t("kiosk.code_intro", lang))
    elements = {
        name: st.selectbox(
            t(f"kiosk.code.{name}", lang), list(allowed), index=None, key=f"{k}:code-{name}"
        )
        for name, allowed in ELEMENTS.items()
    }
    if "_code" in issues:
        st.error(issues["_code"])
    if st.button(t("kiosk.next", lang), type="primary", key=f"{k}:code-next"):
        show_issues(attempt.set_code(runtime().settings.secret_key, elements))
        st.rerun()
    if st.button(t("kiosk.skip_code", lang), key=f"{k}:code-skip"):
        attempt.set_code(runtime().settings.secret_key, None)
        st.rerun()

elif attempt.step is Step.SECTION:
    current, total = attempt.progress()
    st.progress(current / total, text=t("kiosk.progress", lang, current=current, total=total))
    st.header(label_of(attempt.section.title, lang))
    if attempt.section.intro:
        st.write(label_of(attempt.section.intro, lang))
    values = {}
    for item in attempt.visible():
        values[item.id] = item_input(
            survey, item, lang, f"{k}:{item.id}", attempt.answers.get(item.id)
        )
        if item.id in issues:
            st.error(issues[item.id])
    attempt.update(values)  # keeps show_if live as answers change on this screen
    if issues:
        st.warning(t("kiosk.fix_errors", lang))
    left, right = st.columns(2)
    if left.button(t("kiosk.back", lang), key=f"{k}:back"):
        attempt.back()
        st.rerun()
    if right.button(t("kiosk.next", lang), type="primary", key=f"{k}:next"):
        show_issues(attempt.next(values))
        st.rerun()

elif attempt.step is Step.REVIEW:
    st.title(t("kiosk.review_title", lang))
    for section in survey.sections:
        for item in attempt.visible(section):
            if item.type.value != "note":
                value = attempt.answers.get(item.id)
                st.markdown(
                    f"**{label_of(item.label, lang)}**  \n{answer_text(survey, item, value, lang)}"
                )
    for message in issues.values():
        st.error(message)
    left, right = st.columns(2)
    if left.button(t("kiosk.back", lang), key=f"{k}:review-back"):
        attempt.back()
        st.rerun()
    if right.button(t("kiosk.submit", lang), type="primary", key=f"{k}:submit"):
        try:
            with db() as s:
                submit_response(s, attempt.submission())
            attempt.step = Step.DONE
            state["done_at"] = time.monotonic()
        except InvalidSubmission as exc:
            show_issues(exc.issues)
        except RoundClosed:
            state["issues"] = {"_save": t("kiosk.closed_round", lang)}
        except (DomainError, OperationalError):
            state["issues"] = {"_save": t("kiosk.save_failed", lang)}
        st.rerun()

else:  # DONE or DECLINED: a thank-you that clears itself for the next worker

    @st.fragment(run_every=2)
    def thank_you() -> None:
        st.success(t("kiosk.thanks" if attempt.step is Step.DONE else "kiosk.declined", lang))
        if st.button(t("kiosk.next_worker", lang), type="primary", key=f"{k}:again") or (
            time.monotonic() - state.get("done_at", time.monotonic()) > RESET_AFTER_SECONDS
        ):
            reset()
            st.rerun(scope="app")

    state.setdefault("done_at", time.monotonic())
    thank_you()
