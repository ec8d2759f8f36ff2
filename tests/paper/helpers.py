"""Keyed sheets for the worker survey, as a trainer would type them from paper."""

from __future__ import annotations

from score_impact.paper.keys import new_sheet_numbers
from score_impact.surveys.schema import ItemType, Survey

CODE = {
    "code.birth_day": "12",
    "code.mother_birth_month": "3",
    "code.older_siblings": "1",
    "code.birth_year_last_digit": "7",
}


def keyed_sheet(survey: Survey, likert: str = "4", with_code: bool = True) -> dict[str, str]:
    """Every question answered: Likert ``likert``, yes (1) everywhere, first option, text."""
    keys: dict[str, str] = dict(CODE) if with_code else {}
    for item in survey.items:
        keys[item.id] = {
            ItemType.LIKERT: likert,
            ItemType.YES_NO: "1",
            ItemType.SINGLE_CHOICE: "1",
            ItemType.MULTIPLE_CHOICE: "1,2",
            ItemType.NUMBER: "7",
            ItemType.TEXT: "More fans in summer",
        }.get(item.type, "")
    return keys


def sheet_number() -> str:
    return new_sheet_numbers(1)[0]
