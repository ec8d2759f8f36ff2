"""Numbers typed by people, read the way their interface language writes them.

"1,000" is one thousand in English and Chinese, and one (with three decimals) in
Vietnamese, which writes one thousand and a half as "1.000,5". Reading every number with
``float(text.replace(",", "."))`` stored an English manager's "1,000" as 1.0 without a
word. Here the interface language picks a locale from Babel (CLDR data, so a new language
needs no code here), and :func:`parse_number`:

- accepts what the locale writes: its decimal symbol, its grouping symbol between groups
  of three, full-width digits from a Chinese keyboard, a sign;
- refuses a number that reads two ways: one written the other convention's way ("12,5" or
  "1.000,5" in English: 125 or 12.5?) and a lone decimal symbol followed by exactly three
  digits ("1.000" in English, "1,000" in Vietnamese), which a person used to the other
  convention means as a thousand. The message names both readings;
- refuses anything else ("inf", "1e3", "12 kg").

Callers check ranges themselves (:func:`score_impact.surveys.validation.check_number`).
"""

from __future__ import annotations

import math
import re
import unicodedata

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from score_impact.i18n import babel_locale as locale_of  # the language's own locale

#: No count or rate this app records comes near this; larger means a typo or an attack.
NUMBER_LIMIT = 1e12


class NumberProblem(ValueError):
    """Why a typed number is refused: ``code`` is a ``validation.<code>`` interface string
    and ``params`` fill it."""

    def __init__(self, code: str, params: dict[str, str] | None = None):
        self.code, self.params = code, params or {}
        super().__init__(code)


def _halfwidth(text: str) -> str:
    """Full-width digits and punctuation (Chinese and Japanese keyboards) as ASCII."""
    return "".join(
        unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c for c in text
    )


def editable_number(value: float, lang: str) -> str:
    """``value`` for an input box: every digit kept, no grouping symbols (1000.5 is
    "1000.5" in English, "1000,5" in Vietnamese)."""
    return format_decimal(
        value, locale=locale_of(lang), group_separator=False, decimal_quantization=False
    )


def _symbols(lang: str) -> tuple[str, str]:
    """(decimal symbol, grouping symbol) of the language, from CLDR."""
    locale = locale_of(lang)
    return get_decimal_symbol(locale), get_group_symbol(locale)


def _read(text: str, decimal: str, group: str) -> float | None:
    """``text`` read with these symbols, or None: digits with the grouping symbol only
    between groups of three (or none), then the decimal symbol and more digits. A grouping
    symbol that is a space accepts any space (keyboards type a plain one)."""
    g = r"[ \u00a0\u202f]" if group.isspace() or group in "\u00a0\u202f" else re.escape(group)
    found = re.fullmatch(
        rf"([+-]?)([0-9]+|[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+)?(?:{re.escape(decimal)}([0-9]*))?",
        text,
    )
    if found is None or not (found[2] or found[3]):
        return None
    whole = re.sub(r"[^0-9]", "", found[2] or "0")
    return float(f"{found[1]}{whole}.{found[3] or '0'}")


def _wide(value: float, lang: str) -> str:
    """Every digit, with the language's grouping: how a reading is shown in a message."""
    return format_decimal(value, locale=locale_of(lang), decimal_quantization=False)


def parse_number(text: str, lang: str) -> float:
    """The number ``text`` means in interface language ``lang``; raises ``NumberProblem``
    (``not_a_number``, or ``ambiguous_number`` with ``text``, ``first`` and ``second``:
    the two readings written the language's way).

    The rules are plain (static/tablet/rules.js repeats them for the offline tablet):
    digits, optionally grouped by threes with the grouping symbol (not after a leading
    zero), optionally a decimal symbol and digits, a sign. No exponents, no words.
    """
    typed = _halfwidth(text).strip()
    decimal, group = _symbols(lang)
    value = _read(typed, decimal, group)
    if value is not None:
        lone = rf"[+-]?[1-9][0-9]{{0,2}}{re.escape(decimal)}[0-9]{{3}}"
        if re.fullmatch(lone, typed):  # "1.000" in English: one, or a thousand?
            thousands = float(re.sub(r"[^0-9+-]", "", typed))
            raise NumberProblem("ambiguous_number", _readings(typed, thousands, value, lang))
        if not math.isfinite(value):
            raise NumberProblem("not_a_number")
        return value
    other = _read(typed, group, decimal)  # the other convention: "12,5" or "1.000,5"
    mine = _read(typed.replace(group, ""), decimal, group)  # misplaced grouping dropped
    if other is None or mine is None or mine == other:
        raise NumberProblem("not_a_number")
    raise NumberProblem("ambiguous_number", _readings(typed, mine, other, lang))


def _readings(typed: str, first: float, second: float, lang: str) -> dict[str, str]:
    return {"text": typed, "first": _wide(first, lang), "second": _wide(second, lang)}
