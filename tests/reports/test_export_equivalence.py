"""The fast download writers make the files the openpyxl / per-cell versions made.

``export_reference`` keeps the code as it was before issue 13. Each download of a demo
view is compared with it: every part of a workbook byte for byte (but its creation time in
``docProps/core.xml``) and then cell by cell as openpyxl reads it back (sheet names,
values, types, number formats, header style, wrapping, frozen panes, widths), and every
CSV byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from score_impact.db.models import Enterprise
from score_impact.reports import export
from score_impact.reports.impact import ImpactFilters, build_impact_for
from tests.reports import export_reference as reference
from tests.reports.conftest import scope_for

NOW = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)


class _FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206 (datetime's own signature)
        return NOW if tz else NOW.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    """The report's "made at" minute is the same in both files."""
    monkeypatch.setattr(export, "datetime", _FrozenDatetime)


VIEWS = [("admin", "en"), ("northwind", "zh"), ("northwind", "vi")]


@pytest.fixture(scope="module")
def views(demo_rt):
    with demo_rt.session() as s:
        return {
            (user, lang): build_impact_for(s, scope_for(s, user), ImpactFilters(lang=lang))
            for user, lang in VIEWS
        }


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def _cells(data: bytes) -> dict:
    """Everything a person sees of a workbook, as openpyxl reads it back."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen: dict = {"sheets": book.sheetnames}
    for ws in book.worksheets:
        seen[ws.title] = {
            "freeze": ws.freeze_panes,
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
            "cells": [
                (c.coordinate, c.value, c.data_type, c.number_format, c.font.b,
                 c.fill.fgColor.rgb, c.alignment.wrap_text, c.alignment.vertical)
                for row in ws.iter_rows() for c in row
            ],
        }  # fmt: skip
    return seen


def _assert_same_workbook(new: bytes, old: bytes) -> None:
    new_parts, old_parts = _parts(new), _parts(old)
    assert sorted(new_parts) == sorted(old_parts)
    for name, part in old_parts.items():
        assert new_parts[name] == part, name
    assert _cells(new) == _cells(old)


@pytest.mark.parametrize("view", VIEWS[:2], ids=lambda v: "-".join(v))
def test_results_workbook_is_the_openpyxl_workbook(views, view):
    result = views[view]
    _assert_same_workbook(export.results_xlsx(result), reference.results_xlsx(result))


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: "-".join(v))
def test_results_csv_files_are_byte_for_byte_the_old_ones(views, view):
    result = views[view]
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    assert files == reference.results_csv_files(result)


def test_raw_rows_and_files_are_the_old_ones(demo_rt, monkeypatch):
    with demo_rt.session() as s:
        admin = scope_for(s, "admin")
        everything = export.raw_rows(s, admin)
        one = ImpactFilters(enterprise_id=s.scalar(select(func.min(Enterprise.id))))
        new_rows = export.raw_rows(s, admin, one)
        new_csv, new_xlsx = export.raw_csv(s, admin, one), export.raw_xlsx(s, admin, one)
        monkeypatch.setattr(export, "_frame", reference.frame_from_rows)
        old_all, old_rows = export.raw_rows(s, admin), export.raw_rows(s, admin, one)
    pd.testing.assert_frame_equal(everything, old_all, check_exact=True)
    pd.testing.assert_frame_equal(new_rows, old_rows, check_exact=True)
    assert len(old_rows) > 1000 and old_rows["submitted_at"].notna().all()
    assert new_csv == reference.frame_csv(old_rows)
    _assert_same_workbook(new_xlsx, reference.raw_xlsx(old_rows, "en"))


AWKWARD = pd.DataFrame(
    {
        "text": ["=1+1", "", "  padded ", "a & <b> \"c\"", "中文 Tiếng Việt", None, "x;-1", "\tx"],
        "number": [1.0, 0.30000000000000004, 3e20, -0.0, float("nan"), 12.5, 7.0, 1 / 3],
        "count": [1, 2, 3, 4, 5, 6, 7, 8],
        "flag": [True, False, True, None, False, True, None, False],
        "when": [dt.datetime(2026, 1, 2, 3, 4, 5, 678901), None, dt.datetime(1900, 2, 1),
                 dt.datetime(2030, 12, 31), None, None, None, dt.datetime(2026, 6, 1)],
        "day": [dt.date(2026, 1, 2), None, None, None, None, None, None, None],
        "mixed": ["suppressed", 3, 2.5, None, True, "n", 0, -1.25],
    }
)  # fmt: skip


@pytest.mark.parametrize("widths", [None, {1: 20, 3: 5}], ids=["fitted", "wrapped"])
def test_writer_matches_openpyxl_on_awkward_values(widths):
    book = export.XlsxBook()
    export._write_sheet(book, "sheet", AWKWARD, widths)
    _assert_same_workbook(book.save(), reference.workbook(AWKWARD, widths))


def test_awkward_values_csv_is_byte_for_byte_the_old_one():
    assert export.frame_csv(AWKWARD) == reference.frame_csv(AWKWARD)
    frame = AWKWARD.assign(mean=[1.234, None, 2.0, 3.456, 4.0, 5.5, 6.0, 7.0], n=range(8))
    assert export.labelled(frame, "zh").equals(reference.labelled(frame, "zh"))
