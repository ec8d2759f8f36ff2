"""Trainer live dashboard: responses coming in, before vs after, KPIs, win-win-win."""

from __future__ import annotations

import streamlit as st

from pages import impact_panels as panels
from pages import impact_view as view
from pages.auth import current_user
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.reports import charts
from score_impact.text import literal

st.set_page_config(layout="wide")  # charts and tables need the width; labels are long
lang = view.language()
st.title(t("impact.dashboard_title", lang))
scope = view.current_scope(lang, Role.TRAINER, Role.ADMIN)
opts = view.options_or_stop(scope, lang)
chosen = panels.filters(opts, lang, "dash", cohort_required=True)


@st.fragment(run_every=view.COUNTS_TTL)
def live_counts() -> None:
    """Refreshes on its own every few seconds, without rerunning the whole page; stops
    (and the page asks for a sign-in) once the session is idle too long or the account
    was deactivated."""
    if current_user(activity=False) is None:  # idle too long, signed out or deactivated
        st.rerun(scope="app")
    counts = view.counts(scope, chosen)
    st.subheader(t("report.response_counts", lang))
    if not counts.empty:  # factories below k are left out of the totals too
        shown = counts[~counts["suppressed"].astype(bool)]
        totals = shown.groupby("phase")["responses"].sum()
        for column, (phase, n) in zip(
            st.columns(max(len(totals), 1)), totals.items(), strict=False
        ):
            column.metric(t("impact.responses_in", lang, phase=t(f"phase.{phase}", lang)), int(n))
    if panels.chart_or_note(charts.response_rows(counts), charts.response_chart, lang):
        st.caption(t("impact.expected_note", lang))


live_counts()
result = view.impact_or_stop(scope, chosen, lang)

st.subheader(t("report.headline", lang))
panels.scorecard(result, lang)

st.subheader(t("report.constructs", lang))
rows = charts.change_rows(result.constructs)
if panels.chart_or_note(rows, charts.construct_chart, lang):
    with st.expander(t("impact.sentences", lang)):
        for sentence in rows["sentence"]:
            st.markdown(literal(sentence))

panels.exclusions(result, lang)

st.subheader(t("impact.items", lang))
dist = result.item_distributions
if not dist.empty:
    topics = panels.construct_names(result)
    constructs = sorted(dist["construct"].dropna().unique(), key=lambda c: topics.get(c, c))
    construct = st.selectbox(
        t("impact.construct", lang), constructs, key="dash_construct",
        format_func=lambda c: topics.get(c, c),
    )  # fmt: skip
    part = charts.likert_rows(dist[dist["construct"] == construct])
    st.altair_chart(charts.likert_chart(part, lang), width="stretch")

st.subheader(t("report.kpis", lang))
if panels.chart_or_note(charts.kpi_rows(result.kpi_tests), charts.kpi_chart, lang):
    shown = ["enterprise", "label", "value_before", "value_after", "change", "pct_change", "unit",
             "category"]  # fmt: skip
    panels.table(result.kpi_changes, shown, lang)

panels.action_plans(result, lang, can_add=True)
panels.method_notes(result, lang)
