"""Downloads: aggregated impact tables as CSV (zip) and Excel, raw rows for admins only.

Every cell goes through :func:`escape_cell` first. A downloaded file is opened in Excel or
LibreOffice, where text such as ``=HYPERLINK(...)`` typed into a survey's free-text
answer or an enterprise name would run as a formula (CSV/formula injection). Following
the OWASP guidance, text starting with ``= + - @``, tab or carriage return gets a leading
apostrophe, and in XLSX is stored as a string cell; numbers stay numbers. Where a formula
could start *inside* a cell (after a comma, semicolon, tab, pipe or line break) it gets the
apostrophe too: Excel in locales whose list separator is ";" (vi-VN, much of Europe) splits
an unquoted ``x;=1+1`` into two cells, the second a live formula. CSV files also quote
every field, so no separator inside a cell is ever read as one.

Suppressed rows arrive already worded "suppressed" (:func:`impact.for_display`), so no
count or mean of a small group can reach a file.

Files for people (:func:`results_xlsx`, :func:`results_csv_zip`) open with the executive
summary (:mod:`score_impact.reports.summary`), head every column with its label in the
chosen language (``export.label.*``), round numbers by what they are (:data:`NUMBER_KINDS`:
counts, means, p-values, shares) and explain every column in a codebook (column, label,
meaning from ``export.col.*``) next to the method notes. The API keeps the machine names
(:func:`display_tables` + :func:`frame_csv`).
"""

from __future__ import annotations

import csv
import io
import re
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
from score_impact.reports.impact import SUPPRESSED, ImpactFilters, ImpactResult, for_display
from score_impact.reports.summary import executive_summary, phase_name
from score_impact.services.scope import Scope, require_admin, visible_enterprise_ids

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start of the text or of any part a separator could split off.
_FORMULA_PART = re.compile(r"(^|[,;|\t\r\n])([ \"]*)(?=[=+\-@])")
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

    >>> escape_cell("=1+1"), escape_cell("-3"), escape_cell(-3.0), escape_cell("x;=1+1")
    ("'=1+1", "'-3", -3.0, "x;'=1+1")
    """
    if not isinstance(value, str):
        return value
    if value.startswith(("\t", "\r")):
        value = "'" + value
    return _FORMULA_PART.sub(lambda m: f"{m[1]}{m[2]}'", value)


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
    """One table as UTF-8 CSV with a byte-order mark (so Excel reads Chinese correctly),
    every field quoted."""
    return escape_frame(frame).to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig")


# ----- column help (README sheet / README.csv) ---------------------------------------------


def column_help(column: str, lang: str = "en") -> str:
    """What a column means, in ``lang`` (``export.col.*``; empty for an unknown column)."""
    key = f"export.col.{column}"
    return t(key, lang) if key in strings() else ""


def table_help(name: str, lang: str = "en") -> str:
    """What a table holds, in ``lang`` (``export.table.*``; the name for an unknown table)."""
    key = f"export.table.{name}"
    return t(key, lang) if key in strings() else name


#: How a column's numbers are shown: Excel number format and the decimals a CSV keeps.
#: Shares (0-1) are formatted as percentages; % changes are already in percent points.
NUMBER_KINDS: dict[str, tuple[str, int]] = {
    "count": ("0", 0),
    "mean": ("0.00", 2),
    "p": ("0.000", 4),
    "share": ("0.0%", 3),
    "percent": ('0.0"%"', 1),
    "decimal": ("0.0", 1),
}
_COUNTS = {"enterprise_id", "expected", "responses", "n", "point", "phase_order", "n_items",
           "version", "assignments", "n_workers", "follow_up_responses", "exact", "tolerant",
           "unmatched", "answered", "declined", "not_answered"}  # fmt: skip
_SHARES = {"response_rate", "share", "exact_rate", "tolerant_rate", "unmatched_rate",
           "declined_share"}  # fmt: skip
_PERCENT = {"pct_change", "sesoi_pct"}


def number_kind(column: str) -> str:
    """The kind of number a column holds (a key of :data:`NUMBER_KINDS`)."""
    if column in _SHARES:
        return "share"
    if column in _PERCENT:
        return "percent"
    if column == "p" or column.startswith("p_"):
        return "p"
    if column in _COUNTS or column.startswith("n_"):
        return "count"
    if column == "df":
        return "decimal"
    return "mean"


def column_label(column: str, lang: str = "en") -> str:
    """A column's header for people, in ``lang`` (``export.label.*``; else its name)."""
    key = f"export.label.{column}"
    return t(key, lang) if key in strings() else column


def column_names(lang: str = "en") -> dict[str, str]:
    """Label in ``lang`` -> machine name: reads a labelled file back into the columns the
    codebook and the API use."""
    prefix = "export.label."
    return {t(k, lang): k.removeprefix(prefix) for k in strings() if k.startswith(prefix)}


def _is_suppressed(value: Any) -> bool:
    return isinstance(value, str) and value == SUPPRESSED


def _rounded(value: Any, column: str) -> Any:
    if isinstance(value, bool | np.bool_) or not isinstance(value, float | np.floating):
        return value
    if np.isnan(value):
        return value
    digits = NUMBER_KINDS[number_kind(column)][1]
    return round(float(value), digits) if digits else round(float(value))


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display table for a person's file: numbers rounded by kind (:func:`number_kind`),
    the word "suppressed" in ``lang``, columns headed by their labels."""
    hidden = t("report.suppressed", lang)
    out = frame.copy().astype(object)
    for column in out.columns:
        name = str(column)
        out[column] = [hidden if _is_suppressed(v) else _rounded(v, name) for v in out[column]]
    out.columns = [column_label(str(c), lang) for c in frame.columns]
    return out


def codebook_frame(tables: Iterable[tuple[str, pd.DataFrame]], lang: str) -> pd.DataFrame:
    """table, column, label, meaning for every column of every table (the label is the
    header people see; the column is the machine name the API and codebook use)."""
    rows = []
    for name, frame in tables:
        rows.append({"table": name, "column": "", "label": "", "meaning": table_help(name, lang)})
        rows.extend(
            {"table": name, "column": str(c), "label": column_label(str(c), lang),
             "meaning": column_help(str(c), lang)}
            for c in frame.columns
        )  # fmt: skip
    columns = ["table", "column", "label", "meaning"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.columns = [t(f"export.codebook.{c}", lang) for c in columns]
    return frame


def summary_frame(result: ImpactResult) -> pd.DataFrame:
    """The executive summary as one table for the summary sheet / summary.csv: the
    sentences, the scorecard (one row per stakeholder), the key figures."""
    summary = executive_summary(result)
    lang = summary.lang
    headers = summary.headers()
    width = len(headers)
    rows: list[list[Any]] = [[f"{k}: {v}", *[None] * (width - 1)] for k, v in _about(result)]
    rows.append([None] * width)
    rows += [[s, *[None] * (width - 1)] for s in summary.sentences]
    rows += [[n, *[None] * (width - 1)] for n in summary.notes]
    rows.append([None] * width)
    rows.append(headers)
    rows += summary.table_rows()
    rows.append([None] * width)
    rows.append([t("summary.key_figures", lang), *[None] * (width - 1)])
    rows += [
        [f.label, _rounded(f.value, "share") if f.share else f.value, *[None] * (width - 2)]
        for f in summary.facts
    ]
    return pd.DataFrame(rows, columns=[summary.title, *[""] * (width - 1)]).astype(object)


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
        (
            t("report.phases", lang),
            f"{phase_name(f.baseline, lang)} -> {phase_name(f.follow_up, lang)}",
        ),
        (
            t("report.suppression_rule", lang),
            t("report.note.suppression", lang, k=result.min_group_size),
        ),
    ]


def display_tables(result: ImpactResult) -> list[tuple[str, pd.DataFrame]]:
    """The tables as they appear in files: suppressed numbers worded, nothing dropped."""
    return [(name, for_display(frame)) for name, frame in result.tables()]


def results_csv_zip(result: ImpactResult) -> bytes:
    """A zip for people: summary.csv (the executive summary), codebook.csv (every column's
    label and meaning, then the facts and method notes) and one CSV per table with
    labelled headers in the result's language and rounded numbers."""
    lang = result.filters.lang
    tables = display_tables(result)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = pd.concat([facts, result.method_notes], ignore_index=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("summary.csv", frame_csv(summary_frame(result)))
        zf.writestr("codebook.csv", frame_csv(codebook_frame(tables, lang)))
        zf.writestr("method.csv", frame_csv(labelled(notes, lang)))
        for name, frame in tables:
            zf.writestr(f"{name}.csv", frame_csv(labelled(frame, lang)))
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


def _formatted_sheet(wb: Workbook, title: str, frame: pd.DataFrame, lang: str) -> Worksheet:
    """A table for people: labelled, styled and frozen header row, every number a number
    with the format of its kind (shares as %, p with three decimals ...), text escaped and
    stored as text, suppressed cells worded in ``lang``."""
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    hidden = t("report.suppressed", lang)
    formats = [NUMBER_KINDS[number_kind(str(c))][0] for c in frame.columns]
    ws.append([_header_cell(ws, column_label(str(c), lang)) for c in frame.columns])
    values = frame.astype(object).to_numpy()
    for row in values:
        cells = []
        for raw, number_format in zip(row, formats, strict=True):
            cell = _body_cell(ws, hidden if _is_suppressed(raw) else raw)
            if (
                cell is not None
                and isinstance(cell.value, int | float)
                and not isinstance(cell.value, bool)
            ):
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)
    _fit_widths(ws, [column_label(str(c), lang) for c in frame.columns], values)
    return ws


def _fit_widths(ws: Worksheet, headers: list[str], values: np.ndarray) -> None:
    for j, header in enumerate(headers):
        lengths = [len(str(v)) for v in values[:2000, j] if _cell_value(v) is not None]
        width = max([len(header) * 1.6 if not header.isascii() else len(header), *lengths])
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(width + 2, 8), MAX_WIDTH)


def _summary_sheet(wb: Workbook, result: ImpactResult) -> None:
    """The executive summary first: title, facts, sentences, the scorecard with its own
    header row, key figures (the match rate as a % number)."""
    frame = summary_frame(result)
    lang = result.filters.lang
    ws = wb.create_sheet(t("export.summary_sheet", lang)[:31])
    headers = executive_summary(result).headers()
    ws.append([_header_cell(ws, frame.columns[0])])
    for row in frame.to_numpy():
        first = row[0]
        if list(row) == headers:
            ws.append([_header_cell(ws, h) for h in headers])
            continue
        cells = [_body_cell(ws, v) for v in row]
        if isinstance(row[1], float) and first == t("summary.match_rate", lang):
            cells[1].number_format = NUMBER_KINDS["share"][0]
        ws.append(cells)
    for j, width in enumerate((40, 16, 36, 44, 12, 12), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width


def results_xlsx(result: ImpactResult) -> bytes:
    """Workbook for people: the executive summary first, then one sheet per table with
    labelled headers and formatted numbers, then the codebook (every column: label and
    meaning) with the facts and method notes beside it."""
    lang = result.filters.lang
    tables = display_tables(result)
    wb = Workbook(write_only=True)
    _summary_sheet(wb, result)
    for name, frame in tables:
        _formatted_sheet(wb, name, frame, lang)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = labelled(pd.concat([facts, result.method_notes], ignore_index=True), lang)
    help_rows = codebook_frame(tables, lang)
    codebook = pd.concat(
        [help_rows, pd.DataFrame({" ": [None] * len(help_rows)}), notes], axis=1
    ).astype(object)
    _write_sheet(
        wb, t("export.codebook_sheet", lang), codebook,
        widths={1: 20, 2: 24, 3: 28, 4: 60, 5: 3, 6: 20, 7: 90},
    )  # fmt: skip
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
