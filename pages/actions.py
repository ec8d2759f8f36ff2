"""Enterprise Improvement Plans: turn a finding into actions, follow their status.

Reached from the dashboard with ``?finding=<enterprise>|<outcome>`` so the finding the
trainer clicked opens ready for its first action.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pages import impact_view as view
from pages.common import db
from score_impact.db.models import ActionStatus, Role
from score_impact.i18n import t
from score_impact.reports.findings import findings
from score_impact.reports.impact import ImpactFilters
from score_impact.services.actions import (
    ActionInput,
    InvalidAction,
    actions_for,
    by_outcome,
    create_action,
    overdue,
    update_action,
)
from score_impact.text import literal

lang = view.language()
st.title(t("actions.title", lang))
scope = view.current_scope(lang, Role.TRAINER, Role.ADMIN, Role.MANAGER)
opts = view.options(scope)
if not opts.cohorts:
    st.info(t("impact.nothing_visible", lang))
    st.stop()
ids = {name: ent_id for ent_id, name in opts.enterprises.items()}
with db() as s:
    actions = actions_for(s, ids.values())
today = date.today()
statuses = [s.value for s in ActionStatus]

if late := overdue(actions, today):
    st.warning(t("actions.overdue", lang, count=len(late)))
    st.dataframe(
        pd.DataFrame([(opts.enterprises[a.enterprise_id], a.title, a.responsible_role,
                       a.due_date, t(f"actions.status.{a.status}", lang)) for a in late],
                     columns=[t(f"actions.col.{c}", lang) for c in
                              ("enterprise", "title", "role", "due", "status")]),
        hide_index=True,
    )  # fmt: skip

cohort = st.selectbox(t("impact.cohort", lang), list(opts.cohorts), format_func=opts.cohorts.get)
result = view.impact(scope, ImpactFilters(cohort_id=cohort, lang=lang))
st.subheader(t("actions.findings", lang))
wanted = st.query_params.get("finding")
existing = by_outcome(actions)
found = findings(result)
if not found:
    st.info(t("actions.no_findings", lang))
for f in found:
    ent_id = ids[f.enterprise]
    key = f"{f.enterprise}|{f.outcome_id}"  # as in the dashboard's links
    with st.expander(literal(f.text(lang)), expanded=key == wanted):
        for a in existing.get((ent_id, f.outcome_id), []):
            status = t(f"actions.status.{a.status}", lang)
            st.markdown(f"- **{literal(a.title)}** — {literal(a.responsible_role)}, "
                        f"{a.due_date:%Y-%m-%d}, {status}")  # fmt: skip
        with st.form(f"new:{key}", clear_on_submit=True):
            title = st.text_input(t("actions.col.title", lang))
            role = st.text_input(t("actions.col.role", lang), help=t("actions.role_help", lang))
            due = st.date_input(t("actions.col.due", lang), today + timedelta(days=30))
            notes = st.text_area(t("actions.notes", lang))
            if st.form_submit_button(t("actions.create", lang), type="primary"):
                data = ActionInput(ent_id, f.outcome_id, f.kind, title, role, due,
                                   finding=f.text(lang), notes=notes, cohort_id=cohort)  # fmt: skip
                try:
                    with db() as s:
                        create_action(s, data, scope.username)
                    st.rerun()
                except InvalidAction as exc:
                    for problem in exc.problems:
                        st.error(problem)

st.subheader(t("actions.all", lang))
for a in actions:
    left, right = st.columns([3, 1])
    left.markdown(f"**{literal(a.title)}** · {literal(opts.enterprises[a.enterprise_id])} · "
                  f"{a.due_date:%Y-%m-%d}  \n{literal(a.finding)}")  # fmt: skip
    status = right.selectbox(t("actions.col.status", lang), statuses, statuses.index(a.status),
                             format_func=lambda v: t(f"actions.status.{v}", lang),
                             key=f"status:{a.id}")  # fmt: skip
    if status != a.status:
        with db() as s:
            update_action(s, a.id, ids.values(), status=ActionStatus(status))
        st.rerun()
