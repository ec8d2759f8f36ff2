"""Views computed before anyone opens them (issue 13): the report a brand opens first.

A large brand's report takes tens of seconds to compute (``docs/benchmarks.md``); stored
(``reports.result_store``), it opens in about two. So when a scope's data has settled -
no new response for :data:`QUIET` - the housekeeping computes the view each staff user
sees first, unless it is already stored for the current data version: a brand's and an
admin's brand report (all cohorts), a trainer's and an admin's dashboard (their first
cohort), in the language they last signed in with, with the filters the pages start on
(:func:`default_filters`).

The work runs in a child process (``result_store.compute_in_child``): its memory
is given back when it ends and it never holds the app's interpreter lock, so tablets
submitting to the app meanwhile are not slowed by more than the shared CPU. While data
is still coming in (a round in progress), nothing is computed ahead: the view would be
out of date minutes later, and the page computes it when it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from score_impact.config import Settings
from score_impact.db.models import Response, Role, StaffSession, StoredResult, User, utcnow
from score_impact.reports.data_version import data_version
from score_impact.reports.impact import ImpactFilters, ImpactOptions, impact_options
from score_impact.reports.result_store import compute_in_child, view_key
from score_impact.services.scope import (
    Scope,
    enterprise_ids_query,
    scope_of,
    visible_cohort_ids,
    visible_enterprise_ids,
)

QUIET = timedelta(minutes=10)  # no new response in scope for this long: the data settled
#: role -> the views a user of it opens first: False = brand report, True = dashboard
FIRST_VIEWS = {Role.BRAND: (False,), Role.TRAINER: (True,), Role.ADMIN: (False, True)}


@dataclass(frozen=True)
class View:
    """One view to compute: whose, with which filters."""

    scope: Scope
    filters: ImpactFilters


def default_filters(opts: ImpactOptions, lang: str, cohort_required: bool) -> ImpactFilters:
    """The filters a page starts on (``pages/impact_panels.filters`` with every widget at
    its first choice): all cohorts or the first, the first phase against the next."""
    phases = list(opts.phases) or ["baseline", "follow_up"]
    later = [p for p in phases if p != phases[0]] or phases
    cohort = next(iter(opts.cohorts), None) if cohort_required else None
    return ImpactFilters(cohort_id=cohort, baseline=phases[0], follow_up=later[0], lang=lang)


def _language(session: Session, user_id: int) -> str:
    """The interface language of the user's newest sign-in, else English."""
    lang = session.scalar(
        select(StaffSession.lang)
        .where(StaffSession.user_id == user_id)
        .order_by(StaffSession.created_at.desc())
        .limit(1)
    )
    return lang or "en"


def pending(session: Session, settings: Settings, now: datetime | None = None) -> list[View]:
    """First views of active staff whose stored result is missing or of older data, in
    scopes without a response for :data:`QUIET`."""
    now = now or utcnow()
    users = session.scalars(
        select(User).where(User.is_active, User.role.in_([r.value for r in FIRST_VIEWS]))
    ).all()
    out = []
    for user in sorted(users, key=lambda u: u.username):
        scope = scope_of(session, user)
        newest = session.scalar(
            select(func.max(Response.submitted_at)).where(
                Response.enterprise_id.in_(enterprise_ids_query(scope))
            )
        )
        if newest is None or now - _aware(newest) < QUIET:
            continue  # nothing to show yet, or still coming in
        version = data_version(session, scope)
        ents, cohorts = visible_enterprise_ids(session, scope), visible_cohort_ids(session, scope)
        opts = impact_options(session, ents, cohorts)
        lang = _language(session, user.id)
        for cohort_required in FIRST_VIEWS[Role(user.role)]:
            if cohort_required and not opts.cohorts:
                continue
            filters = default_filters(opts, lang, cohort_required)
            key = view_key(scope, filters, settings.min_group_size, settings.min_alpha)
            stored = session.scalar(
                select(StoredResult.data_version).where(StoredResult.key == key)
            )
            if stored != version:
                out.append(View(scope, filters))
    return out


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC datetimes; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def warm(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Housekeeping job: compute every pending view in one child process; how many."""
    views = pending(session, settings, now)
    session.rollback()
    if views:
        compute_in_child([(v.scope, v.filters) for v in views], settings.min_group_size,
                         settings.min_alpha, ahead=True)  # fmt: skip
    return len(views)
