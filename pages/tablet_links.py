"""Trainers: the join code, tablet link and QR code of every round of their own cohorts,
so a training day does not wait for an administrator (admins see every round here too)."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import db, ui_lang
from pages.widgets import join_link
from score_impact.db.models import Role, RoundStatus
from score_impact.i18n import t
from score_impact.services.scope import visible_rounds

scope = require_role(Role.TRAINER, Role.ADMIN)
lang = ui_lang()
st.title(t("links.title", lang))
with db() as s:
    rounds = {
        r.id: {
            "cohort": r.cohort.name,
            "phase": t(f"phase.{r.phase}", lang),
            "status": r.status,
            "join_code": r.join_code,
        }
        for r in visible_rounds(s, scope)
        if r.survey_version.audience == "worker"  # managers use their own page, no code
    }
if not rounds:
    st.info(t("links.none", lang))
    st.stop()
order = sorted(rounds, key=lambda i: rounds[i]["status"] != RoundStatus.OPEN)  # open first
chosen = st.selectbox(
    t("admin.rounds.round", lang),
    order,
    format_func=lambda i: " · ".join(
        [
            *(rounds[i][k] for k in ("cohort", "phase")),
            t(f"admin.status.{rounds[i]['status']}", lang),
        ]
    ),  # fmt: skip
    key="links_round",
)
join_link(rounds[chosen]["join_code"], rounds[chosen]["status"], lang, "links")
