"""The submit service: the one path by which a questionnaire reaches the database.

Tablets, paper entry and the concurrency benchmark all call ``submit_response``. It
validates the whole payload first, then writes the response and all its answers in one
transaction keyed by the client's UUID, so a double tap or a resubmit after a network
hiccup stores exactly one response, and an invalid payload stores nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    Response,
    RoundStatus,
    SurveyRound,
    SurveyVersion,
    cohort_enterprise,
    utcnow,
)
from score_impact.logs import logged_submit
from score_impact.pairing import PairingCode
from score_impact.services.errors import InvalidSubmission, NotInRound, RoundClosed, UnknownRound
from score_impact.services.surveys import survey_by_hash
from score_impact.surveys.schema import DECLINED, ItemType, Survey
from score_impact.surveys.validation import Issue, Value, validate_answers

RESPONSE = Response.__table__
ANSWER = Answer.__table__


@dataclass(frozen=True)
class Submission:
    client_uuid: str
    round_id: int
    enterprise_id: int
    language: str
    answers: dict[str, Any]
    pairing: PairingCode | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None  # by the tablet's clock (offline client), else None
    source: str = "tablet"
    audience: str = "worker"


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # this client UUID was already stored: nothing new written


@dataclass(frozen=True)
class SubmitResult:
    outcome: Outcome
    response_id: int


def answer_columns(survey: Survey, item_id: str, value: Value) -> dict[str, Any]:
    """How one clean answer is stored: numbers in value_num, words in value_text."""
    return _columns(survey.item(item_id).type, value)


def _columns(kind: ItemType, value: Value) -> dict[str, Any]:
    if value == DECLINED:  # "prefer not to answer": no number, so it never scores
        return {"value_num": None, "value_text": DECLINED}
    if kind is ItemType.YES_NO:
        return {"value_num": 1.0 if value else 0.0, "value_text": None}
    if kind in (ItemType.LIKERT, ItemType.NUMBER):
        return {"value_num": float(value), "value_text": None}  # type: ignore[arg-type]
    if kind is ItemType.MULTIPLE_CHOICE:
        return {"value_num": None, "value_text": json.dumps(value)}
    return {"value_num": None, "value_text": str(value)}


def stored_value(survey: Survey, answer: Answer) -> Value | None:
    """The inverse of ``answer_columns``: what the respondent answered, in its own type."""
    try:
        kind = survey.item(answer.item_id).type
    except KeyError:
        return None
    if answer.value_text == DECLINED:
        return DECLINED
    if kind is ItemType.YES_NO:
        return answer.value_num == 1.0
    if kind is ItemType.LIKERT:
        return int(answer.value_num or 0)
    if kind is ItemType.NUMBER:
        return answer.value_num
    if kind is ItemType.MULTIPLE_CHOICE:
        return json.loads(answer.value_text or "[]")
    return answer.value_text


def _check_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidSubmission([Issue("_submission", "bad_uuid")]) from exc


# Everything a submit must know before writing, in one round trip: the UUID's earlier
# response (if any), the round's status and code, its frozen survey version, and whether the
# enterprise belongs to the round's cohort. None of it is cached, so closing a round or moving
# a factory out of a cohort takes effect for the very next submit. Built once: constructing
# the statement per call cost more than running it.
_GATE = (
    select(
        select(Response.id)
        .where(Response.client_uuid == bindparam("client_uuid"))
        .scalar_subquery()
        .label("existing"),
        SurveyRound.status,
        SurveyRound.join_code,
        SurveyRound.survey_version_id,
        SurveyVersion.content_hash,
        exists()
        .where(cohort_enterprise.c.cohort_id == SurveyRound.cohort_id)
        .where(cohort_enterprise.c.enterprise_id == bindparam("enterprise_id"))
        .label("member"),
    )
    .join(SurveyVersion, SurveyVersion.id == SurveyRound.survey_version_id)
    .where(SurveyRound.id == bindparam("round_id"))
)
_BY_UUID = select(Response.id).where(Response.client_uuid == bindparam("client_uuid"))
_INSERT_RESPONSE = insert(RESPONSE)
_INSERT_ANSWERS = insert(ANSWER)


@logged_submit
def submit_response(session: Session, sub: Submission) -> SubmitResult:
    """Store a complete response exactly once.

    Raises UnknownRound, RoundClosed, NotInRound or InvalidSubmission (with the issues);
    in every error case nothing is written.

    One SELECT checks the UUID, the round and the enterprise together; the survey is parsed
    once per process; then Core inserts write the response and all its answers in the
    session's transaction. (The ORM unit of work and lazy loads of round, cohort and
    survey cost three times the raw inserts under 50 tablets: see bench/submissions.py.)
    """
    client_uuid = _check_uuid(sub.client_uuid)
    conn = session.connection()
    params = {
        "client_uuid": client_uuid,
        "round_id": sub.round_id,
        "enterprise_id": sub.enterprise_id,
    }
    gate = conn.execute(_GATE, params).one_or_none()
    if gate is None:  # unknown round; a stored UUID still wins, as for any resubmit
        existing = conn.execute(_BY_UUID, params).scalar()
        if existing is not None:
            return SubmitResult(Outcome.DUPLICATE, existing)
        raise UnknownRound(str(sub.round_id))
    if gate.existing is not None:
        return SubmitResult(Outcome.DUPLICATE, gate.existing)
    if gate.status != RoundStatus.OPEN:
        raise RoundClosed(gate.join_code)
    if not gate.member:
        raise NotInRound(f"enterprise {sub.enterprise_id} is not in round {gate.join_code}")
    survey = survey_by_hash(session, gate.survey_version_id, gate.content_hash)
    if sub.language not in survey.languages:
        raise InvalidSubmission([Issue("_submission", "bad_language")])
    clean, issues = validate_answers(survey, sub.answers)
    if issues:
        raise InvalidSubmission(issues)
    row = {
        "client_uuid": client_uuid,
        "round_id": sub.round_id,
        "enterprise_id": sub.enterprise_id,
        "audience": sub.audience,
        "language": sub.language,
        "source": sub.source,
        "pairing_hash": sub.pairing.full_hash if sub.pairing else None,
        "pairing_parts": sub.pairing.parts_text if sub.pairing else None,
        "started_at": sub.started_at,
        "completed_at": sub.completed_at,
        "submitted_at": utcnow(),
    }
    try:
        response_id = conn.execute(_INSERT_RESPONSE, row).inserted_primary_key[0]
        rows = [
            {"response_id": response_id, "item_id": k, **_columns(survey.item(k).type, v)}
            for k, v in clean.items()
        ]
        if rows:
            conn.execute(_INSERT_ANSWERS, rows)
        session.commit()
    except IntegrityError:
        # Another request stored the same UUID between our check and our insert.
        session.rollback()
        winner = session.connection().execute(_BY_UUID, params).scalar()
        if winner is None:
            raise
        return SubmitResult(Outcome.DUPLICATE, winner)
    return SubmitResult(Outcome.STORED, response_id)
