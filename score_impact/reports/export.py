"""Downloads: aggregated impact tables as CSV (zip) and Excel, raw rows for admins only.

Every cell goes through :func:`escape_cell` first. A downloaded file is opened in Excel or
LibreOffice, where text such as ``=HYPERLINK(...)`` typed into a survey's free-text
answer or an enterprise name would run as a formula (CSV/formula injection). Following
the OWASP guidance, text starting with ``= + - @``, tab or carriage return gets a leading
apostrophe, and in XLSX is stored as a string cell; numbers stay numbers.

Suppressed rows arrive already worded "suppressed" (:func:`impact.for_display`), so no
count or mean of a small group can reach a file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from analysis.adapter import RoundFilter, pair_ids, phase_order
from score_impact.db.models import Answer, Cohort, Enterprise, Response, SurveyRound
from score_impact.i18n import strings, t
from score_impact.reports.impact import ImpactFilters, ImpactResult, for_display
from score_impact.services.scope import Scope, require_admin, visible_enterprise_ids

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_WIDTH = 60

#: Raw export columns: no pairing hashes, no client UUIDs (see :func:`raw_rows`).
RAW_COLUMNS: list[str] = [
    "response_id",
    "cohort",
    "phase",
    "enterprise",
    "audience",
    "language",
    "source",
    "submitted_at",
    "pair_id",
    "item_id",
    "value_num",
    "value_text",
]


def escape_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; other values unchanged.

    >>> escape_cell("=1+1"), escape_cell("-3"), escape_cell(-3.0), escape_cell("ok")
    ("'=1+1", "'-3", -3.0, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_value(value: Any) -> Any:
    """A plain Python value for a file cell: NaN/NA -> None, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; stored values are UTC
    return escape_cell(value)


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell passed through :func:`escape_cell` (header names included)."""
    out = frame.astype(object).map(_cell_value)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def frame_csv(frame: pd.DataFrame) -> bytes:
    """One table as UTF-8 CSV with a byte-order mark (so Excel reads Chinese correctly)."""
    return escape_frame(frame).to_csv(index=False).encode("utf-8-sig")


# ----- column help (README sheet / README.csv) ---------------------------------------------


def column_help(column: str, lang: str = "en") -> str:
    """What a column means, in ``lang`` (``export.col.*``; empty for an unknown column)."""
    key = f"export.col.{column}"
    return t(key, lang) if key in strings() else ""


def table_help(name: str, lang: str = "en") -> str:
    """What a table holds, in ``lang`` (``export.table.*``; the name for an unknown table)."""
    key = f"export.table.{name}"
    return t(key, lang) if key in strings() else name


def readme_frame(tables: Iterable[tuple[str, pd.DataFrame]], lang: str = "en") -> pd.DataFrame:
    """table, column, meaning for every column of every table."""
    rows = []
    for name, frame in tables:
        rows.append({"table": name, "column": "", "meaning": table_help(name, lang)})
        rows.extend(
            {"table": name, "column": str(c), "meaning": column_help(str(c), lang)}
            for c in frame.columns
        )
    return pd.DataFrame(rows, columns=["table", "column", "meaning"])


def _about(result: ImpactResult) -> list[tuple[str, str]]:
    """Key facts shown at the top of the README: when, what, the suppression rule."""
    lang, f = result.filters.lang, result.filters
    return [
        (t("report.title", lang), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (t("report.enterprises", lang), ", ".join(result.enterprises) or "-"),
        (t("report.phases", lang), f"{f.baseline} -> {f.follow_up}"),
        (
            t("report.suppression_rule", lang),
            t("report.note.suppression", lang, k=result.min_group_size),
        ),
    ]


def display_tables(result: ImpactResult) -> list[tuple[str, pd.DataFrame]]:
    """The tables as they appear in files: suppressed numbers worded, nothing dropped."""
    return [(name, for_display(frame)) for name, frame in result.tables()]


def results_csv_zip(result: ImpactResult) -> bytes:
    """A zip with README.csv and one CSV per table."""
    tables = display_tables(result)
    readme = pd.concat(
        [
            pd.DataFrame(_about(result), columns=["table", "meaning"]).assign(column=""),
            readme_frame(tables, result.filters.lang),
        ],
        ignore_index=True,
    )[["table", "column", "meaning"]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.csv", frame_csv(readme))
        for name, frame in tables:
            zf.writestr(f"{name}.csv", frame_csv(frame))
    return buffer.getvalue()


def _header_cell(ws: Worksheet, name: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=escape_cell(str(name)) if name is not None else None)
    cell.data_type = "s"
    cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    return cell


def _body_cell(ws: Worksheet, raw: Any, wrap: bool = False) -> WriteOnlyCell | None:
    value = _cell_value(raw)
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write_sheet(
    wb: Workbook, title: str, frame: pd.DataFrame, widths: dict[int, float] | None = None
) -> None:
    """A write-only sheet (fast for the raw export's tens of thousands of rows): styled,
    frozen header row; escaped values; strings stored as string cells; fitted widths."""
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    values = frame.astype(object).to_numpy()
    fitted = [len(str(c)) for c in frame.columns]
    for j in range(values.shape[1]):
        lengths = [len(str(v)) for v in values[:2000, j] if _cell_value(v) is not None]
        fitted[j] = max([fitted[j], *lengths])
    for j, width in enumerate(fitted, start=1):
        width = (widths or {}).get(j, width + 2)
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), MAX_WIDTH + 30)
    ws.append([_header_cell(ws, c) for c in frame.columns])
    wrap = widths is not None
    for row in values:
        if wrap:
            ws.append([_body_cell(ws, v, wrap) for v in row])
        else:
            # Plain values are much faster; escaped text never starts with "=", so openpyxl
            # stores every str as a string cell (data_type "s"), never as a formula.
            ws.append([_cell_value(v) for v in row])


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def results_xlsx(result: ImpactResult) -> bytes:
    """Workbook: README (every column explained, then facts and method notes beside
    it), then one sheet per table."""
    tables = display_tables(result)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = pd.concat([facts, result.method_notes], ignore_index=True)
    help_rows = readme_frame(tables, result.filters.lang)
    readme = pd.concat(
        [help_rows, pd.DataFrame({"": [None] * len(help_rows)}), notes], axis=1
    ).astype(object)
    wb = Workbook(write_only=True)
    _write_sheet(wb, "README", readme, widths={1: 20, 2: 24, 3: 60, 4: 3, 5: 20, 6: 90})
    for name, frame in tables:
        _write_sheet(wb, name, frame)
    return _save(wb)


# ----- raw rows (admins only) ---------------------------------------------------------------


def _frame(session: Session, stmt: Select) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, one column per selected column (even when empty)."""
    return pd.DataFrame(session.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))


def raw_rows(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> pd.DataFrame:
    """Every stored answer, one row each, for the admin's checks and re-analysis.

    Admins only (``require_admin`` raises ``AccessDenied`` for anyone else): free-text
    answers and small groups are not suppressed here. Pairing hashes and client UUIDs are
    never exported; ``pair_id`` is the opaque match label the analysis uses.

    The answers are read with the responses' own filter joined in (never an ``IN`` list of
    response ids: PostgreSQL takes at most 65,535 bound parameters a statement, and a
    programme's raw file holds more responses than that).
    """
    require_admin(scope)
    filters = filters or ImpactFilters()
    ids = sorted(visible_enterprise_ids(session, scope))
    if filters.enterprise_id is not None:
        ids = [i for i in ids if i == filters.enterprise_id]
    where = [
        Response.enterprise_id.in_(ids),
        SurveyRound.phase.in_([filters.baseline, filters.follow_up]),
    ]
    if filters.cohort_id is not None:
        where.append(SurveyRound.cohort_id == filters.cohort_id)
    if filters.source is not None:
        where.append(Response.source == filters.source)
    heads = (
        select(
            Response.id.label("response_id"),
            Cohort.name.label("cohort"),
            SurveyRound.phase,
            Enterprise.name.label("enterprise"),
            Response.audience,
            Response.language,
            Response.source,
            Response.submitted_at,
        )
        .join(SurveyRound, SurveyRound.id == Response.round_id)
        .join(Cohort, Cohort.id == SurveyRound.cohort_id)
        .join(Enterprise, Enterprise.id == Response.enterprise_id)
        .where(*where)
    )
    head = _frame(session, heads)
    pairs = pair_ids(session, ids, RoundFilter(cohort_id=filters.cohort_id))
    head["pair_id"] = head["response_id"].map(pairs).astype(object)
    answers = (
        select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text)
        .join(Response, Response.id == Answer.response_id)
        .join(SurveyRound, SurveyRound.id == Response.round_id)
        .where(*where)
        .order_by(Answer.response_id, Answer.id)
    )
    given = _frame(session, answers)
    out = given.merge(head, on="response_id", how="inner")[RAW_COLUMNS]
    out["_o"] = out["phase"].map(phase_order)
    return out.sort_values(["_o", "response_id"], kind="stable").drop(columns="_o")


def raw_xlsx(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as a workbook (README + raw sheet); admins only."""
    frame = raw_rows(session, scope, filters)
    lang = (filters or ImpactFilters()).lang
    wb = Workbook(write_only=True)
    _write_sheet(wb, "README", readme_frame([("raw", frame)], lang))
    _write_sheet(wb, "raw", frame)
    return _save(wb)


def raw_csv(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as one CSV; admins only."""
    return frame_csv(raw_rows(session, scope, filters))
