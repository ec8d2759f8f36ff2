"""Findings: exactly the outcomes that did not improve, per enterprise, nothing suppressed."""

from __future__ import annotations

from score_impact.reports.findings import findings
from score_impact.reports.impact import ImpactFilters, build_impact


def test_demo_findings_are_the_null_construct_and_nonsignificant_ones(demo_rt):
    with demo_rt.session() as s:
        result = build_impact(s, range(1, 9), ImpactFilters(cohort_id=1))
    found = findings(result)
    stay = [f for f in found if f.outcome_id == "intention_stay"]
    assert {f.enterprise for f in stay} == {
        "Dongguan Evergreen Garments", "Dongguan Pearl River Knitwear",
        "Shenzhen Brightway Components",
    }  # fmt: skip
    c = result.constructs
    primary = c[(c.grouping == "enterprise") & c.primary & (c.audience == "worker")]
    gains = primary[(primary.p_holm < 0.05) & primary.improved.fillna(False).astype(bool)]
    flagged = {(f.enterprise, f.outcome_id) for f in found if f.kind == "construct"}
    assert not flagged & set(zip(gains.group, gains.outcome_id, strict=True))
    assert stay[0].text("zh").endswith("未检测到变化")


def test_suppressed_groups_are_never_findings(demo_rt):
    with demo_rt.session() as s:
        result = build_impact(s, range(1, 9), ImpactFilters(cohort_id=1), min_group_size=500)
    assert [f for f in findings(result) if f.kind == "construct"] == []
