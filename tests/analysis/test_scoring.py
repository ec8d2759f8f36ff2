"""Reverse coding and construct scores with the minimum-answered rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import construct_scores, item_scores, reverse_code
from analysis.scoring import complete_constructs, response_columns

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


def _messy_answers(seed: int) -> pd.DataFrame:
    """Answers in no particular order: ties, missing answers, reverse-coded items, a
    construct nobody answered, responses with one answer only or none in a construct,
    items outside every construct, a response whose rows are not next to each other."""
    rng = np.random.default_rng(seed)
    items = [("a1", "alpha", False), ("a2", "alpha", True), ("a3", "alpha", False),
             ("b1", "beta", False), ("b2", "beta", False), ("c1", "gamma", False),
             ("z1", None, False), ("z2", None, True)]  # fmt: skip
    rows = []
    for rid in rng.permutation(np.arange(100, 160)):
        for item_id, construct, reverse in items:
            if rng.random() < 0.15:
                continue  # the row is absent
            missing = construct == "gamma" or rng.random() < 0.2
            rows.append(
                {"response_id": int(rid), "phase": ("baseline", "follow_up")[rid % 2],
                 "enterprise": f"F{rid % 3}", "pair_id": None if rid % 4 else f"p{rid // 4}",
                 "demo_tenure": None if rid % 5 == 0 else "<1y", "item_id": item_id,
                 "construct": construct, "item_type": "likert", "reverse": reverse,
                 "scale_min": 1, "scale_max": 5,
                 "value": np.nan if missing else float(rng.integers(1, 6))}
            )  # fmt: skip
    frame = pd.DataFrame(rows).sample(frac=1, random_state=seed)  # rows of a response apart
    lone = frame.iloc[:1].assign(response_id=999, item_id="a1", construct="alpha", value=3.5)
    return pd.concat([frame, lone], ignore_index=True)


def _scores_one_group_at_a_time(
    answers: pd.DataFrame, min_answered: float, items_per_construct: dict | None
) -> pd.DataFrame:
    """The straightforward computation: each (response, construct) on its own."""
    scored = item_scores(answers[answers["construct"].notna()])
    if items_per_construct is None:
        n_items = answers.dropna(subset=["construct"]).groupby("construct")["item_id"].nunique()
    else:
        n_items = pd.Series(items_per_construct)
    first = answers.drop_duplicates("response_id").set_index("response_id")
    rows = []
    for (rid, construct), part in scored.groupby(["response_id", "construct"], sort=True):
        answered = part["score"].dropna()
        if answered.empty:
            continue
        total = int(n_items[construct])
        ok = len(answered) >= np.ceil(min_answered * total - 1e-9)
        rows.append({**first.loc[rid, response_columns(answers)[1:]].to_dict(),
                     "response_id": rid, "construct": construct,
                     "item_type": part["item_type"].dropna().iloc[0],
                     "n_answered": len(answered), "n_items": total, "scored": ok,
                     "score": answered.mean() if ok else np.nan})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("min_answered", "items_per_construct"),
    [(2 / 3, None), (1.0, None), (0.0, None), (2 / 3, {"alpha": 4, "beta": 2, "gamma": 1})],
)
def test_construct_scores_equal_one_group_at_a_time(seed, min_answered, items_per_construct):
    answers = _messy_answers(seed)
    got = construct_scores(answers, min_answered, items_per_construct)
    want = _scores_one_group_at_a_time(answers, min_answered, items_per_construct)
    assert list(got.columns) == [*response_columns(answers), "construct", "item_type",
                                 "n_answered", "n_items", "scored", "score"]  # fmt: skip
    assert len(got) == len(want)
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-12)
    for col in got.columns.drop("score"):
        assert got[col].astype(object).tolist() == want[col].astype(object).tolist(), col
    # the cases are there: a lone answer, unscored and scored groups, no gamma at all
    assert (got["n_answered"] == 1).any() and got["scored"].any()
    assert got["scored"].all() == (min_answered == 0)
    assert "gamma" not in set(got["construct"])


def test_construct_scores_of_no_answers_is_empty_with_the_columns():
    answers = _messy_answers(0)
    got = construct_scores(answers.iloc[:0])
    assert got.empty
    assert list(got.columns) == list(construct_scores(answers).columns)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_complete_constructs_equal_one_group_at_a_time(seed):
    answers = _messy_answers(seed)
    answers["construct_items"] = answers["construct"].map({"alpha": 3, "beta": 2, "gamma": 1})
    answers["construct_items"] = answers["construct_items"].fillna(0).astype(int)
    answers.loc[answers.index[:5], "response_id"] = np.nan  # no response id: left alone
    got = complete_constructs(answers)
    want = answers.copy()
    for _, part in answers.groupby(["response_id", "construct"]):
        if part["value"].notna().sum() < part["construct_items"].iloc[0]:
            want.loc[part.index, "value"] = np.nan
    pd.testing.assert_frame_equal(got, want)
    assert got["value"].isna().sum() > answers["value"].isna().sum()
    assert got["value"].notna().any()
