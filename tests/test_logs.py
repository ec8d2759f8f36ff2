"""Structured logs: every submit is logged with its outcome, never with an answer or a
code; request lines carry the route template, never the query string."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from score_impact.logs import JsonFormatter
from score_impact.pairing import make_code
from score_impact.services.errors import InvalidSubmission
from score_impact.services.responses import Submission, submit_response
from score_impact.web.middleware import RequestLog
from tests.answering import answer_items
from tests.conftest import WORKER_CODE


def records(caplog, name: str) -> list[dict]:
    """The logged events called ``name``, as their JSON lines."""
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == name]


@pytest.fixture
def survey(rt):
    return rt.catalog.latest("worker_m1_cooperation").survey


def test_submits_are_logged_without_answers_or_codes(rt, world, survey, caplog):
    caplog.set_level(logging.INFO, logger="score_impact")
    answers = answer_items(survey.items)
    code = make_code(b"key", world.enterprise_ids[0], {
        "birth_day": 17, "mother_birth_month": 3, "older_siblings": 2, "birth_year_last_digit": 9
    })  # fmt: skip
    where = (world.worker_round_id, world.enterprise_ids[0], "zh")
    sub = Submission(str(uuid.uuid4()), *where, answers, code)
    with rt.session() as s:
        submit_response(s, sub)
        submit_response(s, sub)
        with pytest.raises(InvalidSubmission):
            submit_response(s, Submission(str(uuid.uuid4()), *where, {"nope": "secret"}))
    [stored], [duplicate], [refused] = (
        records(caplog, f"submit.{kind}") for kind in ("stored", "duplicate", "refused")
    )
    assert stored["round_id"] == world.worker_round_id and stored["paired"] is True
    assert stored["answers"] == len(answers) and stored["response_id"] == duplicate["response_id"]
    assert refused["reason"] == "InvalidSubmission" and "nope:unknown_item" in refused["issues"]
    text = caplog.text + json.dumps([stored, duplicate, refused])
    for secret in (code.full_hash, *code.part_hashes, sub.client_uuid, "secret", WORKER_CODE):
        assert secret not in text
    for value in {str(v) for v in answers.values() if isinstance(v, str) and len(v) > 3}:
        assert value not in json.dumps(stored)


def test_request_log_shows_the_route_template_not_the_code(caplog):
    caplog.set_level(logging.INFO, logger="score_impact")

    async def handler(request):
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/api/rounds/{code}", handler), Route("/tablet", handler)],
        middleware=[Middleware(RequestLog)],
    )
    client = TestClient(app)
    client.get("/api/rounds/SECRETJOIN")
    client.get("/tablet?code=SECRETJOIN")
    client.get("/missing")
    lines = records(caplog, "http.request")
    assert [(r["path"], r["status"]) for r in lines] == [
        ("/api/rounds/{code}", 200),
        ("/tablet", 200),
        ("/missing", 404),
    ]
    assert "SECRETJOIN" not in caplog.text and all(r["ms"] >= 0 for r in lines)
