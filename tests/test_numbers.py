"""Numbers by locale: the KPI probes of issue 10, written as the attack, and the rule
that a new language needs no code (its Babel/CLDR locale decides)."""

from __future__ import annotations

import pytest

from score_impact.i18n import format_number
from score_impact.numbers import (
    NumberProblem,
    editable_number,
    locale_of,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("1,000", "en", 1000.0),  # the probe: was stored as 1.0
        ("12,345", "en", 12345.0),  # the probe: was stored as 12.345
        ("1.000,5", "vi", 1000.5),  # Vietnamese writes a thousand and a half so
        ("1.234.567", "vi", 1234567.0),
        ("0,5", "vi", 0.5),
        ("1,000.5", "zh", 1000.5),
        ("１，０００", "zh", 1000.0),  # full-width, as a Chinese keyboard types it
        (" 7 ", "en", 7.0),
        ("-2.5", "en", -2.5),
        ("1.000,5", "de", 1000.5),  # no code for German: CLDR knows it
        ("1.000,5", "pt-BR", 1000.5),
    ],
)
def test_numbers_are_read_in_the_interface_language(text, lang, expected):
    assert parse_number(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "first", "second"),
    [
        ("1.000", "en", "1,000", "1"),  # a thousand typed the Vietnamese way?
        ("1,000", "vi", "1.000", "1"),  # a thousand typed the English way?
        ("0.125", "vi", "125", "0,125"),
        ("12,5", "en", "125", "12.5"),  # a misplaced grouping comma
        ("1.000,5", "en", "1.0005", "1,000.5"),
        ("1,000.5", "vi", "1,0005", "1.000,5"),
    ],
)
def test_a_number_that_reads_two_ways_is_refused_naming_both(text, lang, first, second):
    with pytest.raises(NumberProblem) as refused:
        parse_number(text, lang)
    assert refused.value.code == "ambiguous_number"
    assert refused.value.params == {"text": text, "first": first, "second": second}


@pytest.mark.parametrize(
    "text", ["", "inf", "-Infinity", "NaN", "12 kg", "1.2.3", "abc", "1e3", "1_000", "٣"]
)
def test_what_is_not_a_finite_number_is_refused(text):
    with pytest.raises(NumberProblem) as refused:
        parse_number(text, "en")
    assert refused.value.code == "not_a_number"


def test_an_unknown_language_falls_back_to_english_conventions():
    assert locale_of("xx") == locale_of("en")
    assert parse_number("1,000", "xx") == 1000.0


@pytest.mark.parametrize("lang", ["en", "zh", "vi", "de"])
@pytest.mark.parametrize("value", [1000.0, 1000.5, 0.125, 12.5, 1234567.0, 3.0])
def test_what_the_form_shows_reads_back_as_the_same_number(lang, value):
    shown = editable_number(value, lang)
    try:
        assert parse_number(shown, lang) == value
    except NumberProblem as problem:  # 0.125 / 1.125-like values: the page keeps them
        assert problem.code == "ambiguous_number" and len(shown.split(",")[-1]) == 3


def test_limits_in_messages_use_the_language_s_digits():
    assert format_number(1_000_000, "en") == "1,000,000"
    assert format_number(1_000_000, "vi") == "1.000.000"
