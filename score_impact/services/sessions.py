"""Staff sign-in sessions that survive a reload, a new tab and a bookmark.

Signing in (``score_impact.web.session``) stores a ``StaffSession`` row and gives the
browser a signed, HttpOnly, SameSite=Strict cookie holding a random token; every page run
reads the cookie and asks :func:`check_session` who it belongs to. Only the token's SHA-256
is stored. The row, not the cookie, decides: signing out in one tab ends the row, so every
other tab of that browser is signed out at its next action, although its websocket still
carries the old cookie.

A session ends, with the reason kept for the "you were signed out" message, when

- the user signs out (``signed_out``),
- it was idle for ``Settings.session_minutes`` (``idle``) or is older than
  :data:`ABSOLUTE_LIFETIME` (``expired``),
- the password changed after it began (``password_changed``: the row keeps a fingerprint
  of the password hash, so any code path that changes a password ends older sessions),
- the account was deactivated (``deactivated``).

Workers never get a session: the kiosk and the tablet client are anonymous and cookie-free.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from score_impact.db.models import StaffSession, User
from score_impact.services.scope import Scope, scope_of

COOKIE = "score_session"
#: Set on sign-out instead of the session cookie: holds only the interface language, so a
#: reload of a staff page says "you were signed out" in that language.
SIGNED_OUT_COOKIE = "score_signed_out"
ABSOLUTE_LIFETIME = timedelta(hours=12)  # a working day; idle sessions end much sooner
_SALT = "score-impact.staff-session"


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    EXPIRED = "expired"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class SessionCheck:
    """What a cookie is worth now: the user's scope, or why there is none."""

    scope: Scope | None
    lang: str | None = None  # the session's interface language, also after it ended
    ended: EndReason | None = None  # None with no scope: there was no session at all


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_stamp(user: User) -> str:
    """Fingerprint of the user's current password hash (changes with every new password)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def _signer(secret_key: bytes) -> Signer:
    return Signer(secret_key, salt=_SALT, digest_method=hashlib.sha256)


def cookie_value(secret_key: bytes, token: str) -> str:
    """The cookie's content: the token and its signature with the server's key."""
    return _signer(secret_key).sign(token).decode()


def token_from_cookie(secret_key: bytes, value: str | None) -> str | None:
    """The token of a cookie signed by this server, or None (absent, altered, foreign)."""
    if not value:
        return None
    try:
        return _signer(secret_key).unsign(value).decode()
    except BadSignature:
        return None


def start_session(session: Session, user: User, lang: str, now: datetime) -> str:
    """Store a new session for ``user`` (already authenticated) and return its token."""
    token = secrets.token_urlsafe(32)
    now = _aware(now)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            user_id=user.id,
            stamp=password_stamp(user),
            lang=lang,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
        )
    )
    session.commit()
    return token


def _touch_interval(idle_minutes: int) -> timedelta:
    """How stale ``last_seen_at`` may get before a page run writes it again: one write a
    minute at most, and always well inside the idle timeout."""
    return min(timedelta(minutes=1), timedelta(minutes=idle_minutes) / 10)


def _why_ended(row: StaffSession, user: User, now: datetime, idle_minutes: int) -> EndReason | None:
    if not user.is_active:
        return EndReason.DEACTIVATED
    if row.stamp != password_stamp(user):
        return EndReason.PASSWORD_CHANGED
    if now >= _aware(row.expires_at):
        return EndReason.EXPIRED
    if now - _aware(row.last_seen_at) >= timedelta(minutes=idle_minutes):
        return EndReason.IDLE
    return None


def check_session(
    session: Session, token: str | None, now: datetime, idle_minutes: int, activity: bool = True
) -> SessionCheck:
    """Who ``token`` signs in now, or why nobody; ends the session when it just lapsed.

    ``activity`` marks a person's action (a page run): it keeps the session alive. A timer
    (the dashboard's live refresh) passes False, so an unattended screen still times out.
    """
    if not token:
        return SessionCheck(None)
    now = _aware(now)
    found = session.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.token_hash == _digest(token))
    ).one_or_none()
    if found is None:  # e.g. a database restored from before the sign-in
        return SessionCheck(None, ended=EndReason.SIGNED_OUT)
    row, user = found
    if row.ended_at is not None:
        return SessionCheck(None, row.lang, EndReason(row.end_reason or EndReason.SIGNED_OUT))
    if reason := _why_ended(row, user, now, idle_minutes):
        row.ended_at, row.end_reason = now, reason.value
        session.commit()
        return SessionCheck(None, row.lang, reason)
    if activity and now - _aware(row.last_seen_at) >= _touch_interval(idle_minutes):
        row.last_seen_at = now
        session.commit()
    return SessionCheck(scope_of(session, user), row.lang)


def end_session(
    session: Session, token: str | None, now: datetime, reason: EndReason = EndReason.SIGNED_OUT
) -> None:
    """End the session of ``token`` (no-op when unknown or already ended)."""
    if not token:
        return
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _digest(token), StaffSession.ended_at.is_(None))
        .values(ended_at=_aware(now), end_reason=reason.value)
    )
    session.commit()


def set_session_language(session: Session, token: str | None, lang: str) -> None:
    """Remember the interface language on the session, so a reload keeps it."""
    if not token:
        return
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _digest(token), StaffSession.ended_at.is_(None))
        .values(lang=lang)
    )
    session.commit()
