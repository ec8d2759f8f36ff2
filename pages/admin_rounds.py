"""Admin: survey rounds per cohort; open and close them; join code, tablet link and QR code."""

from __future__ import annotations

import streamlit as st

from pages.common import apply, db, flash, require_role
from score_impact.db.models import Phase, Role, RoundStatus
from score_impact.services import admin

scope = require_role(Role.ADMIN)
st.title("Survey rounds")
flash()
with db() as s:
    rounds = admin.rounds(s, scope)
    cohorts = {c["id"]: c["name"] for c in admin.cohorts(s, scope)}
    versions = admin.survey_versions(s, scope)
columns = ["cohort", "phase", "survey", "status", "join_code", "responses", "opens_on"]
st.dataframe(rounds, hide_index=True, column_order=[*columns, "closes_on"])

with st.expander("New round", expanded=not rounds), st.form("new-round"):
    cohort_id = st.selectbox("Cohort", list(cohorts), format_func=cohorts.get)
    phase = st.selectbox("Phase", [p.value for p in Phase])
    version_id = st.selectbox("Survey version", list(versions), format_func=versions.get)
    left, right = st.columns(2)
    opens_on = left.date_input("Opens on", None)
    closes_on = right.date_input("Closes on", None)
    st.caption("A new round starts as a draft: tablets refuse it until you open it.")
    if st.form_submit_button("Create round", type="primary"):
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
            "Round created (draft).",
        )

if not rounds:
    st.stop()
by_id = {r["id"]: r for r in rounds}
round_id = st.selectbox(
    "Round",
    list(by_id),
    format_func=lambda i: f"{by_id[i]['cohort']} · {by_id[i]['phase']} · {by_id[i]['survey']}",
    key="admin_round",
)
row = by_id[round_id]
st.metric("Status", row["status"], help="Tablets and manager forms accept answers only when open")
left, middle, right = st.columns(3)
if row["status"] != RoundStatus.OPEN and left.button("Open round", type="primary"):
    apply(lambda s: admin.set_round_status(s, scope, round_id, "open"), "Round opened.")
if row["status"] == RoundStatus.OPEN and middle.button("Close round"):
    apply(lambda s: admin.set_round_status(s, scope, round_id, "closed"), "Round closed.")
if right.button("New join code", help="The old code stops working at once"):
    apply(lambda s: admin.renew_join_code(s, scope, round_id), "New join code made.")
autoplay = st.toggle(
    "Read each screen's first question aloud automatically", row["autoplay_audio"],
    help="For low-literacy groups; workers can always tap the speaker buttons",
)  # fmt: skip
if autoplay != row["autoplay_audio"]:
    apply(lambda s: admin.set_autoplay(s, scope, round_id, autoplay), "Read-aloud setting saved.")

page_url = (st.context.url or "http://localhost:8501/rounds").split("?")[0]
base_url = st.text_input("App address (as the tablets reach it)", page_url.rsplit("/", 1)[0])
link = admin.tablet_link(base_url, row["join_code"])
st.markdown(f"Join code **{row['join_code']}** · tablet link: `{link}`")
png = admin.qr_png(base_url, row["join_code"])
st.image(png, caption=link, width=240)
st.download_button(
    "Download QR code (PNG)", png, file_name=f"round-{row['join_code']}.png", mime="image/png"
)
