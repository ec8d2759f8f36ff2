"""Tablet endpoints of API v1: the round bundle serves the published survey and the
interface strings as they are; submitting is idempotent by the client's UUID and refuses
exactly what the kiosk's submit refuses, storing nothing then."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.db.models import Response, SurveyRound
from score_impact.i18n import t
from score_impact.pairing import make_code
from score_impact.runtime import shared
from score_impact.services.errors import DomainError
from score_impact.services.responses import Submission, submit_response
from score_impact.web.api import reset_rate_limits
from tests.answering import answer_items
from tests.conftest import CLOSED_CODE, MANAGER_CODE, TEST_KEY, WORKER_CODE

FINISHED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)  # answered offline
CODE = {"birth_day": 17, "mother_birth_month": 3, "older_siblings": 2, "birth_year_last_digit": 9}


@pytest.fixture
def client(rt, world) -> TestClient:
    reset_rate_limits()
    return TestClient(Starlette(routes=web.routes()))


@pytest.fixture
def survey(rt):
    return rt.catalog.latest("worker_m1_cooperation").survey


def payload(world, survey, **change) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "join_code": WORKER_CODE,
        "round_id": world.worker_round_id,
        "enterprise_id": world.enterprise_ids[0],
        "language": "zh",
        "answers": answer_items(survey.items),
        "code": CODE,
        "started_at": (FINISHED - timedelta(minutes=9)).isoformat(),
        "completed_at": FINISHED.isoformat(),
    }
    return body | change


def stored(rt) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(Response))


def test_bundle_serves_the_published_survey_and_the_interface_strings(client, world, survey):
    response = client.get(f"/api/v1/tablet/rounds/{WORKER_CODE.lower()}")
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["round"]["id"] == world.worker_round_id
    assert bundle["survey"] == survey.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert [f["id"] for f in bundle["factories"]] == sorted(world.enterprise_ids)
    assert bundle["strings"]["zh"]["kiosk.submit"] == t("kiosk.submit", "zh")
    assert bundle["strings"]["en"]["validation.required"] == t("validation.required", "en")
    assert not [k for k in bundle["strings"]["zh"] if k.startswith(("admin.", "login."))]
    assert bundle["languages"]["zh"]["speech"] == "zh-CN"
    assert bundle["code_elements"]["birth_day"] == list(range(1, 32))
    assert client.get(f"/api/v1/tablet/rounds/{WORKER_CODE}").json()["etag"] == bundle["etag"]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [("NOSUCH", 404, "unknown_round"), (CLOSED_CODE, 409, "round_closed"),
     (MANAGER_CODE, 409, "not_worker_round")],
)  # fmt: skip
def test_bundle_refuses_unknown_closed_and_manager_rounds(client, code, status, error):
    response = client.get(f"/api/v1/tablet/rounds/{code}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == error
    assert set(response.json()["error"]) >= {"status", "code", "message"}


def test_submit_stores_once_and_hashes_the_code_as_the_kiosk_does(rt, client, world, survey):
    body = payload(world, survey)
    first = client.post("/api/v1/tablet/responses", json=body)
    assert first.status_code == 201 and first.json()["outcome"] == "stored"
    again = client.post("/api/v1/tablet/responses", json=body)  # the acknowledgement was lost
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert again.json()["response_id"] == first.json()["response_id"] and stored(rt) == 1
    expected = make_code(TEST_KEY.encode(), world.enterprise_ids[0], CODE)
    with rt.session() as s:
        row = s.get(Response, first.json()["response_id"])
    assert (row.pairing_hash, row.pairing_parts) == (expected.full_hash, expected.parts_text)
    assert row.source == "tablet" and row.language == "zh"
    assert row.completed_at.replace(tzinfo=UTC) == FINISHED


def test_a_wrong_tablet_clock_keeps_the_response_not_the_time(rt, client, world, survey):
    body = payload(world, survey, completed_at="2099-01-01T00:00:00Z", code=None)
    response = client.post("/api/v1/tablet/responses", json=body)
    assert response.status_code == 201
    with rt.session() as s:
        row = s.get(Response, response.json()["response_id"])
    assert row.completed_at is None and row.pairing_hash is None


def kiosk_refuses(world, sub: Submission) -> bool:
    """Whether the kiosk's submit (``submit_response``) refuses the same questionnaire."""
    with shared().session() as s:
        try:
            submit_response(s, sub)
        except DomainError:
            return True
    return False


REFUSED = {
    "a required answer missing": ({"drop": "trust_cares"}, 422, "invalid_answers"),
    "an answer off the scale": ({"answers": {"trust_cares": 9}}, 422, "invalid_answers"),
    "an unknown question": ({"answers": {"favourite_colour": "red"}}, 422, "invalid_answers"),
    "a language the survey lacks": ({"language": "fr"}, 422, "invalid_answers"),
    "a factory outside the round": ({"enterprise": "other"}, 422, "not_in_round"),
    "a closed round": ({"round": "closed"}, 409, "round_closed"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_submit_refuses_what_the_kiosk_refuses(rt, client, world, survey, case):
    change, status, error = REFUSED[case]
    answers = answer_items(survey.items)
    body = payload(world, survey)
    if "drop" in change:
        answers.pop(change["drop"])
    answers |= change.get("answers", {})
    body["answers"] = answers
    if "language" in change:
        body["language"] = change["language"]
    if change.get("enterprise") == "other":
        body["enterprise_id"] = world.other_enterprise_id
    if change.get("round") == "closed":
        body |= {"join_code": CLOSED_CODE, "round_id": world.closed_round_id}
    kiosk = Submission(str(uuid.uuid4()), body["round_id"], body["enterprise_id"],
                       body["language"], answers)  # fmt: skip
    assert kiosk_refuses(world, kiosk), "the kiosk accepts this: so should the API"
    response = client.post("/api/v1/tablet/responses", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, error)
    assert stored(rt) == 0


def test_invalid_answers_name_the_items(client, world, survey):
    answers = answer_items(survey.items) | {"trust_cares": 9}
    response = client.post("/api/v1/tablet/responses", json=payload(world, survey, answers=answers))
    assert {"item_id": "trust_cares", "code": "choose_option"} in response.json()["error"][
        "details"
    ]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"join_code": MANAGER_CODE}, 404, "unknown_round"),  # the code must name the round
        ({"code": {"birth_day": 40}}, 422, "invalid_answers"),  # incomplete private code
        ({"client_uuid": "not-a-uuid"}, 422, "invalid_request"),
        ({"surprise": 1}, 422, "invalid_request"),
    ],
)
def test_submit_refuses_bad_envelopes(rt, client, world, survey, change, status, error):
    response = client.post("/api/v1/tablet/responses", json=payload(world, survey, **change))
    assert (response.status_code, response.json()["error"]["code"]) == (status, error)
    assert stored(rt) == 0


def test_submit_refuses_a_manager_round(rt, client, world, survey):
    with rt.session() as s:
        manager_round = s.scalar(
            select(SurveyRound.id).where(SurveyRound.join_code == MANAGER_CODE)
        )
    body = payload(world, survey, join_code=MANAGER_CODE, round_id=manager_round)
    response = client.post("/api/v1/tablet/responses", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_worker_round")


def test_guessing_join_codes_is_rate_limited(client, monkeypatch):
    for _ in range(60):
        client.get("/api/v1/tablet/rounds/GUESS1")
    response = client.get("/api/v1/tablet/rounds/GUESS2")
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert response.json()["error"]["code"] == "rate_limited"


def test_unknown_api_paths_answer_in_the_same_shape(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
