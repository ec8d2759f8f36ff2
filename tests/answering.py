"""A respondent who answers every question the same way: for tests that need valid answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from score_impact.surveys.schema import Item, ItemType


def answer(item: Item, likert: int = 4, yes: bool = True) -> Any:
    """One valid answer: ``likert`` on scales, ``yes`` on yes/no, the first option on choices
    (a list for multiple choice) except one that screens the response out of the analysis
    (e.g. "hired after the training"); None for items that take numbers, text or nothing."""
    if item.type is ItemType.LIKERT:
        return likert
    if item.type is ItemType.YES_NO:
        return yes
    if item.options:
        kept = [o.value for o in item.options if o.value != item.screen_out]
        first = kept[0] if kept else item.options[0].value
        return [first] if item.type is ItemType.MULTIPLE_CHOICE else first
    return None


def answer_items(items: Iterable[Item], likert: int = 4, yes: bool = True) -> dict[str, Any]:
    return {item.id: value for item in items if (value := answer(item, likert, yes)) is not None}
