"""The data version that keys cached impact results: it moves when data a scope reads
changes (a response, a KPI value, a round's status) and only then; a response in a
factory outside the scope leaves it alone."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from score_impact.db.models import KpiValue, Response, User
from score_impact.reports.data_version import data_version
from score_impact.runtime import Runtime
from score_impact.services.quality import exclude_responses, restore_responses
from score_impact.services.responses import Submission, submit_response
from score_impact.services.scope import Scope, scope_of
from tests.answering import answer_items
from tests.conftest import Accounts, World, close_round


def submit_workers(rt: Runtime, world: World, enterprise_id: int, n: int = 1) -> None:
    """``n`` complete worker responses to the world's open worker round."""
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    with rt.session() as s:
        for _ in range(n):
            submit_response(
                s,
                Submission(
                    client_uuid=str(uuid.uuid4()),
                    round_id=world.worker_round_id,
                    enterprise_id=enterprise_id,
                    language="en",
                    answers=answer_items(survey.items),
                ),
            )
            s.commit()


def scope_named(rt: Runtime, username: str) -> Scope:
    with rt.session() as s:
        return scope_of(s, s.scalar(select(User).where(User.username == username)))


def versions(rt: Runtime, *scopes: Scope) -> list[str]:
    with rt.session() as s:
        return [data_version(s, scope) for scope in scopes]


def test_a_response_moves_the_version_of_the_scopes_that_see_it(
    rt: Runtime, world: World, accounts: Accounts
) -> None:
    admin, brand, manager = (scope_named(rt, u) for u in ("admin", "brand", "manager"))
    before = versions(rt, admin, brand, manager)
    assert versions(rt, admin, brand, manager) == before  # nothing written: nothing moves
    beta = world.enterprise_ids[1]  # not the manager's factory
    submit_workers(rt, world, beta)
    after = versions(rt, admin, brand, manager)
    assert after[0] != before[0] and after[1] != before[1]
    assert after[2] == before[2]  # the manager of Alpha reads nothing of Beta's
    submit_workers(rt, world, world.enterprise_ids[0])
    assert versions(rt, manager) != after[2:]


def test_a_round_closing_or_a_kpi_edit_moves_the_version(
    rt: Runtime, world: World, accounts: Accounts
) -> None:
    manager = scope_named(rt, "manager")
    first = versions(rt, manager)
    with rt.session() as s:
        close_round(s, world.worker_round_id)
    closed = versions(rt, manager)
    assert closed != first
    with rt.session() as s:
        value = KpiValue(
            enterprise_id=world.enterprise_ids[0],
            round_id=world.manager_round_id,
            kpi_id="defect_rate",
            value=3.0,
        )
        s.add(value)
        s.commit()
        entered = [data_version(s, manager)]
        value.value = 2.5
        s.commit()
        assert [data_version(s, manager)] not in (entered, closed)
    assert entered != closed


def test_excluding_and_restoring_a_response_moves_the_version(
    rt: Runtime, world: World, accounts: Accounts
) -> None:
    submit_workers(rt, world, world.enterprise_ids[0], n=2)
    admin = scope_named(rt, "admin")
    with rt.session() as s:
        ids = list(s.scalars(select(Response.id).order_by(Response.id)))
    first = versions(rt, admin)
    with rt.session() as s:
        exclude_responses(s, admin, world.worker_round_id, ids[:1], "burst from one tablet")
    excluded = versions(rt, admin)
    assert excluded != first
    with rt.session() as s:
        restore_responses(s, admin, world.worker_round_id, ids[:1])
    assert versions(rt, admin) not in (excluded,)
