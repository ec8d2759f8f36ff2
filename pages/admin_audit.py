"""Admin: the server check (score-impact doctor), then the audit log, newest first."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import db, runtime, ui_lang
from pages.widgets import table
from score_impact import doctor
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.services import admin
from score_impact.text import literal

scope = require_role(Role.ADMIN)
lang = ui_lang()
st.title(t("admin.audit.title", lang))
with db() as s:
    found = doctor.check(s, runtime().settings, str(st.get_option("client.showErrorDetails")))
with st.expander(t("doctor.title", lang), expanded=bool(found)):
    for finding in found:
        st.warning(literal(finding.message(lang)))
    if not found:
        st.success(t("doctor.all_clear", lang))
limit = st.select_slider(t("admin.audit.limit", lang), [100, 500, 2000], value=500)
with db() as s:
    events = admin.audit_events(s, scope, limit=limit)
needle = st.text_input(t("admin.audit.filter", lang)).strip().lower()
if needle:
    events = [e for e in events if needle in f"{e['user']} {e['action']} {e['target']}".lower()]
when = st.column_config.DatetimeColumn(t("admin.col.at", lang))
table(events, ["at", "user", "action", "target", "detail"], lang, at=when)
st.caption(t("admin.audit.shown", lang, count=len(events)))
