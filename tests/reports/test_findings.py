"""Findings: exactly the outcomes whose decision-rule category says they did not improve,
per enterprise; nothing suppressed or not estimable."""

from __future__ import annotations

from score_impact.reports.findings import CONSTRUCT_TRIGGERS, KPI_TRIGGERS, findings
from score_impact.reports.impact import ImpactFilters, build_impact


def test_findings_are_exactly_the_categories_that_call_for_action(demo_rt):
    with demo_rt.session() as s:
        result = build_impact(s, range(1, 9), ImpactFilters(cohort_id=1))
    found = {(f.enterprise, f.outcome_id, f.verdict) for f in findings(result)}
    c = result.constructs
    head = c[(c.grouping == "enterprise") & c.primary & (c.audience == "worker")]
    expected = {
        (r.group, r.outcome_id, r.category)
        for r in head.itertuples()
        if r.category in CONSTRUCT_TRIGGERS
    }
    k = result.kpi_changes
    expected |= {
        (r.enterprise, r.kpi_id, r.category) for r in k.itertuples() if r.category in KPI_TRIGGERS
    }
    assert found == expected and found
    assert not {v for _, _, v in found} & {"improved", "not_estimable"}
    one = findings(result)[0]
    assert one.text("zh").endswith({"worsened": "变差", "no_meaningful_change": "没有有意义的变化",
                                    "inconclusive": "无法定论"}[one.verdict])  # fmt: skip


def test_suppressed_groups_are_never_findings(demo_rt):
    with demo_rt.session() as s:
        result = build_impact(s, range(1, 9), ImpactFilters(cohort_id=1), min_group_size=500)
    assert [f for f in findings(result) if f.kind == "construct"] == []
