"""Numbers typed by people, read the way their interface language writes them.

"1,000" is one thousand in English and Chinese, and one (with three decimals) in
Vietnamese, which writes one thousand and a half as "1.000,5". Reading every number with
``float(text.replace(",", "."))`` stored an English manager's "1,000" as 1.0 without a
word. Here the interface language picks a locale from Babel (CLDR data, so a new language
needs no code here), and :func:`parse_number`:

- accepts what the locale writes: its decimal symbol, its grouping symbol in the right
  places, full-width digits from a Chinese keyboard, a sign;
- refuses a number that reads two ways: a misplaced grouping symbol ("12,5" in English,
  which Babel reads as neither 125 nor 12.5) and a lone decimal symbol followed by
  exactly three digits ("1.000" in English, "1,000" in Vietnamese), which a person used to
  the other convention means as a thousand. The message names both readings;
- refuses what is not a finite number ("inf", "NaN", "12 kg").

Callers check ranges themselves (:func:`score_impact.surveys.validation.check_number`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    parse_decimal,
)

FALLBACK_LOCALE = "en"
#: No count or rate this app records comes near this; larger means a typo or an attack.
NUMBER_LIMIT = 1e12


class NumberProblem(ValueError):
    """Why a typed number is refused: ``code`` is a ``validation.<code>`` interface string
    and ``params`` fill it."""

    def __init__(self, code: str, params: dict[str, str] | None = None):
        self.code, self.params = code, params or {}
        super().__init__(code)


@cache
def locale_of(lang: str) -> Locale:
    """The Babel locale of an interface language code ("en", "zh", "vi", "pt-BR", ...)."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def _halfwidth(text: str) -> str:
    """Full-width digits and punctuation (Chinese and Japanese keyboards) as ASCII."""
    return "".join(
        unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c for c in text
    )


def format_number(value: float, lang: str) -> str:
    """``value`` written the way ``lang`` writes numbers (for messages and labels)."""
    return format_decimal(value, locale=locale_of(lang))


def editable_number(value: float, lang: str) -> str:
    """``value`` for an input box: every digit kept, no grouping symbols (1000.5 is
    "1000.5" in English, "1000,5" in Vietnamese)."""
    return format_decimal(
        value, locale=locale_of(lang), group_separator=False, decimal_quantization=False
    )


def _two_readings(text: str, locale: Locale) -> tuple[str, str] | None:
    """(as thousands, as decimal) when ``text`` is digits, one decimal symbol, three
    digits: "1.000" in English could be 1000 typed the Vietnamese way."""
    symbol = re.escape(get_decimal_symbol(locale))
    found = re.fullmatch(rf"([+-]?)([1-9]\d{{0,2}}){symbol}(\d{{3}})", text)
    if found is None:
        return None
    sign, whole, part = found.groups()
    thousands = f"{sign}{whole}{part}"
    decimal = format_decimal(Decimal(f"{sign}{whole}.{part}"), locale=locale)
    return thousands, decimal


def parse_number(text: str, lang: str) -> float:
    """The number ``text`` means in interface language ``lang``; raises ``NumberProblem``
    (``not_a_number`` or ``ambiguous_number`` with ``text``/``first``/``second``)."""
    typed = _halfwidth(text).strip()
    locale = locale_of(lang)
    if not typed:
        raise NumberProblem("not_a_number")
    readings = _two_readings(typed, locale)
    if readings is None:
        try:
            value = parse_decimal(typed, locale=locale, strict=True)
        except NumberFormatError as exc:
            if len(exc.suggestions or []) == 2:
                readings = (exc.suggestions[0], exc.suggestions[1])
            else:
                raise NumberProblem("not_a_number") from exc
    if readings is not None:
        first, second = readings
        raise NumberProblem("ambiguous_number", {"text": typed, "first": first, "second": second})
    number = float(value)
    if not math.isfinite(number) or not value.is_finite():
        raise NumberProblem("not_a_number")
    return number
