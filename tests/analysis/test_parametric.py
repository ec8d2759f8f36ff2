"""Paired and Welch t-tests pinned to R.

Data: R's built-in ``sleep`` (extra hours of sleep, 10 patients, two drugs) and ``mtcars``
(mpg by transmission). Our sign convention is ``change = after - before`` with
before = group 1 / automatic, so R statistics from ``t.test(extra ~ group)`` (group 1 -
group 2) appear here with the opposite sign and mirrored intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import paired_ttest, welch_ttest
from analysis._common import (
    FEW_BEFORE,
    FEW_PAIRS,
    NO_FOLLOW_UP,
    ZERO_VARIANCE,
    ZERO_VARIANCE_CHANGE,
)
from analysis.parametric import paired_t_arrays, welch_t_arrays

from ._printed import printed

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
MPG_AUTO = [21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4, 10.4, 14.7,
            21.5, 15.5, 15.2, 13.3, 19.2]  # fmt: skip
MPG_MANUAL = [21.0, 21.0, 22.8, 32.4, 30.4, 33.9, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4]


@pytest.mark.parametrize(
    ("func", "before", "after", "expected"),
    [
        # R: t.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE)
        # R output (?sleep, group 1 - group 2): t = -4.0621, df = 9, p-value = 0.002833,
        # 95 percent CI -2.4598858 -0.7001142, mean difference -1.58
        (paired_ttest, SLEEP_1, SLEEP_2, dict(statistic="4.0621", df="9", p="0.002833",
                 ci_low="0.7001142", ci_high="2.4598858", change="1.58")),
        # R: t.test(extra ~ group, data = sleep)  (Welch)
        # t = -1.8608, df = 17.776, p-value = 0.07939, CI -3.3654832 0.2054832,
        # means 0.75 2.33
        (welch_ttest, SLEEP_1, SLEEP_2, dict(statistic="1.8608", df="17.776", p="0.07939",
                                             ci_low="-0.2054832", ci_high="3.3654832",
                                             mean_before="0.75", mean_after="2.33")),
        # R: t.test(mpg ~ am, data = mtcars)
        # t = -3.7671, df = 18.332, p-value = 0.001374, CI -11.280194 -3.209684,
        # means 17.14737 24.39231
        (welch_ttest, MPG_AUTO, MPG_MANUAL, dict(statistic="3.7671", df="18.332", p="0.001374",
                                                 ci_low="3.209684", ci_high="11.280194",
                                                 mean_before="17.14737", mean_after="24.39231")),
    ],
)  # fmt: skip
def test_matches_r(func, before, after, expected):
    row = func(before, after).iloc[0]
    for col, value in expected.items():
        assert row[col] == printed(value), col
    assert row["not_estimable"] is None


def test_effect_sizes_by_hand():
    """Independent route: closed-form d_z and Hedges' g from textbook definitions."""
    d = np.subtract(SLEEP_2, SLEEP_1)
    dz = d.mean() / d.std(ddof=1)
    assert paired_ttest(SLEEP_1, SLEEP_2)["effect_size"].iloc[0] == pytest.approx(dz, rel=1e-12)
    # sleep: sd1 = 1.789010, sd2 = 2.002249 (R: sd(sleep$extra[1:10]) ...); pooled SD
    s1, s2 = 1.789010, 2.002249
    d_pooled = 1.58 / math.sqrt((s1**2 + s2**2) / 2)  # effsize::cohen.d -> |d| = 0.8321811
    assert d_pooled == pytest.approx(0.8321811, rel=1e-5)
    g = d_pooled * (1 - 3 / (4 * 20 - 9))
    assert welch_ttest(SLEEP_1, SLEEP_2)["effect_size"].iloc[0] == pytest.approx(g, rel=1e-5)


@pytest.mark.parametrize(
    ("func", "before", "after", "reason"),
    [
        (paired_ttest, [1.0], [2.0], FEW_PAIRS),
        (paired_ttest, [1, 2, 3], [2, 3, 4], ZERO_VARIANCE_CHANGE),
        (paired_ttest, [1, np.nan, 3], [np.nan, 3, 4], FEW_PAIRS),
        (welch_ttest, [1.0], [2.0, 3.0], FEW_BEFORE),
        (welch_ttest, [1.0, 2.0], [], NO_FOLLOW_UP),
        (welch_ttest, [3, 3, 3], [3, 3], ZERO_VARIANCE),
    ],
)
def test_degenerate_inputs_give_a_reason_and_no_number(func, before, after, reason):
    row = func(before, after).iloc[0]
    assert row["not_estimable"] == reason
    for col in ("statistic", "df", "p", "ci_low", "ci_high", "effect_size"):
        assert math.isnan(row[col]), col


def test_one_zero_variance_sample_is_still_estimable():
    row = welch_ttest([3, 3, 3], [3, 4, 5]).iloc[0]
    assert row["not_estimable"] is None
    assert row["df"] == pytest.approx(2.0)  # all variance from one sample: df = n2 - 1


def test_bulk_arrays_equal_single_calls():
    paired = paired_t_arrays(np.array([10]), np.array([0.75]), np.array([2.33]),
                             np.array([np.std(np.subtract(SLEEP_2, SLEEP_1), ddof=1)]))  # fmt: skip
    single = paired_ttest(SLEEP_1, SLEEP_2)
    assert np.allclose(paired[["statistic", "p", "ci_low"]], single[["statistic", "p", "ci_low"]])
    welch = welch_t_arrays(
        np.array([19, 10]), np.array([np.mean(MPG_AUTO), 0.75]),
        np.array([np.var(MPG_AUTO, ddof=1), np.var(SLEEP_1, ddof=1)]),
        np.array([13, 10]), np.array([np.mean(MPG_MANUAL), 2.33]),
        np.array([np.var(MPG_MANUAL, ddof=1), np.var(SLEEP_2, ddof=1)]),
    )  # fmt: skip
    assert welch["p"].to_numpy() == pytest.approx([0.001374, 0.07939], rel=1e-3)


@pytest.mark.parametrize("paired", [True, False])
def test_bootstrap_interval_close_to_t_interval_for_normal_data(paired):
    """For normal data with n = 400 the percentile bootstrap and t intervals agree to a
    few percent of their width (large-sample theory, not a pinned R value)."""
    from analysis.parametric import bootstrap_ci

    rng = np.random.default_rng(7)
    before = rng.normal(3, 1, 400)
    after = before * 0.5 + rng.normal(1.8, 0.8, 400)
    boot = bootstrap_ci(before, after, paired=paired, n_resamples=4000, seed=1).iloc[0]
    ref = (paired_ttest if paired else welch_ttest)(before, after).iloc[0]
    width = ref["ci_high"] - ref["ci_low"]
    assert boot["change"] == pytest.approx(ref["change"])
    assert abs(boot["ci_low"] - ref["ci_low"]) < 0.08 * width
    assert abs(boot["ci_high"] - ref["ci_high"]) < 0.08 * width
    again = bootstrap_ci(before, after, paired=paired, n_resamples=4000, seed=1).iloc[0]
    assert again["ci_low"] == boot["ci_low"]  # seeded: reproducible


def test_bootstrap_degenerate():
    from analysis.parametric import bootstrap_ci

    row = bootstrap_ci([1.0], [2.0], paired=True).iloc[0]
    assert row["not_estimable"] == FEW_PAIRS and math.isnan(row["ci_low"])
