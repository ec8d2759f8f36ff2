"""Trainer live dashboard: responses coming in, before vs after, KPIs, win-win-win."""

from __future__ import annotations

import streamlit as st

from pages import impact_view as view
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.reports import charts
from score_impact.reports.impact import for_display
from score_impact.services.errors import AccessDenied

lang = view.language()
st.title(t("impact.dashboard_title", lang))
scope = view.current_scope(lang, Role.TRAINER, Role.ADMIN)
opts = view.options(scope)
if not opts.enterprises:
    st.info(t("impact.nothing_visible", lang))
    st.stop()
chosen = view.filters(opts, lang, "dash", cohort_required=True)


@st.fragment(run_every=view.COUNTS_TTL)
def live_counts() -> None:
    """Refreshes on its own every few seconds, without rerunning the whole page."""
    counts = view.counts(scope, chosen)
    st.subheader(t("report.response_counts", lang))
    if counts.empty:
        st.info(t("report.no_data", lang))
        return
    st.altair_chart(charts.response_chart(charts.response_rows(counts), lang), width="stretch")


live_counts()
try:
    result = view.impact(scope, chosen)
except AccessDenied:
    st.error(t("impact.denied", lang))
    st.stop()

st.subheader(t("report.headline", lang))
view.scorecard(result, lang)

st.subheader(t("report.constructs", lang))
rows = charts.change_rows(result.constructs)
if rows.empty:
    st.info(t("report.no_data", lang))
else:
    st.altair_chart(charts.construct_chart(rows, lang), width="stretch")
    with st.expander(t("impact.sentences", lang)):
        for sentence in rows["sentence"]:
            st.write(sentence)

st.subheader(t("impact.items", lang))
dist = result.item_distributions
if not dist.empty:
    constructs = sorted(dist["construct"].dropna().unique())
    construct = st.selectbox(t("impact.construct", lang), constructs, key="dash_construct")
    part = charts.likert_rows(dist[dist["construct"] == construct])
    st.altair_chart(charts.likert_chart(part, lang), width="stretch")

st.subheader(t("report.kpis", lang))
kpis = charts.kpi_rows(result.kpi_tests)
if kpis.empty:
    st.info(t("report.no_data", lang))
else:
    st.altair_chart(charts.kpi_chart(kpis, lang), width="stretch")
    shown = ["enterprise", "label", "value_before", "value_after", "change", "pct_change"]
    st.dataframe(for_display(result.kpi_changes)[shown], hide_index=True)

with st.expander(t("report.method", lang)):
    for note in result.method_notes["note"]:
        st.markdown(f"- {note}")
