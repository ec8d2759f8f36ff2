"""TOST equivalence tests pinned to published values and an independent implementation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.weightstats import ttost_ind

from analysis.equivalence import default_sesoi, tost, tost_arrays

from ._printed import printed

A = [4, 7, 8, 6, 3, 2]
B = [6, 8, 7, 10, 11, 9]


def test_paired_tost_published_example():
    """pingouin.tost docs (values checked there against R package ``equivalence``):
    a = [4, 7, 8, 6, 3, 2], b = [6, 8, 7, 10, 11, 9], bound 0.5, paired -> dof 5,
    pval 0.954854."""
    row = tost(A, B, bound=0.5, paired=True).iloc[0]
    assert row["df"] == 5
    assert row["p"] == printed("0.954854")


def test_welch_tost_equals_statsmodels():
    """Independent implementation: statsmodels ttost_ind(b, a, -1, 1, usevar="unequal")
    -> p 0.9643478849753625, df 9.494382022471909."""
    row = tost(A, B, bound=1, paired=False).iloc[0]
    ref_p, _, (_, _, ref_df) = ttost_ind(np.array(B, float), np.array(A, float), -1, 1,
                                         usevar="unequal")  # fmt: skip
    assert row["p"] == pytest.approx(0.9643478849753625, rel=1e-12)
    assert row["p"] == pytest.approx(ref_p, rel=1e-12)
    assert row["df"] == pytest.approx(ref_df, rel=1e-12)


def test_equivalence_is_the_90_percent_interval_inside_the_bounds():
    """TOST at alpha rejects exactly when the (1 - 2 alpha) CI lies within +/- bound."""
    rng = np.random.default_rng(4)
    before = rng.normal(3, 0.6, 400)
    after = before + rng.normal(0.03, 0.5, 400)
    row = tost(before, after, bound=0.25).iloc[0]
    q = stats.t.ppf(0.95, row["df"])
    inside = row["change"] - q * row["se"] > -0.25 and row["change"] + q * row["se"] < 0.25
    assert inside and row["p"] < 0.05
    wide = tost(before[:12], after[:12], bound=0.25).iloc[0]
    assert wide["p"] > 0.05  # too few pairs to show equivalence: inconclusive


def test_tost_arrays_normal_reference_and_missing_inputs():
    out = tost_arrays([0.0, 0.1, np.nan], [0.1, 0.1, 0.1], [np.inf, np.nan, 5], [0.25] * 3)
    assert out["p"].iloc[0] == pytest.approx(stats.norm.sf(2.5))
    assert out["p"].iloc[1] == pytest.approx(stats.norm.cdf(-1.5))
    assert np.isnan(out["p"].iloc[2])


def test_default_sesoi():
    assert default_sesoi(1, 5) == 0.25
    assert default_sesoi(1, 7) == pytest.approx(0.375)
    assert default_sesoi(0, 1, binary=True) == 0.10


def test_bound_must_be_positive():
    with pytest.raises(ValueError):
        tost(A, B, bound=0)
