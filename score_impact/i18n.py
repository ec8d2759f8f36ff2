"""Interface strings, language facts and locale formatting (survey wording lives in survey_defs/).

One directory per language under ``locales/``: ``<code>/language.yaml`` says what the app
needs to know about the language (its own ``name``, its ``english_name``, the ``speech``
voice tag for read-aloud, the Babel ``locale`` for numbers and dates, the ``script`` that
picks PDF fonts and line breaking, ``aliases`` an XLSForm column may use, and the
``reading_speed`` of a fast reader in characters per second, used to flag responses
completed faster than their questions can be read), ``<code>/ui.yaml`` holds its strings as
flat ``key: text`` and the optional ``<code>/enterprises.yaml`` the factory names as workers
know them (``English name: local name``). Adding a language is adding a directory; no code
changes. English (``en``) is the source every other language translates; a string missing
in a language falls back to English rather than showing a key.

Everything is read once and cached; :func:`reload` forgets the cache after the translation
import wrote new files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal, format_percent

FALLBACK = "en"
DEFAULT_READING_SPEED = 20.0
LOCALES_DIR = Path(__file__).with_name("locales")
# Scripts written without spaces between words: lines break between characters.
NO_WORD_SPACES = frozenset({"Hans", "Hant", "Jpan", "Thai", "Khmr", "Laoo", "Mymr"})


@dataclass(frozen=True)
class Language:
    """One interface language, as declared by its ``language.yaml``."""

    code: str
    name: str  # in the language itself, as a worker would recognise it
    speech: str  # BCP-47 tag the Web Speech API matches voices against (also HTML lang)
    locale: str = "en"  # Babel locale for numbers and dates, e.g. "vi_VN"
    script: str = "Latn"  # ISO 15924: picks the PDF font and the line-breaking rule
    english_name: str = ""
    aliases: tuple[str, ...] = ()  # other names, e.g. in XLSForm "label::Vietnamese" columns
    reading_speed: float = DEFAULT_READING_SPEED  # characters per second, a fast reader

    @property
    def breaks_anywhere(self) -> bool:
        """True for scripts without spaces between words (Chinese): wrap on characters."""
        return self.script in NO_WORD_SPACES


#: libyaml's parser when PyYAML has it (the same safe constructor, several times faster on
#: the locale files a cold report reads first), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
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
        found[code] = Language(
            code=code,
            name=str(data["name"]),
            speech=str(data.get("speech", code)),
            locale=str(data.get("locale", code)),
            script=str(data.get("script", "Latn")),
            english_name=str(data.get("english_name", data["name"])),
            aliases=tuple(str(a) for a in data.get("aliases", ())),
            reading_speed=float(data.get("reading_speed", DEFAULT_READING_SPEED)),
        )
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != FALLBACK, kv[0])))


def language(code: str) -> Language:
    """The language ``code``, or English's facts under that code when it is unknown."""
    known = languages().get(code)
    return known if known is not None else Language(code, code, code)


def language_names() -> dict[str, str]:
    """code -> the language's own name, for language pickers (read from the files now)."""
    return {code: lang.name for code, lang in languages().items()}


def __getattr__(name: str) -> dict[str, str]:
    """``LANGUAGES`` (code -> own name) stays importable, computed from the files."""
    if name == "LANGUAGES":
        return language_names()
    raise AttributeError(name)


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


def t_all(key: str, langs: list[str] | None = None, sep: str = " / ") -> str:
    """``key`` in several languages at once (default: all), for screens shown before a
    worker has chosen a language; identical texts are shown once."""
    texts = [t(key, code) for code in (langs if langs is not None else list(languages()))]
    return sep.join(dict.fromkeys(texts))


def speech_tag(lang: str) -> str:
    """The voice tag read-aloud asks the tablet for (the code itself when unknown)."""
    return language(lang).speech


@cache
def enterprise_names(lang: str) -> dict[str, str]:
    """Factory names in ``lang`` (``locales/<lang>/enterprises.yaml``), by English name."""
    path = LOCALES_DIR / lang / "enterprises.yaml"
    return {str(k): str(v) for k, v in _read_yaml(path).items()} if path.exists() else {}


def enterprise_name(name: str, lang: str) -> str:
    """A factory's name as workers of ``lang`` know it, where given; else its own name."""
    return enterprise_names(lang).get(name) or name


def reload() -> None:
    """Forget every cached file (after the translation import wrote new ones)."""
    for cached in (languages, language_strings, strings, enterprise_names, babel_locale):
        cached.cache_clear()


# --- numbers and dates, per locale (Babel) ------------------------------------------------


@cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale ``lang`` formats and reads numbers and dates with: its
    ``language.yaml``'s, else CLDR's for the code itself ("de", "pt-BR"), else English's."""
    known = languages().get(lang)
    try:
        return Locale.parse(known.locale if known else lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return babel_locale(FALLBACK) if lang != FALLBACK else Locale.parse("en")


def format_number(value: float | int | Decimal, lang: str, digits: int | None = None) -> str:
    """``value`` with the locale's decimal and grouping marks ("1,234.5" / "1.234,5");
    ``digits`` fixes the number of decimals."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def format_share(value: float, lang: str, digits: int = 0) -> str:
    """A share 0..1 as a percentage in the locale's style ("12%", "12 %")."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=babel_locale(lang))


def format_day(value: date | datetime, lang: str) -> str:
    """A date in the locale's medium style ("Mar 2, 2026", "2026年3月2日", "2 thg 3, 2026")."""
    return babel_date(value, format="medium", locale=babel_locale(lang))
