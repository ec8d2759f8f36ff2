"""50 tablets at once through ``submit_response`` (the page's own submit path), on SQLite
(WAL, busy timeout) and PostgreSQL: every valid response is stored exactly once with all
its answers, every invalid one is refused with a clear error and leaves no row.

The workload comes from bench/submissions.py: double taps and retries of stored responses,
invalid payloads later corrected under the same UUID, and a few UUIDs sent by many tablets
at the same instant (a barrier lines them up) to hit the check-then-insert race.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select, text

from bench.submissions import (
    Planned,
    Target,
    new_submission,
    plan_tablet,
    run_tablets,
)
from score_impact.db.models import Answer, Response
from score_impact.runtime import Runtime
from score_impact.services.errors import InvalidSubmission, NotInRound
from score_impact.services.responses import answer_columns
from score_impact.surveys.validation import validate_answers
from tests.conftest import World

TABLETS, PER_TABLET, CONTESTED = 50, 20, 5

# What each kind of invalid payload must raise: the error class and its issue codes.
EXPECTED_ERRORS = {
    "missing_required": (InvalidSubmission, {"required"}),
    "out_of_range": (InvalidSubmission, {"choose_option"}),
    "bad_language": (InvalidSubmission, {"bad_language"}),
    "bad_uuid": (InvalidSubmission, {"bad_uuid"}),
    "not_in_round": (NotInRound, set()),
}


@pytest.fixture
def target(rt: Runtime, world: World) -> Target:
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    return Target(
        world.worker_round_id,
        world.closed_round_id,
        world.enterprise_ids,
        world.other_enterprise_id,
        survey,
    )


def stored_rows(rt: Runtime) -> tuple[dict[str, int], dict[int, dict[str, tuple]]]:
    """client UUID -> response id, and response id -> {item id: (value_num, value_text)}."""
    with rt.session() as s:
        responses = {u: i for u, i in s.execute(select(Response.client_uuid, Response.id))}
        answers: dict[int, dict[str, tuple]] = {}
        for a in s.scalars(select(Answer)):
            answers.setdefault(a.response_id, {})[a.item_id] = (a.value_num, a.value_text)
    return responses, answers


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(rt: Runtime) -> None:
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with rt.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_50_tablets_store_each_valid_response_once_and_nothing_invalid(
    rt: Runtime, target: Target
) -> None:
    rng = random.Random(99)
    contested = [new_submission(target, rng) for _ in range(CONTESTED)]
    plans = [plan_tablet(target, t, PER_TABLET, contested=contested) for t in range(TABLETS)]
    planned: list[Planned] = [p for plan in plans for p in plan]
    valid = {p.submission.client_uuid: p.submission for p in planned if p.valid}
    invalid = [p for p in planned if not p.valid]
    # The workload really is messy: retries, contested UUIDs and every invalid kind.
    assert len(planned) == TABLETS * PER_TABLET
    assert len(planned) - len(invalid) - len(valid) > 150  # taps that resubmit a UUID
    assert {p.invalid_kind for p in invalid} == set(EXPECTED_ERRORS)

    tallies = run_tablets(rt, plans, synchronise=True)

    unexpected = [(p.submission.client_uuid, repr(e)) for t in tallies for p, e in t.unexpected]
    assert unexpected == []
    # Exactly one STORED per valid UUID across all tablets; every other tap a DUPLICATE.
    stored = Counter(u for t in tallies for u in t.stored)
    assert set(stored) == set(valid) and set(stored.values()) == {1}
    duplicates = sum(len(t.duplicates) for t in tallies)
    assert len(valid) + duplicates + len(invalid) == len(planned)
    assert sum(Counter(t.duplicates)[c.client_uuid] for t in tallies for c in contested) == (
        TABLETS - CONTESTED
    )
    # Every invalid tap refused, with the error its kind calls for.
    rejected = [(p, e) for t in tallies for p, e in t.rejected]
    assert sorted(id(p) for p, _ in rejected) == sorted(id(p) for p in invalid)
    for p, exc in rejected:
        error, codes = EXPECTED_ERRORS[p.invalid_kind or ""]
        assert type(exc) is error, (p.invalid_kind, exc)
        if codes:
            assert {i.code for i in exc.issues} == codes  # type: ignore[attr-defined]
            assert str(exc)  # names the item and the problem, e.g. "voice_1: choose_option"

    # The database: the valid responses, each with exactly its answers, and nothing else.
    responses, answers = stored_rows(rt)
    assert set(responses) == set(valid)
    assert set(answers) <= set(responses.values())
    for client_uuid, sub in valid.items():
        clean, issues = validate_answers(target.survey, sub.answers)
        assert not issues
        expected = {
            k: tuple(answer_columns(target.survey, k, v).values()) for k, v in clean.items()
        }
        assert answers[responses[client_uuid]] == expected
    assert sum(map(len, answers.values())) == sum(
        len(validate_answers(target.survey, s.answers)[0]) for s in valid.values()
    )
