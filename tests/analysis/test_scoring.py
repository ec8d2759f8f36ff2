"""Reverse coding and construct scores with the minimum-answered rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import construct_scores, item_scores, reverse_code
from analysis.scoring import complete_constructs

from .conftest import make_answers


@given(st.integers(0, 3), st.integers(1, 10), st.data())
def test_reverse_coding_twice_is_identity(lo, width, data):
    hi = lo + width
    value = data.draw(st.integers(lo, hi))
    once = reverse_code(value, lo, hi)
    assert lo <= once <= hi
    assert reverse_code(once, lo, hi) == value


@pytest.mark.parametrize(
    ("value", "lo", "hi", "expected"), [(1, 1, 5, 5), (2, 1, 5, 4), (3, 1, 5, 3), (1, 1, 7, 7)]
)
def test_reverse_code_values(value, lo, hi, expected):
    assert reverse_code(value, lo, hi) == expected


def _one_respondent(values: dict[str, float | None], reverse=("c",)) -> pd.DataFrame:
    rows = [
        {"response_id": 1, "phase": "baseline", "phase_order": 0, "enterprise_id": 1,
         "pair_id": None, "item_id": k, "construct": "voice", "item_type": "likert",
         "reverse": k in reverse, "scale_min": 1, "scale_max": 5, "value": v}
        for k, v in values.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("values", "scored", "score"),
    [
        ({"a": 4, "b": 2, "c": 1}, True, (4 + 2 + 5) / 3),  # c reversed: 1 -> 5
        ({"a": 4, "b": 2, "c": None}, True, 3.0),  # 2 of 3 answered = 2/3: enough
        ({"a": 4, "b": None, "c": None}, False, np.nan),  # 1 of 3: not scored
    ],
)
def test_min_answered_rule(values, scored, score):
    out = construct_scores(_one_respondent(values)).iloc[0]
    assert out["scored"] == scored
    assert out["n_items"] == 3
    if scored:
        assert out["score"] == pytest.approx(score)
    else:
        assert np.isnan(out["score"])


def test_min_answered_uses_definition_count():
    # two items seen, but the survey defines 6: 2/6 < 2/3 -> not scored
    out = construct_scores(_one_respondent({"a": 4, "b": 2}), items_per_construct={"voice": 6})
    assert not out["scored"].iloc[0]


def test_item_scores_reverse_only_flagged_items():
    ans = make_answers(n_enterprises=1, workers=2)
    scored = item_scores(ans)
    rev = scored["reverse"].to_numpy()
    np.testing.assert_array_equal(scored["score"][rev], 6 - scored["value"][rev])
    np.testing.assert_array_equal(scored["score"][~rev], scored["value"][~rev])


def test_construct_scores_keep_respondent_columns():
    ans = make_answers(n_enterprises=2, workers=3)
    out = construct_scores(ans)
    assert {"enterprise", "cohort", "pair_id", "demo_tenure", "construct", "score"} <= set(out)
    assert len(out) == ans["response_id"].nunique() * 2  # voice + safety


def _two_workers() -> pd.DataFrame:
    """Worker 1 answers all three voice items; worker 2 declines "b". A yes/no item
    outside every construct sits beside them."""
    rows = [
        {"response_id": r, "item_id": i, "construct": "voice", "construct_items": 3, "value": v}
        for r, answers in ((1, {"a": 4, "b": 2, "c": 1}), (2, {"a": 5, "b": None, "c": 3}))
        for i, v in answers.items()
    ]  # fmt: skip
    rows += [{"response_id": r, "item_id": "eit", "construct": None, "construct_items": 0,
              "value": 1.0} for r in (1, 2)]  # fmt: skip
    return pd.DataFrame(rows)


def test_complete_constructs_drops_a_partly_answered_construct_only():
    out = complete_constructs(_two_workers())
    kept = out.set_index(["response_id", "item_id"])["value"]
    assert kept.loc[1].to_dict() == {"a": 4, "b": 2, "c": 1, "eit": 1.0}
    assert kept.loc[2, "eit"] == 1.0  # not in a construct: untouched
    assert kept.loc[2, ["a", "b", "c"]].isna().all()


def test_complete_constructs_leave_nothing_to_subtract():
    """The issue-10 derivation: n_items x the construct's sum minus the item sums is the
    skipper's answers with the 2/3 rule, and 0 once partial constructs are dropped."""

    def residual(frame: pd.DataFrame) -> float:
        scored = construct_scores(frame.assign(item_type="likert", reverse=False, scale_min=1,
                                               scale_max=5))  # fmt: skip
        voice = scored[(scored["construct"] == "voice") & scored["scored"]]
        items = frame[frame["construct"] == "voice"].groupby("item_id")["value"].sum()
        return 3 * voice["score"].sum() - items.sum()

    # worker 2's answers a=5, c=3: 3 x (5 + 3) / 2 - (5 + 3) = 4 = (5 + 3) / 2
    assert residual(_two_workers()) == pytest.approx(4.0)
    assert residual(complete_constructs(_two_workers())) == pytest.approx(0.0)
