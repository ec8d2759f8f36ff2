"""The data-quality review against the demo (a real database): a burst of 30 made-up
responses from one tablet is flagged, excluding it changes every result and is audited,
restoring it undoes it, and reports state the exclusion with a guarded sensitivity line."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from score_impact.db.models import AuditEvent, Device, Enterprise, SurveyRound, User, utcnow
from score_impact.quality import Flag
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.services import quality
from score_impact.services.errors import AccessDenied, InvalidInput
from score_impact.services.responses import Submission, submit_response
from score_impact.services.scope import scope_of
from tests.answering import answer_items
from tests.app.test_dashboard import demo  # noqa: F401  (fixture)

CONSTRUCT = "communication_voice"


def _scope(s, username: str):
    return scope_of(s, s.scalar(select(User).where(User.username == username)))


def stuff_ballot(rt, count: int, join_code: str = "AFWDEMO") -> tuple[int, list[int]]:
    """``count`` all-"strongly disagree" responses from one tablet within a minute."""
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    with rt.session() as s:
        round_ = s.scalar(select(SurveyRound).where(SurveyRound.join_code == join_code))
        ent = s.scalar(
            select(Enterprise.id).where(Enterprise.name == "Dongguan Evergreen Garments")
        )
        device = Device(label="Tablet 9", token_hash=uuid.uuid4().hex * 2,
                        cohort_id=round_.cohort_id, enrolled_by="trainer.li")  # fmt: skip
        s.add(device)
        s.commit()
        ids = []
        for _ in range(count):
            sub = Submission(
                client_uuid=str(uuid.uuid4()), round_id=round_.id, enterprise_id=ent,
                language="zh", answers=answer_items(survey.items, likert=1, yes=False),
                started_at=utcnow() - timedelta(seconds=20), device_id=device.id,
            )  # fmt: skip
            ids.append(submit_response(s, sub).response_id)
        return round_.id, ids


def overall(rt, username: str = "trainer.li"):
    with rt.session() as s:
        result = build_impact_for(s, _scope(s, username), ImpactFilters(cohort_id=1))
    rows = result.constructs.query(
        "grouping == 'overall' and outcome_id == @CONSTRUCT and audience == 'worker'"
        " and design == 'independent'"  # made-up responses have no baseline partner
    )
    return result, rows.iloc[0]


def test_a_burst_is_flagged_excluded_with_a_reason_and_restored(demo):  # noqa: F811
    before, row_before = overall(demo)
    round_id, ids = stuff_ballot(demo, 30)
    stuffed, row_stuffed = overall(demo)
    assert row_stuffed["mean_after"] < row_before["mean_after"]  # the stuffing moved it
    with demo.session() as s:
        trainer = _scope(s, "trainer.li")
        review = quality.review_round(s, trainer, round_id)
        burst = {r.response_id for r in review.rows if Flag.BURST in r.flags}
        assert set(ids) <= burst
        assert {Flag.BURST, Flag.SPEEDER, Flag.STRAIGHT_LINE} <= set(
            next(r for r in review.rows if r.response_id == ids[0]).flags
        )
        with pytest.raises(InvalidInput):
            quality.exclude_responses(s, trainer, round_id, ids, "   ")  # a reason is needed
        assert quality.exclude_responses(s, trainer, round_id, ids, "30 in a minute") == 30
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "response.exclude")).one()
        assert (event.username, event.detail["count"], event.detail["reason"]) == (
            "trainer.li", 30, "30 in a minute",
        )  # fmt: skip
    excluded, row_excluded = overall(demo)
    assert row_excluded["mean_after"] == pytest.approx(row_before["mean_after"])
    assert excluded.excluded == 30
    sensitivity = excluded.with_excluded.set_index(["outcome_id", "design"]).loc[
        (CONSTRUCT, "independent")
    ]
    assert sensitivity["change"] == pytest.approx(row_excluded["change"])
    # with them back in, the change falls as the stuffing made it fall; not exactly to the
    # stuffed view's, since the eligible set's cells are split by exclusion (a factory's
    # band cell of a few real workers next to the 30 made-up ones is left out now)
    assert sensitivity["change_all"] < sensitivity["change"]
    assert sensitivity["change_all"] == pytest.approx(row_stuffed["change"], abs=0.05)
    notes = dict(zip(excluded.method_notes["topic"], excluded.method_notes["note"], strict=True))
    assert notes["excluded"].startswith("30 worker responses were excluded")
    counts = excluded.response_counts.set_index(["enterprise", "phase"])
    assert (
        counts.loc[("Dongguan Evergreen Garments", "follow_up"), "responses"]
        == (
            before.response_counts.set_index(["enterprise", "phase"]).loc[
                ("Dongguan Evergreen Garments", "follow_up"), "responses"
            ]
        )
    )
    with demo.session() as s:
        assert quality.restore_responses(s, _scope(s, "trainer.li"), round_id, ids) == 30
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["response.exclude", "response.restore"]
    assert overall(demo)[1]["mean_after"] == pytest.approx(row_stuffed["mean_after"])


def test_a_few_exclusions_give_no_sensitivity_line_to_subtract_from(demo):  # noqa: F811
    round_id, ids = stuff_ballot(demo, 3)
    with demo.session() as s:
        quality.exclude_responses(s, _scope(s, "admin"), round_id, ids, "tests")
    result, _ = overall(demo, "admin")
    assert result.excluded == 3 and result.with_excluded.empty
    note = result.method_notes.set_index("topic").loc["excluded", "note"]
    assert "fewer than 5" in note and "subtraction" in note


def test_brands_and_other_trainers_cannot_review_or_exclude(demo):  # noqa: F811
    round_id, ids = stuff_ballot(demo, 1)
    with demo.session() as s:
        for username in ("northwind", "manager.evergreen"):
            with pytest.raises(AccessDenied):
                quality.review_round(s, _scope(s, username), round_id)
            with pytest.raises(AccessDenied):
                quality.exclude_responses(s, _scope(s, username), round_id, ids, "x")
        other = s.scalar(select(SurveyRound.id).where(SurveyRound.join_code == "BFWDEMO"))
        with pytest.raises(AccessDenied):  # trainer.li does not train cohort B
            quality.review_round(s, _scope(s, "trainer.li"), other)
        with pytest.raises(InvalidInput):  # responses of another round
            quality.exclude_responses(s, _scope(s, "admin"), other, ids, "x")
