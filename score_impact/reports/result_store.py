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
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.db.models import Response, StoredResult, utcnow
from score_impact.fonts import CjkFontMissing
from score_impact.reports import child
from score_impact.reports.data_version import data_version
from score_impact.reports.impact import ImpactFilters, ImpactResult, build_impact_for
from score_impact.reports.report_pdf import report_fonts, report_pdf
from score_impact.services.scope import Scope, enterprise_ids_query

if TYPE_CHECKING:  # the runtime imports the housekeeping, which imports this
    from score_impact.runtime import Runtime

#: responses in scope above which a view is computed in a child process, never in the
#: app's: its peak memory (GiBs for 200 factories) is the child's and is given back
CHILD_ABOVE = 5_000
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


def load(session: Session, key: str, version: str | None, secret_key: bytes) -> ImpactResult | None:
    """The stored result of view ``key`` if it was computed from data ``version`` (any
    version: ``None``)."""
    stmt = select(StoredResult.payload, StoredResult.data_version).where(StoredResult.key == key)
    if version is not None:
        stmt = stmt.where(StoredResult.data_version == version)
    row = session.execute(stmt).first()
    return None if row is None else _unpack(row[0], secret_key, key, row[1])


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
    """Store ``result`` as view ``key``'s, replacing what an older version left."""
    _store(session, key, version, _pack(result, secret_key, key, version))


def _store(session: Session, key: str, version: str, payload: bytes) -> None:
    """Put ``payload`` in row ``key``. Two processes computing the same view at once both
    try; the second insert is dropped."""
    session.rollback()  # end the read transaction the computation ran in
    session.execute(delete(StoredResult).where(StoredResult.key == key))
    session.add(StoredResult(key=key, data_version=version, created_at=utcnow(), payload=payload))
    try:
        session.commit()
    except IntegrityError:  # another process stored this view first
        session.rollback()


def stored_file(
    session: Session,
    key: str,
    version: str,
    fmt: str,
    make: Callable[[], bytes],
    secret_key: bytes,
) -> bytes:
    """A download (``fmt``: its format) of view ``key`` at data ``version``: the stored file,
    else ``make()``, stored for the next one. For the downloads that take seconds to lay
    out (the PDF), made once per view and data version, or ahead with the view."""
    row_key = hashlib.sha256(f"{key}/{fmt}".encode()).hexdigest()
    row = session.execute(
        select(StoredResult.payload).where(
            StoredResult.key == row_key, StoredResult.data_version == version
        )
    ).first()
    if row is not None:
        signature, data = row[0][:32], row[0][32:]
        if hmac.compare_digest(signature, _signature(secret_key, row_key, version, data)):
            return data
    data = make()
    _store(session, row_key, version, _signature(secret_key, row_key, version, data) + data)
    return data


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
    ``reports.data_version``, read before) was already computed by any process; else
    computed, in a child process when the scope holds more than :data:`CHILD_ABOVE`
    responses, and stored.

    Raises ``AccessDenied`` as :func:`build_impact_for` does, also from a child.
    """
    key = view_key(scope, filters, min_group_size, min_alpha)
    found = load(session, key, version, secret_key)
    if found is not None:
        return found
    if _responses_in(session, scope) > CHILD_ABOVE:
        session.rollback()
        compute_in_child([(scope, filters)], min_group_size, min_alpha)
        found = load(session, key, None, secret_key)  # the child's data is as new or newer
        if found is None:
            raise RuntimeError("the child process stored no result")
        return found
    result = build_impact_for(session, scope, filters, min_group_size, min_alpha)
    save(session, key, version, result, secret_key)
    return result


def _responses_in(session: Session, scope: Scope) -> int:
    return session.scalar(
        select(func.count(Response.id)).where(
            Response.enterprise_id.in_(enterprise_ids_query(scope))
        )
    )


def compute(
    session: Session,
    scope: Scope,
    filters: ImpactFilters,
    min_group_size: int,
    min_alpha: float,
    secret_key: bytes,
    ahead: bool = False,
) -> None:
    """Compute view (``scope``, ``filters``) here and store it with the data version read
    first; ``ahead`` of any viewer (nobody waits), its PDF too."""
    version = data_version(session, scope)
    key = view_key(scope, filters, min_group_size, min_alpha)
    result = build_impact_for(session, scope, filters, min_group_size, min_alpha)
    save(session, key, version, result, secret_key)
    if not ahead:
        return
    try:  # the printable report takes seconds to lay out: made ahead with its view
        report_fonts(filters.lang)
    except CjkFontMissing:  # the page says so instead of offering the PDF
        return
    stored_file(session, key, version, "pdf", lambda: report_pdf(result), secret_key)


def compute_in_child(
    views: list[tuple[Scope, ImpactFilters]],
    min_group_size: int,
    min_alpha: float,
    ahead: bool = False,
) -> None:
    """Compute and store ``views`` in one child process (:mod:`score_impact.reports.child`),
    as :func:`compute`. The scope is handed over as it is, so the child stores under this
    view's key."""
    child.run("score_impact.reports.result_store", {
        "min_group_size": min_group_size, "min_alpha": min_alpha, "ahead": ahead,
        "views": [[child.scope_json(scope), asdict(filters)] for scope, filters in views],
    })  # fmt: skip


def _compute_views(runtime: Runtime, request: dict) -> bytes:
    """The child's work: compute and store every view asked for."""
    k, alpha = request["min_group_size"], request["min_alpha"]
    for scope, filters in request["views"]:
        with runtime.session() as session:
            compute(session, child.scope_from_json(scope), ImpactFilters(**filters), k, alpha,
                    runtime.settings.secret_key, request["ahead"])  # fmt: skip
    return b""


if __name__ == "__main__":
    child.serve(_compute_views)
