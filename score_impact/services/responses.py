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

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import Answer, Response, utcnow
from score_impact.pairing import PairingCode
from score_impact.services.errors import InvalidSubmission
from score_impact.services.rounds import check_enterprise, open_round
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import ItemType, Survey
from score_impact.surveys.validation import Issue, Value, validate_answers


@dataclass(frozen=True)
class Submission:
    client_uuid: str
    round_id: int
    enterprise_id: int
    language: str
    answers: dict[str, Any]
    pairing: PairingCode | None = None
    started_at: datetime | None = None
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
    kind = survey.item(item_id).type
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


def submit_response(session: Session, sub: Submission) -> SubmitResult:
    """Store a complete response exactly once.

    Raises UnknownRound, RoundClosed, NotInRound or InvalidSubmission (with the issues);
    in every error case nothing is written.
    """
    client_uuid = _check_uuid(sub.client_uuid)
    existing = session.scalar(select(Response.id).where(Response.client_uuid == client_uuid))
    if existing is not None:
        return SubmitResult(Outcome.DUPLICATE, existing)
    round_ = open_round(session, sub.round_id)
    check_enterprise(round_, sub.enterprise_id)
    survey = survey_of(round_.survey_version)
    if sub.language not in survey.languages:
        raise InvalidSubmission([Issue("_submission", "bad_language")])
    clean, issues = validate_answers(survey, sub.answers)
    if issues:
        raise InvalidSubmission(issues)
    response = Response(
        client_uuid=client_uuid,
        round_id=round_.id,
        enterprise_id=sub.enterprise_id,
        audience=sub.audience,
        language=sub.language,
        source=sub.source,
        pairing_hash=sub.pairing.full_hash if sub.pairing else None,
        pairing_parts=sub.pairing.parts_text if sub.pairing else None,
        started_at=sub.started_at,
        submitted_at=utcnow(),
    )
    try:
        session.add(response)
        session.flush()
        rows = [
            {"response_id": response.id, "item_id": k, **answer_columns(survey, k, v)}
            for k, v in clean.items()
        ]
        if rows:
            session.execute(insert(Answer), rows)
        session.commit()
    except IntegrityError:
        # Another request stored the same UUID between our check and our insert.
        session.rollback()
        winner = session.scalar(select(Response.id).where(Response.client_uuid == client_uuid))
        if winner is None:
            raise
        return SubmitResult(Outcome.DUPLICATE, winner)
    return SubmitResult(Outcome.STORED, response.id)
