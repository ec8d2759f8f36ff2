"""Import an ODK / KoboToolbox XLSForm (.xlsx) into a survey definition.

Many survey teams already write their instruments as XLSForms (``survey``, ``choices`` and
``settings`` sheets). Importing them saves re-typing questions and translations by hand,
which is where most mistakes would creep in. The XLSForm language is much larger than our
schema, so this importer accepts a well-defined subset and rejects everything else with
one clear message per problem (sheet, Excel row, feature) instead of silently dropping
logic the form's author relied on, e.g. a skip rule turned into "always show".

Mapping (XLSForm -> ``Item``):

=====================================  =========================================================
``select_one LIST``                    ``single_choice`` (choice names must be identifiers)
``select_one LIST`` as a Likert scale  ``likert`` with ``scale: LIST`` when the list's choice
                                       names are exactly ``1..n`` (n >= 2, in order) AND either
                                       the row's ``appearance`` contains ``likert`` or ``LIST``
                                       is passed in ``likert_lists``
``select_multiple LIST``               ``multiple_choice``
``integer`` / ``decimal``              ``number`` (``integer: true`` for integer); a constraint
                                       like ``. >= 0 and . <= 100`` gives ``min`` / ``max``
``text``                               ``text``; ``string-length(.) <= N`` gives ``max_length``
``note``                               ``note``
``begin_group`` ... ``end_group``      a section (id = group name, title = group label, intro =
                                       group hint); a group's ``relevant`` is copied to each of
                                       its items. Items outside any group go into a default
                                       section ``main`` titled with the form title.
``required``                           ``yes`` / ``true`` / ``true()`` / ``1`` (any case)
``relevant``                           ``show_if``: ``${q} = 'x'``, ``selected(${q}, 'x')``,
                                       ``${q} >= 3`` (also ``<=``, ``>``, ``<``), and ``or``-chains
                                       of equalities on one question (-> ``in``)
``hint``                               ``help``
``construct`` / ``reverse`` columns    ``construct`` / ``reverse`` (optional, likert items)
settings ``form_id`` (``id_string``)   ``id``
settings ``version``                   ``version`` (an integer, or digits like ``2024010101``)
settings ``form_title``                ``title`` (the same text for every language unless
                                       ``form_title::<language>`` columns are given)
settings ``default_language``          the first entry of ``languages``
=====================================  =========================================================

Metadata types (``start``, ``end``, ``today``, ``deviceid``, ``username`` ...) collect no
answer from the respondent, so they are skipped. Constructs named in the ``construct``
column take their labels from an optional ``constructs`` sheet (``name``, ``label::...``,
``stakeholder``); without it the label is the construct id in words, in every language, to
be translated in the YAML.

Language columns: ``label::English (en)`` / ``label::Tiếng Việt (vi)`` use the code in
brackets; ``label::en`` is a code itself; a language's own name, English name or an alias
from its ``language.yaml`` (``label::Chinese``, ``label::中文``, ``label::Vietnamese``) is
a known name. A plain ``label`` column is in the settings' ``default_language``. Anything
else is an error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from pydantic import ValidationError

from score_impact.i18n import languages
from score_impact.surveys.loader import SurveyDefinitionError
from score_impact.surveys.schema import (
    IDENTIFIER,
    Audience,
    Condition,
    Construct,
    Item,
    ItemType,
    ScalePoint,
    Section,
    Stakeholder,
    Survey,
    Text,
)

__all__ = ["XLSFormError", "import_xlsform", "survey_to_yaml"]


class XLSFormError(SurveyDefinitionError):
    """An XLSForm cannot be imported; ``problems`` names sheet, row and feature for each.

    A subclass of ``SurveyDefinitionError`` so that the admin page can show import errors
    exactly like errors in a hand-written YAML definition.
    """


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
# Types that collect nothing from the respondent: skipped without complaint, because
# KoboToolbox adds start/end/today to every new form.
_METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
}

# Types we know and cannot represent, with the words used in the error message.
_UNSUPPORTED_TYPES = {
    "calculate": "calculated fields",
    "hidden": "hidden fields",
    "begin_repeat": "repeat groups",
    "end_repeat": "repeat groups",
    "select_one_from_file": "choices from an external file",
    "select_multiple_from_file": "choices from an external file",
    "geopoint": "location questions",
    "geotrace": "location questions",
    "geoshape": "location questions",
    "start-geopoint": "location questions",
    "image": "media capture",
    "audio": "media capture",
    "video": "media capture",
    "background-audio": "media capture",
    "file": "file uploads",
    "barcode": "barcode scanning",
    "date": "date/time questions",
    "time": "date/time questions",
    "datetime": "date/time questions",
    "range": "range widgets",
    "rank": "ranking questions",
    "acknowledge": "acknowledge questions",
    "trigger": "acknowledge questions",
    "xml-external": "external data",
    "csv-external": "external data",
}

# Survey-sheet columns whose non-empty value changes behaviour we cannot reproduce.
_UNSUPPORTED_COLUMNS = {
    "choice_filter": "cascading selects (choice_filter)",
    "calculation": "calculations",
    "default": "default answers",
    "read_only": "read-only questions",
    "repeat_count": "repeat groups",
    "trigger": "triggers",
}
_MEDIA_COLUMNS = {"media", "image", "big-image", "audio", "video"}

_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}

_REF = r"\$\{\s*([^}\s]+)\s*\}"
_STR = r"'([^']*)'|\"([^\"]*)\""
_NUM = r"-?\d+(?:\.\d+)?"
_EQUALS = re.compile(rf"^{_REF}\s*=\s*(?:{_STR}|({_NUM}))$")
_SELECTED = re.compile(rf"^selected\(\s*{_REF}\s*,\s*(?:{_STR}|({_NUM}))\s*\)$")
_COMPARE = re.compile(rf"^{_REF}\s*(>=|<=|>|<)\s*(?:'({_NUM})'|\"({_NUM})\"|({_NUM}))$")
_BOUND = re.compile(rf"^\.\s*(>=|<=|>|<)\s*({_NUM})$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)$")


# --------------------------------------------------------------------------------------
# Reading the workbook
# --------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One worksheet as header -> value dicts, keeping the Excel row number for messages."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]

    def column(self, name: str) -> str | None:
        """The header spelled like ``name`` ignoring case and spaces/underscores."""
        wanted = _norm_header(name)
        for h in self.headers:
            if _norm_header(h) == wanted:
                return h
        return None


def _norm_header(header: str) -> str:
    return re.sub(r"[\s_]+", "_", header.strip().lower())


def _cell(value: Any) -> str:
    """A cell as trimmed text; Excel stores ``1`` as the float ``1.0`` in some writers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_sheets(source: Path | BinaryIO, source_name: str) -> dict[str, _Sheet]:
    """Every worksheet keyed by lower-cased name (XLSForm tools accept ``Survey`` too)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad upload
        raise XLSFormError(source_name, [f"not a readable .xlsx workbook ({exc})"]) from exc
    sheets: dict[str, _Sheet] = {}
    try:
        for ws in book.worksheets:
            rows = ws.iter_rows(values_only=True)
            header_row = next(rows, None) or ()
            headers = [_cell(h) for h in header_row]
            data: list[tuple[int, dict[str, Any]]] = []
            for number, values in enumerate(rows, start=2):
                record = {h: v for h, v in zip(headers, values, strict=False) if h}
                if any(_cell(v) for v in record.values()):
                    data.append((number, record))
            sheets[ws.title.strip().lower()] = _Sheet(ws.title, [h for h in headers if h], data)
    finally:
        book.close()
    return sheets


# --------------------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------------------


def _language_of(spec: str) -> str | None:
    """The language code for a column suffix like ``English (en)``, ``en`` or ``中文``."""
    spec = spec.strip()
    bracket = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", spec)
    if bracket and _LANGUAGE_CODE.match(bracket.group(2).strip()):
        return bracket.group(2).strip()
    if _LANGUAGE_CODE.match(spec):
        return spec
    return _known_names().get(spec.lower())


def _known_names() -> dict[str, str]:
    """Language names accepted without a "(code)", lower-cased: each language's own name,
    English name and aliases from its ``language.yaml`` (``score_impact/locales``)."""
    names: dict[str, str] = {}
    for code, lang in languages().items():
        for name in (lang.name, lang.english_name, *lang.aliases):
            names.setdefault(name.strip().lower(), code)
    return names


@dataclass
class _TextColumns:
    """Columns of one translatable field (``label``, ``hint``...) by language code."""

    by_language: dict[str, str] = field(default_factory=dict)
    plain: str | None = None  # the column without a language, e.g. ``label``


def _text_columns(
    sheet: _Sheet, base: str, problems: list[str], default_language: str | None
) -> _TextColumns:
    """Find ``base`` and ``base::<language>`` columns; report unknown or repeated languages."""
    found = _TextColumns()
    for header in sheet.headers:
        head, sep, suffix = header.partition("::")
        if _norm_header(head) != base:
            continue
        if not sep:
            found.plain = header
            continue
        code = _language_of(suffix)
        if code is None:
            problems.append(
                f"{sheet.name} sheet: column '{header}': cannot tell the language; "
                f"write it like '{base}::English (en)' or '{base}::Chinese (zh)'"
            )
        elif code in found.by_language:
            problems.append(
                f"{sheet.name} sheet: columns '{found.by_language[code]}' and '{header}' "
                f"are both language '{code}'"
            )
        else:
            found.by_language[code] = header
    if found.plain is not None:
        if default_language is None:
            if not found.by_language:
                problems.append(
                    f"{sheet.name} sheet: column '{found.plain}' has no language; name it "
                    f"like '{base}::English (en)' or set default_language in the settings sheet"
                )
        elif default_language not in found.by_language:
            found.by_language[default_language] = found.plain
    return found


def _text(record: dict[str, Any], columns: _TextColumns, languages: list[str]) -> Text:
    """The non-empty translations of one field in one row."""
    out = {}
    for lang in languages:
        header = columns.by_language.get(lang)
        value = _cell(record.get(header)) if header else ""
        if value:
            out[lang] = value
    return out


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


@dataclass
class _Choice:
    row: int
    name: str
    label: Text


@dataclass
class _Group:
    row: int
    name: str
    title: Text
    intro: Text | None
    show_if: Condition | None
    items: list[Item] = field(default_factory=list)
    rows: int = 0  # question rows seen, imported or not: "empty" only if there were none


@dataclass
class _Importer:
    """State of one import; ``problems`` collects every error so the admin sees them all."""

    sheets: dict[str, _Sheet]
    likert_lists: Collection[str]
    problems: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    scales: dict[str, list[ScalePoint]] = field(default_factory=dict)
    earlier: dict[str, Item] = field(default_factory=dict)  # questions seen so far
    all_names: set[str] = field(default_factory=set)
    constructs: dict[str, int] = field(default_factory=dict)  # id -> first row
    bad_lists: set[str] = field(default_factory=set)  # choice lists already reported
    survey_title: Text = field(default_factory=dict)  # also the default section's title
    labels: _TextColumns = field(default_factory=lambda: _TextColumns())
    hints: _TextColumns = field(default_factory=lambda: _TextColumns())
    choice_labels: _TextColumns = field(default_factory=lambda: _TextColumns())
    columns: dict[str, str] = field(default_factory=dict)  # normalised -> survey header
    current: str = ""  # name of the question being imported

    # ----- settings ------------------------------------------------------------------
    def settings(self) -> dict[str, str]:
        sheet = self.sheets.get("settings")
        if sheet is None or not sheet.rows:
            return {}
        _, record = sheet.rows[0]
        return {_norm_header(k): _cell(v) for k, v in record.items()}

    def form_id(self, settings: dict[str, str]) -> str:
        form_id = settings.get("form_id") or settings.get("id_string") or ""
        if not form_id:
            self.problems.append("settings sheet: form_id is missing")
        elif not re.match(IDENTIFIER, form_id) or len(form_id) > 60:
            self.problems.append(
                f"settings sheet row 2: form_id '{form_id}' must be a lower-case identifier "
                "(a-z, 0-9, _; starting with a letter)"
            )
        return form_id

    def version(self, settings: dict[str, str]) -> int:
        raw = settings.get("version", "")
        if not raw:
            self.problems.append(
                "settings sheet: version is missing; give an integer like 1 or 2024010101"
            )
            return 1
        raw = re.sub(r"\.0+$", "", raw)  # "2024010101.0" when Excel stored a float as text
        if not raw.isdigit() or int(raw) < 1:
            self.problems.append(
                f"settings sheet row 2: version {_quote(raw)} is not a positive whole number "
                "(use 1, 2, ... or a date-style number like 2024010101)"
            )
            return 1
        return int(raw)

    def resolve_languages(self, settings: dict[str, str], survey: _Sheet) -> str | None:
        """Fix ``self.languages`` from the survey sheet's label columns; default first."""
        default: str | None = None
        raw_default = settings.get("default_language", "")
        if raw_default:
            default = _language_of(raw_default)
            if default is None:
                self.problems.append(
                    f"settings sheet row 2: default_language '{raw_default}': cannot tell the "
                    "language; write it like 'English (en)'"
                )
        labels = _text_columns(survey, "label", self.problems, default)
        langs = list(labels.by_language)
        if default is not None and default in langs:
            langs.remove(default)
            langs.insert(0, default)
        elif default is not None and langs:
            self.problems.append(
                f"settings sheet row 2: default_language '{raw_default}' has no label column "
                f"in the survey sheet (found {', '.join(langs)})"
            )
        if not langs and not self.problems:
            self.problems.append("survey sheet: no label column")
        self.languages = langs
        return default

    def title(self, settings: dict[str, str], form_id: str) -> Text:
        sheet = self.sheets.get("settings")
        per_language: Text = {}
        if sheet is not None and sheet.rows:
            cols = _text_columns(sheet, "form_title", self.problems, self.languages[0])
            per_language = _text(sheet.rows[0][1], cols, self.languages)
        plain = settings.get("form_title") or form_id.replace("_", " ").capitalize()
        return {lang: per_language.get(lang, plain) for lang in self.languages}

    # ----- choices ------------------------------------------------------------------
    def choice_lists(self, default: str | None) -> dict[str, list[_Choice]]:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return {}
        list_col = sheet.column("list_name")
        name_col = sheet.column("name")
        if list_col is None or name_col is None:
            self.problems.append("choices sheet: needs 'list_name' and 'name' columns")
            return {}
        labels = _text_columns(sheet, "label", self.problems, default)
        lists: dict[str, list[_Choice]] = {}
        for row, record in sheet.rows:
            list_name = _cell(record.get(list_col))
            if not list_name:
                continue
            choice = _Choice(
                row, _cell(record.get(name_col)), _text(record, labels, self.languages)
            )
            lists.setdefault(list_name, []).append(choice)
        self.choice_labels = labels
        return lists

    def check_list(self, list_name: str, choices: list[_Choice], identifiers: bool) -> bool:
        """Report a used list's problems once; True when it can be used."""
        if list_name in self.bad_lists:
            return False
        before = len(self.problems)
        seen: set[str] = set()
        for c in choices:
            where = f"choices sheet row {c.row}"
            if not c.name:
                self.problems.append(f"{where}: choice in list '{list_name}' has no name")
            elif c.name in seen:
                self.problems.append(f"{where}: list '{list_name}' repeats choice '{c.name}'")
            seen.add(c.name)
            missing = [lang for lang in self.languages if lang not in c.label]
            if missing:
                self.problems.append(
                    f"{where}: choice '{c.name}' in list '{list_name}' has no label in "
                    + ", ".join(f"{m} ({self._label_column(m)})" for m in missing)
                )
        if identifiers:
            bad = [c for c in choices if c.name and not re.match(IDENTIFIER, c.name)]
            if bad:
                self.problems.append(
                    f"choices sheet row {bad[0].row}: list '{list_name}' has choice name(s) "
                    + ", ".join(f"'{c.name}'" for c in bad)
                    + " that are not lower-case identifiers (a-z, 0-9, _; starting with a "
                    "letter) as choice values must be; a 1..n list can instead become a likert "
                    "scale with appearance 'likert'"
                )
        if len(self.problems) > before:
            self.bad_lists.add(list_name)
            return False
        return True

    def _label_column(self, lang: str) -> str:
        header = self.choice_labels.by_language.get(lang)
        return f"column '{header}'" if header else "no column for it"

    # ----- survey rows --------------------------------------------------------------
    def run(self, default: str | None, lists: dict[str, list[_Choice]]) -> list[Section]:
        survey = self.sheets["survey"]
        type_col = survey.column("type")
        name_col = survey.column("name")
        if type_col is None or name_col is None:
            self.problems.append("survey sheet: needs 'type' and 'name' columns")
            return []
        labels = _text_columns(survey, "label", [], default)
        hints = _text_columns(survey, "hint", self.problems, default)
        for lang in hints.by_language:
            if lang not in self.languages:
                self.problems.append(
                    f"survey sheet: column '{hints.by_language[lang]}' is in language '{lang}' "
                    "which has no label column"
                )
        self.labels, self.hints = labels, hints
        self.columns = {_norm_header(h): h for h in survey.headers}
        media = [h for h in survey.headers if _norm_header(h.partition("::")[0]) in _MEDIA_COLUMNS]

        parts: list[_Group | list[Item]] = []  # a group, or a run of items outside groups
        group: _Group | None = None
        for row, record in survey.rows:
            where = f"survey sheet row {row}"
            raw_type = _cell(record.get(type_col))
            name = _cell(record.get(name_col))
            if not raw_type:
                if name:
                    self.problems.append(f"{where}: '{name}' has no type")
                continue
            kind = re.sub(r"\s+", " ", raw_type.strip().lower())
            kind = re.sub(r"^(begin|end) (group|repeat)$", r"\1_\2", kind)
            kind = re.sub(r"^select (one|multiple)\b", r"select_\1", kind)
            for column, feature in _UNSUPPORTED_COLUMNS.items():
                header = self.columns.get(column)
                if header and _cell(record.get(header)) and kind != "calculate":
                    self.problems.append(f"{where}: {feature} ('{column}') are not supported")
            for header in media:
                if _cell(record.get(header)):
                    self.problems.append(
                        f"{where}: media ('{header}') are not supported; leave the column empty"
                    )

            if kind == "begin_group":
                if group is not None:
                    self.problems.append(
                        f"{where}: nested group '{name}' inside group '{group.name}' is not "
                        "supported; sections cannot contain sections"
                    )
                    continue
                group = self.begin_group(where, row, name, record)
                continue
            if kind == "end_group":
                if group is None:
                    self.problems.append(f"{where}: end_group without a begin_group")
                else:
                    parts.append(group)
                    group = None
                continue
            if kind in _METADATA_TYPES:
                continue
            if group is not None:
                group.rows += 1
            head = kind.split(" ")[0]
            if head in _UNSUPPORTED_TYPES:
                self.problems.append(
                    f"{where}: type '{raw_type}' ({_UNSUPPORTED_TYPES[head]}) is not supported"
                )
                continue
            item = self.question(row, kind, raw_type, name, record, lists, group)
            if item is None:
                continue
            if group is not None:
                group.items.append(item)
            elif parts and isinstance(parts[-1], list):
                parts[-1].append(item)
            else:
                parts.append([item])
        if group is not None:
            self.problems.append(
                f"survey sheet row {group.row}: group '{group.name}' has no end_group"
            )
            parts.append(group)
        return self.sections(parts)

    def begin_group(self, where: str, row: int, name: str, record: dict[str, Any]) -> _Group:
        if not re.match(IDENTIFIER, name) or len(name) > 60:
            self.problems.append(
                f"{where}: group name '{name}' must be a lower-case identifier "
                "(a-z, 0-9, _; starting with a letter)"
            )
        title = self.required_text(where, f"group '{name}'", "label", record, self.labels)
        intro = self.optional_text(where, f"group '{name}'", record, self.hints)
        show_if = self.condition(where, self.col(record, "relevant"))
        return _Group(row, name, title, intro, show_if)

    def sections(self, parts: list[_Group | list[Item]]) -> list[Section]:
        taken = {p.name for p in parts if isinstance(p, _Group)}
        sections: list[Section] = []
        loose_count = 0
        for part in parts:
            if isinstance(part, _Group):
                if not part.items:
                    if not part.rows:  # otherwise its rows' own problems are reported
                        self.problems.append(
                            f"survey sheet row {part.row}: group '{part.name}' has no questions"
                        )
                    continue
                sid, title, intro, items = part.name, part.title, part.intro, part.items
            else:
                loose_count += 1
                sid = "main" if loose_count == 1 else f"main_{loose_count}"
                while sid in taken:
                    sid += "_"
                taken.add(sid)
                title, intro, items = self.survey_title, None, part
            try:
                sections.append(Section(id=sid, title=title, intro=intro, items=items))
            except ValidationError as exc:
                self.problems += [f"section '{sid}': {m}" for m in _messages(exc)]
        return sections

    def col(self, record: dict[str, Any], column: str) -> str:
        header = self.columns.get(column)
        return _cell(record.get(header)) if header else ""

    def required_text(
        self, where: str, what: str, field_name: str, record: dict[str, Any], cols: _TextColumns
    ) -> Text:
        text = _text(record, cols, self.languages)
        missing = [lang for lang in self.languages if lang not in text]
        if missing:
            self.problems.append(
                f"{where}: {what} has no {field_name} in "
                + ", ".join(
                    f"{m} (column '{cols.by_language[m]}')" if m in cols.by_language else m
                    for m in missing
                )
            )
        return text

    def optional_text(
        self, where: str, what: str, record: dict[str, Any], cols: _TextColumns
    ) -> Text | None:
        text = _text(record, cols, self.languages)
        if not text:
            return None
        missing = [lang for lang in self.languages if lang not in text]
        if missing:
            self.problems.append(f"{where}: {what} has no hint in {', '.join(missing)}")
        return text

    def question(
        self,
        row: int,
        kind: str,
        raw_type: str,
        name: str,
        record: dict[str, Any],
        lists: dict[str, list[_Choice]],
        group: _Group | None,
    ) -> Item | None:
        """Build one item, or report why not (and return None)."""
        where = f"survey sheet row {row}"
        before = len(self.problems)
        if not name:
            self.problems.append(f"{where}: a '{raw_type}' row has no name")
            return None
        if not re.match(IDENTIFIER, name) or len(name) > 60:
            self.problems.append(
                f"{where}: name '{name}' must be a lower-case identifier "
                "(a-z, 0-9, _; starting with a letter; at most 60 characters)"
            )
        if name in self.all_names:
            self.problems.append(f"{where}: name '{name}' is used twice")
        self.all_names.add(name)
        self.current = name

        data: dict[str, Any] = {"id": name}
        words = kind.split(" ")
        head = words[0]
        if head in ("select_one", "select_multiple"):
            if len(words) != 2:
                extra = " ".join(words[2:]) if len(words) > 2 else "a list name"
                what = "'or_other'" if "or_other" in words else f"'{extra}'"
                self.problems.append(
                    f"{where}: type '{raw_type}': "
                    + (
                        f"{what} is not supported"
                        if len(words) > 2
                        else "needs a choices list name"
                    )
                )
                return None
            list_name = raw_type.split()[-1]
            choices = lists.get(list_name)
            if choices is None:
                hint = "" if "choices" in self.sheets else " (the workbook has no choices sheet)"
                self.problems.append(
                    f"{where}: choices list '{list_name}' for '{name}' is not in the choices "
                    f"sheet{hint}"
                )
                return None
            if not self.choice_item(where, head, name, list_name, choices, record, data):
                return None  # the list's problems are reported once, with its rows
        elif kind in ("integer", "decimal"):
            data.update(type=ItemType.NUMBER, integer=kind == "integer")
            self.number_constraint(where, name, kind == "integer", record, data)
        elif kind == "text":
            data["type"] = ItemType.TEXT
            self.text_constraint(where, name, record, data)
        elif kind == "note":
            data["type"] = ItemType.NOTE
        else:
            self.problems.append(f"{where}: unknown type '{raw_type}'")
            return None
        if (kind == "note" or head.startswith("select")) and self.col(record, "constraint"):
            self.problems.append(
                f"{where}: a constraint on a {data.get('type', kind)} item is not supported"
            )

        data["label"] = self.required_text(where, f"'{name}'", "label", record, self.labels)
        help_text = self.optional_text(where, f"'{name}'", record, self.hints)
        if help_text:
            data["help"] = help_text
        if data["type"] is not ItemType.NOTE:
            data["required"] = self.flag(where, "required", self.col(record, "required"))

        own = self.condition(where, self.col(record, "relevant"))
        inherited = group.show_if if group is not None else None
        if own is not None and inherited is not None and group is not None:
            self.problems.append(
                f"{where}: '{name}' has its own relevant inside group '{group.name}' "
                "that has one too; combining conditions is not supported"
            )
        if own or inherited:
            data["show_if"] = own or inherited

        construct = self.col(record, "construct")
        if construct:
            data["construct"] = construct
            self.constructs.setdefault(construct, row)
        if self.flag(where, "reverse", self.col(record, "reverse")):
            data["reverse"] = True

        if len(self.problems) > before:
            return None
        try:
            item = Item.model_validate(data)
        except ValidationError as exc:
            self.problems += [f"{where}: '{name}': {m}" for m in _messages(exc)]
            return None
        self.earlier[name] = item
        return item

    def choice_item(
        self,
        where: str,
        head: str,
        name: str,
        list_name: str,
        choices: list[_Choice],
        record: dict[str, Any],
        data: dict[str, Any],
    ) -> bool:
        """Fill type/options/scale into ``data``; False when the choices list is unusable."""
        appearance = self.col(record, "appearance").lower().split()
        wants_likert = head == "select_one" and (
            "likert" in appearance or list_name in self.likert_lists
        )
        numbered = [c.name for c in choices] == [str(i) for i in range(1, len(choices) + 1)]
        if wants_likert:
            if not numbered or len(choices) < 2:
                self.problems.append(
                    f"{where}: '{name}' is a likert question but list '{list_name}' has choice "
                    f"names {', '.join(repr(c.name) for c in choices)}; a likert scale needs "
                    "choices named 1, 2, ..., n (n >= 2) in order"
                )
                return False
            if not re.match(IDENTIFIER, list_name):
                self.problems.append(
                    f"{where}: likert list name '{list_name}' must be a lower-case identifier"
                )
                return False
            if not self.check_list(list_name, choices, identifiers=False):
                return False
            self.scales.setdefault(
                list_name, [ScalePoint(value=int(c.name), label=c.label) for c in choices]
            )
            data.update(type=ItemType.LIKERT, scale=list_name)
            return True
        single = head == "select_one"
        data["type"] = ItemType.SINGLE_CHOICE if single else ItemType.MULTIPLE_CHOICE
        if not self.check_list(list_name, choices, identifiers=True):
            return False
        data["options"] = [{"value": c.name, "label": c.label} for c in choices]
        return True

    def flag(self, where: str, column: str, raw: str) -> bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.problems.append(
                f"{where}: {column} {_quote(raw)} is not supported; use yes or no "
                "(conditional expressions are not supported)"
            )
        return False

    # ----- expressions --------------------------------------------------------------
    def number_constraint(
        self, where: str, name: str, integer: bool, record: dict[str, Any], data: dict[str, Any]
    ) -> None:
        raw = self.col(record, "constraint")
        if not raw:
            return
        for part in re.split(r"\s+and\s+", _unwrap(raw)):
            m = _BOUND.match(_unwrap(part))
            if not m:
                self.problems.append(
                    f"{where}: constraint {_quote(raw)} on '{name}' is not supported; "
                    "only bounds like '. >= 0 and . <= 100' are"
                )
                return
            op, number = m.group(1), float(m.group(2))
            if op in (">", "<"):
                if not integer or not number.is_integer():
                    self.problems.append(
                        f"{where}: constraint {_quote(raw)} on '{name}': a strict bound "
                        f"('{op}') on a decimal is not supported; use >= or <="
                    )
                    return
                number += 1 if op == ">" else -1
            key = "min" if op.startswith(">") else "max"
            if key in data:
                self.problems.append(f"{where}: constraint {_quote(raw)} gives two {key} bounds")
                return
            data[key] = number

    def text_constraint(
        self, where: str, name: str, record: dict[str, Any], data: dict[str, Any]
    ) -> None:
        raw = self.col(record, "constraint")
        if not raw:
            return
        m = _LENGTH.match(_unwrap(raw))
        if not m:
            self.problems.append(
                f"{where}: constraint {_quote(raw)} on text '{name}' is not supported; only "
                "'string-length(.) <= N' is"
            )
            return
        data["max_length"] = int(m.group(2)) - (1 if m.group(1) == "<" else 0)

    def condition(self, where: str, raw: str) -> Condition | None:
        """Translate a simple ``relevant`` into a ``Condition``; report anything else."""
        if not raw:
            return None
        expr = _unwrap(raw)
        unsupported = (
            f"{where}: relevant {_quote(raw)} is not supported; use ${{q}} = 'x', "
            "selected(${q}, 'x'), ${q} >= 3 (or <=, >, <), or 'or' between equalities "
            "on one question"
        )
        alternatives = re.split(r"\s+or\s+", expr)
        if len(alternatives) > 1:
            parsed = [self._equality(_unwrap(a)) for a in alternatives]
            equalities = [p for p in parsed if p is not None]
            if len(equalities) != len(parsed) or len({p[0] for p in equalities}) != 1:
                self.problems.append(unsupported)
                return None
            ref = equalities[0][0]
            target = self._target(where, raw, ref)
            if target is None:
                return None
            values = [self._value(where, raw, target, p[1], p[2]) for p in equalities]
            chosen = [v for v in values if v is not None]
            return Condition(item=ref, in_=chosen) if len(chosen) == len(values) else None
        eq = self._equality(expr)
        if eq is not None:
            ref, literal, via_selected = eq
            target = self._target(where, raw, ref)
            if target is None:
                return None
            value = self._value(where, raw, target, literal, via_selected)
            return None if value is None else Condition(item=ref, equals=value)
        m = _COMPARE.match(expr)
        if m is None:
            self.problems.append(unsupported)
            return None
        ref, op = m.group(1), m.group(2)
        number = float(next(g for g in m.groups()[2:] if g is not None))
        target = self._target(where, raw, ref)
        if target is None:
            return None
        if target.type not in (ItemType.LIKERT, ItemType.NUMBER):
            self.problems.append(
                f"{where}: relevant {_quote(raw)}: '{ref}' is a {target.type.value} question; "
                "comparisons need a likert or number question"
            )
            return None
        if op in (">", "<"):
            whole = target.type is ItemType.LIKERT or target.integer
            if not whole or not number.is_integer():
                self.problems.append(
                    f"{where}: relevant {_quote(raw)}: a strict comparison ('{op}') on a "
                    "decimal is not supported; use >= or <="
                )
                return None
            number += 1 if op == ">" else -1
        if op.startswith(">"):
            return Condition(item=ref, at_least=number)
        return Condition(item=ref, at_most=number)

    @staticmethod
    def _equality(expr: str) -> tuple[str, str, bool] | None:
        """(question, literal, written with selected()) for ``${q} = 'x'`` / selected()."""
        for pattern, via_selected in ((_EQUALS, False), (_SELECTED, True)):
            m = pattern.match(expr)
            if m:
                literal = next(g for g in m.groups()[1:] if g is not None)
                return m.group(1), literal, via_selected
        return None

    def _target(self, where: str, raw: str, ref: str) -> Item | None:
        target = self.earlier.get(ref)
        if target is not None:
            if target.type in (ItemType.TEXT, ItemType.NOTE):
                self.problems.append(
                    f"{where}: relevant {_quote(raw)}: cannot depend on {target.type.value} '{ref}'"
                )
                return None
            return target
        if ref == self.current:
            self.problems.append(f"{where}: relevant {_quote(raw)} refers to the question itself")
        elif ref in self.all_names:
            pass  # an earlier question that failed; its own row's problem is reported
        else:
            self.problems.append(
                f"{where}: relevant {_quote(raw)} refers to '{ref}', "
                "which is not an earlier question"
            )
        return None

    def _value(
        self, where: str, raw: str, target: Item, literal: str, via_selected: bool
    ) -> str | int | None:
        if target.type is ItemType.MULTIPLE_CHOICE and not via_selected:
            self.problems.append(
                f"{where}: relevant {_quote(raw)}: '{target.id}' is select_multiple; write "
                f"selected(${{{target.id}}}, '{literal}') instead of '='"
            )
            return None
        if target.options is not None:
            if literal not in {o.value for o in target.options}:
                self.problems.append(
                    f"{where}: relevant {_quote(raw)}: '{literal}' is not a choice of '{target.id}'"
                )
                return None
            return literal
        if target.type in (ItemType.LIKERT, ItemType.NUMBER):
            try:
                number = float(literal)
            except ValueError:
                number = None
            if number is None or not number.is_integer():
                self.problems.append(
                    f"{where}: relevant {_quote(raw)}: '{target.id}' needs a whole number, "
                    f"not '{literal}'"
                )
                return None
            return int(number)
        return literal

    # ----- constructs ---------------------------------------------------------------
    def construct_defs(self) -> list[Construct]:
        """Constructs named on items, labelled from the optional ``constructs`` sheet."""
        sheet = self.sheets.get("constructs")
        defined: dict[str, tuple[int, dict[str, Any]]] = {}
        cols = _TextColumns()
        if sheet is not None:
            cols = _text_columns(sheet, "label", self.problems, self.languages[0])
            name_col = sheet.column("name")
            for row, record in sheet.rows:
                if name_col:
                    defined[_cell(record.get(name_col))] = (row, record)
        out: list[Construct] = []
        for cid, first_row in self.constructs.items():
            if sheet is None or cid not in defined:
                words = cid.replace("_", " ").capitalize()
                label: Text = {lang: words for lang in self.languages}
                stakeholder = Stakeholder.WORKERS
            else:
                row, record = defined[cid]
                where = f"{sheet.name} sheet row {row}"
                label = self.required_text(where, f"construct '{cid}'", "label", record, cols)
                raw = _cell(record.get(sheet.column("stakeholder") or "")) or "workers"
                try:
                    stakeholder = Stakeholder(raw.lower())
                except ValueError:
                    self.problems.append(
                        f"{where}: stakeholder {_quote(raw)} is not one of "
                        + ", ".join(s.value for s in Stakeholder)
                    )
                    continue
            try:
                out.append(Construct(id=cid, label=label, stakeholder=stakeholder))
            except ValidationError as exc:
                self.problems += [
                    f"survey sheet row {first_row}: construct '{cid}': {m}" for m in _messages(exc)
                ]
        return out


def _quote(text: str) -> str:
    """Quote a spreadsheet expression for a message without clashing with its own quotes."""
    return f'"{text}"' if "'" in text else f"'{text}'"


def _unwrap(expr: str) -> str:
    """Strip whitespace and one pair of brackets around the whole expression."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        inner = expr[1:-1]
        depth = 0
        for ch in inner:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                return expr  # "(a) and (b)": the brackets do not wrap the whole thing
        expr = inner.strip()
    return expr


def _messages(exc: ValidationError) -> Iterator[str]:
    for e in exc.errors():
        msg = str(e["msg"]).removeprefix("Value error, ")
        loc = " ".join(str(p) for p in e["loc"])
        for part in msg.split("; "):
            yield f"{loc}: {part}" if loc else part


def _source_name(source: Path | BinaryIO) -> str:
    if isinstance(source, Path | str):
        return Path(source).name
    return Path(str(getattr(source, "name", "") or "<upload>")).name


def import_xlsform(
    source: Path | BinaryIO,
    audience: Audience,
    *,
    likert_lists: Collection[str] = (),
    source_name: str | None = None,
) -> Survey:
    """Read an XLSForm workbook into a validated ``Survey``.

    ``audience`` is not part of XLSForm, so the admin chooses it at import time.
    ``likert_lists`` names choice lists to treat as Likert scales even without a ``likert``
    appearance (they must still be numbered 1..n). ``source_name`` names the file in error
    messages (defaults to the path's or upload's name).

    Raises ``XLSFormError`` listing every problem found, each with sheet and row.
    """
    name = source_name or _source_name(source)
    sheets = _read_sheets(source, name)
    if "survey" not in sheets:
        raise XLSFormError(name, ["the workbook has no 'survey' sheet"])
    importer = _Importer(sheets=sheets, likert_lists=set(likert_lists))
    settings = importer.settings()
    form_id = importer.form_id(settings)
    version = importer.version(settings)
    default = importer.resolve_languages(settings, sheets["survey"])
    if not importer.languages:
        raise XLSFormError(name, importer.problems)
    title = importer.title(settings, form_id)
    importer.survey_title = title
    lists = importer.choice_lists(default)
    sections = importer.run(default, lists)
    constructs = importer.construct_defs()
    if importer.problems:
        raise XLSFormError(name, importer.problems)
    if not sections:
        raise XLSFormError(name, ["survey sheet: no questions to import"])
    try:
        return Survey(
            id=form_id,
            version=version,
            title=title,
            audience=audience,
            languages=importer.languages,
            scales=importer.scales,
            constructs=constructs,
            sections=sections,
        )
    except ValidationError as exc:
        raise XLSFormError(name, list(_messages(exc))) from exc


def survey_to_yaml(survey: Survey) -> str:
    """The survey as YAML text in the format of ``survey_defs/`` (readable Chinese).

    Defaults are left out so the file stays short enough for an admin to review by eye;
    ``parse_survey(survey_to_yaml(s)).survey == s`` holds.
    """
    data = survey.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )
