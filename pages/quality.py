"""Data quality: the flagged responses of a round (score_impact/quality.py says why each
flag is raised), and the trainer's or admin's audited, reversible decision to exclude them.
"""

from __future__ import annotations

import streamlit as st

from pages.auth import trainer_page
from pages.common import apply, db
from score_impact.i18n import t
from score_impact.quality import Flag
from score_impact.services import devices, quality

scope, lang, cohorts = trainer_page("quality.title", "quality.intro")
left, right = st.columns(2)
cohort_id = left.selectbox(t("quality.cohort", lang), list(cohorts), format_func=cohorts.get)
with db() as s:
    rounds = {r.id: r for r in devices.worker_rounds(s, scope, cohort_id)}
if not rounds:
    st.stop()
round_id = right.selectbox(
    t("quality.round", lang), list(rounds), index=len(rounds) - 1,
    format_func=lambda i: f"{t(f'phase.{rounds[i].phase}', lang)} · {rounds[i].join_code}",
)  # fmt: skip
with db() as s:
    review = quality.review_round(s, scope, round_id)

a, b, c = st.columns(3)
a.metric(t("quality.responses", lang), review.responses)
b.metric(t("quality.flagged", lang), sum(bool(r.flags) for r in review.rows))
c.metric(t("quality.excluded", lang), review.excluded)
st.caption(" · ".join(f"{t(f'quality.flag.{f}', lang)}: {review.count(f)}" for f in Flag))
if not review.rows:
    st.success(t("quality.nothing", lang))
    st.stop()

left, right = st.columns(2)
flag = left.selectbox(t("quality.filter_flag", lang), [None, *Flag],
                      format_func=lambda f: t("quality.all_flags", lang) if f is None
                      else t(f"quality.flag.{f}", lang))  # fmt: skip
tablets = sorted({r.device or "" for r in review.rows})
tablet = right.selectbox(t("quality.filter_device", lang), [None, *tablets],
                         format_func=lambda d: t("quality.all_devices", lang) if d is None
                         else d or t("quality.no_tablet", lang))  # fmt: skip
shown = [
    r for r in review.rows
    if (flag is None or flag in r.flags) and (tablet is None or (r.device or "") == tablet)
]  # fmt: skip
COLUMNS = ["response_id", "enterprise", "device", "submitted_at", "minutes", "flags"]


def listing(rows: list[quality.ReviewRow], extra: tuple[str, ...] = ()) -> None:
    data = [
        {**r.__dict__, "flags": ", ".join(t(f"quality.flag.{f}", lang) for f in r.flags)}
        for r in rows
    ]
    columns = [*COLUMNS, *extra]
    config = {col: t(f"quality.col.{col}", lang) for col in columns}
    config["minutes"] = st.column_config.NumberColumn(config["minutes"], format="%.1f")
    st.dataframe(data, hide_index=True, column_order=columns, column_config=config)


counted = [r for r in shown if not r.excluded]
if counted:
    listing(counted)
    with st.form("exclude"):
        reason = st.text_input(t("quality.reason", lang), max_chars=quality.MAX_REASON)
        if st.form_submit_button(t("quality.exclude", lang, n=len(counted)), type="primary"):
            ids = [r.response_id for r in counted]
            apply(
                lambda s: quality.exclude_responses(s, scope, round_id, ids, reason),
                t("quality.done_exclude", lang, n=len(ids)),
            )

excluded = [r for r in shown if r.excluded]
if excluded:
    st.subheader(t("quality.excluded_title", lang))
    listing(excluded, ("reason", "excluded_by"))
    if st.button(t("quality.restore", lang, n=len(excluded))):
        ids = [r.response_id for r in excluded]
        apply(
            lambda s: quality.restore_responses(s, scope, round_id, ids),
            t("quality.done_restore", lang, n=len(ids)),
        )
