"""Scope: who sees which enterprises, cohorts and rounds; one query per function."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import event, select

from score_impact.db.models import (
    Brand,
    Cohort,
    Enterprise,
    Phase,
    Response,
    Role,
    SurveyRound,
    User,
)
from score_impact.services.accounts import create_user
from score_impact.services.errors import AccessDenied
from score_impact.services.rounds import create_round
from score_impact.services.scope import (
    Scope,
    check_cohort,
    check_enterprise,
    enterprise_ids_query,
    scope_of,
    visible_cohort_ids,
    visible_enterprise_ids,
    visible_rounds,
)
from score_impact.services.surveys import publish
from tests.conftest import PASSWORD


@dataclass(frozen=True)
class Org:
    """Brands A and B; e1 (A), e2 (B), e3 (A and B), e4 (no brand); cohorts c1 = {e1, e2}
    trained by trainer-1, c2 = {e3, e4} trained by trainer-2, c3 = {e4} without a trainer
    account; one round per cohort and one worker response per enterprise and round."""

    ent: dict[str, int]
    cohort: dict[str, int]
    round: dict[str, int]
    user: dict[str, int]


@pytest.fixture
def org(rt) -> Org:
    with rt.session() as s:
        brands = {n: Brand(name=f"Brand {n}") for n in "AB"}
        links = {"e1": "A", "e2": "B", "e3": "AB", "e4": ""}
        ents = {
            n: Enterprise(
                name=n,
                country="China",
                sector="garments",
                size_band="50-249",
                brands=[brands[b] for b in bs],
            )
            for n, bs in links.items()
        }
        members = {"c1": ["e1", "e2"], "c2": ["e3", "e4"], "c3": ["e4"]}
        cohorts = {
            n: Cohort(name=n, module="workplace_cooperation", enterprises=[ents[e] for e in es])
            for n, es in members.items()
        }
        s.add_all([*brands.values(), *ents.values(), *cohorts.values()])
        s.flush()
        version = publish(s, rt.catalog.latest("worker_m1_cooperation"))
        rounds = {n: create_round(s, c, Phase.BASELINE, version) for n, c in cohorts.items()}
        for name, round_ in rounds.items():
            for e in members[name]:
                s.add(
                    Response(
                        client_uuid=str(uuid.uuid4()),
                        round_id=round_.id,
                        enterprise_id=ents[e].id,
                        audience="worker",
                        language="en",
                    )
                )
        users = {}
        for name, role, extra in (
            ("admin", Role.ADMIN, {}),
            ("trainer-1", Role.TRAINER, {"cohort_ids": [cohorts["c1"].id]}),
            ("trainer-2", Role.TRAINER, {"cohort_ids": [cohorts["c2"].id]}),
            ("brand-a", Role.BRAND, {"brand_id": brands["A"].id}),
            ("brand-b", Role.BRAND, {"brand_id": brands["B"].id}),
            ("manager-e2", Role.MANAGER, {"enterprise_id": ents["e2"].id}),
        ):
            user = create_user(
                s, username=name, password=PASSWORD, role=role, commit=False, **extra
            )
            users[name] = user.id
        s.commit()
        return Org(
            {n: e.id for n, e in ents.items()},
            {n: c.id for n, c in cohorts.items()},
            {n: r.id for n, r in rounds.items()},
            users,
        )


def _scope(s, org: Org, name: str) -> Scope:
    return scope_of(s, s.get(User, org.user[name]))


EXPECTED = {  # user: (enterprises, cohorts)
    "admin": ({"e1", "e2", "e3", "e4"}, {"c1", "c2", "c3"}),
    "trainer-1": ({"e1", "e2"}, {"c1"}),
    "trainer-2": ({"e3", "e4"}, {"c2"}),
    "brand-a": ({"e1", "e3"}, {"c1", "c2"}),
    "brand-b": ({"e2", "e3"}, {"c1", "c2"}),
    "manager-e2": ({"e2"}, {"c1"}),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_visible_enterprises_cohorts_and_rounds(rt, org, name):
    ents, cohorts = EXPECTED[name]
    with rt.session() as s:
        scope = _scope(s, org, name)
        assert visible_enterprise_ids(s, scope) == {org.ent[e] for e in ents}
        assert visible_cohort_ids(s, scope) == {org.cohort[c] for c in cohorts}
        assert [r.id for r in visible_rounds(s, scope)] == sorted(org.round[c] for c in cohorts)
        # the snapshot taken when the scope was built agrees with the live queries
        assert scope.enterprise_ids == {org.ent[e] for e in ents}
        assert scope.cohort_ids == {org.cohort[c] for c in cohorts}


@pytest.mark.parametrize("name", EXPECTED)
def test_check_enterprise_and_cohort_refuse_everything_outside_the_scope(rt, org, name):
    ents, cohorts = EXPECTED[name]
    with rt.session() as s:
        scope = _scope(s, org, name)
    for e, ent_id in org.ent.items():
        if e in ents:
            check_enterprise(scope, ent_id)
        else:
            with pytest.raises(AccessDenied):
                check_enterprise(scope, ent_id)
    for c, cohort_id in org.cohort.items():
        if c in cohorts:
            check_cohort(scope, cohort_id)
        else:
            with pytest.raises(AccessDenied):
                check_cohort(scope, cohort_id)


def test_brand_cannot_read_another_brands_enterprise_through_any_scope_function(rt, org):
    """Brand A sees cohort c1 (because of e1) but never e2, brand B's factory in c1."""
    e2 = org.ent["e2"]
    with rt.session() as s:
        scope = _scope(s, org, "brand-a")
        assert e2 not in visible_enterprise_ids(s, scope)
        assert e2 not in s.scalars(enterprise_ids_query(scope)).all()
        with pytest.raises(AccessDenied):
            check_enterprise(scope, e2)
        # the documented pattern for data: visible rounds AND visible enterprises
        rows = s.scalars(
            select(Response.enterprise_id).where(
                Response.round_id.in_([r.id for r in visible_rounds(s, scope)]),
                Response.enterprise_id.in_(enterprise_ids_query(scope)),
            )
        ).all()
    assert sorted(rows) == sorted([org.ent["e1"], org.ent["e3"]])


def test_trainer_sees_only_the_cohorts_they_train(rt, org):
    with rt.session() as s:
        scope = _scope(s, org, "trainer-1")
        rounds = visible_rounds(s, scope)
    assert {r.cohort_id for r in rounds} == {org.cohort["c1"]}


def test_manager_sees_only_their_enterprise(rt, org):
    with rt.session() as s:
        scope = _scope(s, org, "manager-e2")
        assert visible_enterprise_ids(s, scope) == {org.ent["e2"]}
    with pytest.raises(AccessDenied):
        check_enterprise(scope, org.ent["e1"])  # same cohort, other enterprise


@pytest.mark.parametrize("role", [Role.BRAND, Role.MANAGER, Role.TRAINER])
def test_an_account_without_its_link_sees_nothing(rt, org, role):
    scope = Scope(user_id=-1, username="orphan", role=role)  # e.g. its brand was deleted
    with rt.session() as s:
        assert visible_enterprise_ids(s, scope) == set()
        assert visible_cohort_ids(s, scope) == set()
        assert visible_rounds(s, scope) == []


@pytest.mark.parametrize("name", EXPECTED)
def test_each_visible_function_runs_exactly_one_query(rt, org, name):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with rt.session() as s:
        scope = _scope(s, org, name)
        event.listen(rt.engine, "before_cursor_execute", count)
        try:
            for function in (visible_enterprise_ids, visible_cohort_ids, visible_rounds):
                statements.clear()
                s.expunge_all()
                function(s, scope)
                assert len(statements) == 1, (function.__name__, statements)
        finally:
            event.remove(rt.engine, "before_cursor_execute", count)


def test_scope_follows_link_changes_on_the_next_build(rt, org):
    with rt.session() as s:
        user = s.get(User, org.user["trainer-1"])
        s.get(Cohort, org.cohort["c3"]).trainer_id = user.id
        s.commit()
        assert org.cohort["c3"] in _scope(s, org, "trainer-1").cohort_ids
        assert {r.cohort_id for r in visible_rounds(s, _scope(s, org, "trainer-1"))} == {
            org.cohort["c1"],
            org.cohort["c3"],
        }
        assert s.scalar(select(SurveyRound.id).where(SurveyRound.id == org.round["c3"]))
