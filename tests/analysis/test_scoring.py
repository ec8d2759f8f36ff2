"""Reverse coding and construct scores with the minimum-answered rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import construct_scores, item_scores, reverse_code

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
