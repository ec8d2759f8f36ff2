"""What the dashboard, the brand report and the plans page draw from an impact result:
filter widgets, charts-or-a-note, the win-win-win scorecard, findings with their actions,
and the method notes. The data comes from pages/impact_view.py."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from score_impact.i18n import t
from score_impact.reports.content import pairing_section, scorecard_line, scorecard_n
from score_impact.reports.findings import plan_lines
from score_impact.reports.impact import ImpactFilters, ImpactOptions, ImpactResult


def chart_or_note(
    rows: pd.DataFrame, chart: Callable[[pd.DataFrame, str], alt.Chart | alt.LayerChart], lang: str
) -> bool:
    """Draw ``chart(rows, lang)``, or say there is no data; True when drawn."""
    if rows.empty:
        st.info(t("report.no_data", lang))
        return False
    st.altair_chart(chart(rows, lang), width="stretch")
    return True


def method_notes(result: ImpactResult, lang: str) -> None:
    """How the numbers were made, then pairing, sensitivity and attrition, folded away
    under the tables (the same tables as the printable report)."""
    with st.expander(t("report.method", lang)):
        for note in result.method_notes["note"]:
            st.markdown(f"- {note}")
    section = pairing_section(result, lang)
    if section is not None:
        with st.expander(section.title):
            for table in section.tables:
                st.caption(table.caption)
                st.dataframe(pd.DataFrame(table.rows, columns=table.headers), hide_index=True)


def _pick(label: str, choices: dict, key: str, lang: str, **options):
    """A selectbox whose first entry means "all" (None); ``options`` go to the widget."""
    keys = [None, *choices]
    return st.selectbox(
        label,
        keys,
        key=key,
        format_func=lambda k: t("impact.all", lang) if k is None else choices[k],
        **options,
    )


def filters(opts: ImpactOptions, lang: str, prefix: str, cohort_required: bool) -> ImpactFilters:
    """Filter widgets (cohort, phase pair, enterprise, module, demographic band)."""
    phases = list(opts.phases) or ["baseline", "follow_up"]

    def phase_name(phase: str) -> str:
        return t(f"phase.{phase}", lang)

    c1, c2, c3 = st.columns(3)
    with c1:
        if cohort_required and opts.cohorts:
            cohort = st.selectbox(
                t("impact.cohort", lang), list(opts.cohorts), format_func=opts.cohorts.get,
                key=f"{prefix}_cohort",
            )  # fmt: skip
        else:
            cohort = _pick(t("impact.cohort", lang), opts.cohorts, f"{prefix}_cohort", lang)
    with c2:
        baseline = st.selectbox(
            t("impact.baseline", lang), phases, key=f"{prefix}_b", format_func=phase_name
        )
    with c3:
        later = [p for p in phases if p != baseline] or phases
        follow_up = st.selectbox(
            t("impact.follow_up", lang), later, key=f"{prefix}_f", format_func=phase_name
        )
    c4, c5, c6 = st.columns(3)
    with c4:
        enterprise = _pick(t("impact.enterprise", lang), opts.enterprises, f"{prefix}_ent", lang)
    with c5:
        modules = {m: t(f"admin.module.{m}", lang) for m in opts.modules}
        module = _pick(t("impact.module", lang), modules, f"{prefix}_mod", lang)
    with c6:  # bands within one factory would single people out: whole cohorts only
        bands = {f"{b}={v}": f"{b.removeprefix('demo_')}: {v}" for b, vs in opts.bands.items()
                 for v in vs}  # fmt: skip
        whole = t("impact.band_whole_cohorts", lang)
        band = _pick(t("impact.band", lang), bands, f"{prefix}_band", lang,
                     disabled=enterprise is not None, help=whole)  # fmt: skip
    column, value = band.split("=", 1) if band and enterprise is None else (None, None)
    return ImpactFilters(
        cohort_id=cohort, baseline=baseline, follow_up=follow_up, enterprise_id=enterprise,
        module=module, band=column, band_value=value, lang=lang,
    )  # fmt: skip


def scorecard(result: ImpactResult, lang: str, grouping: str = "overall", group: str = "all"):
    card = result.scorecard
    if card.empty:
        st.info(t("report.no_data", lang))
        return
    rows = card[(card["grouping"] == grouping) & (card["group"] == group)]
    for col, row in zip(st.columns(len(rows) or 1), rows.itertuples(index=False), strict=False):
        with col:
            st.metric(
                t(f"report.stakeholder.{row.stakeholder}", lang),
                t("scorecard.win" if row.win else "scorecard.no_win", lang),
                help=scorecard_line(row._asdict(), lang),
                delta=f"{row.n_improved} / {row.n_outcomes} {t('category.improved', lang)}",
                delta_color="normal" if row.win else "off",
            )
            if isinstance(row.basis, str):
                st.caption(f"{row.basis}; {scorecard_n(row._asdict(), lang)}")
            if isinstance(row.headline, str):
                st.caption(row.headline)
            if isinstance(row.note, str):
                st.warning(row.note)
    primary = result.primary_outcomes
    if len(primary):
        by_module = primary.groupby("module", sort=False)["label"].agg(t("list.sep", lang).join)
        for module, labels in by_module.items():
            name = t(f"admin.module.{module}", lang) if module else ""
            st.caption(t("impact.primary_outcomes", lang, module=name, outcomes=labels))


def action_plans(result: ImpactResult, lang: str, can_add: bool) -> None:
    """Outcomes that did not improve, each with its actions; staff who plan also see the
    overdue actions and get a link that opens the finding on the improvement-plans page."""
    actions = result.actions
    late = actions[actions["overdue"].astype(bool)] if len(actions) else actions
    if can_add and len(late):
        st.warning(t("actions.overdue", lang, count=len(late)))
        shown = ["enterprise", "label", "title", "responsible_role", "due_date", "status"]
        st.dataframe(late[shown], hide_index=True)
    lines = plan_lines(result, lang)
    if not lines:
        return
    st.subheader(t("report.actions", lang))
    for number, (finding, line) in enumerate(lines):
        if can_add and st.button(line, key=f"plan:{number}", icon=":material/add_task:"):
            key = {"finding": f"{finding.enterprise}|{finding.outcome_id}"}
            st.switch_page("pages/actions.py", query_params=key)
        elif not can_add:
            st.markdown(f"- {line}")
