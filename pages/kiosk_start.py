"""The tablet screens before the questions (language, consent, factory, private code) and
the helpers every screen uses; pages/kiosk_screens.py has the questions and the end.

Each screen renders, and on a tap changes the attempt and asks for a rerun. The layout
follows docs/tablet-screens.md; its building blocks are in pages/kiosk_ui.py.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from pages import kiosk_ui as ui
from pages.common import client_address, db, runtime
from pages.widgets import label_of
from score_impact.i18n import language_names, t, t_all
from score_impact.kiosk import KioskAttempt
from score_impact.pairing import ELEMENTS
from score_impact.services.devices import COOKIE_NAME
from score_impact.services.drafts import UnknownResumeCode, resume, save_draft
from score_impact.services.errors import RoundClosed
from score_impact.services.throttle import Throttled
from score_impact.surveys.validation import Issue
from score_impact.text import literal

state = st.session_state
ISSUES_KEY = "issues"  # item id -> message, shown until answered or the screen changes


def device_token() -> str | None:
    """The enrolled-tablet cookie (services.devices), as the browser sent it."""
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) else None


def reset() -> None:
    """Forget everything about the previous worker; keep only the round's join code."""
    code = state.get("join_code")
    for key in list(state.keys()):
        del state[key]
    if code:
        state["join_code"] = code


def remember_issues(attempt: KioskAttempt, issues: list[Issue]) -> None:
    """Keep the issues, already in the worker's language, and open the screen again at
    the first question that needs an answer."""
    state[ISSUES_KEY] = {i.item_id: i.message(attempt.language or "en") for i in issues}
    if issues:
        ui.new_screen(issues[0].item_id)


def language(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """Before a language is chosen, every text is shown in each of the survey's languages."""
    langs = a.survey.languages
    st.markdown("  \n".join(f"**{label_of(a.survey.title, code)}**" for code in langs))
    st.title(t_all("kiosk.choose_language", langs), anchor=False)
    for code in langs:
        name = language_names().get(code, code)
        ui.choice_button(
            name,
            f"lang-{code}",
            code,
            on_click=lambda code=code: a.choose_language(code),
            spoken=f"{name}. {t('kiosk.choose_language', code)}",
        )
    with st.expander(t_all("kiosk.resume_title", langs)):
        typed = st.text_input(
            t_all("kiosk.resume_label", langs, "  \n"), key=f"{a.client_uuid}:resume"
        )
        go = st.button(t_all("kiosk.resume_button", langs), key=f"{a.client_uuid}:go")
        if go and typed:
            try:
                with db() as s:
                    client = client_address()  # an unenrolled tablet's wrong codes count here
                    state["attempt"] = resume(s, typed, a.round_id, a.device_id, client)
            except (UnknownResumeCode, RoundClosed):
                state[ISSUES_KEY] = {"_resume": t_all("kiosk.resume_unknown", langs, "  \n")}
            except Throttled as exc:
                wait = exc.seconds_left()
                texts = (t("kiosk.resume_throttled", code, seconds=wait) for code in langs)
                state[ISSUES_KEY] = {"_resume": "  \n".join(dict.fromkeys(texts))}
            st.rerun()
    if "_resume" in issues:
        st.error(issues["_resume"])


def consent(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.consent_title", lang), anchor=False)
    ui.said(label_of(a.survey.consent, lang), lang)
    ui.choice_button(t("kiosk.agree", lang), f"{a.client_uuid}:agree", lang,
                     on_click=lambda: a.consent(True), primary=True)  # fmt: skip
    ui.choice_button(t("kiosk.decline", lang), f"{a.client_uuid}:decline", lang,
                     on_click=lambda: a.consent(False))  # fmt: skip


def factory(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    ui.said(t("kiosk.choose_factory", lang), lang, kind="title")
    for ent_id, names in state["factories"].items():
        ui.choice_button(
            literal(names.get(lang) or next(iter(names.values()))),
            f"{a.client_uuid}:ent-{ent_id}",
            lang,
            on_click=lambda ent_id=ent_id: a.choose_factory(ent_id),
        )


def code(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    st.title(t("kiosk.code_title", lang), anchor=False)
    ui.said(t("kiosk.code_intro", lang), lang)
    elements = {
        name: ui.number_grid(
            t(f"kiosk.code.{name}", lang), options, f"{a.client_uuid}:{name}", lang
        )
        for name, options in ELEMENTS.items()
    }
    if "_code" in issues:
        st.error(issues["_code"])
    key = runtime().settings.secret_key
    _, forward = ui.nav(None, (t("kiosk.next", lang), f"{a.client_uuid}:code-next"))
    if forward:
        remember_issues(a, a.set_code(key, elements))
        keep_draft(a)
        st.rerun()
    st.markdown(t("kiosk.skip_code_note", lang))
    if st.button(t("kiosk.skip_code", lang), key=f"{a.client_uuid}:code-skip", type="tertiary"):
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
