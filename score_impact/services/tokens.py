"""Personal API tokens: how a brand's Power BI or a trainer's Excel reads the impact tables.

A token acts as its user, read-only, with the user's scope as it is at each request (a
deactivated account or a changed brand link takes effect at once). Admins, trainers and
brands may hold tokens; managers and workers may not (nothing in the read API is theirs).

Stored: the SHA-256 of the token (the token is 256 random bits, so a slow password hash
would add nothing), a short prefix to tell tokens apart on the account page, the expiry,
the last use and the revocation. The token itself is shown once, when it is made.
Creating and revoking are audited; so is every read made with one (``api.read``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import ApiToken, AuditEvent, Role, User
from score_impact.services.errors import DomainError, InvalidInput, Problem
from score_impact.services.scope import Scope, scope_of

PREFIX = "sit_"  # score-impact token: recognisable in a leaked config file or a log
TOKEN_ROLES = frozenset({Role.ADMIN, Role.TRAINER, Role.BRAND})
LIFETIMES_DAYS = (30, 90, 180, 365)  # the choices on the account page; at most a year
MAX_ACTIVE = 10  # per user: enough for a few reports and tools, not a token per request
LAST_USED_EVERY = timedelta(minutes=5)  # how often a read updates ``last_used_at``


class TokenRefused(DomainError):
    """A token that cannot be used; ``reason`` is one of unknown, expired, revoked,
    inactive, role (the API answers 401/403 with it)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class TokenInfo:
    """One token as the account page lists it (never the token itself)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(session: Session, scope: Scope, action: str, token: ApiToken, **detail) -> None:
    session.add(
        AuditEvent(
            username=scope.username,
            action=action,
            target=f"api_token:{token.prefix}",
            detail={"name": token.name, **detail},
        )
    )


def create_token(
    session: Session, scope: Scope, name: str, days: int, now: datetime
) -> tuple[str, TokenInfo]:
    """Make a token for the signed-in user; returns (the token, shown once; its info).

    Raises ``InvalidInput`` for a role without API access, an empty or long name, a
    lifetime not offered, or too many active tokens.
    """
    now = _aware(now)
    name = " ".join(name.split())
    problems: list[Problem | str] = []
    if scope.role not in TOKEN_ROLES:
        problems.append(Problem("account.token.no_role"))
    if not name or len(name) > 80:
        problems.append(Problem("account.token.bad_name"))
    if days not in LIFETIMES_DAYS:
        problems.append(Problem("account.token.bad_days"))
    if len([t for t in list_tokens(session, scope) if t.active(now)]) >= MAX_ACTIVE:
        problems.append(Problem("account.token.too_many", {"n": MAX_ACTIVE}))
    if problems:
        raise InvalidInput(problems)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=scope.user_id,
        name=name,
        token_hash=_digest(token),
        prefix=token[: len(PREFIX) + 6],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    _audit(session, scope, "api_token.create", row, days=days)
    session.commit()
    return token, _info(row)


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        row.prefix,
        _aware(row.created_at),
        _aware(row.expires_at),
        _aware(row.last_used_at) if row.last_used_at else None,
        _aware(row.revoked_at) if row.revoked_at else None,
    )


def list_tokens(session: Session, scope: Scope) -> list[TokenInfo]:
    """The user's own tokens, newest first (no one lists another person's tokens)."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == scope.user_id).order_by(ApiToken.id.desc())
    )
    return [_info(r) for r in rows]


def revoke_token(session: Session, scope: Scope, token_id: int, now: datetime) -> None:
    """Revoke one of the user's own tokens (audited); a token of someone else is refused."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != scope.user_id:
        raise InvalidInput([Problem("account.token.unknown")])
    if row.revoked_at is None:
        row.revoked_at = _aware(now)
        _audit(session, scope, "api_token.revoke", row)
        session.commit()


def scope_of_token(session: Session, token: str | None, now: datetime) -> tuple[Scope, int]:
    """(the scope the token reads with, the token's id); raises ``TokenRefused``."""
    now = _aware(now)
    if not token or not token.startswith(PREFIX):
        raise TokenRefused("unknown")
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token))
    ).one_or_none()
    if found is None:
        raise TokenRefused("unknown")
    row, user = found
    if row.revoked_at is not None:
        raise TokenRefused("revoked")
    if now >= _aware(row.expires_at):
        raise TokenRefused("expired")
    if not user.is_active:
        raise TokenRefused("inactive")
    if Role(user.role) not in TOKEN_ROLES:
        raise TokenRefused("role")
    if row.last_used_at is None or now - _aware(row.last_used_at) >= LAST_USED_EVERY:
        row.last_used_at = now
        session.commit()
    return scope_of(session, user), row.id


def audit_read(session: Session, scope: Scope, token_id: int, what: str, detail: dict) -> None:
    """Record one read through the API (who, with which token, what, which filters)."""
    session.add(
        AuditEvent(
            username=scope.username,
            action="api.read",
            target=what,
            detail={"token_id": token_id, **detail},
        )
    )
    session.commit()
