"""Streamlit glue shared by the dashboard and the brand report: who is looking, cached
impact queries keyed by scope and filters, and the filter widgets.

Caches are keyed by the whole :class:`Scope` (user, role, brand, enterprise) plus the
filters, so one user's cached result can never be served to another scope, and by the
data version of that scope (``reports.data_version``), so a result is recomputed as soon
as anything it reads changes, on whichever app process the change was made, and not
before. Old versions age out of the bounded caches.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pages.auth import current_user
from pages.common import db, runtime, ui_lang
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.reports import result_store
from score_impact.reports.data_version import data_version
from score_impact.reports.impact import (
    ImpactFilters,
    ImpactOptions,
    ImpactResult,
    impact_options,
    response_counts,
)
from score_impact.reports.result_store import has, stored_impact, view_key
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import Scope, visible_cohort_ids, visible_enterprise_ids

COUNTS_TTL = 10  # seconds: how often the live response counts refresh
CACHED_RESULTS = 16  # impact results kept per process (~20 MiB each for a large brand)

language = ui_lang  # the sidebar switch's choice (pages/common.py)


def current_scope(lang: str, *roles: Role) -> Scope:
    """The signed-in user's scope (read afresh each run by ``current_user``); a page
    reached without one, or by another role, stops here."""
    scope = current_user()
    if scope is None:
        st.info(t("impact.sign_in", lang))
        st.stop()
    if scope.role not in roles:
        st.error(t("impact.denied", lang))
        st.stop()
    return scope


def _version(scope: Scope) -> tuple[str, str]:
    """The scope's data version, of this process's database (tests open many)."""
    with db() as s:
        return runtime().settings.database_url, data_version(s, scope)


@st.cache_data(max_entries=CACHED_RESULTS, show_spinner=False)
def _options(scope: Scope, version: tuple[str, str]) -> ImpactOptions:
    with db() as s:
        return impact_options(s, visible_enterprise_ids(s, scope), visible_cohort_ids(s, scope))


def options(scope: Scope) -> ImpactOptions:
    return _options(scope, _version(scope))


@st.cache_data(max_entries=CACHED_RESULTS, show_spinner=False)
def _impact(scope: Scope, filters: ImpactFilters, version: tuple[str, str]) -> ImpactResult:
    with db() as s:
        settings = runtime().settings
        return stored_impact(
            s,
            scope,
            filters,
            version[1],
            min_group_size=settings.min_group_size,
            min_alpha=settings.min_alpha,
            secret_key=settings.secret_key,
        )


def version(scope: Scope) -> tuple[str, str]:
    """The data version a page reads its view at, to name its downloads by it too."""
    return _version(scope)


def stored_file(
    scope: Scope,
    filters: ImpactFilters,
    at: tuple[str, str],
    fmt: str,
    make: Callable[[], bytes],
) -> Callable[[], bytes]:
    """A download button's maker: the view's file of data version ``at`` from the store
    (made ahead with the view, or by an earlier click), else ``make()``, then stored."""
    settings = runtime().settings
    key = view_key(scope, filters, settings.min_group_size, settings.min_alpha)

    def made() -> bytes:
        with db() as s:
            return result_store.stored_file(s, key, at[1], fmt, make, settings.secret_key)

    return made


def impact(scope: Scope, filters: ImpactFilters) -> ImpactResult:
    """The impact of ``filters`` in ``scope``, computed again only when its data changed."""
    return _impact(scope, filters, _version(scope))


@st.cache_data(max_entries=CACHED_RESULTS, show_spinner=False)
def _counts(scope: Scope, filters: ImpactFilters, version: tuple[str, str]):
    with db() as s:
        return response_counts(
            s,
            visible_enterprise_ids(s, scope),
            filters,
            runtime().settings.min_group_size,
            visible_cohort_ids(s, scope),
        )


def counts(scope: Scope, filters: ImpactFilters):
    """The live response counts (the dashboard asks every ``COUNTS_TTL`` seconds): the
    stored view's own when the view of this data is stored (computed ahead or by another
    process; the page reads it next anyway), else counted."""
    version = _version(scope)
    settings = runtime().settings
    key = view_key(scope, filters, settings.min_group_size, settings.min_alpha)
    with db() as s:
        stored = has(s, key, version[1])
    return (
        _impact(scope, filters, version).response_counts
        if stored
        else _counts(scope, filters, version)
    )


def options_or_stop(scope: Scope, lang: str) -> ImpactOptions:
    """The filter choices of the scope; a scope with no factory says so and stops."""
    opts = options(scope)
    if not opts.enterprises:
        st.info(t("impact.nothing_visible", lang))
        st.stop()
    return opts


def impact_or_stop(
    scope: Scope, chosen: ImpactFilters, lang: str, version: tuple[str, str] | None = None
) -> ImpactResult:
    """The impact for the chosen filters (of data ``version``, default: now); a filter
    outside the scope (a tampered widget value) is refused with a message, never shown as
    an empty view."""
    try:
        return _impact(scope, chosen, version or _version(scope))
    except AccessDenied:
        st.error(t("impact.denied", lang))
        st.stop()
