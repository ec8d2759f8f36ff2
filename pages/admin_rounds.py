"""Admin: survey rounds per cohort; open and close them; join code, tablet link and QR code."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import apply, db, flash, ui_lang
from pages.widgets import join_link, table
from score_impact.db.models import Phase, Role, RoundStatus
from score_impact.i18n import t
from score_impact.services import admin

scope = require_role(Role.ADMIN)
lang = ui_lang()
st.title(t("admin.rounds.title", lang))
flash()
with db() as s:
    rounds = admin.rounds(s, scope)
    cohorts = {c["id"]: c["name"] for c in admin.cohorts(s, scope)}
    versions = admin.survey_versions(s, scope)


def phase_label(phase: str) -> str:
    return t(f"phase.{phase}", lang)


def status_label(status: str) -> str:
    return t(f"admin.status.{status}", lang)


shown = [
    {**r, "phase": phase_label(r["phase"]), "status": status_label(r["status"])} for r in rounds
]
columns = ["cohort", "phase", "survey", "status", "join_code", "responses", "opens_on"]
table(shown, [*columns, "closes_on"], lang)

with st.expander(t("admin.rounds.new", lang), expanded=not rounds), st.form("new-round"):
    cohort_id = st.selectbox(t("admin.rounds.cohort", lang), list(cohorts), format_func=cohorts.get)
    phase = st.selectbox(
        t("admin.rounds.phase", lang), [p.value for p in Phase], format_func=phase_label
    )
    version_id = st.selectbox(
        t("admin.rounds.version", lang), list(versions), format_func=versions.get
    )
    left, right = st.columns(2)
    opens_on = left.date_input(t("admin.rounds.opens_on", lang), None)
    closes_on = right.date_input(t("admin.rounds.closes_on", lang), None)
    st.caption(t("admin.rounds.draft_note", lang))
    if st.form_submit_button(t("admin.rounds.create", lang), type="primary"):
        apply(
            lambda s: admin.add_round(
                s,
                scope,
                cohort_id=cohort_id,
                phase=phase,
                survey_version_id=version_id,
                opens_on=opens_on,
                closes_on=closes_on,
            ),
            t("admin.rounds.created", lang),
        )

if not rounds:
    st.stop()
by_id = {r["id"]: r for r in rounds}
round_id = st.selectbox(
    t("admin.rounds.round", lang),
    list(by_id),
    format_func=lambda i: (
        f"{by_id[i]['cohort']} · {phase_label(by_id[i]['phase'])} · {by_id[i]['survey']}"
    ),
    key="admin_round",
)
row = by_id[round_id]
st.metric(
    t("admin.rounds.status", lang),
    status_label(row["status"]),
    help=t("admin.rounds.status_help", lang),
)
left, middle, right = st.columns(3)
if row["status"] != RoundStatus.OPEN and left.button(t("admin.rounds.open", lang), type="primary"):
    apply(
        lambda s: admin.set_round_status(s, scope, round_id, "open"), t("admin.rounds.opened", lang)
    )
if row["status"] == RoundStatus.OPEN and middle.button(t("admin.rounds.close", lang)):
    apply(
        lambda s: admin.set_round_status(s, scope, round_id, "closed"),
        t("admin.rounds.closed", lang),
    )
if right.button(t("admin.rounds.new_code", lang), help=t("admin.rounds.new_code_help", lang)):
    apply(
        lambda s: admin.renew_join_code(s, scope, round_id), t("admin.rounds.new_code_done", lang)
    )
autoplay = st.toggle(
    t("admin.rounds.autoplay", lang), row["autoplay_audio"],
    help=t("admin.rounds.autoplay_help", lang),
)  # fmt: skip
if autoplay != row["autoplay_audio"]:
    apply(
        lambda s: admin.set_autoplay(s, scope, round_id, autoplay),
        t("admin.rounds.autoplay_saved", lang),
    )

join_link(row["join_code"], row["status"], lang, "admin_round")
