"""McNemar and two-proportion tests pinned to R (``mcnemar.test``, ``prop.test``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analysis import mcnemar, two_proportion_test
from analysis._common import ALL_SAME_BINARY, NO_DISCORDANT

from ._printed import printed


def paired_from_table(a: int, b: int, c: int, d: int) -> tuple[list[int], list[int]]:
    """Rows = before (yes, no), columns = after (yes, no): [[a, b], [c, d]]."""
    before = [1] * (a + b) + [0] * (c + d)
    after = [1] * a + [0] * b + [1] * c + [0] * d
    return before, after


def test_mcnemar_r_help_example():
    """R ?mcnemar.test, Agresti (1990) p. 350, Presidential Approval Ratings.

    Performance <- matrix(c(794, 86, 150, 570), nrow = 2, ...); mcnemar.test(Performance)
    -> McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05.
    Derived by hand as well: (|150 - 86| - 1)^2 / (150 + 86) = 3969 / 236 = 16.8178.
    (A value of 34.712 sometimes quoted for this example does not fit this table: with
    236 discordant pairs no continuity-corrected or uncorrected statistic equals it.)
    """
    before, after = paired_from_table(794, 150, 86, 570)
    row = mcnemar(before, after).iloc[0]
    assert row["statistic"] == pytest.approx(3969 / 236, rel=1e-12)
    assert row["statistic"] == printed("16.818")
    assert row["p"] == printed("4.115e-05")
    assert row["df"] == 1
    assert row["change"] == pytest.approx((86 - 150) / 1600)


def test_mcnemar_uncorrected():
    """inferr::ifr_mcnemar_test snapshot (hsb himath x hiread: 135, 21 / 18, 26):
    McNemar's chi2 0.2308, Pr > chi2 0.631 = R mcnemar.test(..., correct = FALSE)."""
    before, after = paired_from_table(135, 21, 18, 26)
    row = mcnemar(before, after, correct=False).iloc[0]
    assert row["statistic"] == printed("0.2308")
    assert row["p"] == printed("0.631")


def test_prop_test_r_default():
    """R: prop.test(x = c(490, 400), n = c(500, 500)) -> X-squared = 80.909, df = 1,
    95 percent CI 0.1408536 0.2191464 (difference 0.98 - 0.80)."""
    row = two_proportion_test([1] * 400 + [0] * 100, [1] * 490 + [0] * 10).iloc[0]
    assert row["statistic"] == printed("80.909")
    assert row["ci_low"] == printed("0.1408536")
    assert row["ci_high"] == printed("0.2191464")
    assert row["change"] == pytest.approx(0.18)


def test_prop_test_uncorrected_equals_pearson_and_z():
    """Independent routes: Pearson chi-square of the 2x2 table (scipy, no correction)
    and the square of the pooled two-proportion z statistic."""
    before = [1] * 30 + [0] * 70
    after = [1] * 45 + [0] * 55
    row = two_proportion_test(before, after, correct=False).iloc[0]
    chi2, p, _, _ = stats.chi2_contingency(np.array([[30, 70], [45, 55]]), correction=False)
    pooled = 75 / 200
    z = (0.45 - 0.30) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert row["statistic"] == pytest.approx(chi2, rel=1e-12)
    assert row["statistic"] == pytest.approx(z**2, rel=1e-12)
    assert row["p"] == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize(
    ("func", "before", "after", "reason"),
    [
        (mcnemar, [1, 0, 1], [1, 0, 1], NO_DISCORDANT),
        (two_proportion_test, [1, 1, 1], [1, 1], ALL_SAME_BINARY),
        (two_proportion_test, [0, 0], [0, 0, 0], ALL_SAME_BINARY),
    ],
)
def test_degenerate(func, before, after, reason):
    row = func(before, after).iloc[0]
    assert row["not_estimable"] == reason
    assert math.isnan(row["p"])


def test_rejects_non_binary_values():
    with pytest.raises(ValueError, match="yes/no"):
        mcnemar([1, 2], [0, 1])


def test_mcnemar_equal_discordant_counts_gives_zero_and_p_one_as_r():
    """R mcnemar.test corrects only when b != c (``any(x - t(x) != 0)`` in its source), so
    matrix(c(10, 30, 30, 10), 2) gives McNemar's chi-squared = 0, df = 1, p-value = 1.
    The old code subtracted the correction anyway: (|30 - 30| - 1)^2 / 60 = 1/60."""
    before, after = paired_from_table(10, 30, 30, 10)
    row = mcnemar(before, after).iloc[0]
    assert row["statistic"] == 0.0
    assert row["p"] == 1.0
    assert row["test"] == "McNemar"


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        # 2 P(X <= 2), X ~ Binomial(10, 1/2) = 2 (1 + 10 + 45) / 1024 = 112 / 1024
        (2, 8, 112 / 1024),
        # 2 P(X <= 0), n = 6: 2 / 64
        (0, 6, 2 / 64),
        # b == c: 2 P(X <= 3 | n = 6) = 2 * 42 / 64 > 1 -> 1 (R binom.test(3, 6): p-value = 1)
        (3, 3, 1.0),
        # 2 P(X <= 5 | n = 17) = 2 * (1 + 17 + 136 + 680 + 2380 + 6188) / 131072
        (12, 5, 2 * 9402 / 131072),
    ],
)
def test_mcnemar_exact_binomial_below_25_discordant_pairs(b, c, expected):
    """Exact p by hand from binomial coefficients (R: binom.test(b, b + c); e.g.
    binom.test(2, 10) -> p-value = 0.1094)."""
    before, after = paired_from_table(20, b, c, 20)
    row = mcnemar(before, after).iloc[0]
    assert row["test"] == "McNemar (exact binomial)"
    assert row["p"] == pytest.approx(expected, rel=1e-12)
    assert row["statistic"] == c and math.isnan(row["df"])


def test_mcnemar_switches_to_chi_square_at_25_discordant_pairs():
    before, after = paired_from_table(20, 10, 15, 20)  # b + c = 25
    row = mcnemar(before, after).iloc[0]
    assert row["test"] == "McNemar (continuity corrected)"
    assert row["statistic"] == pytest.approx((5 - 1) ** 2 / 25)
