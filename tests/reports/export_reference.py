"""The downloads as ``reports.export`` wrote them before issue 13: every cell an openpyxl
write-only cell, every CSV value through a per-cell ``DataFrame.map``, the raw rows read
through ORM ``Row`` objects. The equivalence tests (``test_export_equivalence.py``) hold
the fast writers to these files; nothing else uses this module.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Select
from sqlalchemy.orm import Session

from score_impact.i18n import t
from score_impact.reports.export import (
    MAX_WIDTH,
    NUMBER_KINDS,
    _about,
    _cell_value,
    _is_suppressed,
    _rounded,
    codebook_frame,
    column_label,
    display_tables,
    escape_cell,
    number_kind,
    readme_frame,
    summary_frame,
)
from score_impact.reports.impact import ImpactResult
from score_impact.reports.summary import executive_summary
from score_impact.reports.xlsx import HEADER_FILL, HEADER_FONT


def frame_csv(frame: pd.DataFrame) -> bytes:
    out = frame.astype(object).map(_cell_value)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out.to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig")


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    hidden = t("report.suppressed", lang)
    out = frame.copy().astype(object)
    for column in out.columns:
        name = str(column)
        out[column] = [hidden if _is_suppressed(v) else _rounded(v, name) for v in out[column]]
    out.columns = [column_label(str(c), lang) for c in frame.columns]
    return out


def results_csv_files(result: ImpactResult) -> dict[str, bytes]:
    lang = result.filters.lang
    tables = display_tables(result)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = pd.concat([facts, result.method_notes], ignore_index=True)
    files = {
        "summary.csv": frame_csv(summary_frame(result)),
        "codebook.csv": frame_csv(codebook_frame(tables, lang)),
        "method.csv": frame_csv(labelled(notes, lang)),
    }
    for name, frame in tables:
        files[f"{name}.csv"] = frame_csv(labelled(frame, lang))
    return files


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
        cell.data_type = "s"
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write_sheet(
    wb: Workbook, title: str, frame: pd.DataFrame, widths: dict[int, float] | None = None
) -> None:
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
            ws.append([_cell_value(v) for v in row])


def _formatted_sheet(wb: Workbook, title: str, frame: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    hidden = t("report.suppressed", lang)
    formats = [NUMBER_KINDS[number_kind(str(c))][0] for c in frame.columns]
    ws.append([_header_cell(ws, column_label(str(c), lang)) for c in frame.columns])
    for row in frame.astype(object).to_numpy():
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
    # (the old code set fitted widths here, after the first row: write-only mode ignored them)


def _summary_sheet(wb: Workbook, result: ImpactResult) -> None:
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


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def results_xlsx(result: ImpactResult) -> bytes:
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


def raw_xlsx(frame: pd.DataFrame, lang: str) -> bytes:
    wb = Workbook(write_only=True)
    _write_sheet(wb, "README", readme_frame([("raw", frame)], lang))
    _write_sheet(wb, "raw", frame)
    return _save(wb)


def frame_from_rows(session: Session, stmt: Select, plain: bool = False) -> pd.DataFrame:
    """``export._frame`` as it was: the ORM's ``Row`` objects straight into pandas."""
    return pd.DataFrame(session.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))


def workbook(frame: pd.DataFrame, widths: dict[int, float] | None = None) -> bytes:
    """One sheet of ``frame`` written the old way (for the writer's own tests)."""
    wb = Workbook(write_only=True)
    _write_sheet(wb, "sheet", frame, widths)
    return _save(wb)
