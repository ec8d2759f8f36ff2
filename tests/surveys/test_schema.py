"""Unit tests of ``Condition.holds``: the skip logic shared by tablet, paper entry and submit.

Answers arrive in their stored types (see surveys/validation.py): likert -> int,
yes_no -> bool, single_choice -> str, multiple_choice -> list[str], number -> float,
unanswered -> None.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from score_impact.surveys.schema import Condition


def cond(**test: object) -> Condition:
    """Build a condition as the YAML loader does (``in`` is the YAML key of ``in_``)."""
    return Condition.model_validate({"item": "earlier", **test})


# ----- equals ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [("night", True), ("day", False), ("Night", False), ("", False)],
)
def test_equals_on_single_choice(answer: str, expected: bool) -> None:
    assert cond(equals="night").holds(answer) is expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["night"], True),
        (["day", "night"], True),
        (["day"], False),
        ([], False),
    ],
)
def test_equals_on_multiple_choice_means_ticked(answer: list[str], expected: bool) -> None:
    assert cond(equals="night").holds(answer) is expected


@pytest.mark.parametrize(
    ("wanted", "answer", "expected"),
    [
        (True, True, True),
        (True, False, False),
        (False, False, True),
        (False, True, False),
        # YAML `equals: yes` / `equals: no` arrive as bools; quoted words are read alike
        ("yes", True, True),
        ("yes", False, False),
        ("no", False, True),
        ("no", True, False),
        ("maybe", True, False),
        ("maybe", False, False),
    ],
)
def test_equals_on_yes_no(wanted: object, answer: bool, expected: bool) -> None:
    assert cond(equals=wanted).holds(answer) is expected


@pytest.mark.parametrize("answer", [1, 0, 1.0, "yes", "true"])
def test_equals_true_matches_only_a_yes_no_answer(answer: object) -> None:
    """A likert 1 or a text "yes" is not a yes/no answer."""
    assert cond(equals=True).holds(answer) is False


def test_equals_on_likert_and_number() -> None:
    assert cond(equals=4).holds(4) is True
    assert cond(equals=4).holds(5) is False
    assert cond(equals="4").holds(4) is True  # a quoted number in YAML still matches


# ----- in -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("quality", True),
        ("warehouse", True),
        ("production", False),
        (["production", "warehouse"], True),  # multiple choice: any ticked option
        (["production"], False),
        ([], False),
    ],
)
def test_in_on_choices(answer: object, expected: bool) -> None:
    assert cond(**{"in": ["quality", "warehouse"]}).holds(answer) is expected


def test_in_on_likert() -> None:
    low = cond(**{"in": [1, 2]})
    assert low.holds(1) and low.holds(2)
    assert not low.holds(3)


# ----- at_least / at_most ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"), [(3, False), (4, True), (5, True), (4.0, True), ("4", True)]
)
def test_at_least_includes_the_bound(answer: object, expected: bool) -> None:
    assert cond(at_least=4).holds(answer) is expected


@pytest.mark.parametrize(("answer", "expected"), [(1, True), (2, True), (2.5, False), (5, False)])
def test_at_most_includes_the_bound(answer: object, expected: bool) -> None:
    assert cond(at_most=2).holds(answer) is expected


@pytest.mark.parametrize("answer", ["many", ["1"], {"a": 1}])
def test_a_bound_on_a_non_number_does_not_hold(answer: object) -> None:
    assert cond(at_least=0).holds(answer) is False
    assert cond(at_most=10).holds(answer) is False


def test_zero_is_an_answer_not_a_blank() -> None:
    assert cond(at_most=0).holds(0) is True
    assert cond(at_least=0).holds(0.0) is True
    assert cond(equals=0).holds(0) is True


# ----- unanswered -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "test",
    [
        {"equals": "night"},
        {"equals": True},
        {"equals": False},
        {"equals": 0},
        {"in": ["a", "b"]},
        {"at_least": 0},
        {"at_most": 5},
    ],
    ids=lambda t: next(iter(t)) + "=" + repr(next(iter(t.values()))),
)
def test_unanswered_never_holds(test: dict[str, object]) -> None:
    """An item depending on an unanswered one stays hidden, whatever the test."""
    assert cond(**test).holds(None) is False


# ----- building conditions --------------------------------------------------------------
@pytest.mark.parametrize(
    "tests",
    [
        {},
        {"equals": "a", "at_least": 1},
        {"in": ["a"], "at_most": 2},
        {"at_least": 1, "at_most": 2},
    ],
)
def test_exactly_one_test_is_required(tests: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="exactly one of equals, in, at_least, at_most"):
        cond(**tests)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        cond(equal="a")


def test_in_keeps_its_yaml_name_when_dumped() -> None:
    dumped = cond(**{"in": ["a", "b"]}).model_dump(by_alias=True, exclude_none=True)
    assert dumped == {"item": "earlier", "in": ["a", "b"]}


def test_primary_and_sesoi_fields():
    from score_impact.surveys.schema import Construct, Kpi

    c = Construct(id="voice", label={"en": "Voice"}, primary=True, sesoi=0.3)
    assert c.primary and c.sesoi == 0.3
    assert Construct(id="v", label={"en": "V"}).sesoi is None
    k = Kpi(id="defects", label={"en": "D"}, unit={"en": "%"}, direction="lower_is_better",
            primary=True, sesoi_pct=10)  # fmt: skip
    assert k.primary and k.sesoi_pct == 10
    with pytest.raises(ValueError):
        Construct(id="v", label={"en": "V"}, sesoi=0)
    with pytest.raises(ValueError):
        Kpi(id="d", label={"en": "D"}, unit={"en": "%"}, direction="lower_is_better",
            sesoi_pct=-5)  # fmt: skip
