"""Tablet endpoints of API v1: the round's survey for a join code, and submitting one
completed questionnaire (the offline client's sync sends its queue through it, one by one).

Submits go through ``services.responses.submit_response``, like the kiosk's: the same
validation, the same idempotency by the client's UUID (a resend after a lost
acknowledgement answers 200 "duplicate" with the same response id, and stores nothing),
the same refusals, the same log line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from score_impact.runtime import shared
from score_impact.services.responses import Outcome, submit_response
from score_impact.services.tablet import TabletResponse, round_bundle, submission_of
from score_impact.web.api import rate_limit

router = APIRouter(prefix="/tablet", tags=["tablet"])

JoinCode = Annotated[str, Path(min_length=4, max_length=12, pattern=r"^[A-Za-z0-9 ]+$")]


class RoundBundle(BaseModel):
    """Everything to run the round's survey offline: the survey definition exactly as
    published (``survey``: the schema of ``survey_defs/*.yaml``), the factories of the
    round, the interface strings in each of the survey's languages, the voice tag for
    read-aloud, and the allowed values of the private code's elements."""

    round: dict[str, Any]
    survey_version: dict[str, Any]
    survey: dict[str, Any]
    factories: list[dict[str, Any]]
    languages: dict[str, dict[str, str]]
    strings: dict[str, dict[str, str]]
    code_elements: dict[str, list[int]]
    etag: str


class TabletSubmission(BaseModel):
    """One completed questionnaire from a tablet."""

    model_config = ConfigDict(extra="forbid")

    client_uuid: UUID = Field(description="Made by the tablet when the worker started: the "
                              "idempotency key (sending it again stores nothing new).")  # fmt: skip
    join_code: str = Field(min_length=4, max_length=12)
    round_id: int
    enterprise_id: int
    language: str = Field(max_length=10)
    answers: dict[str, Any] = Field(max_length=500, description="item id -> answer")
    code: dict[str, int] | None = Field(
        default=None,
        max_length=10,
        description="The private code's elements (hashed by the server, never stored); "
        "null when the worker skipped the code.",
    )
    started_at: datetime | None = None
    completed_at: datetime | None = Field(
        default=None, description="When the worker finished, by the tablet's clock."
    )


class SubmitAck(BaseModel):
    """The server has the response: the tablet may delete its copy."""

    outcome: Outcome
    response_id: int
    client_uuid: UUID


@router.get(
    "/rounds/{code}",
    summary="The survey of an open worker round, for running it offline",
    dependencies=[Depends(rate_limit("60/minute", "tablet-round"))],
)
def get_round(code: JoinCode) -> RoundBundle:
    with shared().session() as s:
        return RoundBundle(**round_bundle(s, code))


@router.post(
    "/responses",
    summary="Submit one completed questionnaire (idempotent by client_uuid)",
    description="201 when stored, 200 when this client_uuid was stored before (nothing new "
    "is written). Refused like the kiosk refuses: unknown or closed round (404/409), factory "
    "not in the round or invalid answers (422, details name the items).",
    status_code=201,
    responses={200: {"model": SubmitAck, "description": "Already stored before."}},
    dependencies=[Depends(rate_limit("600/minute", "tablet-submit"))],
)
def post_response(body: TabletSubmission, response: Response) -> SubmitAck:
    runtime = shared()
    sent = TabletResponse(**{**body.model_dump(), "client_uuid": str(body.client_uuid)})
    with runtime.session() as s:
        sub = submission_of(s, sent, runtime.settings.secret_key, datetime.now(UTC))
        result = submit_response(s, sub)
    if result.outcome is Outcome.DUPLICATE:
        response.status_code = 200
    return SubmitAck(
        outcome=result.outcome, response_id=result.response_id, client_uuid=body.client_uuid
    )
