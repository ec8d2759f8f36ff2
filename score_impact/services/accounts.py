"""Staff accounts: argon2 password hashes, login with lockout, idle session timeout.

Workers never log in (the tablet survey is anonymous); accounts are for the people who
see results: admins, trainers, brands and enterprise managers. What each may see is decided
by ``score_impact.services.scope``; this module only answers "who is this?".

Guessing is slowed down by a lockout: after ``MAX_FAILURES`` consecutive wrong passwords an
account refuses every login for ``LOCKOUT`` (the message says until when). Nothing a login
attempt shows or takes longer for reveals whether a username exists: an unknown user gets
the same message, the same argon2 verification cost and, after as many failures, the same
lockout message (kept in memory, per process).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from score_impact.db.models import AuditEvent, Brand, Cohort, Enterprise, Role, User
from score_impact.services.errors import AccountLocked, InvalidInput, LoginFailed
from score_impact.text import clean_line

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # argon2 copes, but a megabyte "password" is an attack, not a user
# Lower-case letters, digits, dot, dash, underscore; starts with a letter or digit. Usernames
# are typed on phones and tablets and appear in the audit log, so keep them plain.
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")

# Module-level so tests can swap in cheaper parameters; ``authenticate`` rehashes a stored
# hash whenever its parameters differ from this hasher's (e.g. after an upgrade).
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@cache
def _dummy_hash(parameters: tuple[object, ...]) -> str:
    """A hash of a random password with the current parameters, verified for unknown
    users so their attempts cost the same time as a real one."""
    return HASHER.hash(secrets.token_urlsafe(16))


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_verify(password: str) -> None:
    h = HASHER
    parameters = (h.type, h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len)
    with suppress(VerificationError, InvalidHashError):
        h.verify(_dummy_hash(parameters), password)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty list: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if password != password.strip():
        problems.append("The password must not start or end with a space.")
    return problems


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _UnknownUserLockouts:
    """Failure counts for usernames that do not exist, so that they lock out exactly like
    real accounts. Bounded (oldest forgotten first) and per process: it only has to make
    the lockout message useless for guessing which usernames exist."""

    def __init__(self, size: int = 10_000):
        self._size = size
        self._entries: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        with self._lock:
            _, until = self._entries.get(name, (0, None))
        return until if until and now < until else None

    def fail(self, name: str, now: datetime) -> datetime | None:
        """Count a failure; return the lockout end if this failure starts one."""
        with self._lock:
            count, _ = self._entries.pop(name, (0, None))
            count += 1
            until = now + LOCKOUT if count >= MAX_FAILURES else None
            self._entries[name] = (0 if until else count, until)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return until

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


UNKNOWN_USER_LOCKOUTS = _UnknownUserLockouts()


def authenticate(session: Session, username: str, password: str, now: datetime) -> User:
    """The active user with this username and password; commits the failure counter.

    Raises ``AccountLocked`` (with ``retry_at``) while locked, including when the failure
    just made is the ``MAX_FAILURES``-th in a row, and ``LoginFailed`` otherwise. A correct
    password resets the counter and upgrades the stored hash if the hasher's parameters
    changed since it was made.
    """
    now = _aware(now)
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None or not user.is_active:
        # Same work and same answers as for a real account, so existence never shows.
        _dummy_verify(password)
        if until := UNKNOWN_USER_LOCKOUTS.locked_until(name, now):
            raise AccountLocked(until)
        if until := UNKNOWN_USER_LOCKOUTS.fail(name, now):
            raise AccountLocked(until)
        raise LoginFailed(name)
    if user.locked_until is not None and now < _aware(user.locked_until):
        _dummy_verify(password)
        raise AccountLocked(_aware(user.locked_until))
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins = 0
            user.locked_until = now + LOCKOUT
            session.commit()
            raise AccountLocked(now + LOCKOUT) from None
        session.commit()
        raise LoginFailed(name) from None
    user.failed_logins = 0
    user.locked_until = None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def session_expired(last_activity: datetime | None, now: datetime, minutes: int) -> bool:
    """True when a signed-in session has been idle ``minutes`` or longer
    (``Settings.session_minutes``), or never recorded any activity."""
    if last_activity is None:
        return True
    return _aware(now) - _aware(last_activity) >= timedelta(minutes=minutes)


def _role(role: Role | str) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        return None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    brand_id: int | None = None,
    enterprise_id: int | None = None,
    cohort_ids: Iterable[int] = (),
    actor: str = "system",
    commit: bool = True,
) -> User:
    """Validate and store a user, with an audit row naming ``actor``.

    A brand account needs ``brand_id``, a manager account ``enterprise_id``; a trainer may
    be named the trainer of ``cohort_ids`` (sets ``Cohort.trainer_id``). Raises
    ``InvalidInput`` listing every problem, before anything is added. ``commit=False``
    only flushes, for callers with their own transaction (the demo seed).
    """
    name = normalise_username(username)
    problems: list[str] = []
    if not USERNAME_PATTERN.fullmatch(name):
        problems.append(
            "The username must be 3-40 characters: lower-case letters, digits, '.', '-' or "
            "'_', starting with a letter or digit."
        )
    elif session.scalar(select(User.id).where(func.lower(User.username) == name)):
        problems.append(f"The username '{name}' is already taken.")
    problems += password_problems(password)
    kind = _role(role)
    cohort_ids = list(dict.fromkeys(cohort_ids))
    if kind is None:
        problems.append(f"Unknown role '{role}'; choose one of {', '.join(Role)}.")
    else:
        if kind is Role.BRAND and brand_id is None:
            problems.append("A brand account must be linked to a brand.")
        if kind is Role.MANAGER and enterprise_id is None:
            problems.append("A manager account must be linked to an enterprise.")
        if kind is not Role.BRAND and brand_id is not None:
            problems.append("Only brand accounts are linked to a brand.")
        if kind is not Role.MANAGER and enterprise_id is not None:
            problems.append("Only manager accounts are linked to an enterprise.")
        if kind is not Role.TRAINER and cohort_ids:
            problems.append("Only trainer accounts train cohorts.")
    if brand_id is not None and session.get(Brand, brand_id) is None:
        problems.append(f"There is no brand with id {brand_id}.")
    if enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
        problems.append(f"There is no enterprise with id {enterprise_id}.")
    cohorts = [session.get(Cohort, cid) for cid in cohort_ids]
    missing = [str(cid) for cid, c in zip(cohort_ids, cohorts, strict=True) if c is None]
    if missing:
        problems.append(f"There is no cohort with id {', '.join(missing)}.")
    display_name = clean_line(display_name) or None
    if display_name is not None and len(display_name) > 120:
        problems.append("The display name must have at most 120 characters.")
    if problems:
        raise InvalidInput(problems)
    user = User(
        username=name,
        password_hash=hash_password(password),
        role=kind.value,  # type: ignore[union-attr]
        display_name=display_name,
        brand_id=brand_id,
        enterprise_id=enterprise_id,
    )
    session.add(user)
    session.flush()
    for cohort in cohorts:
        cohort.trainer = user  # type: ignore[union-attr]
    session.add(
        AuditEvent(
            username=actor,
            action="user.create",
            target=f"user:{name}",
            detail={
                "role": user.role,
                "brand_id": brand_id,
                "enterprise_id": enterprise_id,
                "cohort_ids": cohort_ids,
            },
        )
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return user


def set_password(session: Session, user_id: int, password: str, actor: str) -> None:
    """Replace a password (and lift any lockout); audited, committed."""
    if problems := password_problems(password):
        raise InvalidInput(problems)
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput([f"There is no user with id {user_id}."])
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(AuditEvent(username=actor, action="user.password", target=f"user:{user.username}"))
    session.commit()
