"""A tablet's server process killed (SIGKILL) in the middle of writing a response leaves the
whole response or none of it, on SQLite and PostgreSQL; the same UUID can be submitted again.

The child (crash_child.py) freezes at a chosen point inside the submit transaction and
says so on stdout; only then does the parent kill it, so each case is deterministic. A
last case kills a child writing responses back to back at whatever point it has reached.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.submissions import Target
from score_impact.db.models import Answer, Response
from score_impact.runtime import Runtime
from score_impact.services.responses import Outcome, submit_response
from score_impact.surveys.validation import validate_answers
from tests.conftest import ROOT, World
from tests.db.crash_child import submission_for

CHILD = Path(__file__).with_name("crash_child.py")
PAUSES = ["after_response_row", "mid_answers", "before_commit"]


@pytest.fixture
def target(rt: Runtime, world: World) -> Target:
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    return Target(world.worker_round_id, 0, world.enterprise_ids, world.other_enterprise_id, survey)


def start_child(target: Target, uuids: list[str], pause: str | None) -> subprocess.Popen[str]:
    args = {
        "round_id": target.round_id,
        "enterprise_ids": list(target.enterprise_ids),
        "outsider_id": target.outsider_id,
        "uuids": uuids,
        "pause": pause,
    }
    return subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(args)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(child: subprocess.Popen[str], wanted: str, timeout: float = 60) -> list[str]:
    """Lines the child printed up to and including one starting with ``wanted``."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert child.stdout is not None
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            child.kill()
            pytest.fail(f"child ended before {wanted!r}: {lines} {child.stderr.read()}")  # type: ignore[union-attr]
        lines.append(line.strip())
        if line.startswith(wanted):
            return lines
    child.kill()
    pytest.fail(f"child did not print {wanted!r} within {timeout}s")


def kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    for stream in (child.stdout, child.stderr):
        if stream:
            stream.close()


def stored(rt: Runtime, client_uuid: str) -> tuple[int, int] | None:
    """(response id, number of its answers), or None when the response is absent."""
    with rt.session() as s:
        response_id = s.scalar(select(Response.id).where(Response.client_uuid == client_uuid))
        if response_id is None:
            return None
        count = s.scalar(
            select(func.count()).select_from(Answer).where(Answer.response_id == response_id)
        )
        return response_id, count or 0


def expected_answers(target: Target, client_uuid: str) -> int:
    return len(validate_answers(target.survey, submission_for(target, client_uuid).answers)[0])


def totals(rt: Runtime) -> tuple[int, int]:
    with rt.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Response)) or 0,
            s.scalar(select(func.count()).select_from(Answer)) or 0,
        )


@pytest.mark.parametrize("pause", PAUSES)
def test_killed_mid_transaction_leaves_nothing_and_the_uuid_works_again(
    rt: Runtime, target: Target, pause: str
) -> None:
    client_uuid = str(uuid.uuid4())
    child = start_child(target, [client_uuid], pause)
    paused = wait_for_line(child, "paused")[-1]
    kill(child)
    # The child really froze where asked, with rows written inside its transaction.
    full = expected_answers(target, client_uuid)
    written = {"after_response_row": 0, "mid_answers": full // 2, "before_commit": full}[pause]
    assert paused == f"paused responses=1 answers={written}"

    assert stored(rt, client_uuid) is None
    assert totals(rt) == (0, 0)  # not even orphan answers
    with rt.session() as s:
        result = submit_response(s, submission_for(target, client_uuid))
    assert result.outcome is Outcome.STORED
    assert stored(rt, client_uuid) == (result.response_id, expected_answers(target, client_uuid))


def test_a_committed_response_survives_the_kill_whole(rt: Runtime, target: Target) -> None:
    """Killed right after its commit: the response is there with every answer, and the same
    UUID resubmitted (the tablet never heard back) is recognised as a duplicate."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    child = start_child(target, [first, second], pause=None)
    wait_for_line(child, f"stored {first}")
    kill(child)
    response_id, answers = stored(rt, first) or (None, 0)
    assert answers == expected_answers(target, first)
    with rt.session() as s:
        result = submit_response(s, submission_for(target, first))
    assert (result.outcome, result.response_id) == (Outcome.DUPLICATE, response_id)
    second_row = stored(rt, second)
    assert second_row is None or second_row[1] == expected_answers(target, second)


def test_killed_at_an_arbitrary_point_every_response_is_whole(rt: Runtime, target: Target) -> None:
    """Back-to-back submits killed wherever the child has got to: each response present is
    complete, and every one the child reported as stored is present."""
    uuids = [str(uuid.uuid4()) for _ in range(200)]
    child = start_child(target, uuids, pause=None)
    reported = wait_for_line(child, f"stored {uuids[4]}")
    time.sleep(0.05)  # somewhere inside a later submit (or between two)
    kill(child)
    committed = {line.split()[1] for line in reported}
    for client_uuid in uuids:
        row = stored(rt, client_uuid)
        if client_uuid in committed:
            assert row is not None
        if row is not None:
            assert row[1] == expected_answers(target, client_uuid), client_uuid
    responses, answers = totals(rt)
    assert responses >= len(committed)
    assert answers == sum(expected_answers(target, u) for u in uuids if stored(rt, u) is not None)
