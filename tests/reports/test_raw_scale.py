"""The admin's raw download with more responses in scope than PostgreSQL can bind.

PostgreSQL takes at most 65,535 bound parameters a statement; a query that binds one
per response (``IN (:id_1, ..., :id_n)``) fails above that. The responses here are
inserted with Core bulk inserts (a few seconds), not through the submit path.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from score_impact.db.models import Answer, Response
from score_impact.reports import export
from score_impact.reports.impact import ImpactFilters
from score_impact.runtime import Runtime
from score_impact.services.accounts import create_user
from score_impact.services.scope import scope_of
from tests.conftest import World

PG_BIND_LIMIT = 65_535
PER_PHASE = PG_BIND_LIMIT // 2 + 100  # both phases together: more than the limit
TENURE = ("under_6_months", "one_to_3_years", "three_years_or_more")


def _seed(rt: Runtime, world: World) -> int:
    """PER_PHASE coded worker responses in each phase, the same codes before and after
    (exact pairs), each with its tenure band; returns the number of responses."""
    now = datetime.now(UTC)
    responses, answers = [], []
    rid = 0
    for round_id in (world.worker_round_id, world.closed_round_id):
        for i in range(PER_PHASE):
            rid += 1
            responses.append(
                {"id": rid, "client_uuid": str(uuid.uuid4()), "round_id": round_id,
                 "enterprise_id": world.enterprise_ids[i % 2], "audience": "worker",
                 "language": "en", "source": "tablet", "pairing_hash": f"{i:064x}",
                 "pairing_parts": ",".join(f"{i}-{part}" for part in range(4)),
                 "submitted_at": now}
            )  # fmt: skip
            answers.append({"response_id": rid, "item_id": "tenure", "value_text": TENURE[i % 3]})
    with rt.session() as s:
        s.execute(insert(Response), responses)
        s.execute(insert(Answer), answers)
        s.commit()
    return rid


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_admin_raw_download_beyond_the_bind_parameter_limit(rt: Runtime, world: World) -> None:
    n = _seed(rt, world)
    assert n > PG_BIND_LIMIT
    with rt.session() as s:
        admin = create_user(s, username="admin", password="correct horse battery", role="admin")
        scope = scope_of(s, admin)
        raw = export.raw_rows(s, scope, ImpactFilters())
        assert len(raw) == n
        assert raw["response_id"].nunique() == n
        assert list(raw.columns) == export.RAW_COLUMNS
        # every response is paired with its namesake in the other phase
        assert raw["pair_id"].notna().all()
        assert raw.groupby("pair_id")["phase"].nunique().eq(2).all()
        assert raw["phase"].iloc[0] == "baseline" and raw["phase"].iloc[-1] == "follow_up"
        one = ImpactFilters(enterprise_id=world.enterprise_ids[0])
        csv = export.raw_csv(s, scope, one).decode("utf-8-sig")
    first = len(range(0, PER_PHASE, 2))  # responses of the first factory in each phase
    assert csv.count("\n") == 2 * first + 1  # and the header
