"""What the dashboard, the brand report and the plans page draw from an impact result:
filter widgets, charts-or-a-note, the win-win-win scorecard, findings with their actions,
and the method notes. The data comes from pages/impact_view.py."""

from __future__ import annotations

import re
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from pages.widgets import label_of
from score_impact.i18n import t
from score_impact.reports.content import fmt, pairing_section, scorecard_line, scorecard_n
from score_impact.reports.findings import plan_lines
from score_impact.reports.impact import ImpactFilters, ImpactOptions, ImpactResult, for_display
from score_impact.text import literal

# Interface-string key of each result column a page shows (ui.yaml), and the digits its
# numbers get; a column not listed here is text (names, labels, units).
HEADERS = {
    "enterprise": "report.col.factory", "label": "report.col.construct",
    "value_before": "report.col.before", "value_after": "report.col.after",
    "change": "report.col.change", "pct_change": "report.col.pct_change",
    "unit": "report.col.unit", "estimate": "report.col.estimate",
    "ci_low": "report.col.ci_low", "ci_high": "report.col.ci_high", "p": "report.col.p_raw",
    "n_clusters": "report.col.n_clusters", "title": "actions.col.title",
    "responsible_role": "actions.col.role", "due_date": "actions.col.due",
    "status": "actions.col.status", "category": "report.col.category",
}  # fmt: skip
DIGITS = {"value_before": 2, "value_after": 2, "change": 2, "pct_change": 1, "estimate": 2,
          "ci_low": 2, "ci_high": 2, "p": 3, "n_clusters": 0}  # fmt: skip


def table(frame: pd.DataFrame, columns: list[str], lang: str) -> None:
    """A result table for people: the chosen columns headed in the interface language,
    numbers rounded, suppressed cells worded, missing ones a dash."""
    shown = for_display(frame)[columns].copy()
    for column in columns:
        if column in DIGITS:
            shown[column] = [fmt(v, DIGITS[column], lang) for v in shown[column]]
    if "status" in shown:
        shown["status"] = [t(f"actions.status.{v}", lang) for v in shown["status"]]
    if "category" in shown:  # the decision rule's verdict, in words
        shown["category"] = [
            t(f"category.{v}", lang) if isinstance(v, str) else "-" for v in shown["category"]
        ]
    headers = {c: st.column_config.Column(t(HEADERS[c], lang)) for c in columns}
    st.dataframe(shown, hide_index=True, column_config=headers, width="stretch")


def construct_names(result: ImpactResult) -> dict[str, str]:
    """Construct id -> its name in the result's language (the topic picker's words)."""
    rows = result.constructs
    if rows.empty:
        return {}
    rows = rows[rows["kind"] == "construct"]
    return dict(zip(rows["outcome_id"], rows["label"], strict=True))


def download_stem(chosen: ImpactFilters, lang: str) -> str:
    """File name (without extension) of a download: the report's name and the phases in
    ``lang``, then the language code, so the English and Chinese files never collide."""
    phases = "-".join(t(f"phase.{p}", lang) for p in (chosen.baseline, chosen.follow_up))
    name = f"{t('report.file_stem', lang)}_{phases}_{lang}"
    return re.sub(r'[\s/\\:*?"<>|]+', "-", name)


def module_name(module: str, lang: str) -> str:
    """A SCORE module's name in ``lang`` (its key's words when the module is new)."""
    try:
        return t(f"admin.module.{module}", lang)
    except KeyError:
        return module.replace("_", " ")


def chart_or_note(
    rows: pd.DataFrame, chart: Callable[[pd.DataFrame, str], alt.Chart | alt.LayerChart], lang: str
) -> bool:
    """Draw ``chart(rows, lang)``, or say there is no data; True when drawn."""
    if rows.empty:
        st.info(t("report.no_data", lang))
        return False
    st.altair_chart(chart(rows, lang), width="stretch")
    return True


def exclusions(result: ImpactResult, lang: str) -> None:
    """How many responses the data-quality review excluded, and the main results with
    them (shown only when that cannot reveal a small group: reports.impact.with_excluded)."""
    if not result.excluded:
        return
    note = result.method_notes.set_index("topic").loc["excluded", "note"]
    st.caption(literal(note))
    if len(result.with_excluded):
        with st.expander(t("report.with_excluded", lang)):
            shown = for_display(result.with_excluded).assign(
                design=lambda f: f["design"].map(lambda d: t(f"report.design.{d}", lang))
            )
            st.dataframe(shown, hide_index=True)


def method_notes(result: ImpactResult, lang: str) -> None:
    """How the numbers were made, then pairing, sensitivity and attrition, folded away
    under the tables (the same tables as the printable report)."""
    with st.expander(t("report.method", lang)):
        for note in result.method_notes["note"]:
            st.markdown(f"- {literal(note)}")
    section = pairing_section(result, lang)
    if section is not None:
        with st.expander(literal(section.title)):
            for table in section.tables:
                st.caption(literal(table.caption))
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
        modules = {m: module_name(m, lang) for m in opts.modules}
        module = _pick(t("impact.module", lang), modules, f"{prefix}_mod", lang)
    with c6:  # bands within one factory would single people out: whole cohorts only
        words = {key: label_of(text, lang) for key, text in opts.band_labels.items()}
        bands = {f"{b}={v}": f"{words.get(f'{b}={v}', v)} — {words.get(b, b)}"
                 for b, vs in opts.bands.items() for v in vs}  # fmt: skip
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
            if not row.n_outcomes:  # say why there is nothing, never "0 / 0"
                st.metric(t(f"report.stakeholder.{row.stakeholder}", lang), "–")
                st.caption(row.headline)
                continue
            st.metric(
                t(f"report.stakeholder.{row.stakeholder}", lang),
                t("scorecard.win" if row.win else "scorecard.no_win", lang),
                help=scorecard_line(row._asdict(), lang),
                delta=f"{row.n_improved} / {row.n_outcomes} {t('category.improved', lang)}",
                delta_color="normal" if row.win else "off",
            )
            if isinstance(row.basis, str):
                st.caption(literal(f"{row.basis}; {scorecard_n(row._asdict(), lang)}"))
            if isinstance(row.headline, str):
                st.caption(literal(row.headline))
            if isinstance(row.note, str):
                st.warning(literal(row.note))
    primary = result.primary_outcomes
    if len(primary):
        by_module = primary.groupby("module", sort=False)["label"].agg(t("list.sep", lang).join)
        for module, labels in by_module.items():
            name = t(f"admin.module.{module}", lang) if module else ""
            st.caption(literal(t("impact.primary_outcomes", lang, module=name, outcomes=labels)))


def action_plans(result: ImpactResult, lang: str, can_add: bool) -> None:
    """Outcomes that did not improve, each with its actions; staff who plan also see the
    overdue actions and get a link that opens the finding on the improvement-plans page."""
    actions = result.actions
    late = actions[actions["overdue"].astype(bool)] if len(actions) else actions
    if can_add and len(late):
        st.warning(t("actions.overdue", lang, count=len(late)))
        table(
            late, ["enterprise", "label", "title", "responsible_role", "due_date", "status"], lang
        )
    lines = plan_lines(result, lang)
    if not lines:
        return
    st.subheader(t("report.actions", lang))
    for number, (finding, line) in enumerate(lines):
        if can_add and st.button(literal(line), key=f"plan:{number}", icon=":material/add_task:"):
            key = {"finding": f"{finding.enterprise}|{finding.outcome_id}"}
            st.switch_page("pages/actions.py", query_params=key)
        elif not can_add:
            st.markdown(f"- {literal(line)}")
