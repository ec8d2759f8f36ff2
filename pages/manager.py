"""Manager survey and enterprise KPIs for one factory and round, editable until it closes."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import db, ui_lang
from pages.widgets import item_input, label_of
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.services.errors import InvalidSubmission, RoundClosed, UnknownRound
from score_impact.services.manager import (
    kpi_fields,
    kpi_preview,
    kpi_values,
    manager_answers,
    manager_enterprises,
    open_manager_rounds,
    save_kpis,
    save_manager_answers,
)
from score_impact.services.rounds import open_round
from score_impact.services.surveys import survey_of
from score_impact.surveys.validation import visible_items

scope = require_role(Role.MANAGER, Role.ADMIN)
lang = ui_lang()
st.title(t("manager.title", lang))
with db() as s:
    factories = manager_enterprises(s, scope)  # a manager: only their own factory
if len(factories) == 1:
    enterprise_id = next(iter(factories))
    st.subheader(factories[enterprise_id])
else:
    enterprise_id = st.selectbox(
        t("manager.enterprise", lang), list(factories), format_func=factories.get, index=None
    )
if enterprise_id is None:
    st.stop()
with db() as s:
    rounds = open_manager_rounds(s, scope, enterprise_id, lang)
if not rounds:
    st.info(t("manager.no_open_round", lang))
    st.stop()
round_id = st.selectbox(t("manager.round", lang), list(rounds), format_func=rounds.get)
try:
    with db() as s:
        round_ = open_round(s, round_id)
        survey = survey_of(round_.survey_version)
except (UnknownRound, RoundClosed):
    st.warning(t("manager.closed", lang))
    st.stop()
lang = lang if lang in survey.languages else survey.default_language
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
    # Managers type raw counts; the rates are computed from them (never typed), shown
    # below as they will be analysed.
    fields = kpi_fields(survey)
    values = {}
    for field_id, field in fields.items():
        current = stored_kpis.get(field_id)
        values[field_id] = st.text_input(
            f"{label_of(field.label, lang)} ({label_of(field.unit, lang)})",
            value="" if current is None else f"{current:g}",
            help=label_of(field.help, lang) or None,
            key=f"{key}:kpi:{field_id}",
        )
        if field_id in issues:
            st.error(issues[field_id])
    if any(k.formula for k in survey.kpis):
        st.subheader(t("manager.kpi_rates", lang))
        st.caption(t("manager.kpi_rates_help", lang))
        st.dataframe(kpi_preview(survey, values, lang), hide_index=True, width="stretch")
    if st.button(t("manager.save_kpis", lang), type="primary"):
        try:
            with db() as s:
                save_kpis(s, round_.id, enterprise_id, values)
            st.toast(t("manager.saved", lang))
        except InvalidSubmission as exc:
            st.session_state[f"{key}:issues"] = {i.item_id: i.message(lang) for i in exc.issues}
        st.rerun()
