"""Enrolled tablets: a trainer's enrolment link gives a browser a device token, responses
carry the device, and a round can accept tablets that were enrolled for its cohort only.

Flow:

1. A trainer (or admin) makes an enrolment link for one of their cohorts, optionally
   naming the round the tablets should open (:func:`create_enrolment`). The link holds a
   random token shown once; only its SHA-256 is stored. It works for a few hours and for
   at most ``max_devices`` tablets.
2. The tablet opens ``/enrol?token=...`` (score_impact/web/enrol.py), which calls
   :func:`enrol_device` and sets the device token as a cookie: name :data:`COOKIE_NAME`,
   HttpOnly, SameSite=Strict, Secure over HTTPS, valid :data:`COOKIE_DAYS` days. Only the
   token's SHA-256 is stored, in ``Device.token_hash``.
3. Every page or route that takes answers resolves the cookie with :func:`device_for_token`
   (the kiosk through ``st.context.cookies``; a JSON API through ``request.cookies``) and
   passes ``device.id`` into ``Submission.device_id``; ``submit_response`` refuses a
   tablet response without a valid device for the round's cohort when the round requires
   enrolled tablets (:func:`enrolled_only`), whatever path it came by.

Revoking a device (:func:`revoke_device`) makes its cookie worthless at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from score_impact.db.models import (
    AuditEvent,
    Cohort,
    Device,
    DeviceEnrolment,
    Role,
    SurveyRound,
    SurveyVersion,
    utcnow,
)
from score_impact.services.errors import AccessDenied, DomainError, InvalidInput, Problem
from score_impact.services.responses import ENROLLED_ONLY
from score_impact.services.scope import Scope, check_cohort
from score_impact.text import clean_line

COOKIE_NAME = "score_device"
COOKIE_DAYS = 400  # browsers cap cookie lifetimes at 400 days
ENROLMENT_HOURS = (1, 8, 24, 72)  # what a trainer may choose; 8 h is a training day
MAX_DEVICES = 50
ROUND_SETTING = ENROLLED_ONLY  # SurveyRound.settings key, enforced by submit_response


class EnrolmentInvalid(DomainError):
    """The enrolment link is unknown, expired or used up (one message for all three)."""


@dataclass(frozen=True)
class DeviceInfo:
    """A resolved, active device: what a submit needs to know."""

    id: int
    label: str
    cohort_id: int


@dataclass(frozen=True)
class Enrolment:
    """A new enrolment link: ``token`` is shown once, in the link and its QR code."""

    id: int
    token: str
    cohort_id: int
    join_code: str | None
    expires_at: datetime
    max_devices: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_trainer(scope: Scope, cohort_id: int) -> None:
    """Trainers manage the tablets of the cohorts they train; admins those of any."""
    if scope.role not in (Role.ADMIN, Role.TRAINER):
        raise AccessDenied(f"{scope.username} does not manage tablets")
    check_cohort(scope, cohort_id)


def enrolled_only(round_: SurveyRound) -> bool:
    """Whether ``round_`` accepts tablet responses from enrolled devices only."""
    return bool((round_.settings or {}).get(ROUND_SETTING))


def managed_cohorts(session: Session, scope: Scope) -> dict[int, str]:
    """Cohorts whose tablets and data quality ``scope`` manages: a trainer's own cohorts,
    every cohort for an admin; nothing for other roles."""
    if scope.role not in (Role.ADMIN, Role.TRAINER):
        return {}
    query = select(Cohort.id, Cohort.name).order_by(Cohort.is_comparison, Cohort.name)
    if scope.role is Role.TRAINER:
        query = query.where(Cohort.trainer_id == scope.user_id)
    return {cohort_id: name for cohort_id, name in session.execute(query)}


@dataclass(frozen=True)
class RoundChoice:
    id: int
    phase: str
    join_code: str
    status: str
    enrolled_only: bool


def worker_rounds(session: Session, scope: Scope, cohort_id: int) -> list[RoundChoice]:
    """The worker rounds of a managed cohort, oldest first."""
    _check_trainer(scope, cohort_id)
    rows = session.scalars(
        select(SurveyRound)
        .join(SurveyVersion, SurveyVersion.id == SurveyRound.survey_version_id)
        .where(SurveyRound.cohort_id == cohort_id, SurveyVersion.audience == "worker")
        .order_by(SurveyRound.id)
    )
    return [RoundChoice(r.id, r.phase, r.join_code, r.status, enrolled_only(r)) for r in rows]


def set_enrolled_only(session: Session, scope: Scope, round_id: int, on: bool) -> None:
    """Let only tablets enrolled for the round's cohort answer it (or any browser); audited."""
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise InvalidInput([Problem("admin.problem.no_such.round", {"id": round_id})])
    _check_trainer(scope, round_.cohort_id)
    old = enrolled_only(round_)
    round_.settings = {**(round_.settings or {}), ROUND_SETTING: bool(on)}  # a new dict: saved
    session.add(
        AuditEvent(
            username=scope.username,
            action="round.enrolled_only",
            target=f"round:{round_.join_code}",
            detail={"enrolled_only": [old, bool(on)]},
        )
    )
    session.commit()


def enrolment_url(base_url: str, token: str) -> str:
    """The link (and QR code) a tablet opens to be enrolled."""
    return f"{base_url.rstrip('/')}/enrol?token={quote(token)}"


def create_enrolment(
    session: Session,
    scope: Scope,
    cohort_id: int,
    join_code: str | None = None,
    hours: int = 8,
    max_devices: int = 20,
    now: datetime | None = None,
) -> Enrolment:
    """A new enrolment link for a cohort the user trains (admins: any); audited."""
    _check_trainer(scope, cohort_id)
    problems: list[Problem] = []
    if hours not in ENROLMENT_HOURS:
        problems.append(Problem("devices.problem.hours"))
    if not 1 <= max_devices <= MAX_DEVICES:
        problems.append(Problem("devices.problem.max_devices", {"max": MAX_DEVICES}))
    if join_code is not None:
        round_cohort = session.scalar(
            select(SurveyRound.cohort_id).where(SurveyRound.join_code == join_code)
        )
        if round_cohort != cohort_id:
            problems.append(Problem("devices.problem.round"))
    if session.get(Cohort, cohort_id) is None:
        problems.append(Problem("admin.problem.no_such.cohort", {"id": cohort_id}))
    if problems:
        raise InvalidInput(problems)
    token = secrets.token_urlsafe(24)
    expires = _aware(now or utcnow()) + timedelta(hours=hours)
    row = DeviceEnrolment(
        token_hash=_hash(token),
        cohort_id=cohort_id,
        join_code=join_code,
        created_by=scope.username,
        expires_at=expires,
        max_devices=max_devices,
    )
    session.add(row)
    session.flush()
    detail = {"cohort_id": cohort_id, "round": join_code, "hours": hours, "max": max_devices}
    session.add(
        AuditEvent(
            username=scope.username,
            action="device.enrolment_link",
            target=f"enrolment:{row.id}",
            detail=detail,
        )
    )
    session.commit()
    return Enrolment(row.id, token, cohort_id, join_code, expires, max_devices)


def enrol_device(
    session: Session, token: str, now: datetime | None = None
) -> tuple[DeviceInfo, str, str | None]:
    """Enrol the tablet that opened an enrolment link: (device, device token for the
    cookie, join code to open or None). Raises ``EnrolmentInvalid``; audited."""
    now = _aware(now or utcnow())
    link = session.scalar(select(DeviceEnrolment).where(DeviceEnrolment.token_hash == _hash(token)))
    if link is None or _aware(link.expires_at) <= now:
        raise EnrolmentInvalid("unknown or expired enrolment link")
    # One UPDATE claims a place, so two tablets opening the link at once cannot both take
    # the last one.
    claimed = session.execute(
        update(DeviceEnrolment)
        .where(DeviceEnrolment.id == link.id, DeviceEnrolment.used < DeviceEnrolment.max_devices)
        .values(used=DeviceEnrolment.used + 1)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise EnrolmentInvalid("enrolment link used up")
    count = session.scalar(
        select(func.count()).select_from(Device).where(Device.cohort_id == link.cohort_id)
    )
    device_token = secrets.token_urlsafe(32)
    device = Device(
        label=f"Tablet {count + 1}",
        token_hash=_hash(device_token),
        cohort_id=link.cohort_id,
        enrolled_by=link.created_by,
        enrolled_at=now,
    )
    session.add(device)
    session.flush()
    session.add(
        AuditEvent(
            username=link.created_by,
            action="device.enrol",
            target=f"device:{device.id}",
            detail={"label": device.label, "cohort_id": link.cohort_id, "enrolment": link.id},
        )
    )
    session.commit()
    info = DeviceInfo(device.id, device.label, device.cohort_id)
    return info, device_token, link.join_code


def device_for_token(session: Session, token: str | None) -> DeviceInfo | None:
    """The active device whose cookie holds ``token``; None for no, a forged or a revoked
    token (the cookie name is :data:`COOKIE_NAME`)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = session.scalar(
        select(Device).where(Device.token_hash == _hash(token), Device.revoked_at.is_(None))
    )
    return DeviceInfo(row.id, row.label, row.cohort_id) if row is not None else None


def devices(session: Session, scope: Scope, cohort_id: int) -> list[dict]:
    """The tablets enrolled for a cohort the user trains (admins: any), newest first."""
    _check_trainer(scope, cohort_id)
    rows = session.scalars(
        select(Device).where(Device.cohort_id == cohort_id).order_by(Device.id.desc())
    )
    return [
        {
            "id": d.id,
            "label": d.label,
            "enrolled_by": d.enrolled_by,
            "enrolled_at": d.enrolled_at,
            "revoked": d.revoked_at is not None,
        }
        for d in rows
    ]


def rename_device(session: Session, scope: Scope, device_id: int, label: str) -> None:
    """Give a tablet a name staff recognise ("Canteen tablet 2"); audited."""
    device = session.get(Device, device_id)
    if device is None:
        raise InvalidInput([Problem("devices.problem.no_such")])
    _check_trainer(scope, device.cohort_id)
    name = clean_line(label)
    if not name or len(name) > 60:
        raise InvalidInput([Problem("devices.problem.label")])
    old, device.label = device.label, name
    session.add(
        AuditEvent(
            username=scope.username,
            action="device.rename",
            target=f"device:{device.id}",
            detail={"label": [old, name]},
        )
    )
    session.commit()


def revoke_device(session: Session, scope: Scope, device_id: int) -> None:
    """Stop a tablet from submitting (lost, stolen, or misused); audited."""
    device = session.get(Device, device_id)
    if device is None:
        raise InvalidInput([Problem("devices.problem.no_such")])
    _check_trainer(scope, device.cohort_id)
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(
            AuditEvent(
                username=scope.username,
                action="device.revoke",
                target=f"device:{device.id}",
                detail={"label": device.label, "cohort_id": device.cohort_id},
            )
        )
    session.commit()
