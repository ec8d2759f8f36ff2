"""Drafts of tablet attempts, saved after every screen so flaky Wi-Fi loses nothing.

Two layers protect a worker's answers. While the browser reconnects within
``server.disconnectedSessionTTL`` (30 min, .streamlit/config.toml) Streamlit gives the
tablet its old session back, answers and all. When that session is gone (server restart,
longer outage, reloaded page) the worker types the short resume code shown on every
screen, and the attempt is rebuilt from its last saved draft. A resume code identifies an
attempt, never a person, and expires ``DRAFT_HOURS`` after the last save; submitting deletes
the draft.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import AttemptDraft, utcnow
from score_impact.kiosk import KioskAttempt, Step
from score_impact.pairing import PairingCode
from score_impact.services.errors import DomainError
from score_impact.services.rounds import CODE_ALPHABET, normalise_code, open_round
from score_impact.services.surveys import survey_of

DRAFT_HOURS = 12
RESUME_CODE_LENGTH = 6


class UnknownResumeCode(DomainError):
    """No live draft has this code (mistyped, expired, or already submitted)."""


def _state(attempt: KioskAttempt) -> dict:
    return {
        "client_uuid": attempt.client_uuid,
        "step": attempt.step.value,
        "language": attempt.language,
        "enterprise_id": attempt.enterprise_id,
        "enterprise_ids": attempt.enterprise_ids,
        "section_index": attempt.section_index,
        "answers": attempt.answers,
        "pairing": asdict(attempt.pairing) if attempt.pairing else None,
        "started_at": attempt.started_at.isoformat(),
    }


def save_draft(session: Session, attempt: KioskAttempt, now: datetime | None = None) -> str:
    """Create or update the attempt's draft; returns its resume code."""
    now = now or utcnow()
    fields = {
        "state": _state(attempt),
        "updated_at": now,
        "expires_at": now + timedelta(hours=DRAFT_HOURS),
    }
    draft = session.scalar(
        select(AttemptDraft).where(AttemptDraft.client_uuid == attempt.client_uuid)
    )
    if draft is not None:
        for name, value in fields.items():
            setattr(draft, name, value)
        session.commit()
        return draft.resume_code
    for _ in range(10):  # a clash of 6 random characters is rare; retry on one
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(RESUME_CODE_LENGTH))
        draft = AttemptDraft(
            client_uuid=attempt.client_uuid, round_id=attempt.round_id, resume_code=code, **fields
        )
        try:
            with session.begin_nested():
                session.add(draft)
            session.commit()
            return code
        except IntegrityError:
            continue
    raise DomainError("could not create a unique resume code")


def resume(session: Session, code: str, now: datetime | None = None) -> KioskAttempt:
    """Rebuild an attempt from its draft (the round must still be open)."""
    now = now or utcnow()
    draft = session.scalar(
        select(AttemptDraft).where(AttemptDraft.resume_code == normalise_code(code))
    )
    if draft is None or _aware(draft.expires_at) < now:
        raise UnknownResumeCode(code)
    round_ = open_round(session, draft.round_id)
    s = draft.state
    pairing = s.get("pairing")
    return KioskAttempt(
        round_id=round_.id,
        survey=survey_of(round_.survey_version),
        enterprise_ids=list(s["enterprise_ids"]),
        client_uuid=s["client_uuid"],
        step=Step(s["step"]),
        language=s["language"],
        enterprise_id=s["enterprise_id"],
        section_index=s["section_index"],
        answers=dict(s["answers"]),
        pairing=PairingCode(pairing["full_hash"], tuple(pairing["part_hashes"]))
        if pairing
        else None,
        started_at=datetime.fromisoformat(s["started_at"]),
        resume_code=draft.resume_code,
    )


def discard_draft(session: Session, client_uuid: str) -> None:
    session.execute(delete(AttemptDraft).where(AttemptDraft.client_uuid == client_uuid))
    session.commit()


def purge_expired(session: Session, now: datetime | None = None) -> int:
    result = session.execute(
        delete(AttemptDraft).where(AttemptDraft.expires_at < (now or utcnow()))
    )
    session.commit()
    return result.rowcount or 0


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
