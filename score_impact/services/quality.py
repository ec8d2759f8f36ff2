"""The data-quality review of a round: flagged responses (score_impact/quality.py) and the
trainer's or admin's decisions to exclude or restore them.

Excluding is a judgement, so it is never automatic: a person picks the responses, gives a
reason, and the decision is written to the audit log (who, which responses, why) in the
same transaction. Restoring deletes the exclusion and is audited too. Excluded responses
leave every analysis (``analysis.adapter`` skips them) and every count; reports say how
many were excluded and give the main results with them as a sensitivity line
(``reports.impact``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    AuditEvent,
    Device,
    Enterprise,
    Response,
    ResponseExclusion,
    Role,
    SurveyRound,
)
from score_impact.i18n import languages
from score_impact.quality import Flag, ResponseFacts, flag_responses
from score_impact.services.errors import AccessDenied, InvalidInput, Problem
from score_impact.services.scope import Scope, check_cohort
from score_impact.services.surveys import survey_of
from score_impact.text import clean_block

MAX_REASON = 500


@dataclass(frozen=True)
class ReviewRow:
    """One flagged or excluded response, as the data-quality page lists it."""

    response_id: int
    enterprise: str
    device: str | None
    submitted_at: datetime
    minutes: float | None  # from start to submit; None for paper
    flags: tuple[Flag, ...]
    excluded: bool
    reason: str | None = None
    excluded_by: str | None = None


@dataclass(frozen=True)
class RoundReview:
    round_id: int
    responses: int
    rows: list[ReviewRow] = field(default_factory=list)  # flagged or excluded responses

    def count(self, flag: Flag) -> int:
        return sum(flag in r.flags for r in self.rows)

    @property
    def excluded(self) -> int:
        return sum(r.excluded for r in self.rows)


def _reading_speed(lang: str) -> float:
    known = languages().get(lang)
    return known.reading_speed if known else languages()["en"].reading_speed


def _round(session: Session, scope: Scope, round_id: int) -> SurveyRound:
    """The round, if ``scope`` reviews its cohort: trainers their own, admins any."""
    if scope.role not in (Role.ADMIN, Role.TRAINER):
        raise AccessDenied(f"{scope.username} does not review data quality")
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise InvalidInput([Problem("admin.problem.no_such.round", {"id": round_id})])
    check_cohort(scope, round_.cohort_id)
    return round_


def _finished(response: Response) -> datetime:
    return response.completed_at or response.submitted_at


def review_round(session: Session, scope: Scope, round_id: int) -> RoundReview:
    """Every flag of the round's responses, with the exclusions already decided."""
    round_ = _round(session, scope, round_id)
    survey = survey_of(round_.survey_version)
    rows = session.execute(
        select(Response, Enterprise.name, Enterprise.headcount, Device.label, ResponseExclusion)
        .join(Enterprise, Enterprise.id == Response.enterprise_id)
        .outerjoin(Device, Device.id == Response.device_id)
        .outerjoin(ResponseExclusion, ResponseExclusion.response_id == Response.id)
        .where(Response.round_id == round_id)
    ).all()
    answers: dict[int, dict[str, object]] = defaultdict(dict)
    for rid, item_id, num, text in session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id)
    ):
        answers[rid][item_id] = num if num is not None else text
    # Exclusions are decided on these flags: excluded responses stay in the facts, so the
    # flags do not change when some of their group is excluded.
    # An offline tablet sends its queue hours later in one go: its own clock (completed_at)
    # says when each was answered, so a day's sync is no burst.
    facts = [
        ResponseFacts(
            response_id=r.id,
            enterprise_id=r.enterprise_id,
            submitted_at=_finished(r),
            language=r.language,
            answers=answers[r.id],
            device_id=r.device_id,
            started_at=r.started_at,
            pairing_hash=r.pairing_hash,
        )
        for r, *_ in rows
    ]
    headcounts = {r.enterprise_id: headcount for r, _, headcount, _, _ in rows}
    flags = flag_responses(facts, survey, headcounts, _reading_speed)
    listed = []
    for r, name, _, device, exclusion in rows:
        if r.id not in flags and exclusion is None:
            continue
        took = (_finished(r) - r.started_at).total_seconds() / 60 if r.started_at else None
        listed.append(
            ReviewRow(
                response_id=r.id,
                enterprise=name,
                device=device,
                submitted_at=r.submitted_at,
                minutes=took,
                flags=tuple(flags.get(r.id, ())),
                excluded=exclusion is not None,
                reason=exclusion.reason if exclusion else None,
                excluded_by=exclusion.excluded_by if exclusion else None,
            )
        )
    listed.sort(key=lambda row: (row.submitted_at, row.response_id))
    return RoundReview(round_id, len(rows), listed)


def _in_round(session: Session, round_id: int, response_ids: Collection[int]) -> list[int]:
    ids = sorted(set(response_ids))
    found = set(
        session.scalars(
            select(Response.id).where(Response.round_id == round_id, Response.id.in_(ids))
        )
    )
    if missing := [i for i in ids if i not in found]:
        raise InvalidInput([Problem("quality.problem.not_in_round", {"ids": missing})])
    return ids


def exclude_responses(
    session: Session, scope: Scope, round_id: int, response_ids: Collection[int], reason: str
) -> int:
    """Exclude responses of a round from every analysis, with a reason; audited. Returns
    how many were newly excluded (already excluded ones are left as they were)."""
    _round(session, scope, round_id)
    why = clean_block(reason)
    problems = []
    if not why:
        problems.append(Problem("quality.problem.reason"))
    elif len(why) > MAX_REASON:
        problems.append(Problem("quality.problem.reason_long", {"max": MAX_REASON}))
    if not response_ids:
        problems.append(Problem("quality.problem.none"))
    if problems:
        raise InvalidInput(problems)
    ids = _in_round(session, round_id, response_ids)
    done = set(
        session.scalars(
            select(ResponseExclusion.response_id).where(ResponseExclusion.response_id.in_(ids))
        )
    )
    new = [i for i in ids if i not in done]
    session.add_all(
        ResponseExclusion(response_id=i, reason=why, excluded_by=scope.username) for i in new
    )
    session.add(
        AuditEvent(
            username=scope.username,
            action="response.exclude",
            target=f"round:{round_id}",
            detail={"responses": new, "count": len(new), "reason": why},
        )
    )
    session.commit()
    return len(new)


def restore_responses(
    session: Session, scope: Scope, round_id: int, response_ids: Collection[int]
) -> int:
    """Undo exclusions: the responses count again; audited. Returns how many."""
    _round(session, scope, round_id)
    if not response_ids:
        raise InvalidInput([Problem("quality.problem.none")])
    ids = _in_round(session, round_id, response_ids)
    done = sorted(
        session.scalars(
            select(ResponseExclusion.response_id).where(ResponseExclusion.response_id.in_(ids))
        )
    )
    session.execute(delete(ResponseExclusion).where(ResponseExclusion.response_id.in_(done)))
    session.add(
        AuditEvent(
            username=scope.username,
            action="response.restore",
            target=f"round:{round_id}",
            detail={"responses": done, "count": len(done)},
        )
    )
    session.commit()
    return len(done)
