"""Survey rounds: creation with a short join code, lookup by code, open/close."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Cohort,
    Enterprise,
    Phase,
    RoundStatus,
    SurveyRound,
    SurveyVersion,
)
from score_impact.services.errors import NotInRound, RoundClosed, UnknownRound

# No 0/O, 1/I/L: codes are read aloud in a classroom and typed on a tablet.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_join_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(SurveyRound.id).where(SurveyRound.join_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def create_round(
    session: Session,
    cohort: Cohort,
    phase: Phase,
    version: SurveyVersion,
    status: RoundStatus = RoundStatus.OPEN,
    join_code: str | None = None,
) -> SurveyRound:
    """A new round; the join code is random unless given (the demo uses readable ones)."""
    row = SurveyRound(
        cohort=cohort,
        phase=phase.value,
        survey_version=version,
        status=status.value,
        join_code=normalise_code(join_code) if join_code else new_join_code(session),
    )
    session.add(row)
    session.flush()
    return row


def round_by_code(session: Session, code: str) -> SurveyRound:
    row = session.scalar(select(SurveyRound).where(SurveyRound.join_code == normalise_code(code)))
    if row is None:
        raise UnknownRound(code)
    return row


def open_round(session: Session, round_id: int) -> SurveyRound:
    """The round, if it accepts answers now; raises UnknownRound / RoundClosed."""
    row = session.get(SurveyRound, round_id)
    if row is None:
        raise UnknownRound(str(round_id))
    if row.status != RoundStatus.OPEN:
        raise RoundClosed(row.join_code)
    return row


def round_enterprises(session: Session, round_: SurveyRound) -> list[Enterprise]:
    return sorted(round_.cohort.enterprises, key=lambda e: e.name)


def check_enterprise(round_: SurveyRound, enterprise_id: int) -> None:
    if enterprise_id not in {e.id for e in round_.cohort.enterprises}:
        raise NotInRound(f"enterprise {enterprise_id} is not in round {round_.join_code}")
