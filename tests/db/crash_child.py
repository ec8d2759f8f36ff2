"""Child process of test_crash_safety.py: submit worker responses, optionally freezing
mid-transaction so the parent can SIGKILL it at a known point.

    python tests/db/crash_child.py '<json>'

json: {"round_id", "enterprise_ids", "outsider_id", "uuids": [...], "pause": <point>|null}.
The database is the app's (SCORE_DATABASE_URL). ``pause`` freezes the *first* submit:

- "after_response_row": the response row is inserted, no answer yet;
- "mid_answers": the response row and the first half of its answers are inserted;
- "before_commit": everything is inserted, COMMIT not yet sent.

The child prints "paused responses=<n> answers=<n>" (as its own transaction sees them)
when frozen, and "stored <uuid>" after each committed submit.
The hooks are SQLAlchemy engine events of this process only: the code under test is the
unchanged ``submit_response``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.submissions import Target, new_submission  # noqa: E402
from score_impact.config import load_settings  # noqa: E402
from score_impact.db.engine import make_engine, session_factory  # noqa: E402
from score_impact.services.responses import submit_response  # noqa: E402
from score_impact.surveys.loader import DEFAULT_DIR, load_catalog  # noqa: E402

SURVEY = "worker_m1_cooperation"


def freeze(cursor) -> None:  # noqa: ANN001 (DB-API cursor)
    """Report what this transaction has written so far (visible only to itself), then hang."""
    cursor.execute("SELECT (SELECT count(*) FROM response), (SELECT count(*) FROM answer)")
    responses, answers = cursor.fetchone()
    print(f"paused responses={responses} answers={answers}", flush=True)
    while True:
        time.sleep(60)


def install_pause(engine, point: str) -> None:  # noqa: ANN001
    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if point == "after_response_row" and statement.startswith("INSERT INTO response"):
            freeze(cursor)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if point == "mid_answers" and statement.startswith("INSERT INTO answer"):
            assert executemany, "answers are expected as one executemany"
            cursor.executemany(statement, parameters[: len(parameters) // 2])
            freeze(cursor)

    @event.listens_for(engine, "commit")
    def _commit(conn) -> None:  # noqa: ANN001
        if point == "before_commit":
            freeze(conn.connection.dbapi_connection.cursor())


def submission_for(target: Target, client_uuid: str):  # noqa: ANN201
    """The same payload in parent and child: seeded by the UUID."""
    return new_submission(target, random.Random(client_uuid), client_uuid=client_uuid)


def main() -> None:
    args = json.loads(sys.argv[1])
    survey = load_catalog(DEFAULT_DIR).latest(SURVEY).survey
    target = Target(args["round_id"], 0, tuple(args["enterprise_ids"]), args["outsider_id"], survey)
    engine = make_engine(load_settings().database_url)
    if args.get("pause"):
        install_pause(engine, args["pause"])
    sessions = session_factory(engine)
    for client_uuid in args["uuids"]:
        with sessions() as session:
            submit_response(session, submission_for(target, client_uuid))
        print(f"stored {client_uuid}", flush=True)


if __name__ == "__main__":
    main()
