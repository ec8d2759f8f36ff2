"""Impact views stored in the database (score_impact/reports/result_store.py): read back
equal in every cell while their data version holds, never across scopes, never from a
payload the app did not sign, deleted when old."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from score_impact.db.models import Enterprise, StoredResult, utcnow
from score_impact.reports import result_store
from score_impact.reports.data_version import data_version
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.runtime import Runtime
from score_impact.services.errors import AccessDenied
from tests.reports.conftest import scope_for

KEY = b"test-pairing-key"
OPTIONS = {"min_group_size": 5, "min_alpha": 0.6, "secret_key": KEY}


def _stored(rt: Runtime) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(StoredResult))


def test_a_stored_view_reads_back_equal_in_every_cell(seeded_demo: Runtime, builds: list[str]):
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
        first = result_store.stored_impact(s, brand, ImpactFilters(), "v1", **OPTIONS)
    with seeded_demo.session() as s:  # another session, as another process would open
        again = result_store.stored_impact(s, brand, ImpactFilters(), "v1", **OPTIONS)
        assert builds == ["northwind"]
        for (name, old), (_, new) in zip(first.tables(), again.tables(), strict=True):
            pd.testing.assert_frame_equal(old, new, obj=name)
        assert (again.enterprises, again.filters) == (first.enterprises, first.filters)
        # a newer data version is computed again and replaces the row
        result_store.stored_impact(s, brand, ImpactFilters(), "v2", **OPTIONS)
    assert builds == ["northwind", "northwind"] and _stored(seeded_demo) == 1


def test_views_never_cross_scopes_filters_or_settings(seeded_demo: Runtime, builds: list[str]):
    with seeded_demo.session() as s:
        northwind, lotus = scope_for(s, "northwind"), scope_for(s, "lotus")
        result_store.stored_impact(s, northwind, ImpactFilters(), "v1", **OPTIONS)
        theirs = result_store.stored_impact(s, lotus, ImpactFilters(), "v1", **OPTIONS)
        assert builds == ["northwind", "lotus"]  # same filters and version: computed anew
        names = dict(s.execute(select(Enterprise.id, Enterprise.name)).all())
        assert set(theirs.enterprises) <= {names[i] for i in lotus.enterprise_ids}
    keys = {
        result_store.view_key(northwind, ImpactFilters(), 5, 0.6),
        result_store.view_key(lotus, ImpactFilters(), 5, 0.6),
        result_store.view_key(northwind, ImpactFilters(lang="zh"), 5, 0.6),
        result_store.view_key(northwind, ImpactFilters(), 10, 0.6),
        result_store.view_key(northwind, ImpactFilters(), 5, 0.7),
    }
    assert len(keys) == 5


def test_a_code_change_is_another_view(seeded_demo: Runtime, monkeypatch: pytest.MonkeyPatch):
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
    before = result_store.view_key(brand, ImpactFilters(), 5, 0.6)
    monkeypatch.setattr(result_store, "code_version", lambda: "another deploy")
    assert result_store.view_key(brand, ImpactFilters(), 5, 0.6) != before


class _Payload:
    """What a forged row could hold: unpickling it would run ``ran.append``."""

    ran: list[str] = []

    def __reduce__(self):  # noqa: ANN204
        return (_Payload.ran.append, ("unpickled",))


def test_a_payload_the_app_did_not_sign_is_never_unpickled(seeded_demo: Runtime, builds: list[str]):
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
        result_store.stored_impact(s, brand, ImpactFilters(), "v1", **OPTIONS)
        forged = b"\0" * 32 + __import__("zlib").compress(pickle.dumps(_Payload()))
        s.execute(update(StoredResult).values(payload=forged))
        s.commit()
        result_store.stored_impact(s, brand, ImpactFilters(), "v1", **OPTIONS)
        assert _Payload.ran == [] and builds == ["northwind", "northwind"]
        # signed with another app's key: refused too
        other = {**OPTIONS, "secret_key": b"another key"}
        result_store.stored_impact(s, brand, ImpactFilters(), "v1", **other)
        assert builds == ["northwind"] * 3


def test_old_views_are_purged(seeded_demo: Runtime):
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
        result = build_impact_for(s, brand, ImpactFilters(), 5)
        for n, version in enumerate(("a", "b")):
            key = result_store.view_key(brand, ImpactFilters(lang=("en", "zh")[n]), 5, 0.6)
            result_store.save(s, key, version, result, KEY)
        old = utcnow() - result_store.KEEP - timedelta(hours=1)
        s.execute(
            update(StoredResult).where(StoredResult.data_version == "a").values(created_at=old)
        )
        s.commit()
        assert result_store.purge(s) == 1
        assert s.scalars(select(StoredResult.data_version)).all() == ["b"]
        # the same view saved twice (two processes at once) is one row, no error
        result_store.save(s, key, "b", result, KEY)
    assert _stored(seeded_demo) == 1


def test_a_large_scope_is_computed_in_a_child_process(
    seeded_demo: Runtime, builds: list[str], monkeypatch: pytest.MonkeyPatch
):
    """Above CHILD_ABOVE responses the app's process never builds the view: a child does
    and stores it, with every cell equal to the build here; a refusal comes back as one."""
    monkeypatch.setattr(result_store, "CHILD_ABOVE", 0)
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
        there = result_store.stored_impact(s, brand, ImpactFilters(), "v1", **OPTIONS)
        assert builds == []
        here = build_impact_for(s, brand, ImpactFilters(), 5, 0.6)
        for (name, a), (_, b) in zip(there.tables(), here.tables(), strict=True):
            pd.testing.assert_frame_equal(a, b, obj=name)
        lotus_only = next(iter(scope_for(s, "lotus").enterprise_ids - brand.enterprise_ids))
        with pytest.raises(AccessDenied, match="may not see enterprise"):
            result_store.stored_impact(
                s, brand, ImpactFilters(enterprise_id=lotus_only), "v1", **OPTIONS
            )


def test_a_download_is_made_once_per_view_and_data_version(seeded_demo: Runtime):
    made: list[str] = []

    def make(text: str):  # noqa: ANN202
        return lambda: made.append(text) or text.encode()

    with seeded_demo.session() as s:
        key = result_store.view_key(scope_for(s, "northwind"), ImpactFilters(), 5, 0.6)
        assert result_store.stored_file(s, key, "v1", "pdf", make("first"), KEY) == b"first"
        assert result_store.stored_file(s, key, "v1", "pdf", make("again"), KEY) == b"first"
        assert result_store.stored_file(s, key, "v2", "pdf", make("newer"), KEY) == b"newer"
        assert result_store.stored_file(s, key, "v2", "xlsx", make("book"), KEY) == b"book"
        s.execute(update(StoredResult).values(payload=b"\0" * 32 + b"forged"))
        s.commit()
        assert result_store.stored_file(s, key, "v2", "pdf", make("remade"), KEY) == b"remade"
    assert made == ["first", "newer", "book", "remade"]


def test_a_view_computed_ahead_comes_with_its_pdf(seeded_demo: Runtime, builds: list[str]):
    with seeded_demo.session() as s:
        brand = scope_for(s, "northwind")
        result_store.compute(s, brand, ImpactFilters(lang="zh"), 5, 0.6, KEY, ahead=True)
        version = data_version(s, brand)
        key = result_store.view_key(brand, ImpactFilters(lang="zh"), 5, 0.6)
        never = lambda: pytest.fail("the PDF was made again")  # noqa: E731
        assert result_store.stored_file(s, key, version, "pdf", never, KEY).startswith(b"%PDF")
    assert builds == ["northwind"]
