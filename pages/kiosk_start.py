"""The tablet screens before the questions (language, consent, factory, private code) and
the helpers every screen uses; pages/kiosk_screens.py has the questions and the end.

Each screen renders, and on a tap changes the attempt and asks for a rerun.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages.common import db, runtime
from pages.widgets import label_of
from score_impact.i18n import enterprise_name, language_names, t
from score_impact.kiosk import KioskAttempt
from score_impact.pairing import ELEMENTS
from score_impact.services.drafts import UnknownResumeCode, resume, save_draft
from score_impact.services.errors import RoundClosed
from score_impact.surveys.validation import Issue

state = st.session_state


def reset() -> None:
    """Forget everything about the previous worker; keep only the round's join code."""
    code = state.get("join_code")
    for key in list(state.keys()):
        del state[key]
    if code:
        state["join_code"] = code


def remember_issues(attempt: KioskAttempt, issues: list[Issue]) -> None:
    """Keep the issues for the next run, already in the worker's language."""
    state["issues"] = {i.item_id: i.message(attempt.language or "en") for i in issues}


def tap(label: str, key: str, primary: bool = False, where=st) -> bool:
    return where.button(label, key=key, type="primary" if primary else "secondary")


def language(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(label_of(a.survey.title, a.survey.default_language))
    st.subheader(" / ".join(t("kiosk.choose_language", code) for code in a.survey.languages))
    for code in a.survey.languages:
        if tap(language_names().get(code, code), f"lang-{code}"):
            a.choose_language(code)
            st.rerun()
    langs = a.survey.languages
    with st.expander(" / ".join(t("kiosk.resume_title", x) for x in langs)):
        label = " / ".join(t("kiosk.resume_label", x) for x in langs)
        typed = st.text_input(label, key=f"{a.client_uuid}:resume")
        go = tap(" / ".join(t("kiosk.resume_button", x) for x in langs), f"{a.client_uuid}:go")
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
        if tap(t(label, lang), f"{a.client_uuid}:{label}", primary=agreed):
            a.consent(agreed)
            st.rerun()


def factory(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.choose_factory", lang))
    for ent_id, name in state["factories"].items():
        if tap(enterprise_name(name, lang), f"{a.client_uuid}:ent-{ent_id}"):
            a.choose_factory(ent_id)
            st.rerun()


def code(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.code_title", lang))
    st.write(t("kiosk.code_intro", lang))
    elements = {
        name: st.selectbox(
            t(f"kiosk.code.{name}", lang),
            list(allowed),
            index=None,
            key=f"{a.client_uuid}:{name}",
            placeholder=t("kiosk.code_choose", lang),  # not Streamlit's English default
        )
        for name, allowed in ELEMENTS.items()
    }
    if "_code" in issues:
        st.error(issues["_code"])
    key = runtime().settings.secret_key
    if tap(t("kiosk.next", lang), f"{a.client_uuid}:code-next", primary=True):
        remember_issues(a, a.set_code(key, elements))
        keep_draft(a)
        st.rerun()
    if tap(t("kiosk.skip_code", lang), f"{a.client_uuid}:code-skip"):
        a.set_code(key, None)
        keep_draft(a)
        st.rerun()


def keep_draft(a: KioskAttempt) -> None:
    """Keep the answers so far in the database; a failure here must not block the worker,
    whose answers are still in this session."""
    try:
        with db() as s:
            a.resume_code = save_draft(s, a)
    except OperationalError:
        pass
