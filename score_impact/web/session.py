"""``POST /auth/signin`` and ``POST /auth/signout``: the only places the staff session cookie
is set or cleared (a Streamlit page cannot set a cookie; its websocket has no response).

The sign-in page (pages/login.py) draws a plain HTML form that posts here; a success
answers with the cookie and a redirect, so the next page load opens a new websocket that
carries it (``st.context.cookies``). Both routes accept only same-origin posts (the
``Origin`` header, else ``Referer``), which with SameSite=Strict cookies closes login and
logout CSRF. The cookie is ``Secure`` when the request came over HTTPS, directly or through
a proxy that says so in ``X-Forwarded-Proto``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from score_impact.i18n import LANGUAGES
from score_impact.runtime import shared
from score_impact.services.accounts import authenticate
from score_impact.services.errors import AccountLocked, LoginFailed
from score_impact.services.sessions import (
    ABSOLUTE_LIFETIME,
    COOKIE,
    SIGNED_OUT_COOKIE,
    cookie_value,
    end_session,
    start_session,
    token_from_cookie,
)

LOGIN_PAGE = "/login"
SIGNED_OUT_MAX_AGE = 12 * 3600  # long enough to cover a day's reloads, then forgotten


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def same_origin(request: Request) -> bool:
    """True when the browser says the request comes from a page of this host."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.headers.get("host")


def safe_next(target: str | None) -> str:
    """A path on this site to go to after signing in; anything else (another host, a
    scheme, ``//evil``) becomes the sign-in page, so the form is no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return LOGIN_PAGE
    return target


def _lang(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else "en"


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def _back_to_login(error: str, target: str, **extra: str) -> RedirectResponse:
    query = urlencode({"error": error, "next": target, **extra})
    return RedirectResponse(f"{LOGIN_PAGE}?{query}", status_code=303)


async def sign_in(request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form()
    target, lang = safe_next(str(form.get("next") or "")), _lang(form.get("ui_lang"))
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    runtime = shared()

    def check() -> str:  # argon2 and the database block: run them off the event loop
        now = datetime.now(UTC)
        with runtime.session() as s:
            user = authenticate(s, username, password, now)
            return start_session(s, user, lang, now)

    try:
        token = await run_in_threadpool(check)
    except AccountLocked as exc:
        return _back_to_login("locked", target, until=f"{exc.retry_at:%H:%M}")
    except LoginFailed:
        return _back_to_login("failed", target)
    response = RedirectResponse(target, status_code=303)
    secret = runtime.settings.secret_key
    _cookie(
        response,
        request,
        COOKIE,
        cookie_value(secret, token),
        int(ABSOLUTE_LIFETIME.total_seconds()),
    )
    response.delete_cookie(SIGNED_OUT_COOKIE, path="/")
    return response


async def sign_out(request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    form = await request.form()
    runtime = shared()
    token = token_from_cookie(runtime.settings.secret_key, request.cookies.get(COOKIE))

    def end() -> None:
        with runtime.session() as s:
            end_session(s, token, datetime.now(UTC))

    await run_in_threadpool(end)
    response = RedirectResponse(LOGIN_PAGE, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    _cookie(response, request, SIGNED_OUT_COOKIE, _lang(form.get("ui_lang")), SIGNED_OUT_MAX_AGE)
    return response


ROUTES = [
    Route("/auth/signin", sign_in, methods=["POST"]),
    Route("/auth/signout", sign_out, methods=["POST"]),
]
