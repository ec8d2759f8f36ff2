"""The numbers printed on paper and keyed back in, and the sheet numbers.

Every tick box on a printed questionnaire has a number next to it: 1-5 for a Likert
point, 1 = yes / 2 = no, 1..n for choice options. A trainer keys those numbers in, and
this module turns them into the values tablets produce, so paper answers go through the
same validation and the same submit path. Pure functions only: the printout, the entry
page and the service must agree on the numbers, so they all read them from here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from score_impact.pairing import ELEMENTS
from score_impact.services.rounds import CODE_ALPHABET
from score_impact.surveys.schema import DECLINED, Item, ItemType, Survey
from score_impact.surveys.validation import Issue, Value, validate_answers

YES_KEY, NO_KEY = "1", "2"
# "Prefer not to answer" is keyed 0 on every item that offers it: never a Likert point or
# an option number (those start at 1).
DECLINE_KEY = "0"
# Private-code digits are keyed as "code.<element>": never a valid item id (ids have no dot).
CODE_PREFIX = "code."
CODE_KEYS = tuple(f"{CODE_PREFIX}{name}" for name in ELEMENTS)
# Boxes printed per code element: two for day and month, one for the single digits.
CODE_DIGITS = {name: len(str(allowed.stop - 1)) for name, allowed in ELEMENTS.items()}
SHEET_LENGTH = 6  # five random characters and one check character


# ----- question numbers ----------------------------------------------------------------
def question_numbers(survey: Survey) -> dict[str, int]:
    """Item id -> the number printed before it (notes are not numbered: nothing to key)."""
    numbered = [i for i in survey.items if i.type is not ItemType.NOTE]
    return {item.id: n for n, item in enumerate(numbered, start=1)}


def key_hint(survey: Survey, item: Item) -> str:
    """What may be keyed for ``item``, e.g. "1-5", "1/2", "1-4, several: 1,3"; "" for free;
    ", 0" is added where "prefer not to answer" is offered."""
    hint = _key_hint(survey, item)
    return f"{hint}, {DECLINE_KEY}" if survey.declinable(item) else hint


def _key_hint(survey: Survey, item: Item) -> str:
    kind = item.type
    if kind is ItemType.LIKERT:
        points = survey.scales[item.scale or ""]
        return f"{points[0].value}-{points[-1].value}"
    if kind is ItemType.YES_NO:
        return f"{YES_KEY}/{NO_KEY}"
    if kind is ItemType.SINGLE_CHOICE:
        return f"1-{len(item.options or [])}"
    if kind is ItemType.MULTIPLE_CHOICE:
        return f"1-{len(item.options or [])}, 1,3"
    return ""


# ----- keys -> answers -----------------------------------------------------------------
def _blank(key: Any) -> bool:
    return key is None or (isinstance(key, str) and not key.strip())


def _whole(key: str) -> int | None:
    text = key.strip()
    return int(text) if text.isdigit() else None


def _multiple(key: str, count: int) -> list[int] | None:
    """ "1,3", "1 3", "1;3" or (with at most 9 options) "13" -> [1, 3]."""
    tokens = [t for t in re.split(r"[^0-9]+", key.strip()) if t]
    if len(tokens) == 1 and count <= 9 and len(tokens[0]) > 1:
        tokens = list(tokens[0])
    if not tokens or any(not t.isdigit() for t in tokens):
        return None
    return [int(t) for t in tokens]


def key_to_value(survey: Survey, item: Item, key: str) -> tuple[Value | None, Issue | None]:
    """One keyed entry -> the value a tablet would send, or an issue naming the valid keys."""
    kind = item.type
    bad = Issue(item.id, "paper_key", {"keys": key_hint(survey, item)})
    if key.strip() == DECLINE_KEY and survey.declinable(item):
        return DECLINED, None
    if kind is ItemType.LIKERT:
        number = _whole(key)
        points = {p.value for p in survey.scales[item.scale or ""]}
        return (number, None) if number in points else (None, bad)
    if kind is ItemType.YES_NO:
        text = key.strip()
        return (text == YES_KEY, None) if text in (YES_KEY, NO_KEY) else (None, bad)
    options = item.options or []
    if kind is ItemType.SINGLE_CHOICE:
        number = _whole(key)
        if number is None or not 1 <= number <= len(options):
            return None, bad
        return options[number - 1].value, None
    if kind is ItemType.MULTIPLE_CHOICE:
        numbers = _multiple(key, len(options))
        if numbers is None or not all(1 <= n <= len(options) for n in numbers):
            return None, bad
        chosen = {options[n - 1].value for n in numbers}
        return [o.value for o in options if o.value in chosen], None
    return key, None  # numbers and text: validate_answers parses and checks them


def keys_to_answers(
    survey: Survey, keyed: Mapping[str, Any]
) -> tuple[dict[str, Value], list[Issue]]:
    """Keyed entries (item id -> key as typed) -> clean answers and issues.

    The conversion issues come first; ``validate_answers`` then checks the whole set
    (required items, ranges, skip logic, unknown ids), without repeating an item that
    already has an issue. Blank keys mean "not answered". Code keys (``code.*``) are
    ignored here: they never become answers.
    """
    known = {i.id: i for i in survey.items}
    converted: dict[str, Any] = {}
    issues: list[Issue] = []
    for item_id, key in keyed.items():
        if item_id.startswith(CODE_PREFIX) or _blank(key):
            continue
        item = known.get(item_id)
        if item is None:
            converted[item_id] = key  # reported as unknown_item by validate_answers
            continue
        value, issue = key_to_value(survey, item, str(key))
        if issue:
            issues.append(issue)
        else:
            converted[item_id] = value
    clean, more = validate_answers(survey, converted)
    flagged = {i.item_id for i in issues}
    # A mis-keyed item is left out, so it is not reported again as "required" (and items
    # that depend on it through show_if are hidden until it is keyed correctly).
    issues += [i for i in more if i.item_id not in flagged]
    return clean, issues


def value_to_key(survey: Survey, item_id: str, value: Value | None) -> str:
    """The inverse of ``key_to_value``: what was keyed, for showing mismatches."""
    if value is None or value == []:
        return ""
    item = survey.item(item_id)
    if value == DECLINED:
        return DECLINE_KEY
    if item.type is ItemType.YES_NO:
        return YES_KEY if value else NO_KEY
    numbers = {o.value: str(n) for n, o in enumerate(item.options or [], start=1)}
    if item.type is ItemType.SINGLE_CHOICE:
        return numbers.get(str(value), str(value))
    if item.type is ItemType.MULTIPLE_CHOICE and isinstance(value, list):
        return ",".join(numbers.get(v, v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def keys_to_code(keyed: Mapping[str, Any]) -> tuple[dict[str, int] | None, list[Issue]]:
    """The private-code digits: all blank = the worker skipped the code (None).

    A partly filled or out-of-range code is an issue rather than a silent skip, so the
    person keying looks at the sheet again instead of losing a before/after pair.
    """
    raw = {name: keyed.get(f"{CODE_PREFIX}{name}") for name in ELEMENTS}
    if all(_blank(v) for v in raw.values()):
        return None, []
    code: dict[str, int] = {}
    for name, allowed in ELEMENTS.items():
        number = None if _blank(raw[name]) else _whole(str(raw[name]))
        if number is None or number not in allowed:
            return None, [Issue("_code", "paper_code_incomplete")]
        code[name] = number
    return code, []


# ----- sheet numbers -------------------------------------------------------------------
def _check_char(body: str) -> str:
    """Weighted sum modulo 31 (the alphabet's length, a prime) with weights 1, 2, 3, ...:
    any single mistyped character and any swap of two neighbours changes it, so a typo
    cannot silently start a new sheet."""
    n = len(CODE_ALPHABET)
    total = sum(weight * CODE_ALPHABET.index(char) for weight, char in enumerate(body, start=1))
    return CODE_ALPHABET[total % n]


def new_sheet_numbers(count: int) -> list[str]:
    """``count`` distinct random sheet numbers (5 random characters + 1 check character)."""
    if count < 1:
        raise ValueError("at least one sheet")
    numbers: list[str] = []
    seen: set[str] = set()
    while len(numbers) < count:
        body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(SHEET_LENGTH - 1))
        number = body + _check_char(body)
        if number not in seen:
            seen.add(number)
            numbers.append(number)
    return numbers


def normalise_sheet_number(text: str) -> str | None:
    """The sheet number as printed, or None if it cannot be one (wrong length, a letter
    not in the alphabet, or a failed check character)."""
    number = "".join(str(text).split()).upper()
    if len(number) != SHEET_LENGTH or any(c not in CODE_ALPHABET for c in number):
        return None
    return number if _check_char(number[:-1]) == number[-1] else None
