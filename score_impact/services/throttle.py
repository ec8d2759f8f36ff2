"""Slowing down guessing: failures counted per key, each one past a free allowance making
the next attempt wait longer (a progressive delay), never a lock that someone else could
keep closed.

A key names *who is guessing at what*: ``sign-in:<client>|<account>`` (a browser trying one
account), ``sign-in:<client>`` (one browser trying many accounts), ``resume:device:<id>``
and ``resume:round:<id>`` (resume codes typed on a tablet, and in a round). Because an
account's key includes the client, failures from an attacker's address slow that address
only: the admin signing in from their own browser is never held up by them. Counts live in
the database (``Throttle`` rows), so several server processes and a restart agree.

Usage: ``check`` before trying (raises ``Throttled`` with the time to wait), ``fail``
after a wrong guess (commits), ``clear`` after a success; ``purge`` forgets quiet keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import Throttle, utcnow
from score_impact.services.errors import DomainError


@dataclass(frozen=True)
class Policy:
    """``free`` failures cost nothing; the next waits ``first``, each later one twice as
    long, never more than ``longest``. A key quiet for ``forget_after`` starts afresh."""

    free: int
    first: timedelta
    longest: timedelta
    forget_after: timedelta

    def delay(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        return min(self.first * 2 ** (failures - self.free - 1), self.longest)


class Throttled(DomainError):
    """Too many failures for ``key``: the next attempt is accepted from ``retry_at`` (UTC)."""

    def __init__(self, key: str, retry_at: datetime):
        self.key, self.retry_at = key, retry_at
        super().__init__(f"{key}: wait until {retry_at:%Y-%m-%d %H:%M:%S} UTC")

    def seconds_left(self, now: datetime | None = None) -> int:
        return max(1, int((self.retry_at - _aware(now or utcnow())).total_seconds() + 0.999))


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(session: Session, key: str, policy: Policy, now: datetime) -> Throttle | None:
    """The key's row, or None when it has none or it was forgotten (quiet long enough)."""
    row = session.get(Throttle, key)
    if row is not None and now - _aware(row.last_failure_at) >= policy.forget_after:
        return None
    return row


def check(session: Session, key: str, policy: Policy, now: datetime | None = None) -> None:
    """Raise ``Throttled`` while ``key`` must wait."""
    now = _aware(now or utcnow())
    row = _row(session, key, policy, now)
    if row is not None and row.blocked_until is not None and now < _aware(row.blocked_until):
        raise Throttled(key, _aware(row.blocked_until))


def fail(session: Session, key: str, policy: Policy, now: datetime | None = None) -> timedelta:
    """Count a failure for ``key`` and commit; returns the wait it starts (0: none)."""
    now = _aware(now or utcnow())
    row = session.get(Throttle, key)
    if row is None:
        row = Throttle(key=key, failures=0, last_failure_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another process counted the first failure at the same time
            row = session.get_one(Throttle, key)
    elif now - _aware(row.last_failure_at) >= policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    wait = policy.delay(row.failures)
    row.blocked_until = now + wait if wait else None
    session.commit()
    return wait


def clear(session: Session, key: str) -> None:
    """Forget ``key``'s failures (after a success); commits."""
    session.execute(delete(Throttle).where(Throttle.key == key))
    session.commit()


def purge(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete keys with no failure for ``older_than`` (longer than any policy remembers)."""
    cutoff = _aware(now or utcnow()) - older_than
    stale = select(Throttle.key).where(Throttle.last_failure_at < cutoff)
    result = session.execute(delete(Throttle).where(Throttle.key.in_(stale)))
    session.commit()
    return result.rowcount or 0
