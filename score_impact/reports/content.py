"""What a printable report says, independent of format (HTML or PDF).

Both renderers walk the same :class:`Report`, so the HTML and the PDF cannot disagree,
and every number in them comes from the :class:`ImpactResult` the downloads also hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from score_impact.i18n import t
from score_impact.reports.charts import change_rows, kpi_rows
from score_impact.reports.findings import plan_lines
from score_impact.reports.impact import ImpactResult


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: str | None = None  # "constructs" or "kpis": drawn by the renderer
    chart_rows: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)  # cautions, set apart


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: list[str]
    sections: list[Section]
    lang: str


def fmt(value: object, digits: int = 2, lang: str = "en") -> str:
    """A number for print; missing -> "-"; the word "suppressed" stays a word."""
    if isinstance(value, str):
        return t("report.suppressed", lang) if value == "suppressed" else value
    if value is None or value is pd.NA:
        return "-"
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "-"
    return f"{number:.{digits}f}"


def _headline(result: ImpactResult, lang: str) -> Section:
    card = result.scorecard
    paragraphs: list[str] = []
    notes: list[str] = []
    if card.empty:
        return Section(t("report.headline", lang), [t("report.no_data", lang)])
    overall = card[(card["grouping"] == "overall") & (card["group"] == "all")]
    for row in overall.itertuples(index=False):
        counts = ", ".join(
            f"{n} {t(key, lang)}"
            for n, key in (
                (row.n_improved, "report.improved"),
                (row.n_worsened, "report.worsened"),
                (row.n_no_detectable_change, "report.no_change"),
                (row.n_not_estimable, "report.not_estimable"),
            )
        )
        who = t(f"report.stakeholder.{row.stakeholder}", lang)
        mark = "✔ " if row.win else ""
        paragraphs.append(f"{mark}{who}: {counts}.")
        if isinstance(row.headline, str) and row.n_outcomes:
            paragraphs.append(f"    {row.headline}")
        if isinstance(row.note, str):
            notes.append(row.note)
    return Section(t("report.headline", lang), paragraphs, notes=notes)


def _comparison_table(rows: pd.DataFrame, lang: str, caption: str) -> Table:
    headers = [t(f"report.col.{c}", lang) for c in ("construct", "before", "after", "change", "p")]
    body = []
    for r in rows.itertuples(index=False):
        if r.suppressed:
            hidden = t("report.suppressed", lang)
            body.append([str(r.label), hidden, hidden, hidden, hidden])
            continue
        p = "<0.001" if r.p_holm < 0.001 else fmt(r.p_holm, 3)
        body.append(
            [
                str(r.label),
                fmt(r.mean_before),
                fmt(r.mean_after),
                f"{float(r.change):+.2f}" if not pd.isna(r.change) else "-",
                p if not pd.isna(r.p_holm) else "-",
            ]
        )
    return Table(headers, body, caption)


def _action_plans(result: ImpactResult, lang: str) -> Section | None:
    """Next to each outcome that did not improve, what the factory is doing about it."""
    lines = [line for _, line in plan_lines(result, lang)]
    return Section(t("report.actions", lang), lines) if lines else None


def _sensitivity(result: ImpactResult, lang: str) -> Section:
    """The main results with the excluded responses left in (reports.impact.sensitivity)."""
    headers = [t(f"report.col.{c}", lang) for c in ("construct", "design", "change_kept")]
    headers.append(t("report.col.change_all", lang))
    hidden = t("report.suppressed", lang)
    body = [
        [
            str(r.label),
            t(f"report.design.{r.design}", lang),
            hidden if r.suppressed else f"{float(r.change):+.2f}",
            hidden if r.suppressed else f"{float(r.change_all):+.2f}",
        ]
        for r in result.sensitivity.itertuples(index=False)
    ]
    return Section(t("report.sensitivity", lang), tables=[Table(headers, body)])


def build_report(result: ImpactResult) -> Report:
    """The report's sections, in reading order."""
    lang = result.filters.lang
    f = result.filters
    subtitle = [
        f"{t('report.enterprises', lang)}: {', '.join(result.enterprises) or '-'}",
        f"{t('report.phases', lang)}: {f.baseline} → {f.follow_up}",
        f"{t('report.generated', lang)}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ]
    sections = [_headline(result, lang)]
    charted = (
        ("report.constructs", "constructs", change_rows(result.constructs)),
        ("report.kpis", "kpis", kpi_rows(result.kpi_tests)),
    )
    for title, chart, rows in charted:
        if len(rows):
            sentences = rows["sentence"].astype(str).tolist()
            sections.append(Section(t(title, lang), sentences, chart=chart, chart_rows=rows))
    if len(result.did):
        headers = [
            t("report.col.construct", lang),
            t("report.col.estimate", lang),
            "95% CI",
            t("report.col.p", lang).split(" ")[0],
        ]
        body = []
        for r in result.did.itertuples(index=False):
            if r.suppressed:
                hidden = t("report.suppressed", lang)
                body.append([str(r.label), hidden, hidden, hidden])
            else:
                ci = f"{fmt(r.ci_low)} .. {fmt(r.ci_high)}"
                body.append([str(r.label), f"{float(r.estimate):+.2f}", ci, fmt(r.p, 3)])
        sections.append(Section(t("report.did", lang), tables=[Table(headers, body)]))
    constructs = result.constructs
    if len(constructs):
        tables = []
        groups = constructs[constructs["grouping"] == "enterprise"]["group"].drop_duplicates()
        for name in groups:
            rows = constructs[
                constructs["primary"].astype(bool)
                & (constructs["grouping"] == "enterprise")
                & (constructs["group"] == name)
            ]
            tables.append(_comparison_table(rows, lang, str(name)))
        sections.append(Section(t("report.per_enterprise", lang), tables=tables))
    if plans := _action_plans(result, lang):
        sections.append(plans)
    counts = result.response_counts
    if len(counts):
        headers = [
            t("report.col.factory", lang),
            t("report.col.phase", lang),
            t("report.responses", lang),
            t("report.col.expected", lang),
        ]
        body = [
            [
                str(r.enterprise),
                str(r.phase),
                t("report.suppressed", lang) if r.suppressed else fmt(r.responses, 0),
                fmt(r.expected, 0),
            ]
            for r in counts.itertuples(index=False)
        ]
        sections.append(Section(t("report.response_counts", lang), tables=[Table(headers, body)]))
    if len(result.sensitivity):
        sections.append(_sensitivity(result, lang))
    sections.append(
        Section(t("report.method", lang), paragraphs=result.method_notes["note"].tolist())
    )
    return Report(t("report.title", lang), subtitle, sections, lang)
