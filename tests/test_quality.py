"""The response-integrity rules on plain facts (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from score_impact.quality import (
    BURST_SIZE,
    BURST_WINDOW,
    Flag,
    ResponseFacts,
    bursts,
    flag_responses,
    over_headcount,
    reading_seconds,
    repeated_codes,
    speeders,
    straight_lines,
)
from score_impact.surveys.loader import load_catalog
from tests.answering import answer_items

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SURVEY = load_catalog().latest("worker_m1_cooperation").survey


def facts(n: int, every: timedelta, **kw) -> list[ResponseFacts]:
    base = {"enterprise_id": 1, "language": "en", "device_id": 7} | kw
    return [ResponseFacts(response_id=i, submitted_at=T0 + i * every, **base) for i in range(n)]


def test_thirty_submissions_from_one_tablet_in_a_minute_are_a_burst():
    assert bursts(facts(30, timedelta(seconds=2))) == set(range(30))


def test_a_tablet_passed_from_worker_to_worker_is_no_burst():
    assert bursts(facts(20, timedelta(minutes=6))) == set()
    spaced = facts(BURST_SIZE - 1, BURST_WINDOW / BURST_SIZE)
    assert bursts(spaced) == set()
    assert bursts(facts(30, timedelta(seconds=2), device_id=None)) == set()  # paper


def test_a_burst_inside_a_long_day_flags_only_the_burst():
    day = facts(10, timedelta(minutes=30))
    burst = [
        ResponseFacts(100 + i, 1, T0 + timedelta(minutes=72, seconds=10 * i), "en", device_id=7)
        for i in range(BURST_SIZE)
    ]
    assert bursts(day + burst) == {100 + i for i in range(BURST_SIZE)}


def test_responses_past_the_headcount_are_flagged():
    assert over_headcount(facts(5, timedelta(minutes=5)), {1: 3}) == {3, 4}
    assert over_headcount(facts(5, timedelta(minutes=5)), {1: None}) == set()


@pytest.mark.parametrize(("minutes", "flagged"), [(0.5, True), (20, False)])
def test_speeders_are_faster_than_reading_the_questions(minutes, flagged):
    answers = answer_items(SURVEY.items)
    needed = reading_seconds(SURVEY, answers, "en", 25)
    assert 60 < needed < 600  # about 40 questions: minutes, not seconds
    one = ResponseFacts(1, 1, T0, "en", answers, started_at=T0 - timedelta(minutes=minutes))
    assert speeders([one], SURVEY, lambda lang: 25) == ({1} if flagged else set())


def test_straight_lining_a_construct_with_reverse_items_is_flagged_not_the_midpoint():
    construct = next(
        c for c in SURVEY.constructs if len({i.reverse for i in SURVEY.construct_items(c.id)}) == 2
    )
    ids = [i.id for i in SURVEY.construct_items(construct.id)]
    same = {i: 5.0 for i in ids}
    neutral = {i: 3.0 for i in ids}
    varied = dict(same) | {ids[0]: 4.0}
    rows = [ResponseFacts(n, 1, T0, "en", a) for n, a in enumerate((same, neutral, varied))]
    assert straight_lines(rows, SURVEY) == {0}


def test_one_code_twice_in_a_phase_flags_both():
    rows = [ResponseFacts(n, 1, T0, "en", pairing_hash=h) for n, h in enumerate("aab")]
    assert repeated_codes(rows) == {0, 1}


def test_flags_are_listed_per_response_in_a_fixed_order():
    rows = facts(6, timedelta(seconds=5), pairing_hash="same")
    found = flag_responses(rows, SURVEY, {1: 4}, lambda lang: 25)
    assert found[5] == [Flag.OVER_HEADCOUNT, Flag.BURST, Flag.REPEATED_CODE]
