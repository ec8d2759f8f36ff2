"""Findings that call for action: outcomes that did not improve in an enterprise.

The decision rule's category decides (:mod:`analysis.decision`), nothing else: a worker
construct of a factory whose category is "worsened", "no meaningful change" or
"inconclusive", and a factory KPI whose own figures show "worsened" or "no meaningful
change", are findings; "improved" is not, and a suppressed or not estimable result is not
a finding either: nothing can be said about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from score_impact.i18n import t
from score_impact.reports.impact import ImpactResult

#: Categories that prompt an improvement-plan action.
CONSTRUCT_TRIGGERS = ("worsened", "no_meaningful_change", "inconclusive")
KPI_TRIGGERS = ("worsened", "no_meaningful_change")


@dataclass(frozen=True)
class Finding:
    enterprise: str
    outcome_id: str
    kind: str  # construct | kpi
    label: str
    verdict: str  # the decision rule's category

    def text(self, lang: str) -> str:
        """E.g. "Intention to stay: inconclusive in Saigon Lotus Sewing"."""
        verdict = t(f"category.{self.verdict}", lang)
        return t("findings.sentence", lang, label=self.label, verdict=verdict,
                 enterprise=self.enterprise)  # fmt: skip


def findings(result: ImpactResult) -> list[Finding]:
    """Every construct (workers' survey) and KPI that did not improve, per enterprise."""
    out: list[Finding] = []
    c = result.constructs
    if len(c):
        c = c[(c["grouping"] == "enterprise") & c["primary"].astype(bool)]
        if "audience" in c:
            c = c[c["audience"] == "worker"]
        for row in c[c["category"].isin(CONSTRUCT_TRIGGERS)].itertuples():
            out.append(
                Finding(str(row.group), row.outcome_id, "construct", row.label, row.category)
            )
    k = result.kpi_changes
    if len(k):
        for row in k[k["category"].isin(KPI_TRIGGERS)].itertuples():
            out.append(Finding(row.enterprise, row.kpi_id, "kpi", row.label, row.category))
    return sorted(out, key=lambda f: (f.enterprise, f.kind, f.label))


def plan_lines(result: ImpactResult, lang: str) -> list[tuple[Finding, str]]:
    """Each finding with the actions taken on it, as one line for a report or a page:
    "Intention to stay: no detectable change in X: Stay interviews (HR officer, due ...)"."""
    actions = result.actions
    # each finding's actions from one pass over the table, not a filter of it per finding
    by_finding: dict[tuple, list] = {}
    if len(actions):
        for a in actions.itertuples():
            by_finding.setdefault((a.enterprise, a.outcome_id), []).append(a)
    lines = []
    for f in findings(result):
        taken = [
            t("report.action_line", lang, title=a.title, role=a.responsible_role, due=a.due_date,
              status=t(f"actions.status.{a.status}", lang))
            + (f" — {t('report.overdue', lang)}" if a.overdue else "")
            for a in by_finding.get((f.enterprise, f.outcome_id), [])
        ]  # fmt: skip
        lines.append((f, f"{f.text(lang)}: " + ("; ".join(taken) or t("report.no_action", lang))))
    return lines
