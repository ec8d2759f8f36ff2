"""``POST /auth/signin`` and ``/auth/signout``: the cookie is signed, HttpOnly,
SameSite=Strict (Secure over HTTPS); refusals say why in the URL without naming the cause;
cross-site posts and open redirects are refused; sign-out ends the stored session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.runtime import shared
from score_impact.services.sessions import (
    COOKIE,
    SIGNED_OUT_COOKIE,
    EndReason,
    check_session,
    token_from_cookie,
)
from tests.conftest import PASSWORD

HOST = "testserver"
ORIGIN = {"origin": f"http://{HOST}"}


@pytest.fixture
def client(rt, accounts) -> TestClient:
    return TestClient(Starlette(routes=web.routes()), follow_redirects=False)


def sign_in(client, username, password=PASSWORD, headers=ORIGIN, **form):
    data = {"username": username, "password": password, "ui_lang": "zh", **form}
    return client.post("/auth/signin", data=data, headers=headers)


def set_cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def session_of(response):
    value = response.cookies.get(COOKIE)
    token = token_from_cookie(shared().settings.secret_key, value)
    with shared().session() as s:
        return check_session(s, token, datetime.now(UTC), 30)


def test_sign_in_sets_a_strict_http_only_cookie_and_goes_where_asked(client, accounts):
    response = sign_in(client, accounts.trainer, next="/dashboard")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    header = set_cookie_headers(response)[COOKIE].lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header
    assert "secure" not in header  # plain HTTP (a laptop in a training room)
    found = session_of(response)
    assert found.scope.username == accounts.trainer and found.lang == "zh"
    assert PASSWORD not in response.headers.get("set-cookie", "")


def test_cookie_is_secure_behind_an_https_proxy(client, accounts):
    response = sign_in(client, accounts.brand, headers={**ORIGIN, "x-forwarded-proto": "https"})
    assert "secure" in set_cookie_headers(response)[COOKIE].lower()


@pytest.mark.parametrize("username", ["trainer", "no-such-user"])
def test_wrong_password_goes_back_with_the_same_error_for_unknown_users(client, username):
    response = sign_in(client, username, "wrong-password", next="/brand")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?error=failed&next=%2Fbrand"
    assert COOKIE not in set_cookie_headers(response)


def test_lockout_says_until_when(client, accounts):
    for _ in range(4):
        sign_in(client, accounts.admin, "wrong-password")
    response = sign_in(client, accounts.admin, "wrong-password")
    assert response.headers["location"].startswith("/login?error=locked&next=%2Flogin&until=")
    assert COOKIE not in set_cookie_headers(sign_in(client, accounts.admin))  # still locked


@pytest.mark.parametrize(
    "headers", [{}, {"origin": "https://evil.example"}, {"referer": "https://evil.example/x"}]
)
def test_cross_site_or_unknown_origin_is_refused(client, accounts, headers):
    response = sign_in(client, accounts.trainer, headers=headers)
    assert response.status_code == 403 and COOKIE not in response.cookies


def test_same_origin_referer_is_enough_without_origin(client, accounts):
    response = sign_in(client, accounts.trainer, headers={"referer": f"http://{HOST}/login"})
    assert response.status_code == 303 and response.cookies.get(COOKIE)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "javascript:alert(1)", "/\\evil"]
)
def test_no_open_redirect(client, accounts, target):
    response = sign_in(client, accounts.trainer, next=target)
    assert response.headers["location"] == "/login"


def test_sign_out_ends_the_session_and_leaves_only_the_language(client, accounts):
    signed_in = sign_in(client, accounts.trainer)
    client.cookies.set(COOKIE, signed_in.cookies[COOKIE])
    response = client.post("/auth/signout", data={"ui_lang": "zh"}, headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    headers = set_cookie_headers(response)
    assert 'score_session=""' in headers[COOKIE] or "max-age=0" in headers[COOKIE].lower()
    assert f"{SIGNED_OUT_COOKIE}=zh" in headers[SIGNED_OUT_COOKIE]
    assert "httponly" in headers[SIGNED_OUT_COOKIE].lower()
    assert session_of(signed_in).ended is EndReason.SIGNED_OUT


def test_cross_site_sign_out_is_refused(client, accounts):
    signed_in = sign_in(client, accounts.trainer)
    client.cookies.set(COOKIE, signed_in.cookies[COOKIE])
    response = client.post("/auth/signout", headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert session_of(signed_in).scope is not None
