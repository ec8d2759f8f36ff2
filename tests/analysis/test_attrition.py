"""Match rate, exact-only sensitivity input and the attrition check."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import compare_phases
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
