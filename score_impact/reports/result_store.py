"""Computed impact views kept in the database, shared by every app process (issue 13).

A brand's report costs seconds to tens of seconds to compute at a programme's size, and
its data rarely changes once rounds are closed. Each process already caches results by
data version (``pages/impact_view.py``, ``web/api_impact.py``), but that cache is empty
after every restart and on every other process behind the load balancer, so each of them
paid the full cost again. Here a result is stored once per view - scope, filters, the
suppression settings and the code that computed it - with the data version it was computed
from, and any process reads it back instead of computing while that version is current.

What is stored is the :class:`ImpactResult` itself: tables already suppressed for the
viewer, nothing a viewer could not see on the page. It is a pickle, so it is signed with
a key derived from the app's secret key and refused unless the signature holds: write
access to the database alone must not become code execution in the app. A view's row
is replaced when its data changes; rows stored more than :data:`KEEP` ago are deleted by
the housekeeping, so results of data since deleted do not outlive it by long.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import zlib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import StoredResult, utcnow
from score_impact.reports.impact import ImpactFilters, ImpactResult, build_impact_for
from score_impact.services.scope import Scope

KEEP = timedelta(days=7)  # a stored view older than this is deleted (and computed again)
#: the code whose change changes results: every module and message of the app
_CODE = [Path(__file__).resolve().parents[2] / d for d in ("analysis", "score_impact")]


@cache
def code_version() -> str:
    """Digest of the analysis and app source and messages: a deploy that changes how a
    number or sentence is made never serves a result the old code stored."""
    digest = hashlib.sha256()
    for root in _CODE:
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def view_key(scope: Scope, filters: ImpactFilters, min_group_size: int, min_alpha: float) -> str:
    """The row a view is stored in: the whole scope (user, role, brand, visible factories
    and cohorts) as the in-process caches key it, so no other scope ever reads it."""
    parts = (scope, filters, min_group_size, min_alpha, code_version())
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _signature(secret_key: bytes, key: str, version: str, blob: bytes) -> bytes:
    signer = hmac.new(secret_key, b"score-impact stored result", hashlib.sha256).digest()
    return hmac.new(signer, b"\x1e".join([key.encode(), version.encode(), blob]),
                    hashlib.sha256).digest()  # fmt: skip


def _pack(result: ImpactResult, secret_key: bytes, key: str, version: str) -> bytes:
    blob = zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _signature(secret_key, key, version, blob) + blob


def _unpack(payload: bytes, secret_key: bytes, key: str, version: str) -> ImpactResult | None:
    signature, blob = payload[:32], payload[32:]
    if not hmac.compare_digest(signature, _signature(secret_key, key, version, blob)):
        return None  # not written by this app (or another key): computed again, then replaced
    result = pickle.loads(zlib.decompress(blob))  # noqa: S301 (signed above)
    return result if isinstance(result, ImpactResult) else None


def load(session: Session, key: str, version: str, secret_key: bytes) -> ImpactResult | None:
    """The stored result of view ``key`` if it was computed from data ``version``."""
    row = session.execute(
        select(StoredResult.payload).where(
            StoredResult.key == key, StoredResult.data_version == version
        )
    ).first()
    return None if row is None else _unpack(row[0], secret_key, key, version)


def has(session: Session, key: str, version: str) -> bool:
    """Whether view ``key`` is stored for data ``version`` (without reading it)."""
    return (
        session.scalar(
            select(StoredResult.key).where(
                StoredResult.key == key, StoredResult.data_version == version
            )
        )
        is not None
    )


def save(session: Session, key: str, version: str, result: ImpactResult, secret_key: bytes) -> None:
    """Store ``result`` as view ``key``'s, replacing what an older version left. Two
    processes computing the same view at once both try; the second insert is dropped."""
    session.rollback()  # end the read transaction the computation ran in
    session.execute(delete(StoredResult).where(StoredResult.key == key))
    session.add(StoredResult(key=key, data_version=version, created_at=utcnow(),
                             payload=_pack(result, secret_key, key, version)))  # fmt: skip
    try:
        session.commit()
    except IntegrityError:  # another process stored this view first
        session.rollback()


def purge(session: Session, now: datetime | None = None) -> int:
    """Delete views stored more than :data:`KEEP` ago (housekeeping); how many."""
    cutoff = (now or utcnow()) - KEEP
    done = session.execute(delete(StoredResult).where(StoredResult.created_at < cutoff))
    session.commit()
    return done.rowcount or 0


def stored_impact(
    session: Session,
    scope: Scope,
    filters: ImpactFilters,
    version: str,
    *,
    min_group_size: int,
    min_alpha: float,
    secret_key: bytes,
) -> ImpactResult:
    """:func:`build_impact_for`, read from the store when data ``version`` (the scope's
    ``reports.data_version``, read before) was already computed by any process."""
    key = view_key(scope, filters, min_group_size, min_alpha)
    found = load(session, key, version, secret_key)
    if found is not None:
        return found
    result = build_impact_for(session, scope, filters, min_group_size, min_alpha)
    save(session, key, version, result, secret_key)
    return result
