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
from pandas._libs import lib
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from analysis.adapter import RoundFilter, pair_ids, phase_order
from score_impact.db.models import Answer, Cohort, Enterprise, Response, SurveyRound
from score_impact.i18n import strings, t
from score_impact.reports.impact import SUPPRESSED, ImpactFilters, ImpactResult, for_display
from score_impact.reports.summary import executive_summary, phase_name
from score_impact.reports.xlsx import PLAIN, Style, XlsxBook
from score_impact.services.scope import Scope, require_admin, visible_enterprise_ids

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start of the text or of any part a separator could split off.
_FORMULA_PART = re.compile(r"(^|[,;|\t\r\n])([ \"]*)(?=[=+\-@])")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


def _plain_objects(values: Iterable[Any]) -> list[Any]:
    """:func:`_cell_value` of every value, the common types without a call (the text of a
    column repeats: each distinct string is escaped once)."""
    escaped: dict[str, str] = {}
    out: list[Any] = []
    append = out.append
    for value in values:
        kind = type(value)
        if kind is str:
            text = escaped.get(value)
            if text is None:
                text = escaped[value] = escape_cell(value)
            append(text)
        elif kind is float:
            append(None if value != value else value)  # NaN -> None
        elif kind is int or kind is bool or value is None:
            append(value)
        else:
            append(_cell_value(value))
    return out


def plain_column(column: pd.Series) -> list[Any]:
    """:func:`_cell_value` of every cell of ``column``, by its dtype: numbers as Python
    numbers (NaN -> None), text and dates converted once per distinct value."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.to_numpy().tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        out = values.tolist()
        for i in np.flatnonzero(np.isnan(values)).tolist():
            out[i] = None
        return out
    if (isinstance(dtype, np.dtype) and dtype.kind == "M") or isinstance(
        dtype, pd.StringDtype | pd.DatetimeTZDtype
    ):
        codes, uniques = pd.factorize(column)
        lookup = np.empty(len(uniques) + 1, dtype=object)  # the last: missing (code -1)
        lookup[: len(uniques)] = _plain_objects(uniques.astype(object))
        return lookup[codes].tolist()
    return _plain_objects(column.astype(object).tolist())


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell passed through :func:`escape_cell` (header names included); each column
    typed as ``frame.astype(object).map(_cell_value)`` types it (numbers with a missing
    value become floats), so a CSV reads the same."""
    columns = {}
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and (dtype.kind in "iub" or dtype == np.float64):
            columns[j] = column.to_numpy()  # what the map would infer back
            continue
        if (
            isinstance(dtype, pd.StringDtype)
            and dtype.na_value is np.nan
            and all(escape_cell(text) == text for text in column.dropna().unique())
        ):
            columns[j] = column.array  # nothing to escape: as the map would infer back
            continue
        values = np.empty(len(column), dtype=object)
        values[:] = plain_column(column)
        columns[j] = lib.maybe_convert_objects(values) if len(values) else values
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = [escape_cell(str(c)) for c in frame.columns]
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


def _labelled_values(values: Iterable[Any], digits: int, hidden: str) -> list[Any]:
    """:func:`_rounded` (to ``digits``) of every value, "suppressed" worded ``hidden``."""
    out: list[Any] = []
    append = out.append
    for value in values:
        kind = type(value)
        if kind is float:
            if value != value:  # NaN stays NaN
                append(value)
            else:
                append(round(value, digits) if digits else round(value))
        elif kind is str:
            append(hidden if value == SUPPRESSED else value)
        elif kind is int or kind is bool or value is None:
            append(value)
        elif _is_suppressed(value):
            append(hidden)
        elif isinstance(value, bool | np.bool_) or not isinstance(value, float | np.floating):
            append(value)
        else:  # a numpy float
            number = float(value)
            if number != number:
                append(value)
            else:
                append(round(number, digits) if digits else round(number))
    return out


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display table for a person's file: numbers rounded by kind (:func:`number_kind`),
    the word "suppressed" in ``lang``, columns headed by their labels."""
    hidden = t("report.suppressed", lang)
    out = frame.copy().astype(object)
    for column in out.columns:
        digits = NUMBER_KINDS[number_kind(str(column))][1]
        out[column] = _labelled_values(out[column].tolist(), digits, hidden)
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


def _fitted(header: str, values: pd.Series) -> float:
    """A column's width from its header and its first 2,000 values (their text)."""
    lengths = [len(str(v)) for v in values.iloc[:2000].tolist() if _cell_value(v) is not None]
    return max([len(header), *lengths])


def _header(names: Iterable[object]) -> list[str | None]:
    return [escape_cell(str(n)) if n is not None else None for n in names]


def _write_sheet(
    book: XlsxBook, title: str, frame: pd.DataFrame, widths: dict[int, float] | None = None
) -> None:
    """A sheet of ``frame``: styled, frozen header row; escaped values (text stored as
    text); fitted widths, or ``widths`` and wrapped, top-aligned cells (the codebook)."""
    fitted = {
        j: min(max((widths or {}).get(j, _fitted(str(c), frame.iloc[:, j - 1]) + 2), 8),
               MAX_WIDTH + 30)
        for j, c in enumerate(frame.columns, start=1)
    }  # fmt: skip
    columns = [plain_column(frame.iloc[:, j]) for j in range(frame.shape[1])]
    style = Style(wrap=widths is not None)
    with book.sheet(title, widths=fitted) as ws:
        ws.header(_header(frame.columns))
        ws.rows(zip(*columns, strict=True), [style] * len(columns), style)


def _formatted_sheet(book: XlsxBook, title: str, frame: pd.DataFrame, lang: str) -> None:
    """A table for people: labelled, styled and frozen header row, every number a number
    with the format of its kind (shares as %, p with three decimals ...), text escaped and
    stored as text, suppressed cells worded in ``lang``."""
    hidden = escape_cell(t("report.suppressed", lang))
    headers = [column_label(str(c), lang) for c in frame.columns]
    columns = []
    for j in range(frame.shape[1]):
        values = plain_column(frame.iloc[:, j])
        if SUPPRESSED in values:  # escaping leaves the word as it is
            values = [hidden if v == SUPPRESSED and type(v) is str else v for v in values]
        columns.append(values)
    formats = [Style(NUMBER_KINDS[number_kind(str(c))][0]) for c in frame.columns]
    with book.sheet(title) as ws:  # Excel's widths, as the openpyxl version's file had
        ws.header(_header(headers))
        ws.rows(zip(*columns, strict=True), formats)


def _summary_sheet(book: XlsxBook, result: ImpactResult) -> None:
    """The executive summary first: title, facts, sentences, the scorecard with its own
    header row, key figures (the match rate as a % number)."""
    frame = summary_frame(result)
    lang = result.filters.lang
    headers = executive_summary(result).headers()
    share = [PLAIN, Style(NUMBER_KINDS["share"][0])] + [PLAIN] * (frame.shape[1] - 2)
    with book.sheet(t("export.summary_sheet", lang), freeze_header=False) as ws:
        ws.header(_header([frame.columns[0]]))
        for row in frame.to_numpy():
            if list(row) == headers:
                ws.header(_header(headers))
                continue
            rate = isinstance(row[1], float) and row[0] == t("summary.match_rate", lang)
            ws.rows([[_cell_value(v) for v in row]], share if rate else None)


def results_xlsx(result: ImpactResult) -> bytes:
    """Workbook for people: the executive summary first, then one sheet per table with
    labelled headers and formatted numbers, then the codebook (every column: label and
    meaning) with the facts and method notes beside it."""
    lang = result.filters.lang
    tables = display_tables(result)
    book = XlsxBook()
    _summary_sheet(book, result)
    for name, frame in tables:
        _formatted_sheet(book, name, frame, lang)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = labelled(pd.concat([facts, result.method_notes], ignore_index=True), lang)
    help_rows = codebook_frame(tables, lang)
    codebook = pd.concat(
        [help_rows, pd.DataFrame({" ": [None] * len(help_rows)}), notes], axis=1
    ).astype(object)
    _write_sheet(
        book, t("export.codebook_sheet", lang), codebook,
        widths={1: 20, 2: 24, 3: 28, 4: 60, 5: 3, 6: 20, 7: 90},
    )  # fmt: skip
    return book.save()


# ----- raw rows (admins only) ---------------------------------------------------------------


def _frame(session: Session, stmt: Select, plain: bool = False) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, one column per selected column (even when empty).

    Read on the session's connection (Core rows, no ORM loading) and handed to pandas as
    plain tuples: pandas probes every row object it is given, and a SQLAlchemy ``Row``
    answers each probe with a raised and caught ``AttributeError`` (7 s for a million
    rows). ``plain``: the columns are integers, floats and text, which need no conversion
    by their column types, so the rows are taken from the database driver's cursor as it
    returns them (half the time of making a ``Row`` of each).
    """
    result = session.connection().execute(stmt)
    rows = result.cursor.fetchall() if plain else list(map(tuple, result.all()))
    return pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))


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
    given = _frame(session, answers, plain=True)
    out = given.merge(head, on="response_id", how="inner")[RAW_COLUMNS]
    out["_o"] = out["phase"].map({p: phase_order(p) for p in out["phase"].unique()})
    return out.sort_values(["_o", "response_id"], kind="stable").drop(columns="_o")


def raw_xlsx(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as a workbook (README + raw sheet); admins only."""
    frame = raw_rows(session, scope, filters)
    lang = (filters or ImpactFilters()).lang
    book = XlsxBook(compresslevel=1)  # 1/3 less time than zlib's default, 1/5 more bytes
    _write_sheet(book, "README", readme_frame([("raw", frame)], lang))
    _write_sheet(book, "raw", frame)
    return book.save()


def raw_csv(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as one CSV; admins only."""
    return frame_csv(raw_rows(session, scope, filters))
