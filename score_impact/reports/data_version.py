"""A cheap fingerprint of the data an impact view is computed from, to key cached results.

An impact result (:func:`score_impact.reports.impact.build_impact_for`) costs seconds to
minutes at a programme's size, and its inputs change rarely once a round is closed. So the
pages and the API cache it by scope, filters and :func:`data_version` instead of a timer:
a result is recomputed exactly when something it reads has changed (a response, a KPI
value, an action, a data-quality exclusion, a round's status, a cohort's factories, a
name, a published survey), at once on every app process sharing the database, and never
served stale for a TTL.

What users write all day (responses, KPI values, improvement actions) is summarised for
the viewer's enterprises only, by indexed aggregates (count, newest id, newest edit), so
a submission in another brand's factory leaves this brand's cached report alone. What
admins change now and then lives in small tables (rounds, cohorts, factories, brands,
survey versions), read whole. Either way the cost is a few milliseconds, also at 50,000
responses, against seconds for the result it guards. The version is a digest, never shown.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Brand,
    Cohort,
    Enterprise,
    ImprovementAction,
    KpiValue,
    Response,
    ResponseExclusion,
    SurveyRound,
    SurveyVersion,
    brand_enterprise,
    cohort_enterprise,
)
from score_impact.services.scope import Scope, enterprise_ids_query


def _written(scope: Scope) -> list[Select]:
    """Count, newest id and newest edit of each kind of row users write, in scope."""
    ents = enterprise_ids_query(scope)
    return [
        select(func.count(t.id), func.max(t.id), func.max(t.updated_at)).where(
            t.enterprise_id.in_(ents)
        )
        for t in (Response, KpiValue, ImprovementAction)
    ] + [
        # data-quality decisions: an exclusion added or lifted (deleted) changes the set
        select(
            func.count(ResponseExclusion.response_id),
            func.sum(ResponseExclusion.response_id),
            func.max(ResponseExclusion.excluded_at),
        )
        .join(Response, Response.id == ResponseExclusion.response_id)
        .where(Response.enterprise_id.in_(ents))
    ]


def _settings() -> list[Select]:
    """The small tables admins change: who is in which cohort and brand, round statuses."""
    return [
        select(
            SurveyRound.id,
            SurveyRound.cohort_id,
            SurveyRound.phase,
            SurveyRound.status,
            SurveyRound.survey_version_id,
        ).order_by(SurveyRound.id),
        select(
            Cohort.id, Cohort.name, Cohort.module, Cohort.is_comparison, Cohort.trainer_id
        ).order_by(Cohort.id),
        select(cohort_enterprise.c.cohort_id, cohort_enterprise.c.enterprise_id).order_by(
            cohort_enterprise.c.cohort_id, cohort_enterprise.c.enterprise_id
        ),
        select(Enterprise.id, Enterprise.name, Enterprise.headcount).order_by(Enterprise.id),
        select(Brand.id, Brand.name).order_by(Brand.id),
        select(brand_enterprise.c.brand_id, brand_enterprise.c.enterprise_id).order_by(
            brand_enterprise.c.brand_id, brand_enterprise.c.enterprise_id
        ),
        select(func.count(SurveyVersion.id), func.max(SurveyVersion.id)),
    ]


def data_version(session: Session, scope: Scope) -> str:
    """A digest that changes whenever data an impact view of ``scope`` reads changes.

    Equal digests mean equal inputs for the same scope and filters; the digest says
    nothing across scopes, so callers key by scope as well.
    """
    digest = hashlib.sha256()
    for stmt in [*_written(scope), *_settings()]:
        for row in session.execute(stmt):
            digest.update(repr(tuple(row)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()
