"""``GET /enrol?token=...``: the link (or QR code) a trainer made on the "Tablets" page.

It enrols the browser that opens it (services.devices.enrol_device), gives it the device
cookie and sends it on to the round's survey (``/?code=JOIN``) or the code entry page. The
cookie (``services.devices.COOKIE_NAME``) is HttpOnly (no script can read it), SameSite=
Strict (no other site's page can send it), Secure over HTTPS, and lasts 400 days. An
invalid, expired or used-up link gets a short page in English and Chinese, and no cookie.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from score_impact.i18n import LANGUAGES, t
from score_impact.runtime import shared
from score_impact.services.devices import (
    COOKIE_DAYS,
    COOKIE_NAME,
    EnrolmentInvalid,
    enrol_device,
)
from score_impact.web.session import is_https


def _enrol(token: str) -> tuple[str, str | None]:
    with shared().session() as session:
        _, device_token, join_code = enrol_device(session, token)
    return device_token, join_code


def _refusal() -> HTMLResponse:
    lines = "".join(
        f"<p lang='{code}'>{escape(t('devices.link_invalid', code))}</p>" for code in LANGUAGES
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>SCORE impact</title></head><body style='font:1.3rem sans-serif;margin:2rem'>"
        f"{lines}</body></html>"
    )
    return HTMLResponse(page, status_code=410, headers={"Cache-Control": "no-store"})


async def enrol(request: Request) -> Response:
    token = request.query_params.get("token", "")[:200]
    try:
        device_token, join_code = await run_in_threadpool(_enrol, token)
    except EnrolmentInvalid:
        return _refusal()
    target = f"/?code={quote(join_code)}" if join_code else "/"
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE_NAME,
        device_token,
        max_age=COOKIE_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),  # also behind a TLS-terminating proxy
    )
    return response


ROUTES = [Route("/enrol", enrol, methods=["GET"])]
