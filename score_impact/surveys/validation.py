"""Validate one respondent's answers against a survey definition.

The same function guards the tablet page, the manager page, paper entry and the submit
service, so a value that passes here is always storable and analysable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from score_impact.i18n import format_number, t
from score_impact.numbers import NUMBER_LIMIT, NumberProblem, parse_number
from score_impact.surveys.schema import DECLINED, Item, ItemType, Survey
from score_impact.text import clean_block

Value = int | float | bool | str | list[str]


@dataclass(frozen=True)
class Issue:
    """A problem with one item's answer; ``message(lang)`` gives the worker-facing text."""

    item_id: str
    code: str  # key in the UI strings: required, not_a_number, too_small, ...
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        """The text in ``lang``; a parameter given as ``{lang: text}`` (a label from the
        survey definition) is shown in ``lang`` too."""
        params = {
            k: (v.get(lang) or next(iter(v.values()))) if isinstance(v, dict) else v
            for k, v in self.params.items()
        }
        return t(f"validation.{self.code}", lang, **params)


def label_of(text: dict[str, str] | None, lang: str) -> str:
    """A definition text in ``lang``, else in the survey's first language ("" for none)."""
    return "" if text is None else text.get(lang) or next(iter(text.values()), "")


def is_visible(item: Item, answers: Mapping[str, Any]) -> bool:
    return item.show_if is None or item.show_if.holds(answers.get(item.show_if.item))


def visible_items(survey: Survey, answers: Mapping[str, Any], items: Iterable[Item] | None = None):
    """Items shown given the answers so far (``show_if`` honoured, in survey order)."""
    return [i for i in (items if items is not None else survey.items) if is_visible(i, answers)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _check_one(
    item: Item, value: Any, survey: Survey, lang: str
) -> tuple[Value | None, Issue | None]:
    """Coerce one answer to its stored type, or explain why it cannot be stored."""
    kind = item.type
    if value == DECLINED:  # an explicit "prefer not to answer", where the item offers it
        if survey.declinable(item):
            return DECLINED, None
        return None, Issue(item.id, "choose_option")
    if kind is ItemType.LIKERT:
        points = [p.value for p in survey.scales[item.scale or ""]]
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in points:
            return None, Issue(item.id, "choose_option")
        return int(value), None
    if kind is ItemType.YES_NO:
        if not isinstance(value, bool):
            return None, Issue(item.id, "choose_option")
        return value, None
    if kind is ItemType.SINGLE_CHOICE:
        # Options are strings: anything else (a list from a tampered payload) is refused,
        # never looked up (a list is unhashable).
        if not isinstance(value, str) or value not in {o.value for o in item.options or []}:
            return None, Issue(item.id, "choose_option")
        return str(value), None
    if kind is ItemType.MULTIPLE_CHOICE:
        allowed = {o.value for o in item.options or []}
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return None, Issue(item.id, "choose_option")
        if not set(value) <= allowed:
            return None, Issue(item.id, "choose_option")
        return [o.value for o in item.options or [] if o.value in set(value)], None
    if kind is ItemType.NUMBER:
        return check_number(item.id, value, item.min, item.max, item.integer, lang)
    if kind is ItemType.TEXT:
        if not isinstance(value, str):
            return None, Issue(item.id, "not_text")
        text = clean_block(value)
        if len(text) > item.max_length:
            return None, Issue(item.id, "too_long", {"max": item.max_length})
        return text, None
    return None, None  # notes store nothing


def check_number(
    item_id: str,
    value: Any,
    low: float | None,
    high: float | None,
    integer: bool,
    lang: str = "en",
) -> tuple[float | None, Issue | None]:
    """Parse a number typed by a person in interface language ``lang`` (see
    :mod:`score_impact.numbers`: "1,000" is a thousand in English and refused in Vietnamese)
    and check its range. Without a maximum, :data:`NUMBER_LIMIT` is the maximum, so no
    value near float overflow reaches an analysis, chart or file."""
    if isinstance(value, bool):
        return None, Issue(item_id, "not_a_number")
    if isinstance(value, str):
        try:
            value = parse_number(value, lang)
        except NumberProblem as problem:
            return None, Issue(item_id, problem.code, problem.params)
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None, Issue(item_id, "not_a_number")
    if integer and float(value) != int(value):
        return None, Issue(item_id, "whole_number")
    if low is not None and value < low:
        return None, Issue(item_id, "too_small", {"min": format_number(low, lang)})
    high = NUMBER_LIMIT if high is None else min(high, NUMBER_LIMIT)
    if value > high:
        return None, Issue(item_id, "too_large", {"max": format_number(high, lang)})
    if value < -NUMBER_LIMIT:
        return None, Issue(item_id, "too_small", {"min": format_number(-NUMBER_LIMIT, lang)})
    return float(value), None


def validate_answers(
    survey: Survey,
    answers: Mapping[str, Any],
    items: Iterable[Item] | None = None,
    lang: str = "en",
) -> tuple[dict[str, Value], list[Issue]]:
    """Check ``answers`` for ``items`` (default: the whole survey); numbers typed as text
    are read the way interface language ``lang`` writes them.

    Returns the cleaned answers (hidden and blank items dropped) and the issues; unknown
    item ids are an issue too, so a tampered or stale payload is never half-stored.
    """
    scope = list(items) if items is not None else survey.items
    known = {i.id for i in survey.items}
    issues = [Issue(k, "unknown_item") for k in answers if k not in known]
    clean: dict[str, Value] = {}
    for item in scope:
        if item.type is ItemType.NOTE or not is_visible(item, answers):
            continue
        value = answers.get(item.id)
        if _blank(value):
            if item.required:
                issues.append(Issue(item.id, "required"))
            continue
        coerced, issue = _check_one(item, value, survey, lang)
        if issue:
            issues.append(issue)
        elif coerced is not None:
            clean[item.id] = coerced
    return clean, issues
