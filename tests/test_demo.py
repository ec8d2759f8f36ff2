"""The demo is realistic enough to show every feature: counts, pairing, effects, KPIs."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from analysis.adapter import pair_matches
from score_impact.db.models import Brand, Cohort, Enterprise, KpiValue, Response, SurveyRound
from score_impact.demo import seed_demo
from score_impact.pairing import Coded, match_pairs


def test_demo_data(rt):
    with rt.session() as s:
        seed_demo(s, rt.catalog, rt.settings.secret_key)
        assert s.scalar(select(func.count()).select_from(Brand)) == 2
        ents = list(s.scalars(select(Enterprise)))
        assert len(ents) == 8 and {e.country for e in ents} == {"China", "Viet Nam"}
        cohorts = list(s.scalars(select(Cohort)))
        assert sorted(c.is_comparison for c in cohorts) == [False, False, True]
        assert all(c.module == "workplace_cooperation" for c in cohorts)
        counts = dict(
            s.execute(
                select(Response.enterprise_id, func.count())
                .join(SurveyRound, SurveyRound.id == Response.round_id)
                .where(Response.audience == "worker", SurveyRound.phase == "baseline")
                .group_by(Response.enterprise_id)
            ).all()
        )
        assert all(40 <= n <= 120 for n in counts.values())
        assert s.scalar(select(func.count()).select_from(KpiValue)) == 8 * 2 * 10

        def coded(phase):
            rows = s.execute(
                select(
                    Response.id,
                    Response.enterprise_id,
                    Response.pairing_hash,
                    Response.pairing_parts,
                )
                .join(SurveyRound, SurveyRound.id == Response.round_id)
                .where(Response.audience == "worker", SurveyRound.phase == phase)
            ).all()
            return [Coded(r[0], r[1], r[2], tuple(r[3].split(","))) for r in rows]

        result = match_pairs(coded("baseline"), coded("follow_up"))
        kinds = Counter(kind for _, kind in pair_matches(s, None).values())
    assert 0.45 <= result.match_rate <= 0.7  # ~60% of follow-up workers return
    # some misremember one element and are still matched, confirmed by their bands
    assert kinds["tolerant"] > 0 and kinds["exact"] > kinds["tolerant"]


def test_demo_is_reproducible(rt, tmp_path):
    with rt.session() as s:
        seed_demo(s, rt.catalog, b"fixed")
        first = s.scalars(select(Response.pairing_hash).order_by(Response.id)).all()[:50]
    assert len(set(first)) > 40
