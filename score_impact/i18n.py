"""Interface strings in every supported language (survey wording lives in survey_defs/).

One directory per language under ``locales/``: ``<code>/language.yaml`` says what the app
needs to know about the language (its own ``name``, the ``speech`` voice tag for
read-aloud, the ``reading_speed`` of a fast reader in characters per second, used to flag
responses completed faster than their questions can be read) and ``<code>/ui.yaml`` holds
its strings as flat ``key: text``. Adding a language is adding a directory; no code
changes. English (``en``) is the source every other language translates; a string missing
in a language falls back to English rather than showing a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FALLBACK = "en"
DEFAULT_READING_SPEED = 20.0
LOCALES_DIR = Path(__file__).with_name("locales")


@dataclass(frozen=True)
class Language:
    """One interface language, as declared by its ``language.yaml``."""

    code: str
    name: str  # in the language itself, as a worker would recognise it
    speech: str  # BCP-47 tag the Web Speech API matches voices against
    reading_speed: float = DEFAULT_READING_SPEED  # characters per second, a fast reader


def _read_yaml(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of key: text")
    return data


@cache
def languages() -> dict[str, Language]:
    """Every language with a ``language.yaml``, English first, then by code."""
    found: dict[str, Language] = {}
    for meta in sorted(LOCALES_DIR.glob("*/language.yaml")):
        code = meta.parent.name
        data = _read_yaml(meta)
        speed = float(data.get("reading_speed", DEFAULT_READING_SPEED))
        found[code] = Language(code, str(data["name"]), str(data.get("speech", code)), speed)
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != FALLBACK, kv[0])))


#: code -> the language's own name, for language pickers.
LANGUAGES: dict[str, str] = {code: lang.name for code, lang in languages().items()}


@cache
def language_strings(lang: str) -> dict[str, str]:
    """The flat ``key: text`` table of one language (empty if it has no ui.yaml)."""
    path = LOCALES_DIR / lang / "ui.yaml"
    return {str(k): str(v) for k, v in _read_yaml(path).items()} if path.exists() else {}


@cache
def strings() -> dict[str, dict[str, str]]:
    """Every key of the English source with its text in each language that has it."""
    table: dict[str, dict[str, str]] = {}
    for key in language_strings(FALLBACK):
        table[key] = {
            code: text
            for code in languages()
            if (text := language_strings(code).get(key)) is not None
        }
    return table


def t(key: str, lang: str, **params: object) -> str:
    """Translate ``key`` into ``lang``, filling ``{name}`` placeholders from ``params``."""
    entry = strings().get(key)
    if entry is None:
        raise KeyError(f"no interface string '{key}'")
    text = entry.get(lang) or entry[FALLBACK]
    return text.format(**params) if params else text


def speech_tag(lang: str) -> str:
    """The voice tag read-aloud asks the tablet for (the code itself when unknown)."""
    known = languages().get(lang)
    return known.speech if known else lang
