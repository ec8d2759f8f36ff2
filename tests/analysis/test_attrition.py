"""Match rate, exact-only sensitivity input and the attrition check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import compare_phases, construct_scores, welch_ttest
from analysis.attrition import attrition, exact_only, match_summary

from .conftest import make_answers


@pytest.fixture
def answers():
    ans = make_answers(n_enterprises=3, workers=20, matched=12, seed=4)
    tolerant = ans["pair_id"].isin(["code0", "code1"])
    ans["pair_match"] = np.where(ans["pair_id"].isna(), None,
                                 np.where(tolerant, "tolerant", "exact"))  # fmt: skip
    return ans


def test_match_summary_counts_follow_up_responses(answers):
    row = match_summary(answers).iloc[0]
    # 3 factories x 20 follow-up workers; 12 coded per factory, 2 of them tolerant
    assert row["follow_up_responses"] == 60
    assert (row["exact"], row["tolerant"], row["unmatched"]) == (30, 6, 24)
    assert row["unmatched_rate"] == pytest.approx(0.4) and not row["suppressed"]
    small = match_summary(answers[answers["enterprise_id"] == 0], min_group_size=50).iloc[0]
    assert small["suppressed"] and np.isnan(small["exact"])


def test_exact_only_turns_tolerant_pairs_into_independent_answers(answers):
    strict = exact_only(answers)
    assert strict["pair_match"].eq("tolerant").sum() == 0
    pairs = compare_phases(answers).query("test == 'paired t-test'")["n_pairs"]
    strict_pairs = compare_phases(strict).query("test == 'paired t-test'")["n_pairs"]
    assert (pairs.to_numpy() - strict_pairs.to_numpy() == 6).all()


def test_attrition_compares_baseline_scores_of_returners_and_the_rest(answers):
    out = attrition(answers).set_index("construct")
    assert (out["n_returned"] == 36).all() and (out["n_not_returned"] == 24).all()
    base = answers[(answers["phase"] == "baseline") & (answers["construct"] == "voice")]
    # by hand: voice_3 is reversed; mean of each respondent's items, then of the group
    scores = base.assign(score=np.where(base["reverse"], 6 - base["value"], base["value"]))
    per = scores.groupby(["response_id", "pair_id"], dropna=False)["score"].mean().reset_index()
    back = per["pair_id"].notna()
    assert out.loc["voice", "mean_returned"] == pytest.approx(per.loc[back, "score"].mean())
    assert out.loc["voice", "difference"] == pytest.approx(
        per.loc[back, "score"].mean() - per.loc[~back, "score"].mean()
    )
    suppressed = attrition(answers, min_group_size=30)
    assert suppressed["suppressed"].all() and suppressed["mean_returned"].isna().all()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 5])
def test_attrition_equals_welch_ttest_of_each_construct(seed, k):
    """One vectorised Welch test over the constructs gives each construct's welch_ttest
    of its non-returners vs returners, on messy answers (missing answers, a construct
    with no returner, nobody or one person on a side, small groups suppressed)."""
    answers = make_answers(n_enterprises=3, workers=7, matched=2 * seed, seed=seed)
    rng = np.random.default_rng(seed)
    answers.loc[rng.random(len(answers)) < 0.15, "value"] = np.nan
    answers.loc[(answers["construct"] == "safety") & answers["pair_id"].notna(), "value"] = np.nan
    got = attrition(answers, min_group_size=k).set_index("construct")
    base = answers[answers["phase"] == "baseline"]
    later = set(answers.loc[answers["phase"] == "follow_up", "pair_id"].dropna())
    scores = construct_scores(base)
    scores = scores[scores["scored"]]
    returned = scores["pair_id"].isin(later).to_numpy()
    assert set(got.index) == set(scores["construct"])
    for construct in got.index:
        mine = (scores["construct"] == construct).to_numpy()
        yes, no = scores["score"][mine & returned], scores["score"][mine & ~returned]
        want = welch_ttest(no, yes).iloc[0]
        row = got.loc[construct]
        small = 0 < len(yes) < k or 0 < len(no) < k
        assert row["suppressed"] == small
        assert (row["n_returned"], row["n_not_returned"]) == (len(yes), len(no))
        if small:
            assert np.isnan(row["difference"]) and np.isnan(row["mean_returned"])
            continue
        for col, ref in (("difference", "change"), ("ci_low", "ci_low"), ("p", "p")):
            assert row[col] == pytest.approx(want[ref], rel=1e-12, nan_ok=True), col
        reason = row["not_estimable"]
        assert (None if pd.isna(reason) else reason) == want["not_estimable"]
