"""Answer validation: coercion to stored types, ranges and translated messages."""

from __future__ import annotations

import pytest

from score_impact.surveys.loader import load_catalog
from score_impact.surveys.validation import check_number, validate_answers


@pytest.fixture(scope="module")
def worker():
    return load_catalog().latest("worker_m1_cooperation").survey


@pytest.mark.parametrize(
    ("raw", "low", "high", "integer", "expected", "code"),
    [
        ("12,5", 0, 100, False, None, "ambiguous_number"),  # 125 or 12.5 in English?
        ("12.5", 0, 100, False, 12.5, None),
        ("1,000", 0, None, False, 1000.0, None),
        ("1e308", 0, None, False, None, "not_a_number"),  # people type no exponents
        (1e308, 0, None, False, None, "too_large"),
        (-1e308, None, None, False, None, "too_small"),  # no limits given: -10^12 is one
        ("99999999999999", 0, None, False, None, "too_large"),  # no maximum: 10^12 is one
        ("inf", 0, None, False, None, "not_a_number"),
        (" 7 ", 0, 10, True, 7.0, None),
        ("7.5", 0, 10, True, None, "whole_number"),
        ("101", 0, 100, False, None, "too_large"),
        ("-0.1", 0, None, False, None, "too_small"),
        ("nan", 0, None, False, None, "not_a_number"),
        (True, 0, None, False, None, "not_a_number"),
        ("", 0, None, False, None, "not_a_number"),
    ],
)
def test_check_number(raw, low, high, integer, expected, code):
    value, issue = check_number("x", raw, low, high, integer)
    assert value == expected
    assert (issue.code if issue else None) == code


def test_messages_are_translated_with_parameters():
    _, issue = check_number("x", "150", 0, 100, False)
    assert issue.message("en") == "The number must be at most 100."
    assert issue.message("zh") == "数字不能大于 100。"


def test_validate_answers_coerces_and_reports(worker):
    clean, issues = validate_answers(
        worker,
        {"voice_supervisor_listens": 5, "suggestion_made": True, "one_improvement": "  more fans "},
        [
            worker.item("voice_supervisor_listens"),
            worker.item("suggestion_made"),
            worker.item("suggestion_acted"),
            worker.item("one_improvement"),
        ],
    )
    assert clean == {
        "voice_supervisor_listens": 5,
        "suggestion_made": True,
        "one_improvement": "more fans",
    }
    assert [(i.item_id, i.code) for i in issues] == [("suggestion_acted", "required")]


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True])
def test_likert_outside_scale_is_refused(worker, bad):
    _, issues = validate_answers(
        worker, {"voice_supervisor_listens": bad}, [worker.item("voice_supervisor_listens")]
    )
    assert [i.code for i in issues] == ["choose_option"]
