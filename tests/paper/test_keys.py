"""Paper keys -> answers (pure): the numbers printed next to the boxes, and sheet numbers."""

from __future__ import annotations

import pytest

from score_impact.paper.keys import (
    keys_to_answers,
    keys_to_code,
    new_sheet_numbers,
    normalise_sheet_number,
    question_numbers,
    value_to_key,
)
from score_impact.services.rounds import CODE_ALPHABET
from score_impact.surveys.loader import DEFAULT_DIR, load_catalog
from tests.paper.helpers import keyed_sheet

SURVEY = load_catalog(DEFAULT_DIR).latest("worker_m1_cooperation").survey


@pytest.mark.parametrize(
    ("item_id", "key", "value"),
    [
        ("voice_supervisor_listens", "1", 1),
        ("voice_supervisor_listens", " 5 ", 5),
        ("suggestion_made", "1", True),
        ("suggestion_made", "2", False),
        ("tenure", "3", "one_to_3_years"),
        ("one_improvement", "  fans  ", "fans"),
        ("voice_afraid", "0", "prefer_not_to_answer"),  # the printed "0  prefer not" box
        ("suggestion_made", "0", "prefer_not_to_answer"),
    ],
)
def test_printed_keys_become_the_values_a_tablet_sends(item_id, key, value):
    answers, issues = keys_to_answers(SURVEY, {**keyed_sheet(SURVEY), item_id: key})
    assert issues == []
    assert answers[item_id] == value
    assert value_to_key(SURVEY, item_id, value) == key.strip()


@pytest.mark.parametrize(
    ("item_id", "key", "keys_hint"),
    [
        ("voice_supervisor_listens", "6", "1-5, 0"),
        ("voice_supervisor_listens", "x", "1-5, 0"),
        ("suggestion_made", "3", "1/2, 0"),
        ("tenure", "5", "1-4"),  # demographic bands have no "prefer not": no 0
    ],
)
def test_a_wrong_key_names_the_valid_keys_in_both_languages(item_id, key, keys_hint):
    answers, issues = keys_to_answers(SURVEY, {**keyed_sheet(SURVEY), item_id: key})
    assert [(i.item_id, i.code) for i in issues] == [(item_id, "paper_key")]
    assert issues[0].message("en") == f"Key one of: {keys_hint}."
    assert issues[0].message("zh") == f"请输入：{keys_hint}。"
    assert item_id not in answers


def test_skip_logic_and_required_items_are_checked_like_on_tablets():
    keys = keyed_sheet(SURVEY) | {"suggestion_made": "2", "info_changes_told": ""}
    answers, issues = keys_to_answers(SURVEY, keys)
    assert "suggestion_acted" not in answers  # keyed, but the worker should have skipped it
    assert [(i.item_id, i.code) for i in issues] == [("info_changes_told", "required")]


def test_question_numbers_follow_the_paper_and_skip_notes():
    numbers = question_numbers(SURVEY)
    assert numbers["voice_supervisor_listens"] == 1
    assert sorted(numbers.values()) == list(range(1, len(SURVEY.items) + 1))


def test_private_code_is_all_or_nothing():
    assert keys_to_code({}) == (None, [])
    code, issues = keys_to_code(keyed_sheet(SURVEY))
    assert code == {
        "birth_day": 12,
        "mother_birth_month": 3,
        "older_siblings": 1,
        "birth_year_last_digit": 7,
    }
    _, issues = keys_to_code({"code.birth_day": "12"})
    assert [i.code for i in issues] == ["paper_code_incomplete"]
    _, issues = keys_to_code({**keyed_sheet(SURVEY), "code.mother_birth_month": "13"})
    assert [i.code for i in issues] == ["paper_code_incomplete"]


def test_sheet_numbers_are_unique_and_a_single_typo_is_caught():
    numbers = new_sheet_numbers(500)
    assert len(set(numbers)) == 500
    assert all(normalise_sheet_number(n) == n for n in numbers)
    assert normalise_sheet_number(numbers[0].lower()[:3] + " " + numbers[0][3:]) == numbers[0]
    number = numbers[0]
    for position in range(len(number)):
        for wrong in CODE_ALPHABET:
            if wrong != number[position]:
                typo = number[:position] + wrong + number[position + 1 :]
                assert normalise_sheet_number(typo) is None, typo
    assert normalise_sheet_number("ABC") is None
    assert normalise_sheet_number("O0I1L5") is None  # letters not in the alphabet


def test_swapping_two_neighbouring_characters_is_caught():
    for number in new_sheet_numbers(200):
        for i in range(len(number) - 1):
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            if swapped != number:
                assert normalise_sheet_number(swapped) is None, (number, swapped)
