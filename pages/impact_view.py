"""Streamlit glue shared by the dashboard and the brand report: who is looking, cached
impact queries keyed by scope and filters, and the filter widgets.

Caches are keyed by the whole :class:`Scope` (user, role, brand, enterprise) plus the
filters, so one user's cached result can never be served to another scope; a short TTL
keeps a live round fresh without recomputing on every click.
"""

from __future__ import annotations

import streamlit as st

from pages.auth import current_user
from pages.common import db, runtime, ui_lang
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.reports.impact import (
    ImpactFilters,
    ImpactOptions,
    ImpactResult,
    build_impact_for,
    impact_options,
    response_counts,
)
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import Scope, visible_cohort_ids, visible_enterprise_ids

IMPACT_TTL = 120  # seconds: results of closed rounds change rarely; open ones refresh soon
COUNTS_TTL = 10  # the live response counts


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


@st.cache_data(ttl=IMPACT_TTL, show_spinner=False)
def options(scope: Scope) -> ImpactOptions:
    with db() as s:
        return impact_options(s, visible_enterprise_ids(s, scope), visible_cohort_ids(s, scope))


@st.cache_data(ttl=IMPACT_TTL, show_spinner=False)
def impact(scope: Scope, filters: ImpactFilters) -> ImpactResult:
    with db() as s:
        settings = runtime().settings
        return build_impact_for(s, scope, filters, settings.min_group_size, settings.min_alpha)


@st.cache_data(ttl=COUNTS_TTL, show_spinner=False)
def counts(scope: Scope, filters: ImpactFilters):
    with db() as s:
        return response_counts(
            s,
            visible_enterprise_ids(s, scope),
            filters,
            runtime().settings.min_group_size,
            visible_cohort_ids(s, scope),
        )


def options_or_stop(scope: Scope, lang: str) -> ImpactOptions:
    """The filter choices of the scope; a scope with no factory says so and stops."""
    opts = options(scope)
    if not opts.enterprises:
        st.info(t("impact.nothing_visible", lang))
        st.stop()
    return opts


def impact_or_stop(scope: Scope, chosen: ImpactFilters, lang: str) -> ImpactResult:
    """The impact for the chosen filters; a filter outside the scope (a tampered widget
    value) is refused with a message, never shown as an empty view."""
    try:
        return impact(scope, chosen)
    except AccessDenied:
        st.error(t("impact.denied", lang))
        st.stop()
