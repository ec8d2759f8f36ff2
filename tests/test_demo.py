"""The demo is realistic enough to show every feature (counts, pairing, effects, KPIs, a
second module) and plausible enough for a brand manager: KPIs in real-world ranges and
consistent with each other, response rates at most 100%."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from analysis.adapter import exclusions_frame, kpis_frame, pair_matches
from score_impact.db.models import Cohort, Enterprise, Response, SurveyRound
from score_impact.demo import seed_demo
from score_impact.pairing import Coded, match_pairs


def test_demo_data(rt):
    with rt.session() as s:
        seed_demo(s, rt.catalog, rt.settings.secret_key)
        ents = {e.id: e for e in s.scalars(select(Enterprise))}
        assert len(ents) == 11 and {e.country for e in ents.values()} == {"China", "Viet Nam"}
        cohorts = list(s.scalars(select(Cohort)))
        assert sorted(c.is_comparison for c in cohorts) == [False, False, False, True]
        assert {c.module for c in cohorts} == {
            "workplace_cooperation", "occupational_safety_health"
        }  # fmt: skip
        counts = s.execute(
            select(Response.enterprise_id, SurveyRound.phase, func.count())
            .join(SurveyRound, SurveyRound.id == Response.round_id)
            .where(Response.audience == "worker")
            .group_by(Response.enterprise_id, SurveyRound.phase)
        ).all()
        for enterprise_id, _, n in counts:  # response rates <= 100%, realistic
            assert 0.5 <= n / ents[enterprise_id].headcount <= 1.0
        languages = dict(
            s.execute(select(Response.language, func.count()).group_by(Response.language)).all()
        )
        assert languages["vi"] > 300 and languages["zh"] > languages["vi"]

        def coded(phase):
            rows = s.execute(
                select(Response.id, Response.enterprise_id, Response.pairing_hash,
                       Response.pairing_parts)
                .join(SurveyRound, SurveyRound.id == Response.round_id)
                .where(Response.audience == "worker", SurveyRound.phase == phase)
            ).all()  # fmt: skip
            return [Coded(r[0], r[1], r[2], tuple(r[3].split(","))) for r in rows]

        result = match_pairs(coded("baseline"), coded("follow_up"))
        kpis = kpis_frame(s, None)
        screened = exclusions_frame(s, None)
        kinds = Counter(kind for _, kind in pair_matches(s, None).values())
    assert 0.45 <= result.match_rate <= 0.95  # most follow-up workers were there before
    # some misremember one element and are still matched, confirmed by their bands
    assert kinds["tolerant"] > 0 and kinds["exact"] > kinds["tolerant"]
    # recent hires said they joined after the training: left out of before/after, counted
    assert screened.loc[screened["kind"] == "screening", "n"].sum() > 50
    value = kpis.pivot_table(index=["enterprise_id", "phase"], columns="kpi_id", values="value")
    module1 = value.dropna(subset=["worker_turnover_rate"])
    assert len(module1) == 8 * 2 and len(value) == 11 * 2
    assert module1["absenteeism_rate"].between(1, 6).all()  # "a few %"
    assert module1["worker_turnover_rate"].between(1, 12).all()
    assert (
        module1["suggestion_implementation_rate"].between(0, 100).all()
    )  # implemented <= received
    assert module1["on_time_delivery_rate"].between(70, 100).all()
    assert module1["defect_rate"].between(1, 10).all()
    assert (module1["lost_time_accident_rate"] < 8).all()
    module5 = value.dropna(subset=["osh_training_coverage"])
    assert len(module5) == 3 * 2 and module5["osh_training_coverage"].between(10, 100).all()


def test_demo_is_reproducible(rt, tmp_path):
    with rt.session() as s:
        seed_demo(s, rt.catalog, b"fixed")
        first = s.scalars(select(Response.pairing_hash).order_by(Response.id)).all()[:50]
    assert len(set(first)) > 40
