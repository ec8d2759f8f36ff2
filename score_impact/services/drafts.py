"""Drafts of tablet attempts, saved after every screen so flaky Wi-Fi loses nothing.

Two layers protect a worker's answers. While the browser reconnects within
``server.disconnectedSessionTTL`` (30 min, .streamlit/config.toml) Streamlit gives the
tablet its old session back, answers and all. Every screen is also saved as a draft in the
database. A draft's resume code is shown only when the worker taps "Pause" (or on the
error screen), never on the screens a shared tablet's next user sees, and it continues the
attempt only:

- in the same round (a code typed on another cohort's tablet restores nothing);
- on the same enrolled tablet, when the attempt started on one;
- within :data:`DRAFT_IDLE` of the last save (an expired draft is deleted by the
  scheduled housekeeping, score_impact/housekeeping.py, not only at a restart);
- at a guessing pace: wrong codes slow the tablet (:data:`RESUME_TABLET`) and the round
  (:data:`RESUME_ROUND`) down, with ``services.throttle``.

Every refusal gives the same answer, so a guesser learns nothing about other rounds. A
resume code identifies an attempt, never a person; submitting deletes the draft.
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
from score_impact.services import throttle
from score_impact.services.errors import DomainError
from score_impact.services.rounds import CODE_ALPHABET, normalise_code, open_round
from score_impact.services.surveys import survey_of

DRAFT_IDLE = timedelta(hours=2)
RESUME_CODE_LENGTH = 6
# A tablet gets five tries, then waits 30 s, 1 min, 2 min ... up to 15 min; a round
# (every tablet and browser together) gets thirty before it waits.
RESUME_TABLET = throttle.Policy(5, timedelta(seconds=30), timedelta(minutes=15), DRAFT_IDLE)
RESUME_ROUND = throttle.Policy(30, timedelta(seconds=10), timedelta(minutes=10), DRAFT_IDLE)


class UnknownResumeCode(DomainError):
    """No live draft of this round and tablet has this code (mistyped, expired, already
    submitted, or started elsewhere)."""


def _state(attempt: KioskAttempt) -> dict:
    return {
        "client_uuid": attempt.client_uuid,
        "step": attempt.resumable_step.value,
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
        "expires_at": now + DRAFT_IDLE,
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
            client_uuid=attempt.client_uuid,
            round_id=attempt.round_id,
            device_id=attempt.device_id,
            resume_code=code,
            **fields,
        )
        try:
            with session.begin_nested():
                session.add(draft)
            session.commit()
            return code
        except IntegrityError:
            continue
    raise DomainError("could not create a unique resume code")


def tablet_key(device_id: int | None, client: str | None) -> str:
    """Whose wrong codes are counted together: the enrolled tablet, else the client."""
    return f"resume:device:{device_id}" if device_id is not None else f"resume:client:{client}"


def resume(
    session: Session,
    code: str,
    round_id: int,
    device_id: int | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> KioskAttempt:
    """Rebuild an attempt of round ``round_id`` from its draft, on the tablet it started on.

    Raises ``Throttled`` while this tablet or round must wait after wrong codes,
    ``UnknownResumeCode`` for a code that is unknown, expired, of another round or of
    another tablet (one answer for all), ``RoundClosed`` when the round has closed.
    """
    now = now or utcnow()
    keys = (
        (tablet_key(device_id, client), RESUME_TABLET),
        (f"resume:round:{round_id}", RESUME_ROUND),
    )
    for key, policy in keys:
        throttle.check(session, key, policy, now)
    draft = session.scalar(
        select(AttemptDraft).where(AttemptDraft.resume_code == normalise_code(code)[:12])
    )
    if (
        draft is None
        or _aware(draft.expires_at) < now
        or draft.round_id != round_id
        or (draft.device_id is not None and draft.device_id != device_id)
    ):
        for key, policy in keys:
            throttle.fail(session, key, policy, now)
        raise UnknownResumeCode(code)
    throttle.clear(session, keys[0][0])
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
        device_id=draft.device_id,
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
