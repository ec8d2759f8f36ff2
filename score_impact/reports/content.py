"""What a printable report says, independent of format (HTML or PDF).

Both renderers walk the same :class:`Report`, so the HTML and the PDF cannot disagree,
and every number in them comes from the :class:`ImpactResult` the downloads also hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from score_impact.i18n import format_share, t
from score_impact.reports.charts import change_rows, kpi_rows
from score_impact.reports.findings import plan_lines
from score_impact.reports.impact import ImpactResult
from score_impact.reports.summary import ExecutiveSummary, Fact, executive_summary, phase_name


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
    page_break_after: bool = False  # the executive summary stands on its own page


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
        paragraphs.append(scorecard_line(row._asdict(), lang))
        if isinstance(row.headline, str):
            paragraphs.append(f"    {row.headline}")
        if isinstance(row.note, str):
            notes.append(row.note)
    return Section(t("report.headline", lang), paragraphs, notes=notes)


def scorecard_line(row: dict, lang: str) -> str:
    """ "✔ Workers (win): 2 improved, 0 worsened, ... — basis; 640 workers, 6 factories." """
    counts = ", ".join(
        f"{row[f'n_{category}']} {t(f'category.{category}', lang)}"
        for category in ("improved", "worsened", "no_meaningful_change", "inconclusive",
                         "not_estimable")
    )  # fmt: skip
    who = t(f"report.stakeholder.{row['stakeholder']}", lang)
    verdict = t("scorecard.win" if row["win"] else "scorecard.no_win", lang)
    mark = "✔ " if row["win"] else ""
    basis = f" — {row['basis']}" if isinstance(row.get("basis"), str) else ""
    return f"{mark}{who} ({verdict}): {counts}{basis}; {scorecard_n(row, lang)}."


def scorecard_n(row: dict, lang: str) -> str:
    """ "640 workers, 6 factories", or "6 factories" when no worker answer is behind it."""
    if row["n_workers"]:
        return t("scorecard.n", lang, workers=row["n_workers"], factories=row["n_factories"])
    return t("scorecard.n_factories", lang, factories=row["n_factories"])


def fmt_p(p: object) -> str:
    """A p-value for print: "<0.001", three decimals, or "-" when missing."""
    if p is None or p is pd.NA or pd.isna(p):  # type: ignore[arg-type]
        return "-"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"  # type: ignore[arg-type]


def signed(value: object) -> str:
    """ "+0.25" / "-0.10"; missing -> "-" (never "+nan")."""
    if value is None or value is pd.NA or pd.isna(value):  # type: ignore[arg-type]
        return "-"
    return f"{float(value):+.2f}"  # type: ignore[arg-type]


def _category(row: object, lang: str) -> str:
    category = getattr(row, "category", None)
    return t(f"category.{category}", lang) if isinstance(category, str) else "-"


def _comparison_table(rows: pd.DataFrame, lang: str, caption: str) -> Table:
    keys = ("construct", "before", "after", "change", "p", "category")
    headers = [t(f"report.col.{c}", lang) for c in keys]
    body = []
    for r in rows.itertuples(index=False):
        if r.suppressed:
            hidden = t("report.suppressed", lang)
            body.append([str(r.label), hidden, hidden, hidden, hidden, hidden])
            continue
        body.append(
            [
                str(r.label),
                fmt(r.mean_before),
                fmt(r.mean_after),
                signed(r.change),
                fmt_p(r.p_decision),
                _category(r, lang),
            ]
        )
    return Table(headers, body, caption)


def did_table(did: pd.DataFrame, lang: str) -> Table:
    """Estimate, interval, factories (trained + comparison), p_wild, p_ri, the smallest
    attainable p and the verdict of every DiD, as text (never "nan")."""
    headers = [
        t("report.col.construct", lang),
        t("report.col.estimate", lang),
        t("report.col.ci", lang),
        t("report.col.clusters", lang),
        t("report.col.p_wild", lang),
        t("report.col.p_ri", lang),
        t("report.col.p_min", lang),
        t("report.col.category", lang),
    ]
    body = []
    hidden = t("report.suppressed", lang)
    for r in did.itertuples(index=False):
        if r.suppressed:
            body.append([str(r.label), *[hidden] * 6, _category(r, lang)])
            continue
        ci = f"{fmt(r.ci_low)} .. {fmt(r.ci_high)}" if not pd.isna(r.ci_low) else "-"
        clusters = (
            f"{int(r.n_treated_clusters)} + {int(r.n_control_clusters)}"
            if not pd.isna(r.n_treated_clusters)
            else "-"
        )
        body.append(
            [str(r.label), signed(r.estimate), ci, clusters, fmt_p(r.p_wild), fmt_p(r.p_ri),
             fmt_p(r.p_min), _category(r, lang)]
        )  # fmt: skip
    return Table(headers, body)


def _did_section(did: pd.DataFrame, lang: str) -> Section:
    sentences = [s for s in did["sentence"] if isinstance(s, str)] if "sentence" in did else []
    return Section(t("report.did", lang), sentences, tables=[did_table(did, lang)])


def pairing_section(result: ImpactResult, lang: str) -> Section | None:
    """Match rate (in the method notes), exact-only sensitivity and the attrition check."""
    tables = []
    sens = result.sensitivity
    if len(sens):
        wide = sens.pivot_table(index="label", columns="matches", values=["change", "n_pairs"],
                                aggfunc="first", sort=False, dropna=False)  # fmt: skip
        hidden = t("report.suppressed", lang)
        rows = []
        for label in sens["label"].drop_duplicates():
            small = sens.loc[sens["label"] == label, "suppressed"].astype(bool).any()
            cells = [wide.get((col, m), pd.Series()).get(label) for col in ("change", "n_pairs")
                     for m in ("all", "exact only")]  # fmt: skip
            rows.append(
                [
                    str(label),
                    *(
                        [hidden] * 4
                        if small
                        else [
                            signed(cells[0]),
                            signed(cells[1]),
                            fmt(cells[2], 0),
                            fmt(cells[3], 0),
                        ]
                    ),
                ]
            )
        headers = [t("report.col.construct", lang), t("report.col.change_all", lang),
                   t("report.col.change_exact", lang), t("report.col.pairs_all", lang),
                   t("report.col.pairs_exact", lang)]  # fmt: skip
        tables.append(Table(headers, rows, t("report.sensitivity", lang)))
    drop = result.attrition
    if len(drop):
        hidden = t("report.suppressed", lang)
        rows = [
            [str(r.label), *([hidden] * 4 if r.suppressed else [
                fmt(r.mean_returned), fmt(r.mean_not_returned), signed(r.difference),
                fmt_p(r.p)])]
            for r in drop.itertuples(index=False)
        ]  # fmt: skip
        headers = [t("report.col.construct", lang), t("report.col.returned", lang),
                   t("report.col.not_returned", lang), t("report.col.difference", lang),
                   t("report.col.p_raw", lang)]  # fmt: skip
        tables.append(Table(headers, rows, t("report.attrition", lang)))
    if not tables:
        return None
    notes = result.method_notes.set_index("topic")["note"]
    text = [notes[k] for k in ("matched", "sensitivity", "attrition") if k in notes]
    return Section(t("report.pairing", lang), text, tables=tables)


def _action_plans(result: ImpactResult, lang: str) -> Section | None:
    """Next to each outcome that did not improve, what the factory is doing about it."""
    lines = [line for _, line in plan_lines(result, lang)]
    return Section(t("report.actions", lang), lines) if lines else None


def fact_text(fact: Fact, lang: str) -> str:
    """A key figure for print: a share as "91%", a count as is, words as words."""
    if fact.share and isinstance(fact.value, float):
        return format_share(fact.value, lang)
    return str(fact.value)


def summary_section(summary: ExecutiveSummary) -> Section:
    """The executive summary as the report's first section: the sentences, the scorecard
    table (who, verdict, primary outcomes, basis, factories, workers), the key figures."""
    lang = summary.lang
    scorecard = Table(
        summary.headers(),
        [[str(v) for v in row] for row in summary.table_rows()],
        t("report.headline", lang),
    )
    figures = Table(
        [t("summary.key_figures", lang), ""],
        [[f.label, fact_text(f, lang)] for f in summary.facts],
    )
    return Section(
        summary.title,
        paragraphs=summary.sentences,
        tables=[scorecard, figures],
        notes=summary.notes,
        page_break_after=True,
    )


def _with_excluded(result: ImpactResult, lang: str) -> Section:
    """The main results with the excluded responses left in (reports.impact.with_excluded)."""
    headers = [t(f"report.col.{c}", lang) for c in ("construct", "design", "change_kept")]
    headers.append(t("report.col.change_with_excluded", lang))
    hidden = t("report.suppressed", lang)
    body = [
        [
            str(r.label),
            t(f"report.design.{r.design}", lang),
            hidden if r.suppressed else f"{float(r.change):+.2f}",
            hidden if r.suppressed else f"{float(r.change_all):+.2f}",
        ]
        for r in result.with_excluded.itertuples(index=False)
    ]
    return Section(t("report.with_excluded", lang), tables=[Table(headers, body)])


def build_report(result: ImpactResult) -> Report:
    """The report's sections, in reading order."""
    lang = result.filters.lang
    f = result.filters
    subtitle = [
        f"{t('report.enterprises', lang)}: {', '.join(result.enterprises) or '-'}",
        f"{t('report.phases', lang)}: {phase_name(f.baseline, lang)} → "
        f"{phase_name(f.follow_up, lang)}",
        f"{t('report.generated', lang)}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ]
    sections = [summary_section(executive_summary(result)), _headline(result, lang)]
    charted = (
        ("report.constructs", "constructs", change_rows(result.constructs)),
        ("report.kpis", "kpis", kpi_rows(result.kpi_tests)),
    )
    for title, chart, rows in charted:
        if len(rows):
            sentences = rows["sentence"].astype(str).tolist()
            sections.append(Section(t(title, lang), sentences, chart=chart, chart_rows=rows))
    if len(result.did):
        sections.append(_did_section(result.did, lang))
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
    if pairing := pairing_section(result, lang):
        sections.append(pairing)
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
    if len(result.with_excluded):
        sections.append(_with_excluded(result, lang))
    sections.append(
        Section(t("report.method", lang), paragraphs=result.method_notes["note"].tolist())
    )
    return Report(t("report.title", lang), subtitle, sections, lang)
