"""What a signed-in user may see: the single source of truth for access to data.

Every page, report and download filters its queries through this module, never through
its own role checks, so one rule decides everywhere:

| role    | enterprises                                 | cohorts (and their rounds)              |
|---------|---------------------------------------------|-----------------------------------------|
| admin   | all                                         | all                                     |
| trainer | the enterprises of the cohorts they train   | cohorts with ``Cohort.trainer_id`` = me |
| brand   | enterprises linked to the brand             | cohorts containing one of those         |
| manager | their own enterprise                        | cohorts containing it                   |

A brand or manager sees a cohort because one of *its* enterprises is in it, not the other
enterprises of that cohort. So data (responses, answers, KPIs) must always be filtered by
**both** ``visible_rounds`` (or ``visible_cohort_ids``) **and** ``visible_enterprise_ids``;
a round alone is not permission to read every enterprise's answers in it. For large
queries, use ``enterprise_ids_query`` / ``cohort_ids_query`` as subqueries
(``Response.enterprise_id.in_(enterprise_ids_query(scope))``) instead of long IN lists.

Each ``visible_*`` function runs exactly one query and reads the database as it is now.
``Scope`` also carries a snapshot of both id sets taken when it was built (once per page
run), which ``check_enterprise`` / ``check_cohort`` use without a query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Cohort,
    Enterprise,
    Role,
    SurveyRound,
    User,
    brand_enterprise,
    cohort_enterprise,
)
from score_impact.services.errors import AccessDenied


@dataclass(frozen=True)
class Scope:
    """Who is asking, and the enterprises and cohorts they could see when the scope was
    built. Build it with ``scope_of``; never from a form value."""

    user_id: int
    username: str
    role: Role
    brand_id: int | None = None
    enterprise_id: int | None = None
    display_name: str | None = None
    enterprise_ids: frozenset[int] = frozenset()
    cohort_ids: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def label(self) -> str:
        return self.display_name or self.username


def enterprise_ids_query(scope: Scope) -> Select[tuple[int]]:
    """SELECT of the enterprise ids ``scope`` may see (usable as a subquery)."""
    if scope.role is Role.ADMIN:
        return select(Enterprise.id)
    if scope.role is Role.TRAINER:
        return (
            select(cohort_enterprise.c.enterprise_id)
            .join(Cohort, Cohort.id == cohort_enterprise.c.cohort_id)
            .where(Cohort.trainer_id == scope.user_id)
            .distinct()
        )
    if scope.role is Role.BRAND and scope.brand_id is not None:
        return select(brand_enterprise.c.enterprise_id).where(
            brand_enterprise.c.brand_id == scope.brand_id
        )
    if scope.role is Role.MANAGER and scope.enterprise_id is not None:
        return select(Enterprise.id).where(Enterprise.id == scope.enterprise_id)
    return select(Enterprise.id).where(false())  # a brand/manager account without its link


def cohort_ids_query(scope: Scope) -> Select[tuple[int]]:
    """SELECT of the cohort ids ``scope`` may see (usable as a subquery)."""
    if scope.role is Role.ADMIN:
        return select(Cohort.id)
    if scope.role is Role.TRAINER:
        return select(Cohort.id).where(Cohort.trainer_id == scope.user_id)
    if scope.role is Role.BRAND and scope.brand_id is not None:
        return (
            select(cohort_enterprise.c.cohort_id)
            .join(
                brand_enterprise,
                brand_enterprise.c.enterprise_id == cohort_enterprise.c.enterprise_id,
            )
            .where(brand_enterprise.c.brand_id == scope.brand_id)
            .distinct()
        )
    if scope.role is Role.MANAGER and scope.enterprise_id is not None:
        return select(cohort_enterprise.c.cohort_id).where(
            cohort_enterprise.c.enterprise_id == scope.enterprise_id
        )
    return select(Cohort.id).where(false())


def visible_enterprise_ids(session: Session, scope: Scope) -> set[int]:
    """Ids of the enterprises whose data ``scope`` may read (one query)."""
    return set(session.scalars(enterprise_ids_query(scope)))


def visible_cohort_ids(session: Session, scope: Scope) -> set[int]:
    """Ids of the cohorts ``scope`` may see (one query). For a brand or manager this does
    not extend to the cohort's other enterprises: filter data by enterprise as well."""
    return set(session.scalars(cohort_ids_query(scope)))


def visible_rounds(session: Session, scope: Scope) -> list[SurveyRound]:
    """The survey rounds of the visible cohorts, by cohort then creation (one query)."""
    return list(
        session.scalars(
            select(SurveyRound)
            .where(SurveyRound.cohort_id.in_(cohort_ids_query(scope)))
            .order_by(SurveyRound.cohort_id, SurveyRound.id)
        )
    )


def scope_of(session: Session, user: User) -> Scope:
    """The scope of ``user``, with the visible id sets as they are now (two queries)."""
    base = Scope(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        brand_id=user.brand_id,
        enterprise_id=user.enterprise_id,
        display_name=user.display_name,
    )
    return replace(
        base,
        enterprise_ids=frozenset(visible_enterprise_ids(session, base)),
        cohort_ids=frozenset(visible_cohort_ids(session, base)),
    )


def check_enterprise(scope: Scope, enterprise_id: int) -> None:
    """Raise ``AccessDenied`` unless ``scope`` may read this enterprise's data."""
    if not scope.is_admin and enterprise_id not in scope.enterprise_ids:
        raise AccessDenied(f"{scope.username} may not see enterprise {enterprise_id}")


def check_cohort(scope: Scope, cohort_id: int) -> None:
    """Raise ``AccessDenied`` unless ``scope`` may see this cohort (not: all its data)."""
    if not scope.is_admin and cohort_id not in scope.cohort_ids:
        raise AccessDenied(f"{scope.username} may not see cohort {cohort_id}")


def require_admin(scope: Scope) -> None:
    """Raise ``AccessDenied`` unless ``scope`` is an admin (every admin service calls it)."""
    if not scope.is_admin:
        raise AccessDenied(f"{scope.username} is not an admin")
