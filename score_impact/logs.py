"""Structured logs: one JSON object per line on stderr, for requests and submits.

What operations need to see a training day go right or wrong (how many submits, how many
refused and why, how slow), and nothing a worker gave: never an answer, a pairing code or
its elements, a join code, a resume code, a token or a password. Submits are logged by
:func:`logged_submit` around ``services.responses.submit_response`` (every tablet, offline
client, paper sheet and API call goes through it); HTTP requests by
``score_impact.web.middleware.RequestLog``.

``SCORE_LOG_LEVEL`` (default INFO) sets the level; ``setup`` is called once when the server
starts (app.py's ``st.App``), and the ``score_impact`` logger still propagates, so test
capture and an outer logging setup see the same records.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from score_impact.services.errors import DomainError, InvalidSubmission

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from score_impact.services.responses import Submission, SubmitResult

LOGGER = logging.getLogger("score_impact")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "event", ...fields}``; fields come from ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def setup() -> None:
    """Send the app's records to stderr as JSON lines (idempotent)."""
    if any(isinstance(h.formatter, JsonFormatter) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    LOGGER.addHandler(handler)
    LOGGER.setLevel(os.environ.get("SCORE_LOG_LEVEL", "INFO").upper())


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event."""
    LOGGER.log(level, name, extra={"fields": fields})


def logged_submit(
    submit: Callable[[Session, Submission], SubmitResult],
) -> Callable[[Session, Submission], SubmitResult]:
    """Log every submit: outcome, where from, how long, how many answers; for a refusal the
    reason and, for invalid answers, only which items and why (never the values)."""

    @functools.wraps(submit)
    def logged(session: Session, sub: Submission) -> SubmitResult:
        started = time.perf_counter()
        where = {
            "round_id": sub.round_id,
            "enterprise_id": sub.enterprise_id,
            "source": sub.source,
            "audience": sub.audience,
            "language": sub.language,
        }
        try:
            result = submit(session, sub)
        except DomainError as exc:
            issues = (
                [f"{i.item_id}:{i.code}" for i in exc.issues][:20]
                if isinstance(exc, InvalidSubmission)
                else []
            )
            event(
                "submit.refused",
                logging.WARNING,
                reason=type(exc).__name__,
                issues=issues,
                ms=round((time.perf_counter() - started) * 1000, 1),
                **where,
            )
            raise
        event(
            f"submit.{result.outcome.value}",
            response_id=result.response_id,
            answers=len(sub.answers),
            paired=sub.pairing is not None,
            ms=round((time.perf_counter() - started) * 1000, 1),
            **where,
        )
        return result

    return logged
