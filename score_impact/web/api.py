"""JSON API v1, mounted at ``/api/v1`` beside the pages (FastAPI on Streamlit's server).

Two kinds of caller:

- **tablets** (``api_tablet``): no account; the round's join code is what they were given.
  Anonymous, cookie-free, rate-limited per client address.
- **people's tools** (``api_impact``): Excel Power Query, Power BI, scripts, with a personal
  API token (``Authorization: Bearer sit_...``) made on the account page. One dependency,
  :func:`caller`, turns the token into the user's scope, read afresh on every request.

Every error, whatever raised it, has one shape (:class:`ErrorResponse`)::

    {"error": {"status": 404, "code": "unknown_round", "message": "...", "details": [...]}}

The OpenAPI document is served at ``/api/v1/openapi.json`` and as a reference page at
``/api/v1/docs`` (drawn here from the document: no script from a CDN, so it also works in a
training room without internet).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount

from score_impact.logs import LOGGER
from score_impact.runtime import shared
from score_impact.services.errors import (
    AccessDenied,
    DomainError,
    InvalidSubmission,
    NotInRound,
    RoundClosed,
    UnknownRound,
)
from score_impact.services.scope import Scope
from score_impact.services.tablet import NotWorkerRound
from score_impact.services.tokens import TokenRefused, scope_of_token

PREFIX = "/api/v1"


# --- one error shape ---------------------------------------------------------------------


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """The body of every error answer of this API."""

    error: ErrorBody


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.body = ErrorBody(status=status, code=code, message=message, details=details)
        self.headers = headers


def error_response(error: ApiError) -> JSONResponse:
    body = ErrorResponse(error=error.body).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=error.body.status, headers=error.headers)


#: Domain errors as API errors: (status, code, message).
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str, str]] = {
    UnknownRound: (404, "unknown_round", "There is no survey round with this join code."),
    RoundClosed: (409, "round_closed", "This survey round is closed: it accepts no answers."),
    NotWorkerRound: (409, "not_worker_round", "This join code is not a worker survey round."),
    NotInRound: (422, "not_in_round", "This factory does not take part in the round."),
    AccessDenied: (403, "forbidden", "Your account may not read this selection."),
}
TOKEN_ERRORS = {
    "unknown": (401, "token_invalid", "Give a valid API token: Authorization: Bearer sit_..."),
    "revoked": (401, "token_revoked", "This API token was revoked."),
    "expired": (401, "token_expired", "This API token has expired; make a new one."),
    "inactive": (401, "token_invalid", "The account of this API token is deactivated."),
    "role": (403, "forbidden", "This account's role has no API access."),
}


def api_error_of(exc: Exception) -> ApiError:
    """Any exception as the API's error (unknown ones as a 500 without details)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, TokenRefused):
        status, code, message = TOKEN_ERRORS[exc.reason]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return ApiError(status, code, message, headers=headers)
    if isinstance(exc, InvalidSubmission):
        details = [{"item_id": i.item_id, "code": i.code} for i in exc.issues]
        return ApiError(422, "invalid_answers", "Some answers cannot be stored.", details)
    for kind, (status, code, message) in DOMAIN_ERRORS.items():
        if isinstance(exc, kind):
            return ApiError(status, code, message)
    if isinstance(exc, StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return ApiError(exc.status_code, code, str(exc.detail), headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return ApiError(422, "invalid_request", "The request is not valid.", details)
    LOGGER.exception("api.error")
    return ApiError(500, "internal_error", "Something went wrong on the server; it is logged.")


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    return error_response(api_error_of(exc))


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (401, "No valid API token (missing, unknown, revoked or expired)."),
        (403, "The token's account may not read this."),
        (404, "Unknown join code or table."),
        (409, "The round is closed, or not a worker round."),
        (422, "The request or the answers are not valid (details say which)."),
        (429, "Too many requests: wait Retry-After seconds."),
    )
}


# --- rate limits -------------------------------------------------------------------------

_LIMITER = MovingWindowRateLimiter(MemoryStorage())


def rate_limit(rate: str, bucket: str) -> Callable[[Request], None]:
    """A dependency allowing ``rate`` (e.g. ``"60/minute"``) per client address and bucket.

    Per process, in memory (one server, or sticky sessions: README). Behind a reverse proxy
    the client address is the one the proxy forwards (uvicorn trusts ``X-Forwarded-For``
    from ``FORWARDED_ALLOW_IPS``, by default the proxy on 127.0.0.1).
    """
    item: RateLimitItem = parse(rate)

    def check(request: Request) -> None:
        who = request.client.host if request.client else "unknown"
        hit(item, bucket, who)

    return check


def hit(item: RateLimitItem, *key: str) -> None:
    """Count one request; raise a 429 with ``Retry-After`` when over the limit."""
    if _LIMITER.hit(item, *key):
        return
    reset = _LIMITER.get_window_stats(item, *key).reset_time
    wait = max(1, math.ceil(reset - time.time()))
    raise ApiError(
        429,
        "rate_limited",
        f"Too many requests; try again in {wait} s.",
        headers={"Retry-After": str(wait)},
    )


def reset_rate_limits() -> None:
    """Forget every count (tests)."""
    _LIMITER.storage.reset()


# --- who is calling ----------------------------------------------------------------------

_BEARER = HTTPBearer(auto_error=False, description="A personal API token from the account page")
TOKEN_RATE = parse("120/minute")


@dataclass(frozen=True)
class Caller:
    scope: Scope
    token_id: int


def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> Caller:
    """The scope of the API token in the ``Authorization`` header (refused: 401/403)."""
    if credentials is None:
        rate_limit("30/minute", "no-token")(request)  # probing without a token
        raise api_error_of(TokenRefused("unknown"))
    with shared().session() as s:
        try:
            scope, token_id = scope_of_token(s, credentials.credentials, datetime.now(UTC))
        except TokenRefused:
            rate_limit("30/minute", "bad-token")(request)
            raise
    hit(TOKEN_RATE, "token", str(token_id))
    return Caller(scope, token_id)


# --- the app -----------------------------------------------------------------------------


def create_api() -> FastAPI:
    from score_impact.web import api_impact, api_tablet

    api = FastAPI(
        title="score-impact API",
        version="1",
        summary="Offline tablets and read-only impact tables for Excel, Power BI and scripts.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=ERRORS,
    )
    for kind in (Exception, StarletteHTTPException, RequestValidationError, ApiError, DomainError):
        api.add_exception_handler(kind, _handle)
    api.include_router(api_tablet.router)
    api.include_router(api_impact.router)

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(reference_page(api.openapi(), request.scope.get("root_path", "")))

    return api


def reference_page(spec: dict[str, Any], base: str) -> str:
    """The API reference as one plain HTML page, drawn from the OpenAPI document."""
    esc = html.escape
    parts = [
        "<!doctype html><meta charset='utf-8'><title>score-impact API v1</title>",
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}code{background:#f0f2f6;padding:0 .3rem}h3{margin-bottom:.2rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2rem .5rem;"
        "text-align:left;vertical-align:top}</style>",
        f"<h1>{esc(spec['info']['title'])} v{esc(spec['info']['version'])}</h1>",
        f"<p>{esc(spec['info'].get('summary', ''))}</p>",
        f"<p>Machine-readable: <a href='{esc(base)}/openapi.json'>openapi.json</a>. "
        'Errors: <code>{"error": {"status", "code", "message", "details"}}</code>.</p>',
    ]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            parts.append(f"<h3><code>{method.upper()} {esc(base + path)}</code></h3>")
            parts.append(f"<p>{esc(op.get('summary', ''))}</p>")
            if description := op.get("description"):
                parts.append(f"<p>{esc(description)}</p>")
            if op.get("security"):
                parts.append("<p>Needs <code>Authorization: Bearer &lt;API token&gt;</code>.</p>")
            params = op.get("parameters", [])
            if params:
                rows = "".join(
                    f"<tr><td><code>{esc(p['name'])}</code></td><td>{esc(p['in'])}</td>"
                    f"<td>{esc(p.get('description', ''))}</td></tr>"
                    for p in params
                )
                parts.append(
                    f"<table><tr><th>parameter</th><th>in</th><th></th></tr>{rows}</table>"
                )
    return "".join(parts)


ROUTES = [Mount(PREFIX, app=create_api())]
