"""``GET /enrol``: the tablet gets an HttpOnly, SameSite=Strict device cookie and the
round's survey; an invalid link gets a bilingual page and no cookie."""

from __future__ import annotations

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.db.models import Response, SurveyRound, User
from score_impact.services import devices
from score_impact.services.scope import scope_of
from tests.conftest import WORKER_CODE


def _link(rt, world, accounts) -> str:
    with rt.session() as s:
        trainer = scope_of(s, s.scalar(select(User).where(User.username == accounts.trainer)))
        cohort_id = s.get(SurveyRound, world.worker_round_id).cohort_id
        return devices.create_enrolment(s, trainer, cohort_id, join_code=WORKER_CODE).token


def test_enrolment_sets_a_guarded_cookie_and_opens_the_survey(rt, world, accounts):
    client = TestClient(Starlette(routes=web.routes()), base_url="https://tablets.example")
    response = client.get("/enrol", params={"token": _link(rt, world, accounts)},
                          follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/?code={WORKER_CODE}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{devices.COOKIE_NAME}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Secure", "Path=/", "Max-Age=34560000"):
        assert attribute.lower() in cookie.lower(), attribute
    token = response.cookies[devices.COOKIE_NAME]
    with rt.session() as s:
        device = devices.device_for_token(s, token)
    assert device is not None and device.label == "Tablet 1"


def test_an_invalid_link_enrols_nothing(rt, world):
    client = TestClient(Starlette(routes=web.routes()))
    response = client.get("/enrol", params={"token": "guessed"}, follow_redirects=False)
    assert response.status_code == 410 and "set-cookie" not in response.headers
    assert "not valid any more" in response.text and "已经无效" in response.text


def test_the_offline_client_s_submit_carries_the_tablet_cookie(rt, world, accounts):
    """The JSON submit (issue 14's offline tablet) reads the same device cookie: a round
    that takes enrolled tablets only refuses a browser without one, and stores the device."""
    from tests.web.test_api_tablet import payload

    survey = rt.catalog.latest("worker_m1_cooperation").survey
    with rt.session() as s:
        s.get(SurveyRound, world.worker_round_id).settings = {devices.ROUND_SETTING: True}
        s.commit()
    client = TestClient(Starlette(routes=web.routes()))
    refused = client.post("/api/v1/tablet/responses", json=payload(world, survey))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_enrolled"
    client.get("/enrol", params={"token": _link(rt, world, accounts)}, follow_redirects=False)
    stored = client.post("/api/v1/tablet/responses", json=payload(world, survey))
    assert stored.status_code == 201
    with rt.session() as s:
        assert s.get(Response, stored.json()["response_id"]).device_id is not None
