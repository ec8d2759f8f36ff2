"""Staff accounts: argon2 password hashes, sign-in slowed down against guessing, a password
policy, the idle session timeout.

Workers never log in (the tablet survey is anonymous); accounts are for the people who
see results: admins, trainers, brands and enterprise managers. What each may see is decided
by ``score_impact.services.scope``; this module only answers "who is this?".

Guessing is slowed down, never locked out. A hard lock after five wrong passwords let
anyone keep ``admin`` locked out with five guesses every 15 minutes. Instead each failure
is counted per *client and account* (:data:`SIGN_IN`: three free tries, then a wait that
doubles, up to 15 minutes) and per client across accounts (:data:`CLIENT`, against one
address trying many accounts), with ``services.throttle``. An attacker elsewhere slows
only their own address; the admin's browser signs in as usual. Guessing a password that
passes :func:`password_problems` (12+ characters, not in a list of 20,000 common
passwords nor a decorated one, not a run or repeat, not the username dressed up) at four
tries an hour is hopeless. Nothing a sign-in shows or takes longer for reveals whether a
username exists: an unknown user gets the same message, the same argon2 cost and the same
waits.

Every sign-in, failed sign-in and start of a wait is written to the audit log with the
client (its IP address, as the web server sees it).
"""

from __future__ import annotations

import gzip
import re
import secrets
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from score_impact.db.models import AuditEvent, Brand, Cohort, Enterprise, Role, User
from score_impact.services import throttle
from score_impact.services.errors import InvalidInput, LoginFailed, Problem, TooManyAttempts
from score_impact.text import clean_line

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200  # argon2 copes, but a megabyte "password" is an attack, not a user
COMMON_PASSWORDS = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"
SIGN_IN = throttle.Policy(
    free=3, first=timedelta(seconds=2), longest=timedelta(minutes=15),
    forget_after=timedelta(hours=24),
)  # fmt: skip
CLIENT = throttle.Policy(
    free=20, first=timedelta(seconds=2), longest=timedelta(minutes=15),
    forget_after=timedelta(hours=24),
)  # fmt: skip
# Lower-case letters, digits, dot, dash, underscore; starts with a letter or digit. Usernames
# are typed on phones and tablets and appear in the audit log, so keep them plain.
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")

# Module-level so tests can swap in cheaper parameters; ``authenticate`` rehashes a stored
# hash whenever its parameters differ from this hasher's (e.g. after an upgrade).
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(parameters: tuple[object, ...]) -> str:
    """A hash of a random password with the current parameters, verified for unknown
    users so their attempts cost the same time as a real one."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _dummy_verify(password: str) -> None:
    h = HASHER
    parameters = (h.type, h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len)
    with suppress(VerificationError, InvalidHashError):
        h.verify(_dummy_hash(parameters), password)


def normalise_username(username: str) -> str:
    return username.strip().lower()


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (score_impact/data/common-passwords.LICENSE says where from)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _is_run_or_repeat(password: str) -> bool:
    """ "aaaaaaaaaaaa", "abcdefghijkl", "987654321098", "abcabcabcabc", "12121212121212"."""
    pairs = list(zip(password, password[1:], strict=False))
    steps = {ord(b) - ord(a) for a, b in pairs}
    if password.isdigit():  # digits run on round the clock: 8901, 3210987
        steps = {{9: -1}.get((int(b) - int(a)) % 10, (int(b) - int(a)) % 10) for a, b in pairs}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return True
    return any(
        len(password) % n == 0 and password == password[:n] * (len(password) // n)
        for n in range(1, 5)
    )


def password_problems(password: str, username: str | None = None) -> list[Problem]:
    """Why a new password is refused (empty list: acceptable). NIST SP 800-63B's advice:
    a length, a check against known and easily guessed passwords, no composition rules."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem("account.problem.short", {"min": MIN_PASSWORD_LENGTH}))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(Problem("account.problem.long", {"max": MAX_PASSWORD_LENGTH}))
    if password != password.strip():
        problems.append(Problem("account.problem.spaces"))
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _DECORATION.sub("", lowered) in common:
        problems.append(Problem("account.problem.common"))
    elif _is_run_or_repeat(lowered) or len(set(lowered)) < 4:
        problems.append(Problem("account.problem.simple"))
    if _DECORATION.sub("", lowered) == normalise_username(username or "") != "":
        problems.append(Problem("account.problem.username"))  # "trainer.li-2026"
    return problems


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _audit(session: Session, actor: str, action: str, target: str, detail: dict) -> None:
    session.add(AuditEvent(username=actor, action=action, target=target, detail=detail))


def authenticate(
    session: Session, username: str, password: str, now: datetime, client: str = "unknown"
) -> User:
    """The active user with this username and password; audited and committed.

    ``client`` names where the attempt comes from (an IP address): failures slow down
    that client for that account (and, past many, for every account), never the account
    for everyone. Raises ``TooManyAttempts`` (with ``retry_at``) while the client must
    wait, including when the failure just made starts a wait, and ``LoginFailed``
    otherwise. A correct password clears the client's count for the account and upgrades
    the stored hash if the hasher's parameters changed since it was made.
    """
    now = _aware(now)
    name = normalise_username(username)[:80]
    client = client[:100]
    keys = ((f"sign-in:{client}|{name}", SIGN_IN), (f"sign-in:{client}", CLIENT))
    try:
        for key, policy in keys:
            throttle.check(session, key, policy, now)
    except throttle.Throttled as exc:
        _dummy_verify(password)  # a refused attempt costs the same as any other
        raise TooManyAttempts(exc.retry_at) from None
    user = session.scalar(select(User).where(User.username == name)) if name else None
    known = user is not None and user.is_active
    if known and password_matches(user.password_hash, password):
        throttle.clear(session, keys[0][0])
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        _audit(session, name, "auth.sign_in", f"user:{name}", {"client": client})
        session.commit()
        return user
    if not known:
        _dummy_verify(password)  # same work and same answers as for a real account
    target = f"user:{name}" if user is not None else "user:(unknown)"
    _audit(session, name if known else "-", "auth.sign_in_failed", target, {"client": client})
    waits = [throttle.fail(session, key, policy, now) for key, policy in keys]
    if wait := max(waits):
        seconds = int(wait.total_seconds())
        _audit(session, "-", "auth.throttled", target, {"client": client, "seconds": seconds})
        session.commit()
        raise TooManyAttempts(now + wait)
    session.commit()
    raise LoginFailed(name)


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
    problems: list[Problem | str] = []
    if not USERNAME_PATTERN.fullmatch(name):
        problems.append(
            "The username must be 3-40 characters: lower-case letters, digits, '.', '-' or "
            "'_', starting with a letter or digit."
        )
    elif session.scalar(select(User.id).where(func.lower(User.username) == name)):
        problems.append(f"The username '{name}' is already taken.")
    problems += password_problems(password, name)
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
    """Replace a password; audited, committed."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput([f"There is no user with id {user_id}."])
    if problems := password_problems(password, user.username):
        raise InvalidInput(problems)
    user.password_hash = hash_password(password)
    session.add(AuditEvent(username=actor, action="user.password", target=f"user:{user.username}"))
    session.commit()
