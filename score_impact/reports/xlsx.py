"""A small, fast XLSX writer for the downloads: the cells as text, streamed into the zip.

openpyxl builds an element tree for every cell, about 25 µs a cell: a big brand's results
workbook (about 400,000 cells) took 9 s and an admin's raw file (ten million) almost
four minutes. This module writes the same package openpyxl's write-only mode writes, part
for part — inline strings, ``%.16g`` numbers, dates as Excel serials with openpyxl's date
formats, booleans as ``t="b"``, a frozen header row, column widths — but formats each row
as one string, and takes the styles sheet and theme from openpyxl itself
(:func:`openpyxl.styles.stylesheet.write_stylesheet`), so a cell reads back the same:
value, type, number format, font, fill and alignment.

Values must already be plain Python (``None``, ``str``, ``bool``, ``int``, ``float``,
``Decimal``, ``datetime``/``date``/``time``/``timedelta``); text is written as text, never
as a formula, whatever it starts with (escape it first: ``export.escape_cell``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import isinf, isnan
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TIME_FORMATS
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.functions import tostring

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"


@dataclass(frozen=True)
class Style:
    """How a cell looks: number format (``None``: General), header look, wrapped text."""

    number_format: str | None = None
    header: bool = False
    wrap: bool = False

    def dated(self, value: Any) -> Style:
        """This style with openpyxl's number format for a date/time ``value``."""
        return Style(TIME_FORMATS[type(value)], self.header, self.wrap)


PLAIN = Style()
HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
_TIMES = (dt.datetime, dt.date, dt.time, dt.timedelta)
_LETTERS = [get_column_letter(j) for j in range(1, 16_385)]  # Excel's most columns


def _s(style_id: int) -> str:
    return f' s="{style_id}"' if style_id else ""


class _Styles:
    """Style -> the ``s`` index openpyxl gives it, registered in a throw-away openpyxl
    workbook whose stylesheet is written as the file's ``styles.xml``."""

    def __init__(self) -> None:
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet()
        self._ids: dict[Style, int] = {}

    def id(self, style: Style) -> int:
        found = self._ids.get(style)
        if found is None:
            cell = WriteOnlyCell(self._ws)
            if style.number_format is not None:
                cell.number_format = style.number_format
            if style.header:
                cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            if style.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            found = self._ids[style] = cell.style_id
        return found

    def xml(self) -> bytes:
        return tostring(write_stylesheet(self._wb))


def _text(value: str) -> str:
    """An inline string cell's body, as openpyxl writes it (characters XML cannot hold,
    which openpyxl refuses, are dropped)."""
    if not value:
        return ' t="inlineStr" />'  # openpyxl: an empty string is an empty cell
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and value != stripped else ""
    return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _number(value: Any) -> str:
    if isnan(value) or isinf(value):
        return ' t="n"><v></v></c>'
    return f' t="n"><v>{"%.16g" % value}</v></c>'  # noqa: UP031 (openpyxl's format)


class Sheet:
    """One worksheet being written: :meth:`header` and :meth:`rows` append rows."""

    def __init__(self, book: XlsxBook, stream: io.BufferedWriter) -> None:
        self._book, self._out, self._row = book, stream, 0
        self._texts: dict[str, str] = {}  # str -> escaped cell body, per sheet
        self._buffer: list[str] = []

    def header(self, values: Sequence[Any]) -> None:
        """A header row: every cell styled (bold white on blue), text as text."""
        self.rows([values], [Style(header=True)] * len(values), Style(header=True))

    def rows(
        self,
        rows: Iterable[Sequence[Any]],
        number_styles: Sequence[Style] | None = None,
        text_style: Style = PLAIN,
    ) -> None:
        """Append ``rows``: numbers in column j get ``number_styles[j]``, everything else
        ``text_style`` (dates with openpyxl's date format added); ``None`` is no cell."""
        styles = self._book._styles
        text_attr = _s(styles.id(text_style))
        bool_attr = f'{text_attr} t="b"><v>'
        number_attrs = [_s(styles.id(style)) for style in number_styles] if number_styles else None
        letters, texts, buffer, write = _LETTERS, self._texts, self._buffer, self._out.write
        dates: dict[dt.datetime, str] = {}  # a raw file's timestamps repeat for every answer
        r = self._row
        for row in rows:
            r += 1
            rs = str(r)
            parts = [f'<row r="{rs}">']
            for j, value in enumerate(row):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    body = texts.get(value)
                    if body is None:
                        body = texts[value] = _text(value)
                    parts.append(f'<c r="{letters[j]}{rs}"{text_attr}{body}')
                elif kind is float or kind is int:
                    number = f"{value:.16g}"  # as openpyxl: "%.16g", inf and NaN empty
                    if number[-1] in "fn":
                        number = ""
                    attr = number_attrs[j] if number_attrs else ""
                    parts.append(f'<c r="{letters[j]}{rs}"{attr} t="n"><v>{number}</v></c>')
                elif kind is bool:
                    parts.append(f'<c r="{letters[j]}{rs}"{bool_attr}{int(value)}</v></c>')
                elif kind is dt.datetime:
                    body = dates.get(value)
                    if body is None:
                        body = dates[value] = self._date(value, text_style)
                    parts.append(f'<c r="{letters[j]}{rs}"{body}')
                else:
                    parts.append(self._other(letters[j] + rs, value, j, number_styles, text_style))
            parts.append("</row>")
            buffer.append("".join(parts))
            if len(buffer) >= 2000:
                write("".join(buffer).encode())
                buffer.clear()
        self._row = r

    def _other(
        self, ref: str, value: Any, j: int, number_styles: Sequence[Style] | None, text: Style
    ) -> str:
        styles = self._book._styles
        if isinstance(value, bool):
            return f'<c r="{ref}"{_s(styles.id(text))} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, _TIMES):
            return f'<c r="{ref}"{self._date(value, text)}'
        if isinstance(value, int | float):
            style = number_styles[j] if number_styles else PLAIN
            return f'<c r="{ref}"{_s(styles.id(style))}{_number(value)}'
        if isinstance(value, Decimal):  # a number, but openpyxl's callers gave it no format
            return f'<c r="{ref}"{_s(styles.id(text))}{_number(value)}'
        if isinstance(value, str):
            return f'<c r="{ref}"{_text(str(value))}'
        raise TypeError(f"cannot write {type(value).__name__} to a workbook cell")

    def _date(self, value: Any, text: Style) -> str:
        """A date or time cell's body: its Excel serial and openpyxl's format for it."""
        if getattr(value, "tzinfo", None) is not None:
            raise TypeError("Excel does not support time zones; make datetimes naive")
        return f"{_s(self._book._styles.id(text.dated(value)))}{_number(to_excel(value))}"

    def close(self) -> None:
        if self._buffer:
            self._out.write("".join(self._buffer).encode())
            self._buffer.clear()


class XlsxBook:
    """A workbook written sheet by sheet into an in-memory zip; :meth:`save` returns it.

    Usage::

        book = XlsxBook()
        with book.sheet("raw", widths={1: 12}, freeze_header=True) as ws:
            ws.header(["a", "b"])
            ws.rows([[1, "x"]])
        data = book.save()
    """

    def __init__(self, compresslevel: int | None = None) -> None:
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(
            self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self._styles = _Styles()
        self._titles: list[str] = []

    def sheet(
        self, title: str, widths: dict[int, float] | None = None, freeze_header: bool = True
    ) -> _SheetContext:
        """A new sheet named ``title`` (at most 31 characters, as Excel allows) with
        ``widths`` (1-based column -> width) and, if asked, a frozen first row."""
        return _SheetContext(self, title[:31], widths or {}, freeze_header)

    def _open(self, title: str, widths: dict[int, float], freeze: bool) -> io.BufferedWriter:
        self._titles.append(title)
        stream = self._zip.open(f"xl/worksheets/sheet{len(self._titles)}.xml", "w")
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen" />'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1" />'
            if freeze
            else '<selection activeCell="A1" sqref="A1" />'
        )
        cols = "".join(
            f'<col width="{"%.16g" % w}" customWidth="1" min="{j}" max="{j}" />'  # noqa: UP031
            for j, w in sorted(widths.items())
        )
        stream.write(
            f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" '
            'summaryRight="1" /><pageSetUpPr /></sheetPr><sheetViews><sheetView '
            f'workbookViewId="0">{pane}</sheetView></sheetViews><sheetFormatPr '
            f'baseColWidth="8" defaultRowHeight="15" />{f"<cols>{cols}</cols>" if cols else ""}'
            "<sheetData>".encode()
        )
        return stream

    def save(self) -> bytes:
        """Write the workbook's other parts and return the file's bytes."""
        n = len(self._titles)
        sheets = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{i}" state="visible" r:id="rId{i}" />'
            for i, title in enumerate(self._titles, start=1)
        )
        zf = self._zip
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns:r="{_REL}" xmlns="{_MAIN}"><workbookPr /><workbookProtection />'
            '<bookViews><workbookView visibility="visible" minimized="0" '
            'showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" '
            'firstSheet="0" activeTab="0" autoFilterDateGrouping="1" /></bookViews>'
            f'<sheets>{sheets}</sheets><definedNames /><calcPr calcId="124519" '
            'fullCalcOnLoad="1" /></workbook>',
        )
        rels = "".join(
            f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" '
            f'Id="rId{i}" />'
            for i in range(1, n + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG_REL}">{rels}'
            f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{n + 1}" />'
            f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{n + 2}" />'
            "</Relationships>",
        )
        zf.writestr("xl/styles.xml", self._styles.xml())
        zf.writestr("xl/theme/theme1.xml", theme_xml)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        zf.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>openpyxl'
            '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">'
            f'{now}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{now}'
            "</dcterms:modified></cp:coreProperties>",
        )
        zf.writestr(
            "docProps/app.xml",
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>Microsoft Excel Compatible / Openpyxl '
            f"{openpyxl.__version__}</Application><AppVersion>3.1</AppVersion></Properties>",
        )
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1" />'
            f'<Relationship Type="{_PKG_REL}/metadata/core-properties" '
            'Target="docProps/core.xml" Id="rId2" />'
            f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" '
            'Id="rId3" /></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_CT}.spreadsheetml.worksheet+xml" />'
            for i in range(1, n + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
            '<Default Extension="xml" ContentType="application/xml" />'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml" />'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{_CT}.theme+xml" />'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml" />'
            '<Override PartName="/docProps/app.xml" '
            f'ContentType="{_CT}.extended-properties+xml" />{overrides}'
            '<Override PartName="/xl/workbook.xml" '
            f'ContentType="{_CT}.spreadsheetml.sheet.main+xml" /></Types>',
        )
        zf.close()
        return self._buffer.getvalue()


class _SheetContext:
    def __init__(self, book: XlsxBook, title: str, widths: dict[int, float], freeze: bool) -> None:
        self._args = (book, title, widths, freeze)

    def __enter__(self) -> Sheet:
        book, title, widths, freeze = self._args
        self._stream = book._open(title, widths, freeze)
        self._sheet = Sheet(book, self._stream)
        return self._sheet

    def __exit__(self, *exc: object) -> None:
        self._sheet.close()
        self._stream.write(
            b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" '
            b'header="0.5" footer="0.5" /></worksheet>'
        )
        self._stream.close()
