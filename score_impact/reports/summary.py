"""The executive summary that opens every brand report (page, HTML, PDF, XLSX, CSV).

Nothing here decides anything: the verdicts, bases and n come from the win-win-win
scorecard (``analysis.scorecard``, one decision rule), the sentences are the scorecard's
own headlines, and the match rate is the pairing table's. So the one page a brand
manager reads cannot say more, or other, than the tables behind it. A stakeholder whose
primary outcomes are not measured, or not estimable (suppressed groups included), says so
in words instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.scorecard import STAKEHOLDERS
from score_impact.i18n import format_number, strings, t
from score_impact.reports.impact import ImpactResult

#: Shown where a row has no number: a dash that no spreadsheet reads as a formula ("-" is).
NO_NUMBER = "–"
CATEGORY_ORDER = ("improved", "worsened", "no_meaningful_change", "inconclusive", "not_estimable")


@dataclass(frozen=True)
class StakeholderRow:
    """One line of the scorecard table, as typed values (files keep numbers numbers)."""

    stakeholder: str  # "workers" | "supplier" | "brand"
    who: str
    verdict: str
    outcomes: str  # "5: 3 improved, 1 inconclusive, 1 not estimable"
    basis: str
    factories: int | None  # None: no primary outcome behind the row
    workers: int | None  # None: no worker answer behind the row (KPIs only)


@dataclass(frozen=True)
class Fact:
    """A key figure: label and value; ``share`` True = a fraction shown as a percentage."""

    label: str
    value: int | float | str
    share: bool = False


@dataclass(frozen=True)
class ExecutiveSummary:
    title: str
    rows: list[StakeholderRow]
    sentences: list[str]
    facts: list[Fact]
    notes: list[str]  # cautions the scorecard attaches (e.g. trust drift)
    lang: str

    def headers(self) -> list[str]:
        keys = ("stakeholder", "verdict", "outcomes", "basis", "factories", "workers")
        return [t(f"summary.col.{k}", self.lang) for k in keys]

    def table_rows(self) -> list[list[int | str]]:
        """The scorecard table with :data:`NO_NUMBER` where a row has no number."""
        return [
            [
                r.who,
                r.verdict,
                r.outcomes,
                r.basis,
                NO_NUMBER if r.factories is None else r.factories,
                NO_NUMBER if r.workers is None else r.workers,
            ]
            for r in self.rows
        ]


def _verdict(row: pd.Series, lang: str) -> str:
    if not row["n_outcomes"]:
        return t("summary.not_measured", lang)
    if row["n_not_estimable"] == row["n_outcomes"]:
        return t("category.not_estimable", lang)
    return t("scorecard.win" if row["win"] else "scorecard.no_win", lang)


def _outcomes(row: pd.Series, lang: str) -> str:
    """ "5: 3 improved, 1 inconclusive, 1 not estimable" (categories with none left out)."""
    if not row["n_outcomes"]:
        return NO_NUMBER
    parts = [
        f"{int(row[f'n_{c}'])} {t(f'category.{c}', lang)}" for c in CATEGORY_ORDER if row[f"n_{c}"]
    ]
    joined = t("summary.list_sep", lang).join(parts)
    return t("summary.outcomes", lang, n=int(row["n_outcomes"]), list=joined)


def _stakeholder_rows(card: pd.DataFrame, lang: str) -> list[StakeholderRow]:
    overall = card[(card["grouping"] == "overall") & (card["group"] == "all")]
    out = []
    for stakeholder in STAKEHOLDERS:
        found = overall[overall["stakeholder"] == stakeholder]
        if found.empty:
            continue
        row = found.iloc[0]
        measured = bool(row["n_outcomes"])
        out.append(
            StakeholderRow(
                stakeholder=stakeholder,
                who=t(f"report.stakeholder.{stakeholder}", lang),
                verdict=_verdict(row, lang),
                outcomes=_outcomes(row, lang),
                basis=row["basis"] if isinstance(row["basis"], str) else NO_NUMBER,
                factories=int(row["n_factories"]) if measured else None,
                workers=int(row["n_workers"]) if measured and row["n_workers"] else None,
            )
        )
    return out


def _match(result: ImpactResult, lang: str) -> tuple[Fact, str | None]:
    """Match rate fact and sentence from the pairing table (suppressed stays suppressed)."""
    label = t("summary.match_rate", lang)
    pairing = result.pairing
    if pairing.empty:
        return Fact(label, NO_NUMBER), None
    row = pairing.iloc[0]
    if bool(row["suppressed"]):
        return (
            Fact(label, t("report.suppressed", lang)),
            t("report.note.matched_suppressed", lang, k=result.min_group_size),
        )
    total = int(row["follow_up_responses"])
    if not total:
        return Fact(label, NO_NUMBER), None
    matched = int(row["exact"]) + int(row["tolerant"])
    rate = matched / total
    sentence = t(
        "summary.match_sentence",
        lang,
        matched=matched,
        total=total,
        rate=format_number(100 * rate, lang, digits=0),
    )
    return Fact(label, rate, share=True), sentence


def phase_name(phase: str, lang: str) -> str:
    """A phase in words ("baseline" -> "基线"); a phase without words keeps its key."""
    key = f"phase.{phase}"
    return t(key, lang) if key in strings() else phase


def executive_summary(result: ImpactResult) -> ExecutiveSummary:
    """The summary of ``result`` in its language: scorecard rows, 3-5 sentences (scope and
    basis, each measured stakeholder's scorecard headline, the match rate) and key figures."""
    lang, f = result.filters.lang, result.filters
    card = result.scorecard
    rows = _stakeholder_rows(card, lang) if not card.empty else []
    bases = list(dict.fromkeys(r.basis for r in rows if r.basis != NO_NUMBER))
    basis = bases[0] if len(bases) == 1 else t("summary.basis_mixed", lang) if bases else NO_NUMBER
    factories = len(result.enterprises)
    phases = (phase_name(f.baseline, lang), phase_name(f.follow_up, lang))
    sentences = [
        t("summary.scope", lang, factories=factories, before=phases[0], after=phases[1],
          basis=basis)
    ]  # fmt: skip
    overall = (
        card[(card["grouping"] == "overall") & (card["group"] == "all")] if len(card) else card
    )
    notes: list[str] = []
    for row in rows:
        found = overall[overall["stakeholder"] == row.stakeholder].iloc[0]
        if row.factories is not None and isinstance(found["headline"], str):
            sentences.append(t("summary.who_says", lang, who=row.who, text=found["headline"]))
        if isinstance(found.get("note"), str):
            notes.append(found["note"])
    if len(sentences) == 1:
        sentences.append(t("report.no_data", lang))
    match_fact, match_sentence = _match(result, lang)
    if match_sentence:
        sentences.append(match_sentence)
    workers = max((r.workers or 0 for r in rows), default=0)
    facts = [
        Fact(t("summary.factories", lang), factories),
        Fact(t("summary.workers", lang), workers if workers else NO_NUMBER),
        match_fact,
        Fact(t("summary.col.basis", lang), basis),
    ]
    return ExecutiveSummary(t("summary.title", lang), rows, sentences, facts, notes, lang)
