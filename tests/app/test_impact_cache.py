"""The pages' cached impact results (pages/impact_view.py): computed once per scope,
filters and data version; a new response is in the next result at once (no timer to wait
out); two scopes never share a result, even with the same filters."""

from __future__ import annotations

import pandas as pd
import pytest

from pages import impact_view as view
from score_impact.reports.impact import ImpactFilters
from score_impact.runtime import Runtime
from tests.conftest import Accounts, World
from tests.reports.test_data_version import scope_named, submit_workers


@pytest.fixture(autouse=True)
def empty_page_cache() -> None:
    view._impact.clear()


def responses(result) -> dict[str, float]:  # noqa: ANN001
    counts = result.response_counts
    shown = counts[counts["phase"] == "baseline"]
    return dict(zip(shown["enterprise"], shown["responses"].fillna(0), strict=True))


def test_a_new_response_invalidates_the_cached_result(
    rt: Runtime, world: World, accounts: Accounts, builds: list[str]
) -> None:
    brand, chosen = scope_named(rt, "brand"), ImpactFilters()
    submit_workers(rt, world, world.enterprise_ids[0], n=5)
    first = view.impact(brand, chosen)
    assert view.impact(brand, chosen) is not None and builds == ["brand"]  # cached
    assert responses(first)["Alpha Garments"] == 5
    submit_workers(rt, world, world.enterprise_ids[0])
    assert responses(view.impact(brand, chosen))["Alpha Garments"] == 6
    assert builds == ["brand", "brand"]


def test_two_scopes_never_share_a_cached_result(
    rt: Runtime, world: World, accounts: Accounts, builds: list[str]
) -> None:
    for enterprise_id in world.enterprise_ids:
        submit_workers(rt, world, enterprise_id, n=5)
    brand, manager = scope_named(rt, "brand"), scope_named(rt, "manager")
    chosen = ImpactFilters()
    seen_by_brand = responses(view.impact(brand, chosen))
    seen_by_manager = responses(view.impact(manager, chosen))
    assert builds == ["brand", "manager"]
    assert seen_by_brand == {"Alpha Garments": 5, "Beta Knitwear": 5}
    assert seen_by_manager == {"Alpha Garments": 5}  # not Beta's, although cached above


def test_another_process_reads_the_stored_result(
    rt: Runtime, world: World, accounts: Accounts, builds: list[str]
) -> None:
    """An empty process cache (a restart, the next process behind the proxy) reads the
    result the first computed, while its data version holds; a change computes anew."""
    submit_workers(rt, world, world.enterprise_ids[0], n=5)
    brand, chosen = scope_named(rt, "brand"), ImpactFilters()
    first = view.impact(brand, chosen)
    view._impact.clear()  # as a fresh process
    again = view.impact(brand, chosen)
    assert builds == ["brand"] and responses(again) == responses(first)
    assert responses(again)["Alpha Garments"] == 5
    submit_workers(rt, world, world.enterprise_ids[0])
    view._impact.clear()
    assert responses(view.impact(brand, chosen))["Alpha Garments"] == 6
    assert builds == ["brand", "brand"]


def test_live_counts_read_the_stored_view_and_equal_the_counted_ones(
    rt: Runtime, world: World, accounts: Accounts, builds: list[str]
) -> None:
    submit_workers(rt, world, world.enterprise_ids[0], n=6)
    brand, chosen = scope_named(rt, "brand"), ImpactFilters()
    counted = view._counts(brand, chosen, view._version(brand))  # nothing stored yet
    result = view.impact(brand, chosen)
    view._impact.clear()
    pd.testing.assert_frame_equal(view.counts(brand, chosen), result.response_counts)
    pd.testing.assert_frame_equal(counted, result.response_counts)
    assert builds == ["brand"]
