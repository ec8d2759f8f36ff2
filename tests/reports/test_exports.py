"""Downloads: formula injection, summary and codebook sheets, sheet names, demo values,
admin-only raw rows."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from score_impact.db.models import Answer, Response
from score_impact.reports import export
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.services.errors import AccessDenied
from tests.reports.conftest import EVIL_NAME, EVIL_TEXT, scope_for

TABLES = [
    "response_counts",
    "constructs",
    "items",
    "item_distributions",
    "kpi_changes",
    "kpi_tests",
    "did",
    "reliability",
    "scorecard",
    "method_notes",
    "actions",
    "exclusions",
    "item_nonresponse",
    "primary_outcomes",
    "pairing",
    "sensitivity",
    "attrition",
    "with_excluded",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+41 79", "'+41 79"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("x;=1+1", "x;'=1+1"),  # Excel with ";" as list separator would split it
        ("a, -b", "a, '-b"),
        ('x;"=1+1', "x;\"'=1+1"),
        ("note\n@cmd", "note\n'@cmd"),
        ("3-5 years", "3-5 years"),
        (-2.5, -2.5),
        (3, 3),
        (None, None),
    ],
)
def test_escape_cell_prefixes_formula_text_and_leaves_numbers(value, expected):
    assert export.escape_cell(value) == expected


def test_semicolon_formula_is_inert_in_csv():
    """The probe: ``x;=1+1`` in a free-text answer. Excel in vi-VN (list separator ";")
    must read one text cell, and even a reader that ignores quotes finds no part that
    starts a formula."""
    data = export.frame_csv(pd.DataFrame({"value_text": ["x;=1+1"], "n": [3]}))
    text = data.decode("utf-8-sig")
    assert text.splitlines()[1] == '"x;\'=1+1","3"'  # every field quoted
    [_, row] = list(csv.reader(io.StringIO(text)))
    assert row == ["x;'=1+1", "3"]
    # a reader that splits on ";" and "," and ignores the quotes still finds no formula
    parts = [p.strip('" ') for line in text.splitlines() for p in re.split("[;,]", line)]
    assert "'=1+1" in parts
    assert not [p for p in parts if p.startswith(export.FORMULA_PREFIXES)]


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _cells(wb: openpyxl.Workbook):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.fixture(scope="module")
def admin_result(demo_rt):
    with demo_rt.session() as s:
        return build_impact_for(s, scope_for(s, "admin"), ImpactFilters())


def test_xlsx_has_summary_first_then_one_sheet_per_table_then_the_codebook(admin_result):
    wb = _workbook(export.results_xlsx(admin_result))
    assert wb.sheetnames == ["Summary", *TABLES, "Codebook"]
    codebook = wb["Codebook"]
    explained = {(r[0].value, r[2].value) for r in codebook.iter_rows(min_row=2) if r[1].value}
    for name in TABLES:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        for header in next(ws.iter_rows(max_row=1)):
            assert (name, header.value) in explained, (name, header.value)
    meanings = [r[3].value for r in codebook.iter_rows(min_row=2) if r[1].value]
    assert all(meanings), "every column needs a meaning"


def _rows(ws) -> list[dict]:
    """A sheet's rows keyed by column name (its labelled header read back)."""
    names = export.column_names("en")
    header = [names[c.value] for c in ws[1]]
    return [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]


def test_xlsx_holds_known_demo_values(admin_result):
    wb = _workbook(export.results_xlsx(admin_result))
    rows = _rows(wb["response_counts"])
    evergreen = next(
        r
        for r in rows
        if r["enterprise"] == "Dongguan Evergreen Garments" and r["phase"] == "baseline"
    )
    # demo.py: Evergreen expects 120 workers; 80-90% of them answered the baseline
    assert evergreen["expected"] == 120 and 96 <= evergreen["responses"] <= 108
    assert evergreen["response_rate"] == pytest.approx(evergreen["responses"] / 120)  # a number
    labels = {r["label"] for r in _rows(wb["kpi_tests"])}
    assert "On-time delivery rate" in labels


def test_formula_text_is_written_as_text_in_xlsx_and_csv(evil_rt):
    with evil_rt.session() as s:
        admin = scope_for(s, "admin")
        result = build_impact_for(s, admin, ImpactFilters())
        factory = s.scalar(
            select(Response.enterprise_id).join(Answer).where(Answer.value_text == EVIL_TEXT)
        )
        one = ImpactFilters(enterprise_id=factory)  # one factory keeps the raw file small
        raw = export.raw_xlsx(s, admin, one)
        raw_csv = export.raw_csv(s, admin, one).decode("utf-8-sig")
    wb = _workbook(export.results_xlsx(result))
    assert not [c.coordinate for c in _cells(wb) if c.data_type == "f"]
    evil = [c for c in _cells(wb) if c.value == "'" + EVIL_NAME]
    assert evil and all(c.data_type == "s" for c in evil)
    assert not [c for c in _cells(wb) if c.value == EVIL_NAME]
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        counts = zf.read("response_counts.csv").decode("utf-8-sig")
    names = {row["Factory"] for row in csv.DictReader(io.StringIO(counts))}
    assert "'" + EVIL_NAME in names and EVIL_NAME not in names

    raw_wb = _workbook(raw)
    answer = [c for c in _cells(raw_wb) if c.value == "'" + EVIL_TEXT]
    assert answer and answer[0].data_type == "s"
    assert not [c for c in _cells(raw_wb) if c.data_type == "f"]
    rows = list(csv.DictReader(io.StringIO(raw_csv)))
    assert "'" + EVIL_TEXT in {r["value_text"] for r in rows}


def test_raw_rows_leave_out_pairing_hashes_and_client_uuids(demo_rt):
    with demo_rt.session() as s:
        raw = export.raw_rows(s, scope_for(s, "admin"))
        secret = s.execute(
            select(Response.pairing_hash, Response.client_uuid).where(
                Response.pairing_hash.is_not(None)
            )
        ).first()
    assert list(raw.columns) == export.RAW_COLUMNS
    text = raw.astype(str).to_csv()
    assert secret.pairing_hash not in text and secret.client_uuid not in text


@pytest.mark.parametrize("username", ["trainer.li", "northwind", "manager.evergreen"])
def test_raw_rows_are_for_admins_only(demo_rt, username):
    with demo_rt.session() as s, pytest.raises(AccessDenied):
        export.raw_xlsx(s, scope_for(s, username))
