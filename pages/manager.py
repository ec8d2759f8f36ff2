"""Manager survey and enterprise KPIs for one factory and round, editable until it closes."""

from __future__ import annotations

import streamlit as st

from pages.common import db
from pages.widgets import item_input, label_of
from score_impact.i18n import LANGUAGES, t
from score_impact.services.errors import InvalidSubmission, RoundClosed, UnknownRound
from score_impact.services.manager import (
    kpi_values,
    manager_answers,
    save_kpis,
    save_manager_answers,
)
from score_impact.services.rounds import open_round, round_by_code, round_enterprises
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience
from score_impact.surveys.validation import visible_items

lang = (
    st.segmented_control(
        "Language / 语言",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        default="en",
        key="manager_lang",
    )
    or "en"
)
st.title(t("manager.title", lang))
code = st.text_input(t("manager.round_code", lang), key="manager_code").strip()
if not code:
    st.stop()
try:
    with db() as s:
        round_ = open_round(s, round_by_code(s, code).id)
        survey = survey_of(round_.survey_version)
        factories = {e.id: e.name for e in round_enterprises(s, round_)}
except UnknownRound:
    st.error(t("kiosk.unknown_round", lang))
    st.stop()
except RoundClosed:
    st.warning(t("manager.closed", lang))
    st.stop()
if survey.audience is not Audience.MANAGER:
    st.error(t("validation.not_manager_round", lang))
    st.stop()
lang = lang if lang in survey.languages else survey.default_language
enterprise_id = st.selectbox(
    t("kiosk.choose_factory", lang), list(factories), format_func=factories.get, index=None
)
if enterprise_id is None:
    st.stop()
with db() as s:
    stored_answers = manager_answers(s, round_.id, enterprise_id)
    stored_kpis = kpi_values(s, round_.id, enterprise_id)
key = f"m{round_.id}:{enterprise_id}"
issues: dict[str, str] = st.session_state.pop(f"{key}:issues", {})

survey_tab, kpi_tab = st.tabs([t("manager.practices", lang), t("manager.kpis", lang)])
with survey_tab:
    answers: dict = dict(stored_answers)
    for section in survey.sections:
        st.subheader(label_of(section.title, lang))
        for item in visible_items(survey, answers, section.items):
            answers[item.id] = item_input(
                survey, item, lang, f"{key}:{item.id}", answers.get(item.id)
            )
            if item.id in issues:
                st.error(issues[item.id])
    if st.button(t("manager.save_answers", lang), type="primary"):
        try:
            with db() as s:
                save_manager_answers(s, round_.id, enterprise_id, lang, answers)
            st.toast(t("manager.saved", lang))
        except InvalidSubmission as exc:
            st.session_state[f"{key}:issues"] = {i.item_id: i.message(lang) for i in exc.issues}
        st.rerun()

with kpi_tab:
    values = {}
    for kpi in survey.kpis:
        current = stored_kpis.get(kpi.id)
        values[kpi.id] = st.text_input(
            f"{label_of(kpi.label, lang)} ({label_of(kpi.unit, lang)})",
            value="" if current is None else f"{current:g}",
            help=label_of(kpi.help, lang) or None,
            key=f"{key}:kpi:{kpi.id}",
        )
        if kpi.id in issues:
            st.error(issues[kpi.id])
    if st.button(t("manager.save_kpis", lang), type="primary"):
        try:
            with db() as s:
                save_kpis(s, round_.id, enterprise_id, values)
            st.toast(t("manager.saved", lang))
        except InvalidSubmission as exc:
            st.session_state[f"{key}:issues"] = {i.item_id: i.message(lang) for i in exc.issues}
        st.rerun()
