"""Tests for yes/no items: McNemar (matched pairs) and two-proportion chi-square.

Both use R's defaults (continuity correction on), so ``mcnemar.test(table)`` and
``prop.test(x, n)`` reproduce every number. Values are 1 = yes, 0 = no; the ``mean_*``
columns are proportions of "yes" and ``change`` is the difference in proportions
(follow-up minus baseline), which is also the effect size shown.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from analysis import _common as c

#: Below this many discordant pairs McNemar's p is the exact binomial one (the chi-square
#: approximation is poor for small b + c; Agresti 2013, sec. 11.1.4).
EXACT_DISCORDANT = 25


def _proportion_columns(
    test: np.ndarray | str,
    share_before: np.ndarray,
    share_after: np.ndarray,
    change: np.ndarray,
    interval: tuple[np.ndarray, np.ndarray],
    se: np.ndarray,
    chi2: np.ndarray,
    p: np.ndarray,
) -> dict[str, object]:
    """What both yes/no tests report: the shares of "yes", their difference (which is also
    the effect size) with its interval and standard error, a statistic and its p."""
    return {
        "test": test,
        "mean_before": share_before,
        "mean_after": share_after,
        "change": change,
        "se": se,
        "ci_low": interval[0],
        "ci_high": interval[1],
        "statistic": chi2,
        "df": np.where(np.isnan(np.asarray(chi2, float)), np.nan, 1.0),
        "p": p,
        "effect_size": change,
        "effect_size_name": "difference in proportions",
    }


def _exact_binomial_p(b: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Two-sided exact p of b yes->no against g no->yes pairs, Binomial(b + g, 1/2):
    2 P(X <= min(b, g)), capped at 1 (R ``binom.test(b, b + g)``; the distribution is
    symmetric, so doubling the smaller tail is R's two-sided rule)."""
    with np.errstate(invalid="ignore"):
        p = 2 * stats.binom.cdf(np.minimum(b, g), b + g, 0.5)
    return np.minimum(1.0, p)


def mcnemar_arrays(
    n_pairs: np.ndarray,
    yes_before: np.ndarray,
    yes_after: np.ndarray,
    lost: np.ndarray,
    gained: np.ndarray,
    correct: bool = True,
    confidence: float = 0.95,
    exact_below: int = EXACT_DISCORDANT,
) -> pd.DataFrame:
    """McNemar tests from per-group counts (vectorised).

    ``lost`` = pairs yes -> no (b), ``gained`` = pairs no -> yes (c). The interval is the
    Wald interval of the paired difference in proportions,
    (c - b)/n +/- z sqrt(b + c - (c - b)^2 / n) / n.

    With fewer than ``exact_below`` discordant pairs the p-value is the exact binomial
    one (test "McNemar (exact binomial)", ``statistic`` = c, no df). Otherwise the
    chi-square ``(|c - b| - 1)^2 / (b + c)``; as in R's ``mcnemar.test`` the continuity
    correction is applied only when b != c, so b == c gives 0 and p = 1.
    """
    n = np.asarray(n_pairs, float)
    b, g = np.asarray(lost, float), np.asarray(gained, float)
    corrected = correct & (b != g)
    exact = (b + g) < exact_below
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.abs(g - b) - np.where(corrected, 1.0, 0.0)
        chi2 = diff**2 / (b + g)
        change = (g - b) / n
        z = stats.norm.ppf(0.5 + confidence / 2)
        se = np.sqrt(b + g - (g - b) ** 2 / n) / n
        half = z * se
        pb, pa = np.asarray(yes_before, float) / n, np.asarray(yes_after, float) / n
    p = np.where(exact, _exact_binomial_p(b, g), stats.chi2.sf(chi2, 1))
    name = np.where(
        exact,
        "McNemar (exact binomial)",
        np.where(corrected, "McNemar (continuity corrected)", "McNemar"),
    )
    statistic = np.where(exact, g, chi2)
    reason = c.first_reason(*c.paired_checks(n), (b + g == 0, c.NO_DISCORDANT))
    interval = (change - half, change + half)
    columns = _proportion_columns(name, pb, pa, change, interval, se, statistic, p)
    columns["df"] = np.where(exact, np.nan, 1.0)
    return c.paired_result(n, reason, **columns)


def two_proportion_arrays(
    n_before: np.ndarray,
    yes_before: np.ndarray,
    n_after: np.ndarray,
    yes_after: np.ndarray,
    correct: bool = True,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Two-sample proportion chi-square tests from per-group counts (vectorised).

    Identical to R's ``prop.test(c(yes_after, yes_before), c(n_after, n_before),
    correct = correct)``: Pearson chi-square of the 2x2 table with, when ``correct``,
    Yates' correction ``min(0.5, |p2 - p1| / (1/n1 + 1/n2))`` on every cell, and the
    Wald interval of the difference widened by the same correction.
    """
    n1, n2 = np.asarray(n_before, float), np.asarray(n_after, float)
    x1, x2 = np.asarray(yes_before, float), np.asarray(yes_after, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        change = p2 - p1
        inv = 1 / n1 + 1 / n2
        yates = np.minimum(0.5, np.abs(change) / inv) if correct else np.zeros_like(change)
        pooled = (x1 + x2) / (n1 + n2)
        stat = np.zeros_like(change)
        for x, n in ((x1, n1), (x2, n2)):
            for obs, exp in ((x, n * pooled), (n - x, n * (1 - pooled))):
                stat = stat + (np.abs(obs - exp) - yates) ** 2 / exp
        z = stats.norm.ppf(0.5 + confidence / 2)
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        half = z * se + yates * inv
    reason = c.first_reason(
        *c.independent_checks(n1, n2), ((pooled == 0) | (pooled == 1), c.ALL_SAME_BINARY)
    )
    interval = (np.maximum(-1.0, change - half), np.minimum(1.0, change + half))
    test = "two-proportion chi-square" + (" (continuity corrected)" if correct else "")
    p = stats.chi2.sf(stat, 1)
    columns = _proportion_columns(test, p1, p2, change, interval, se, stat, p)
    return c.independent_result(n1, n2, reason, **columns)


def _binary(values: Iterable[float]) -> np.ndarray:
    arr = np.asarray(list(values), dtype=float)
    bad = ~np.isnan(arr) & ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        raise ValueError("yes/no values must be 1 (yes), 0 (no) or missing")
    return arr


def mcnemar(
    before: Iterable[float],
    after: Iterable[float],
    correct: bool = True,
    exact_below: int = EXACT_DISCORDANT,
) -> pd.DataFrame:
    """McNemar's test of a change in a yes/no answer among matched respondents.

    Parameters
    ----------
    before, after : array-like of 0/1
        Answers of the same respondents in the same order; incomplete pairs dropped.
    correct : bool, default True
        Continuity correction, as R's default (applied only when b != c, as R does).
    exact_below : int, default 25
        Fewer discordant pairs than this -> exact binomial p (0 disables it).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`: ``mean_*`` proportions of
        yes, ``change`` and ``effect_size`` the paired difference in proportions,
        ``ci_low``/``ci_high`` its Wald interval (``se`` its standard error),
        ``statistic`` McNemar's chi-squared with ``df`` = 1, or c (no -> yes pairs) with
        no df for the exact test. ``not_estimable``: fewer than 2 pairs, or no
        discordant pairs (R would return NaN).

    Notes
    -----
    chi2 = (|c - b| - 1)^2 / (b + c) with b = yes -> no and c = no -> yes pairs, and no
    correction when b == c (statistic 0, p = 1). Same as R ``mcnemar.test(table(before,
    after))``. Exact: p = min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2), R
    ``binom.test(b, b + c)``.

    References
    ----------
    Agresti, A. (1990). Categorical Data Analysis. Wiley, pp. 350-354.
    """
    b, a = c.complete_pairs(_binary(before), _binary(after))
    return mcnemar_arrays(
        np.array([len(a)]),
        np.array([b.sum()]),
        np.array([a.sum()]),
        np.array([np.sum((b == 1) & (a == 0))]),
        np.array([np.sum((b == 0) & (a == 1))]),
        correct,
        exact_below=exact_below,
    )


def two_proportion_test(
    before: Iterable[float], after: Iterable[float], correct: bool = True
) -> pd.DataFrame:
    """Chi-square test that the share of "yes" differs between phases (independent).

    Parameters
    ----------
    before, after : array-like of 0/1
        Answers of everyone in each phase; missing values dropped.
    correct : bool, default True
        Yates' continuity correction, as R's ``prop.test`` default.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`: ``mean_*`` proportions,
        ``change``/``effect_size`` the difference in proportions (after - before) with
        its (corrected) Wald interval, ``statistic`` X-squared, ``df`` = 1.

    Notes
    -----
    Same as R ``prop.test(c(sum(after), sum(before)), c(length(after),
    length(before)))``. Without correction the statistic equals the square of the
    pooled two-proportion z statistic.
    """
    b, a = _binary(before), _binary(after)
    b, a = b[~np.isnan(b)], a[~np.isnan(a)]
    return two_proportion_arrays(
        np.array([len(b)]), np.array([b.sum()]), np.array([len(a)]), np.array([a.sum()]), correct
    )
