"""Pairing secrets kept only as long as matching needs them.

A response's private code is stored as keyed hashes: one of the whole code and one per
element (``score_impact.pairing``). The per-element hashes exist only for tolerant
matching (one element misremembered), and they are what made every code of a factory
recoverable in milliseconds by anyone holding the database and the key: 31 + 12 + 10 + 10
guesses instead of 37,200. Once a cohort's worker (or manager) rounds are all closed and at
least one follow-up round is among them, its pairs are fixed: each matched response keeps
its pair id (``Response.pair_id``) and every element hash of the cohort is dropped.

The whole-code hash stays: it flags one code answering twice in a phase (data quality),
and lets a follow-up round added later still match exactly. Run by the scheduled
housekeeping (score_impact/housekeeping.py) and whenever an admin closes a round.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from analysis.adapter import RoundFilter, pair_ids
from score_impact.db.models import Phase, Response, RoundStatus, SurveyRound, SurveyVersion


def _count(condition) -> object:  # noqa: ANN001 (a SQL boolean expression)
    return func.sum(case((condition, 1), else_=0))


def cohorts_ready(session: Session) -> list[tuple[int, str]]:
    """(cohort id, audience) whose rounds are all closed, with a follow-up among them,
    that still hold element hashes."""
    rounds = (
        select(
            SurveyRound.cohort_id,
            SurveyVersion.audience,
            _count(SurveyRound.status != RoundStatus.CLOSED.value).label("open"),
            _count(SurveyRound.phase != Phase.BASELINE.value).label("follow_ups"),
        )
        .join(SurveyVersion, SurveyVersion.id == SurveyRound.survey_version_id)
        .group_by(SurveyRound.cohort_id, SurveyVersion.audience)
        .subquery()
    )
    hashed = (
        select(SurveyRound.cohort_id, Response.audience)
        .join(Response, Response.round_id == SurveyRound.id)
        .where(Response.pairing_parts.is_not(None))
        .distinct()
        .subquery()
    )
    found = session.execute(
        select(rounds.c.cohort_id, rounds.c.audience)
        .join(
            hashed,
            (hashed.c.cohort_id == rounds.c.cohort_id) & (hashed.c.audience == rounds.c.audience),
        )
        .where(rounds.c.open == 0, rounds.c.follow_ups > 0)
        .order_by(rounds.c.cohort_id, rounds.c.audience)
    )
    return [(cohort_id, audience) for cohort_id, audience in found]


def fix_pairs(session: Session, cohort_id: int, audience: str) -> int:
    """Store the pair ids of one cohort and audience and drop their element hashes;
    returns how many responses lost their element hashes. Commits. Pairs are those of the
    analysis at this moment: responses excluded as not credible are not paired."""
    pairs = pair_ids(session, None, RoundFilter(cohort_id=cohort_id, audience=audience))
    in_cohort = select(SurveyRound.id).where(SurveyRound.cohort_id == cohort_id)
    for response_id, pair_id in pairs.items():
        session.execute(update(Response).where(Response.id == response_id).values(pair_id=pair_id))
    dropped = session.execute(
        update(Response)
        .where(
            Response.round_id.in_(in_cohort),
            Response.audience == audience,
            Response.pairing_parts.is_not(None),
        )
        .values(pairing_parts=None)
    )
    session.commit()
    return dropped.rowcount or 0


def fix_closed_cohorts(session: Session) -> int:
    """:func:`fix_pairs` for every cohort ready for it; returns responses changed."""
    return sum(fix_pairs(session, c, a) for c, a in cohorts_ready(session))
