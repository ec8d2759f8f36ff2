"""Translation completeness and the translator's spreadsheet round trip.

What a language has to translate is a set of *files*, each a flat ``key: text`` mapping:

- ``ui``: the interface strings (``score_impact/locales/<lang>/ui.yaml``);
- one per survey definition (the newest version of each survey) and per shared part, e.g.
  ``worker_m1_cooperation.v2`` (``survey_defs/translations/<lang>/<name>.yaml``).

English (a definition's first language) is the source. Beside each file,
``<name>.status.yaml`` records per key its status, **draft** (not yet signed off by a
native reviewer; every string without a record is a draft) or **reviewed**, and a short
hash of the English it was translated from: when the English changes, the translation is
**stale** until someone looks at it again.

A translator works in Excel: :func:`export_xlsx` writes one row per string (file, key,
English, translation, status); :func:`import_xlsx` reads it back and writes the files only
if every row is valid (placeholders such as ``{n}`` kept, nothing empty, the English
unchanged since the export, a known status). Files are replaced atomically, so a refused or
interrupted import leaves them as they were. The survey definitions themselves (the source
YAML) are never rewritten.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from score_impact import i18n
from score_impact.surveys.texts import (
    SHARED,
    file_name,
    read_strings,
    source_texts,
    status_path,
    translation_path,
)
from score_impact.text import clean_block
from score_impact.uploads import UploadRefused, check_xlsx

DRAFT, REVIEWED = "draft", "reviewed"
STATUSES = (DRAFT, REVIEWED)
UI = "ui"
COLUMNS = ("file", "key", "english", "translation", "status", "source_hash")
PLACEHOLDER = re.compile(r"{(\w*)}")
SHEET = "translations"


class TranslationImportError(ValueError):
    """The spreadsheet cannot be imported; ``problems`` lists every problem (sheet row)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def source_hash(text: str) -> str:
    """Short fingerprint of the English a translation was made from (detects staleness)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class TranslationFile:
    """One file a language translates: where it lives and its English source."""

    name: str
    kind: str  # "interface" | "survey"
    path: Path  # the language's strings file (may not exist yet)
    source: dict[str, str]  # key -> English, in the source's order

    @property
    def status_file(self) -> Path:
        return status_path(self.path)

    def strings(self) -> dict[str, str]:
        return read_strings(self.path)

    def statuses(self) -> dict[str, dict]:
        if not self.status_file.is_file():
            return {}
        data = yaml.safe_load(self.status_file.read_text(encoding="utf-8")) or {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def _definitions(survey_dir: Path) -> list[tuple[str, dict]]:
    """(translation file name, raw source mapping) of the newest version of every survey
    definition and of every shared part."""
    newest: dict[str, tuple[int, dict]] = {}
    for path in sorted(survey_dir.glob("*.y*ml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and isinstance(raw.get("version"), int) and raw.get("id"):
            known = newest.get(raw["id"])
            if known is None or raw["version"] > known[0]:
                newest[str(raw["id"])] = (raw["version"], raw)
    found = [(file_name(sid, v), raw) for sid, (v, raw) in sorted(newest.items())]
    for path in sorted((survey_dir / SHARED).glob("*.y*ml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("fragment") and isinstance(raw.get("version"), int):
            found.append((file_name(str(raw["fragment"]), raw["version"]), raw))
    return found


def translation_files(lang: str, survey_dir: Path) -> list[TranslationFile]:
    """Every file ``lang`` translates: the interface, then each survey and shared part
    that is not already written in ``lang`` itself."""
    files = [
        TranslationFile(
            UI,
            "interface",
            i18n.LOCALES_DIR / lang / "ui.yaml",
            i18n.language_strings(i18n.FALLBACK),
        )  # fmt: skip
    ]
    for name, raw in _definitions(survey_dir):
        langs = raw.get("languages") or [i18n.FALLBACK]
        if lang in langs:
            continue
        path = translation_path(survey_dir, lang, name)
        files.append(TranslationFile(name, "survey", path, source_texts(raw, str(langs[0]))))
    return files


@dataclass
class FileReport:
    """How complete one file is in one language."""

    name: str
    kind: str
    total: int
    missing: list[str] = field(default_factory=list)  # no (non-empty) translation
    stale: list[str] = field(default_factory=list)  # the English changed since
    draft: list[str] = field(default_factory=list)  # translated, not signed off
    reviewed: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)  # keys the source no longer has

    @property
    def complete(self) -> bool:
        return not self.missing


def check_file(file: TranslationFile) -> FileReport:
    strings, statuses = file.strings(), file.statuses()
    report = FileReport(file.name, file.kind, len(file.source))
    for key, english in file.source.items():
        if not strings.get(key, "").strip():
            report.missing.append(key)
            continue
        record = statuses.get(key, {})
        if record.get("source") and record["source"] != source_hash(english):
            report.stale.append(key)
        if record.get("status") == REVIEWED:
            report.reviewed.append(key)
        else:
            report.draft.append(key)
    report.obsolete = [k for k in strings if k not in file.source]
    return report


def report(lang: str, survey_dir: Path) -> list[FileReport]:
    """Per file: what ``lang`` is missing, what is stale, draft or reviewed."""
    return [check_file(f) for f in translation_files(lang, survey_dir)]


# --- the translator's spreadsheet ---------------------------------------------------------


def export_xlsx(lang: str, survey_dir: Path) -> bytes:
    """Every string of ``lang`` as a spreadsheet: file, key, English, translation, status
    (and the English's fingerprint, hidden, so the import can tell if it changed since)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5F8B")
    for file in translation_files(lang, survey_dir):
        strings, statuses = file.strings(), file.statuses()
        for key, english in file.source.items():
            status = statuses.get(key, {}).get("status", DRAFT)
            ws.append([file.name, key, english, strings.get(key, ""), status,
                       source_hash(english)])  # fmt: skip
    for column, width in zip("ABCDEF", (28, 40, 60, 60, 10, 12), strict=True):
        ws.column_dimensions[column].width = width
    ws.column_dimensions["F"].hidden = True
    ws.freeze_panes = "D2"
    about = wb.create_sheet("about")
    name = i18n.language(lang).english_name or lang
    for line in (
        f"Translation of score-impact into {name} ({lang}).",
        "Fill in the 'translation' column; keep every {placeholder} exactly as in English.",
        "Set 'status' to 'reviewed' only when a native reviewer has checked the row; "
        "otherwise leave 'draft'.",
        "Do not change the columns file, key, english or the hidden source_hash. Delete rows "
        "you do not want to import; an empty translation is refused.",
    ):
        about.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ImportResult:
    """What an import changed: strings written per file (nothing when ``dry_run``)."""

    changed: dict[str, int]
    dry_run: bool = False


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        check_xlsx(data)  # size, rows and columns, before openpyxl reads anything
    except UploadRefused as exc:
        raise TranslationImportError([str(exc)]) from exc
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise TranslationImportError([f"not an Excel workbook (.xlsx): {exc}"]) from exc
    if SHEET not in wb.sheetnames:
        raise TranslationImportError([f"the workbook has no sheet '{SHEET}'"])
    rows = list(wb[SHEET].iter_rows(values_only=True))
    header = [str(c).strip().lower() if c is not None else "" for c in (rows[0] if rows else [])]
    absent = [c for c in COLUMNS if c not in header]
    if absent:
        raise TranslationImportError([f"sheet '{SHEET}': column(s) missing: {', '.join(absent)}"])
    out = []
    for number, row in enumerate(rows[1:], start=2):
        record = {c: "" if row[header.index(c)] is None else str(row[header.index(c)])
                  for c in COLUMNS if header.index(c) < len(row)}  # fmt: skip
        if any(v.strip() for v in record.values()):
            out.append((number, record))
    return out


def import_xlsx(lang: str, data: bytes, survey_dir: Path, dry_run: bool = False) -> ImportResult:
    """Validate a translator's spreadsheet and write its rows into ``lang``'s files.

    Every row must name a known file and key, keep the English as exported, have a
    non-empty translation with exactly the English placeholders, and a status of draft or
    reviewed. Any problem refuses the whole import (:class:`TranslationImportError` lists
    them all, by sheet row) and nothing is written.
    """
    if lang not in i18n.languages():
        raise TranslationImportError([f"unknown language '{lang}': add locales/{lang}/ first"])
    files = {f.name: f for f in translation_files(lang, survey_dir)}
    problems: list[str] = []
    updates: dict[str, dict[str, tuple[str, str]]] = {}
    for number, row in _rows(data):
        where = f"row {number}"
        file = files.get(row.get("file", "").strip())
        key = row.get("key", "").strip()
        if file is None:
            problems.append(f"{where}: unknown file '{row.get('file', '')}'")
            continue
        english = file.source.get(key)
        if english is None:
            problems.append(f"{where}: '{key}' is not a key of {file.name}")
            continue
        # what a spreadsheet can carry but no screen should: control and direction
        # characters (a reversed or hidden word), stray carriage returns; NFC like names
        text = clean_block(row.get("translation", ""))
        status = row.get("status", "").strip().lower() or DRAFT
        if row.get("source_hash", "").strip() != source_hash(english):
            problems.append(f"{where} ({key}): the English changed since the export; export again")
        if not text:
            problems.append(
                f"{where} ({key}): the translation is empty (fill it or delete the row)"
            )
        elif _placeholders(text) != _placeholders(english):
            want = ", ".join(sorted("{" + p + "}" for p in _placeholders(english))) or "none"
            problems.append(f"{where} ({key}): placeholders must be exactly as in English ({want})")
        if status not in STATUSES:
            problems.append(f"{where} ({key}): status '{status}' must be draft or reviewed")
        if key in updates.get(file.name, {}):
            problems.append(f"{where} ({key}): the key appears twice")
        updates.setdefault(file.name, {})[key] = (text, status)
    if problems:
        raise TranslationImportError(problems)
    if not dry_run:
        for name, rows in updates.items():
            _write(files[name], rows, lang)
        i18n.reload()
    return ImportResult({name: len(rows) for name, rows in updates.items()}, dry_run)


def _write(file: TranslationFile, rows: dict[str, tuple[str, str]], lang: str) -> None:
    """Merge ``rows`` into the file and its status file (source order), atomically."""
    strings = file.strings()
    statuses = file.statuses()
    for key, (text, status) in rows.items():
        strings[key] = text
        statuses[key] = {"status": status, "source": source_hash(file.source[key])}
    ordered = [k for k in file.source if k in strings] + [
        k for k in strings if k not in file.source
    ]
    own = i18n.language(lang)
    header = (
        f"# {own.name} ({lang}) translation of {file.name}: key: text. Written by the "
        f"translation import; statuses in {file.status_file.name}.\n"
    )
    _atomic(file.path, header + _dump({k: strings[k] for k in ordered}))
    status_header = (
        "# Per key: draft (not signed off) or reviewed, and the English it translates.\n"
    )
    _atomic(
        file.status_file, status_header + _dump({k: statuses[k] for k in ordered if k in statuses})
    )


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


def _atomic(path: Path, text: str) -> None:
    """Replace ``path`` in one step: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
