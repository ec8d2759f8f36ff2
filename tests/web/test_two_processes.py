"""Two app processes on one PostgreSQL database behave as one (issue 13, scale out).

Two ``streamlit run app.py`` servers share a fresh PostgreSQL schema, as two app
instances behind a reverse proxy would. Responses submitted through one (the tablet
client's JSON route) are in the other's response counts (the live dashboard's numbers,
read through the API) at the next read, within the dashboard's refresh interval, although
the other process had that view cached already. Skipped without SCORE_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pages.impact_view import COUNTS_TTL
from score_impact.config import load_settings
from score_impact.runtime import start
from score_impact.services.accounts import create_user
from score_impact.services.scope import scope_of
from score_impact.services.tokens import create_token
from tests.answering import answer_items
from tests.conftest import (
    PASSWORD,
    TEST_KEY,
    WORKER_CODE,
    drop_postgres_schema,
    make_world,
    new_postgres_schema,
    postgres_server,
)
from tests.servers import streamlit_server

pytestmark = pytest.mark.skipif(
    not postgres_server(), reason="PostgreSQL: set SCORE_TEST_POSTGRES_URL"
)


def _call(url: str, body: dict | None = None, token: str | None = None) -> dict | list:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def shared_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment of both processes: one new PostgreSQL schema, with a world."""
    server = postgres_server()
    assert server
    url, schema = new_postgres_schema(server)
    env = {
        **os.environ,
        "SCORE_DATABASE_URL": url,
        "SCORE_DATA_DIR": str(tmp_path / "data"),
        "SCORE_SECRET_KEY": TEST_KEY,
        "SCORE_DEMO_ON_EMPTY": "0",
    }
    for name in ("SCORE_DATABASE_URL", "SCORE_DATA_DIR", "SCORE_SECRET_KEY", "SCORE_DEMO_ON_EMPTY"):
        monkeypatch.setenv(name, env[name])
    try:
        yield env
    finally:
        drop_postgres_schema(server, schema)


def test_a_response_submitted_on_one_process_is_counted_on_the_other(
    shared_schema: dict[str, str], tmp_path: Path
) -> None:
    rt = start(load_settings(), demo=False)
    world = make_world(rt)
    with rt.session() as s:
        admin = create_user(s, username="admin", password=PASSWORD, role="admin")
        token, _ = create_token(s, scope_of(s, admin), "two processes", 30, datetime.now(UTC))
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    rt.engine.dispose()
    with ExitStack() as servers:
        one, other = (
            servers.enter_context(streamlit_server(shared_schema, tmp_path / f"{name}.log"))
            for name in ("one", "other")
        )

        def alpha_baseline() -> float:
            body = _call(f"{other}/api/v1/impact/response_counts", token=token)
            [row] = [
                r
                for r in body["rows"]
                if r["enterprise"] == "Alpha Garments" and r["phase"] == "baseline"
            ]
            return row["responses"]

        assert alpha_baseline() == 0  # the other process has this view cached now
        for _ in range(5):  # the minimum group size: a count below it would be suppressed
            ack = _call(
                f"{one}/api/v1/tablet/responses",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "join_code": WORKER_CODE,
                    "round_id": world.worker_round_id,
                    "enterprise_id": world.enterprise_ids[0],
                    "language": "en",
                    "answers": answer_items(survey.items),
                },
            )
            assert ack["outcome"] == "stored"
        submitted = time.monotonic()
        while (seen := alpha_baseline()) != 5 and time.monotonic() - submitted < COUNTS_TTL:
            time.sleep(0.5)
        assert seen == 5
