"""Bounded reading of uploaded files: what an admin uploads cannot exhaust the server.

A YAML file is small text, but YAML aliases let 1.7 KB expand to millions of objects
("billion laughs"), and deep nesting overflows the parser's recursion. An XLSX file is a
zip: 1 MB can hold two million deflated rows that openpyxl would read for minutes into
gigabytes. So every upload is checked *before* it is parsed, against caps far above any
real survey definition (the shipped ones are ~16 KB of YAML, a few hundred rows):

- YAML: at most :data:`YAML_MAX_BYTES`; aliases (``*name``, so also ``<<: *name``
  merges) refused; at most :data:`YAML_MAX_DEPTH` levels of nesting.
- XLSX: at most :data:`XLSX_MAX_BYTES` as uploaded; the zip's central directory may
  declare at most :data:`XLSX_MAX_ENTRIES` files and :data:`XLSX_MAX_UNPACKED` bytes
  unpacked (``zipfile`` never unpacks an entry past its declared size); then every entry
  is streamed once (never held whole), and each worksheet is counted (rows, columns)
  against :data:`XLSX_MAX_ROWS` and :data:`XLSX_MAX_COLUMNS`, stopping at the first
  excess. Only then does openpyxl see the file.

Each refusal is an :class:`UploadRefused` with one plain sentence saying which limit and
by how much.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError, XMLPullParser

import yaml

YAML_MAX_BYTES = 1_000_000
YAML_MAX_DEPTH = 40
XLSX_MAX_BYTES = 5_000_000
XLSX_MAX_UNPACKED = 40_000_000
XLSX_MAX_ENTRIES = 500
XLSX_MAX_ROWS = 20_000  # per sheet
XLSX_MAX_COLUMNS = 200
_CHUNK = 1 << 16
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_COLUMN = re.compile(r"^([A-Z]{1,3})\d+$")


class UploadRefused(ValueError):
    """An upload exceeds a limit or is not the kind of file it claims to be."""


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# ----- YAML --------------------------------------------------------------------------------


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and nesting deeper than YAML_MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise UploadRefused(
                f"line {mark.line + 1}: YAML aliases (*name) are not accepted; "
                "write the repeated part out in full"
            )
        self.depth += 1
        try:
            if self.depth > YAML_MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise UploadRefused(
                    f"line {mark.line + 1}: nested more than {YAML_MAX_DEPTH} levels deep"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(text: str) -> Any:
    """Parse one YAML document within the limits; raises ``UploadRefused`` (a limit) or
    ``yaml.YAMLError`` (not valid YAML)."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > YAML_MAX_BYTES:
        raise UploadRefused(f"the file is {_mb(size)}; the limit is {_mb(YAML_MAX_BYTES)}")
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader: plain data only
    except RecursionError as exc:  # a backstop: the depth limit should come first
        raise UploadRefused("the file is nested too deeply to read") from exc


# ----- XLSX --------------------------------------------------------------------------------


def read_capped(source: Path | BinaryIO, limit: int = XLSX_MAX_BYTES) -> bytes:
    """The bytes of an uploaded file, refusing one larger than ``limit`` without reading
    more than ``limit + 1`` bytes of it."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            data = handle.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(f"the file is larger than the limit of {_mb(limit)}")
    return data


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _count_sheet(name: str, chunks: Any) -> None:
    """Stream a worksheet's XML, refusing it at the first row or column over the limit.
    A cell's column is its reference (``r="AB12"``), or its place in the row when the
    writer left references out (they are optional)."""
    parser = XMLPullParser(events=("end",))
    rows = column = 0
    for chunk in chunks:
        parser.feed(chunk)
        for _, element in parser.read_events():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "c":
                found = _COLUMN.match(element.get("r", ""))
                column = _column_number(found[1]) if found else column + 1
                if column > XLSX_MAX_COLUMNS:
                    where = f"cell {element.get('r')}" if found else f"row {rows + 1}"
                    raise UploadRefused(
                        f"{name} has more than {XLSX_MAX_COLUMNS} columns ({where})"
                    )
            elif tag == "row":
                rows, column = rows + 1, 0
                if rows > XLSX_MAX_ROWS:
                    raise UploadRefused(f"{name} has more than {XLSX_MAX_ROWS:,} rows")
                element.clear()


def _stream(book: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]):
    """Chunks of one entry. ``zipfile`` itself never unpacks more than an entry declares
    (a lying header ends in a checksum error); ``budget`` caps the whole workbook."""
    with book.open(info) as member:
        while chunk := member.read(_CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UploadRefused(f"the workbook unpacks to more than {_mb(XLSX_MAX_UNPACKED)}")
            yield chunk


def check_xlsx(data: bytes) -> None:
    """Refuse a workbook over any limit of this module, before any spreadsheet parsing."""
    if len(data) > XLSX_MAX_BYTES:
        raise UploadRefused(f"the file is {_mb(len(data))}; the limit is {_mb(XLSX_MAX_BYTES)}")
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UploadRefused("not an Excel workbook (.xlsx)") from exc
    with book:
        entries = book.infolist()
        if len(entries) > XLSX_MAX_ENTRIES:
            raise UploadRefused(
                f"the workbook holds {len(entries)} files (limit {XLSX_MAX_ENTRIES})"
            )
        declared = sum(info.file_size for info in entries)
        if declared > XLSX_MAX_UNPACKED:
            raise UploadRefused(
                f"the workbook unpacks to {_mb(declared)}; the limit is {_mb(XLSX_MAX_UNPACKED)}"
            )
        budget = [XLSX_MAX_UNPACKED]
        try:
            for info in entries:
                chunks = _stream(book, info, budget)
                if _SHEET.match(info.filename):
                    _count_sheet(info.filename, chunks)
                else:
                    for _ in chunks:
                        pass
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise UploadRefused(f"the workbook is damaged ({exc})") from exc
        except ParseError as exc:
            raise UploadRefused(f"a worksheet is not valid XML ({exc})") from exc
