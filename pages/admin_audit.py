"""Admin: the audit log, newest first (every admin change and account creation)."""

from __future__ import annotations

import streamlit as st

from pages.common import db, require_role
from score_impact.db.models import Role
from score_impact.services import admin

scope = require_role(Role.ADMIN)
st.title("Audit log")
limit = st.select_slider("Show the latest", [100, 500, 2000], value=500)
with db() as s:
    events = admin.audit_events(s, scope, limit=limit)
needle = st.text_input("Filter (user, action or target contains)").strip().lower()
if needle:
    events = [e for e in events if needle in f"{e['user']} {e['action']} {e['target']}".lower()]
st.dataframe(
    events,
    hide_index=True,
    column_config={"at": st.column_config.DatetimeColumn("When (UTC)")},
)
st.caption(f"{len(events)} events shown.")
