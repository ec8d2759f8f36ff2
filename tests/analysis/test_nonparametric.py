"""Wilcoxon signed-rank and Mann-Whitney U pinned to R's ``wilcox.test`` defaults.

Statistics are for ``after`` as R's first argument; where R's published call used the
other order, the mirrored statistic is derived in the comment (V' = n(n+1)/2 - V,
W' = n1 n2 - W; p is unchanged).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from analysis import mann_whitney, wilcoxon_signed_rank
from analysis._common import ALL_TIED, ALL_ZERO_DIFF, FEW_PAIRS, NO_BASELINE

from ._printed import printed
from .test_parametric import MPG_AUTO, MPG_MANUAL, SLEEP_1, SLEEP_2

# ?wilcox.test example (Hollander & Wolfe, depression scale, paired)
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
# ?wilcox.test example (permeability constants, two samples)
PERM_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
PERM_Y = [1.15, 0.88, 0.90, 0.74, 1.21]


@pytest.mark.parametrize(
    ("func", "before", "after", "statistic", "p", "method"),
    [
        # R: wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE)
        # -> V = 0, p-value = 0.009091 (ties and a zero: normal approx. with correction);
        # with after first V' = 9*10/2 - 0 = 45
        (wilcoxon_signed_rank, SLEEP_1, SLEEP_2, 45, "0.009091", "normal"),
        # R: wilcox.test(extra ~ group, data = sleep) -> W = 25.5, p-value = 0.06933;
        # after first: W' = 100 - 25.5 = 74.5
        (mann_whitney, SLEEP_1, SLEEP_2, 74.5, "0.06933", "normal"),
        # R: wilcox.test(mpg ~ am, data = mtcars) -> W = 42, p-value = 0.001871;
        # after first: W' = 19*13 - 42 = 205
        (mann_whitney, MPG_AUTO, MPG_MANUAL, 205, "0.001871", "normal"),
        # R: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40,
        # p-value = 0.01953; two-sided = 2 * 0.01953 = 0.0390625 (exact, see below)
        (wilcoxon_signed_rank, HW_Y, HW_X, 40, 0.0390625, "exact"),
        # R: wilcox.test(x, y, alternative = "g") -> W = 35, p-value = 0.1272 (exact);
        # two-sided p = 2 * 0.1272 (checked by enumeration below)
        (mann_whitney, PERM_Y, PERM_X, 35, "0.2544", "exact"),
    ],
)
def test_matches_r(func, before, after, statistic, p, method):
    row = func(before, after).iloc[0]
    assert row["statistic"] == pytest.approx(statistic)
    expected = printed(p) if isinstance(p, str) else pytest.approx(p, rel=1e-9)
    assert row["p"] == expected
    assert method in row["test"]


def test_exact_signed_rank_by_enumeration():
    """Independent route: V = 40 of n = 9 -> P(V >= 40) = #{subsets of 1..9, sum <= 5} / 2^9."""
    count = sum(
        1
        for r in range(10)
        for subset in itertools.combinations(range(1, 10), r)
        if sum(subset) <= 5
    )
    assert count == 10
    assert wilcoxon_signed_rank(HW_Y, HW_X)["p"].iloc[0] == pytest.approx(2 * count / 512)


def test_exact_mann_whitney_by_enumeration():
    """Independent route: all C(15, 10) rank sets of the 10 'after' values, W >= 35."""
    ranks = range(1, 16)
    ws = [sum(s) - 55 for s in itertools.combinations(ranks, 10)]
    upper = sum(w >= 35 for w in ws) / len(ws)
    assert upper == pytest.approx(0.1272, abs=5e-5)  # R's one-sided p
    assert mann_whitney(PERM_Y, PERM_X)["p"].iloc[0] == pytest.approx(2 * upper, rel=1e-12)


def test_normal_approximation_by_hand():
    """sleep pairs: n = 9 non-zero, one tie pair (1.3, 1.3): sigma^2 = 9*10*19/24 - 6/48."""
    sigma = math.sqrt(9 * 10 * 19 / 24 - 6 / 48)
    z = (45 - 9 * 10 / 4 - 0.5) / sigma
    p = math.erfc(z / math.sqrt(2))
    assert wilcoxon_signed_rank(SLEEP_1, SLEEP_2)["p"].iloc[0] == pytest.approx(p, rel=1e-12)


def test_rank_biserial():
    # all sleep changes positive -> r = 1; mtcars: r = 2 W / (n1 n2) - 1 = 2*205/247 - 1
    assert wilcoxon_signed_rank(SLEEP_1, SLEEP_2)["effect_size"].iloc[0] == pytest.approx(1.0)
    r = mann_whitney(MPG_AUTO, MPG_MANUAL)["effect_size"].iloc[0]
    assert r == pytest.approx(2 * 205 / 247 - 1)


@pytest.mark.parametrize(
    ("func", "before", "after", "reason"),
    [
        (wilcoxon_signed_rank, [1, 2, 3], [1, 2, 3], ALL_ZERO_DIFF),
        (wilcoxon_signed_rank, [1], [2], FEW_PAIRS),
        (mann_whitney, [3, 3, 3], [3, 3], ALL_TIED),
        (mann_whitney, [], [1, 2], NO_BASELINE),
    ],
)
def test_degenerate(func, before, after, reason):
    row = func(before, after).iloc[0]
    assert row["not_estimable"] == reason
    assert np.isnan(row["p"]) and np.isnan(row["statistic"])
