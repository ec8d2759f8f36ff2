"""Findings that call for action: outcomes that did not improve in an enterprise.

A construct did not improve when its primary before/after test shows no significant gain
after Holm correction (either "no detectable change" or a significant fall); a KPI did not
improve when it moved the wrong way or not at all. Suppressed or not estimable results are
not findings: nothing can be said about them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from score_impact.i18n import t
from score_impact.reports.impact import ImpactResult

ALPHA = 0.05


@dataclass(frozen=True)
class Finding:
    enterprise: str
    outcome_id: str
    kind: str  # construct | kpi
    label: str
    verdict: str  # no_change | worsened | kpi_not_improved

    def text(self, lang: str) -> str:
        """E.g. "Intention to stay: no detectable change in Saigon Lotus Sewing"."""
        verdict = t(f"findings.{self.verdict}", lang)
        return t("findings.sentence", lang, label=self.label, verdict=verdict,
                 enterprise=self.enterprise)  # fmt: skip


def _usable(frame: pd.DataFrame) -> pd.DataFrame:
    ok = ~frame["suppressed"].astype(bool) & frame["not_estimable"].isna()
    return frame[ok]


def findings(result: ImpactResult, alpha: float = ALPHA) -> list[Finding]:
    """Every construct (workers' survey) and KPI that did not improve, per enterprise."""
    out: list[Finding] = []
    c = result.constructs
    if len(c):
        c = _usable(c[(c["grouping"] == "enterprise") & c["primary"].astype(bool)])
        if "audience" in c:
            c = c[c["audience"] == "worker"]
        for row in c.itertuples():
            significant = pd.notna(row.p_holm) and row.p_holm < alpha
            if significant and bool(row.improved):
                continue
            verdict = "worsened" if significant else "no_change"
            out.append(Finding(str(row.group), row.outcome_id, "construct", row.label, verdict))
    k = result.kpi_changes
    if len(k):
        for row in _usable(k).itertuples():
            if pd.isna(row.improved) or not row.improved:  # NA: no change at all (0 -> 0)
                out.append(
                    Finding(row.enterprise, row.kpi_id, "kpi", row.label, "kpi_not_improved")
                )
    return sorted(out, key=lambda f: (f.enterprise, f.kind, f.label))


def plan_lines(result: ImpactResult, lang: str) -> list[tuple[Finding, str]]:
    """Each finding with the actions taken on it, as one line for a report or a page:
    "Intention to stay: no detectable change in X: Stay interviews (HR officer, due ...)"."""
    actions = result.actions
    lines = []
    for f in findings(result):
        mine = actions[
            (actions["enterprise"] == f.enterprise) & (actions["outcome_id"] == f.outcome_id)
        ]
        taken = [
            t("report.action_line", lang, title=a.title, role=a.responsible_role, due=a.due_date,
              status=t(f"actions.status.{a.status}", lang))
            + (f" — {t('report.overdue', lang)}" if a.overdue else "")
            for a in mine.itertuples()
        ]  # fmt: skip
        lines.append((f, f"{f.text(lang)}: " + ("; ".join(taken) or t("report.no_action", lang))))
    return lines
