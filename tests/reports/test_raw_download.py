"""The admin's raw workbook made in a child process (score_impact/reports/raw_download.py):
the same cells as the workbook made here; refused for anyone but admins."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from score_impact.reports import export, raw_download
from score_impact.reports.impact import ImpactFilters
from score_impact.runtime import Runtime
from score_impact.services.errors import AccessDenied
from tests.reports.conftest import scope_for


def _cells(book: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(book), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_the_child_makes_the_same_workbook(seeded_demo: Runtime):
    with seeded_demo.session() as s:
        admin, brand = scope_for(s, "admin"), scope_for(s, "northwind")
        here = export.raw_xlsx(s, admin, ImpactFilters(lang="zh"))
    there = raw_download.raw_xlsx(admin, ImpactFilters(lang="zh"))
    cells = _cells(there)
    assert cells == _cells(here)
    assert len(cells["raw"]) > 40_000  # every answer of the demo, not a sample
    with pytest.raises(AccessDenied):
        raw_download.raw_xlsx(brand, ImpactFilters())
