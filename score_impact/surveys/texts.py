"""Every translatable text of a survey definition, by a stable key.

A key names where a text sits, not its position: ``title``, ``consent``,
``scale.agree5.3``, ``construct.trust_management.label``, ``section.voice.intro``,
``item.tenure.label``, ``item.tenure.option.under_6_months``, ``kpi.absenteeism_rate.help``,
``input.hours_worked.unit`` ... Translation files (``survey_defs/translations/<lang>/``)
and the translator's spreadsheet use these keys, so a translation survives reordering and
never depends on list indexes. The walker reads the raw YAML mapping (before validation),
so the loader can merge translations and shared parts into it, then validate once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# (key suffix, field) of the texts inside each kind of entry
_ITEM_FIELDS = (("label", "label"), ("help", "help"), ("unit", "unit"))
_KPI_FIELDS = (
    ("label", "label"),
    ("unit", "unit"),
    ("help", "help"),
    ("period", "period"),
    ("denominator", "denominator"),
)
_INPUT_FIELDS = (("label", "label"), ("unit", "unit"), ("help", "help"))


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _fields(prefix: str, entry: dict, fields: tuple[tuple[str, str], ...]) -> Iterator:
    for suffix, name in fields:
        if isinstance(entry.get(name), dict):
            yield f"{prefix}.{suffix}", entry[name]


def text_slots(raw: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """(key, the mutable ``{lang: text}`` mapping) for every text of a raw definition.

    Sections that are ``include:`` entries (shared parts not yet expanded) are skipped:
    their texts belong to the shared part's own translation files.
    """
    for name in ("title", "description", "consent"):
        if isinstance(raw.get(name), dict):
            yield name, raw[name]
    scales = raw.get("scales")
    for scale, points in (scales if isinstance(scales, dict) else {}).items():
        for point in _dicts(points):
            if isinstance(point.get("label"), dict):
                yield f"scale.{scale}.{point.get('value')}", point["label"]
    for construct in _dicts(raw.get("constructs")):
        yield from _fields(f"construct.{construct.get('id')}", construct, _ITEM_FIELDS[:1])
        if isinstance(construct.get("description"), dict):
            yield f"construct.{construct.get('id')}.description", construct["description"]
    for section in _dicts(raw.get("sections")):
        if "include" in section:
            continue
        for name in ("title", "intro"):
            if isinstance(section.get(name), dict):
                yield f"section.{section.get('id')}.{name}", section[name]
        for item in _dicts(section.get("items")):
            prefix = f"item.{item.get('id')}"
            yield from _fields(prefix, item, _ITEM_FIELDS)
            for option in _dicts(item.get("options")):
                if isinstance(option.get("label"), dict):
                    yield f"{prefix}.option.{option.get('value')}", option["label"]
    for kpi in _dicts(raw.get("kpis")):
        yield from _fields(f"kpi.{kpi.get('id')}", kpi, _KPI_FIELDS)
    for entry in _dicts(raw.get("kpi_inputs")):
        yield from _fields(f"input.{entry.get('id')}", entry, _INPUT_FIELDS)


def source_texts(raw: dict[str, Any], lang: str) -> dict[str, str]:
    """key -> the text in ``lang`` (the source a translator translates), in file order."""
    return {key: text[lang] for key, text in text_slots(raw) if text.get(lang)}


# --- translation files -------------------------------------------------------------------

TRANSLATIONS = "translations"  # survey_defs/translations/<lang>/<name>.yaml
SHARED = "shared"  # survey_defs/shared/<fragment>.yaml: parts included by several surveys


def file_name(definition_id: str, version: int) -> str:
    """The name of a definition's translation file (without ``.yaml``): ``<id>.v<version>``."""
    return f"{definition_id}.v{version}"


def translation_path(folder: Path, lang: str, name: str) -> Path:
    return folder / TRANSLATIONS / lang / f"{name}.yaml"


def status_path(strings_path: Path) -> Path:
    """The status file beside a strings file: ``ui.yaml`` -> ``ui.status.yaml``."""
    return strings_path.with_name(strings_path.stem + ".status.yaml")


def read_strings(path: Path) -> dict[str, str]:
    """A flat ``key: text`` file (empty when it does not exist)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping of key: text")
    return {str(k): str(v) for k, v in data.items() if v is not None}


def translation_languages(folder: Path) -> list[str]:
    """The languages with a folder under ``translations/``."""
    base = folder / TRANSLATIONS
    return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
