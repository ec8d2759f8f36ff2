"""The submit service against a real database: exactly-once, all-or-nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from score_impact.db.models import Answer, Response
from score_impact.pairing import make_code
from score_impact.services.errors import InvalidSubmission, NotInRound, RoundClosed, UnknownRound
from score_impact.services.responses import Outcome, Submission, stored_value, submit_response
from tests.answering import answer_items


def full_answers(survey) -> dict:
    """A complete, valid worker questionnaire (with a formula-like text, stored as text)."""
    return answer_items(survey.items) | {"one_improvement": "=cmd|' /C calc'!A0"}


def count(rt, model) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def survey(rt):
    return rt.catalog.latest("worker_m1_cooperation").survey


def submission(world, answers, **kw) -> Submission:
    base = dict(
        client_uuid=str(uuid.uuid4()),
        round_id=world.worker_round_id,
        enterprise_id=world.enterprise_ids[0],
        language="zh",
        answers=answers,
    )
    return Submission(**(base | kw))


def test_valid_submission_is_stored_with_typed_answers(rt, world, survey):
    answers = full_answers(survey)
    code = make_code(
        b"k",
        world.enterprise_ids[0],
        dict(birth_day=3, mother_birth_month=7, older_siblings=0, birth_year_last_digit=9),
    )
    with rt.session() as s:
        result = submit_response(s, submission(world, answers, pairing=code))
    assert result.outcome is Outcome.STORED
    with rt.session() as s:
        response = s.get(Response, result.response_id)
        stored = {a.item_id: stored_value(survey, a) for a in response.answers}
        assert response.pairing_hash == code.full_hash
    assert stored["suggestion_made"] is True
    assert stored["voice_supervisor_listens"] == 4
    assert stored["one_improvement"] == "=cmd|' /C calc'!A0"


def test_same_uuid_twice_stores_one_response(rt, world, survey):
    sub = submission(world, full_answers(survey))
    with rt.session() as s:
        first = submit_response(s, sub)
    answers_after_first = count(rt, Answer)
    with rt.session() as s:
        second = submit_response(s, sub)
    assert second.outcome is Outcome.DUPLICATE and second.response_id == first.response_id
    assert count(rt, Response) == 1 and count(rt, Answer) == answers_after_first


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"voice_supervisor_listens": 7}, "choose_option"),
        ({"voice_supervisor_listens": None}, "required"),
        ({"suggestion_made": "maybe"}, "choose_option"),
        ({"no_such_item": 1}, "unknown_item"),
    ],
)
def test_invalid_answers_store_nothing(rt, world, survey, change, code):
    answers = full_answers(survey) | change
    with rt.session() as s, pytest.raises(InvalidSubmission) as err:
        submit_response(s, submission(world, answers))
    assert code in [i.code for i in err.value.issues]
    assert count(rt, Response) == 0 and count(rt, Answer) == 0


def test_hidden_follow_up_answer_is_dropped(rt, world, survey):
    answers = full_answers(survey) | {"suggestion_made": False, "suggestion_acted": True}
    with rt.session() as s:
        result = submit_response(s, submission(world, answers))
    with rt.session() as s:
        items = {a.item_id for a in s.get(Response, result.response_id).answers}
    assert "suggestion_acted" not in items


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"round_id": 999}, UnknownRound),
        ("closed", RoundClosed),
        ("outsider", NotInRound),
        ({"language": "fr"}, InvalidSubmission),
        ({"client_uuid": "not-a-uuid"}, InvalidSubmission),
    ],
)
def test_rejected_submissions_store_nothing(rt, world, survey, kw, error):
    if kw == "closed":
        kw = {"round_id": world.closed_round_id}
    elif kw == "outsider":
        kw = {"enterprise_id": world.other_enterprise_id}
    with rt.session() as s, pytest.raises(error):
        submit_response(s, submission(world, full_answers(survey), **kw))
    assert count(rt, Response) == 0
