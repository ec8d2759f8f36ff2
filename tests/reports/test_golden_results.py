"""Every number of the report, old read path vs new (issue 13).

The read path was rewritten for speed (rows read as tuples, vectorised tests, pairing read
once, ...). ``tests/data/golden_results.json.gz`` holds every cell of every table of four
views of the seeded demo, written by the code *before* that rewrite (main at e8f73d4). The
test builds the same views with today's code, on SQLite and PostgreSQL, and asks for every
cell again: text equal, numbers equal to 1e-9 (relative to the number's size above 1),
blanks where there were blanks, same columns in the same order, same rows in the same order.

When a change means to move a number (a corrected statistic, a new column), write the file
again and say so in the commit: ``SCORE_WRITE_GOLDEN=1 pytest -n 0
tests/reports/test_golden_results.py -k sqlite``.

Dates that depend on the day the demo was seeded (due dates, "overdue") are left out of
the comparison: the demo seeds them relative to today.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from score_impact.db.models import Cohort
from score_impact.reports.impact import ImpactFilters, ImpactResult, build_impact_for
from score_impact.runtime import Runtime
from tests.reports.conftest import scope_for

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden_results.json.gz"
#: day-of-seeding columns, see the module notes
DATED = {"due_date", "overdue"}
TOLERANCE = 1e-9
COHORT = "Dongguan Module 1 - 2026 spring"  # the trainer's view: one cohort, as the dashboard


def _views(rt: Runtime) -> Iterator[tuple[str, ImpactResult]]:
    """(name, result) of each view compared: a brand, the admin, a brand in Chinese, a
    trainer's cohort, and a demographic band (its own path: no factory rows, no DiD)."""
    with rt.session() as s:
        cohort = s.scalar(select(Cohort.id).where(Cohort.name == COHORT))
        views = {
            "northwind": ("northwind", ImpactFilters()),
            "admin": ("admin", ImpactFilters()),
            "northwind-zh": ("northwind", ImpactFilters(lang="zh")),
            "trainer-cohort": ("trainer.li", ImpactFilters(cohort_id=cohort)),
            "admin-band": ("admin", ImpactFilters(band="demo_gender", band_value="woman")),
        }
        for name, (user, filters) in views.items():
            yield name, build_impact_for(s, scope_for(s, user), filters, 5)


def _cell(value: object) -> object:
    """A JSON-safe cell: numbers as floats (``repr``-exact in JSON), blanks as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, list | tuple | np.ndarray):
        return [_cell(v) for v in value]
    return str(value)


def _table(frame: pd.DataFrame) -> dict:
    columns = [c for c in frame.columns if c not in DATED]
    rows = frame[columns].astype(object).to_numpy().tolist()
    return {"columns": [str(c) for c in columns],
            "rows": [[_cell(v) for v in row] for row in rows]}  # fmt: skip


def _snapshot(rt: Runtime) -> dict:
    snap = {}
    for name, result in _views(rt):
        tables = {table: _table(frame) for table, frame in result.tables()}
        tables["_enterprises"] = {"columns": ["enterprise"],
                                  "rows": [[e] for e in result.enterprises]}  # fmt: skip
        tables["_excluded"] = {"columns": ["excluded"], "rows": [[float(result.excluded)]]}
        snap[name] = tables
    return snap


def _same(old: object, new: object) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) <= TOLERANCE * max(1.0, abs(old))
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(map(_same, old, new))
    return old == new


def _differences(golden: dict, now: dict) -> list[str]:
    found = []
    for view, tables in golden.items():
        for table, old in tables.items():
            new = now[view].get(table)
            where = f"{view}.{table}"
            if new is None or new["columns"] != old["columns"]:
                found.append(f"{where}: columns {old['columns']} -> {new and new['columns']}")
            elif len(new["rows"]) != len(old["rows"]):
                found.append(f"{where}: {len(old['rows'])} rows -> {len(new['rows'])}")
            else:
                for i, (a, b) in enumerate(zip(old["rows"], new["rows"], strict=True)):
                    for col, x, y in zip(old["columns"], a, b, strict=True):
                        if not _same(x, y):
                            found.append(f"{where} row {i} {col}: {x!r} -> {y!r}")
        extra = set(now[view]) - set(tables)
        if extra:
            found.append(f"{view}: new tables {sorted(extra)}")
    return found


def test_every_cell_equals_the_old_read_path(seeded_demo: Runtime, database_url: str):
    now = _snapshot(seeded_demo)
    if os.environ.get("SCORE_WRITE_GOLDEN") and database_url.startswith("sqlite"):
        GOLDEN.write_bytes(gzip.compress(json.dumps(now, ensure_ascii=False).encode(), 9))
    golden = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert set(now) == set(golden)
    cells = sum(len(t["rows"]) * len(t["columns"]) for v in golden.values() for t in v.values())
    assert cells > 100_000  # the file holds the whole report, not a sample of it
    differences = _differences(golden, now)
    assert not differences, f"{len(differences)} cells differ:\n" + "\n".join(differences[:40])


def test_the_comparison_sees_a_moved_number():
    """The check itself: a number moved by more than the tolerance, a blank filled, text
    changed or a row lost is reported; float noise below it is not."""
    old = {"v": {"t": {"columns": ["a", "b"], "rows": [[1.0, "x"], [None, "y"]]}}}

    def moved(rows: list) -> list[str]:
        return _differences(old, {"v": {"t": {"columns": ["a", "b"], "rows": rows}}})

    assert moved([[1.0 + 1e-12, "x"], [None, "y"]]) == []
    assert moved([[1.0 + 1e-6, "x"], [None, "y"]])
    assert moved([[1.0, "x"], [0.0, "y"]])
    assert moved([[1.0, "z"], [None, "y"]])
    assert moved([[1.0, "x"]])
