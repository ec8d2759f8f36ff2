"""Tablets: a trainer enrols their class's tablets (link or QR code), names or revokes
them, and decides whether a round takes answers from enrolled tablets only."""

from __future__ import annotations

import streamlit as st

from pages.auth import trainer_page
from pages.common import apply, db
from score_impact.i18n import t
from score_impact.services import devices
from score_impact.services.admin import url_qr_png

scope, lang, cohorts = trainer_page("devices.title", "devices.intro")
cohort_id = st.selectbox(t("devices.cohort", lang), list(cohorts), format_func=cohorts.get)
with db() as s:
    rounds = devices.worker_rounds(s, scope, cohort_id)
    enrolled = devices.devices(s, scope, cohort_id)


def round_label(r: devices.RoundChoice | None) -> str:
    if r is None:
        return t("devices.no_round", lang)
    return f"{t(f'phase.{r.phase}', lang)} · {r.join_code} · {t(f'admin.status.{r.status}', lang)}"


with st.form("enrolment"):
    choice = st.selectbox(t("devices.round", lang), [None, *rounds], format_func=round_label)
    left, right = st.columns(2)
    hours = left.selectbox(t("devices.hours", lang), devices.ENROLMENT_HOURS, index=1)
    most = right.number_input(t("devices.max", lang), 1, devices.MAX_DEVICES, 20)
    if st.form_submit_button(t("devices.create", lang), type="primary"):
        code = choice.join_code if choice else None
        with db() as s:
            link = devices.create_enrolment(s, scope, cohort_id, code, int(hours), int(most))
        st.session_state["enrolment_link"] = (cohort_id, link)

if (shown := st.session_state.get("enrolment_link")) and shown[0] == cohort_id:
    link = shown[1]
    base = (st.context.url or "http://localhost:8501/devices").split("?")[0].rsplit("/", 1)[0]
    url = devices.enrolment_url(base, link.token)
    st.info(t("devices.link", lang, time=f"{link.expires_at:%Y-%m-%d %H:%M}", max=link.max_devices))
    st.code(url, language=None)
    st.image(url_qr_png(url), width=240)

for r in rounds:
    on = st.toggle(
        f"{t('devices.enrolled_only', lang)} ({round_label(r)})", r.enrolled_only,
        help=t("devices.enrolled_only_help", lang), key=f"enrolled_only:{r.id}",
    )  # fmt: skip
    if on != r.enrolled_only:
        apply(
            lambda s, rid=r.id, on=on: devices.set_enrolled_only(s, scope, rid, on),
            t("devices.saved", lang),
        )

st.subheader(t("devices.enrolled", lang))
if not enrolled:
    st.info(t("devices.none", lang))
    st.stop()
columns = ["label", "enrolled_by", "enrolled_at", "revoked"]
st.dataframe(
    enrolled, hide_index=True, column_order=columns,
    column_config={c: t(f"devices.col.{c}", lang) for c in columns},
)  # fmt: skip
by_id = {d["id"]: d for d in enrolled}
device_id = st.selectbox(
    t("devices.pick", lang), list(by_id), format_func=lambda i: by_id[i]["label"]
)
with st.form(f"device-{device_id}"):
    name = st.text_input(t("devices.rename", lang), by_id[device_id]["label"], max_chars=60)
    if st.form_submit_button(t("devices.save_name", lang)):
        apply(lambda s: devices.rename_device(s, scope, device_id, name), t("devices.saved", lang))
if not by_id[device_id]["revoked"] and st.button(t("devices.revoke", lang)):
    apply(lambda s: devices.revoke_device(s, scope, device_id), t("devices.saved", lang))
