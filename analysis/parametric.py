"""t-tests for before/after change: paired t (matched respondents) and Welch t (everyone).

Each public test takes raw values and returns a one-row tidy frame; the ``*_arrays``
helpers compute the same results from group summaries (n, mean, variance) for many groups
at once, which is how :mod:`analysis.compare` stays fast. Both paths share one formula,
so the R-pinned tests of the public functions also pin the bulk path.

Sign convention: ``change = after - before`` (R: ``t.test(after, before, ...)``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from analysis import _common as c


def _zero(sd: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Whether a standard deviation is zero up to floating-point noise."""
    return ~(sd > 1e-12 * np.maximum(1.0, np.abs(scale)))


def _t_inference(
    change: np.ndarray, se: np.ndarray, df: np.ndarray, confidence: float
) -> dict[str, np.ndarray]:
    """t = change / se, its two-sided p and the t interval of ``change`` on ``df``: the
    inference both t-tests report (they differ only in se and df)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = change / se
        q = stats.t.ppf(0.5 + confidence / 2, df)
        return {
            "change": change,
            "se": se,
            "ci_low": change - q * se,
            "ci_high": change + q * se,
            "statistic": t,
            "df": df,
            "p": 2 * stats.t.sf(np.abs(t), df),
        }


def paired_t_arrays(
    n: np.ndarray,
    mean_before: np.ndarray,
    mean_after: np.ndarray,
    sd_change: np.ndarray,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired t-tests from per-group summaries of matched pairs (vectorised).

    Parameters
    ----------
    n : array of int
        Matched pairs per group.
    mean_before, mean_after : array of float
        Means of the matched respondents in each phase.
    sd_change : array of float
        Sample standard deviation (ddof=1) of ``after - before``.
    confidence : float
        Level of the t-based interval of the mean change.

    Returns
    -------
    pandas.DataFrame
        :data:`analysis._common.TEST_COLUMNS`; ``effect_size`` is Cohen's d_z.
    """
    n = np.asarray(n, dtype=float)
    mb, ma = np.asarray(mean_before, float), np.asarray(mean_after, float)
    sd = np.asarray(sd_change, float)
    change = ma - mb
    with np.errstate(divide="ignore", invalid="ignore"):
        se = sd / np.sqrt(n)
        dz = change / sd
    reason = c.first_reason(*c.paired_checks(n), (_zero(sd, change), c.ZERO_VARIANCE_CHANGE))
    return c.paired_result(
        n,
        reason,
        test="paired t-test",
        mean_before=mb,
        mean_after=ma,
        **_t_inference(change, se, n - 1, confidence),
        effect_size=dz,
        effect_size_name="Cohen's d_z",
    )


def welch_t_arrays(
    n_before: np.ndarray,
    mean_before: np.ndarray,
    var_before: np.ndarray,
    n_after: np.ndarray,
    mean_after: np.ndarray,
    var_after: np.ndarray,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Welch two-sample t-tests from per-group summaries (vectorised).

    Variances are sample variances (ddof=1). ``effect_size`` is Hedges' g (Cohen's d with
    pooled SD times ``1 - 3 / (4 (n1 + n2) - 9)``), preferred to d for small groups.
    """
    n1, n2 = np.asarray(n_before, float), np.asarray(n_after, float)
    m1, m2 = np.asarray(mean_before, float), np.asarray(mean_after, float)
    v1, v2 = np.asarray(var_before, float), np.asarray(var_after, float)
    change = m2 - m1
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        g = change / pooled * (1 - 3 / (4 * (n1 + n2) - 9))
    reason = c.first_reason(*c.independent_checks(n1, n2), (_zero(se, change), c.ZERO_VARIANCE))
    return c.independent_result(
        n1,
        n2,
        reason,
        test="Welch t-test",
        mean_before=m1,
        mean_after=m2,
        **_t_inference(change, se, df, confidence),
        effect_size=g,
        effect_size_name="Hedges' g",
    )


def paired_ttest(
    before: Iterable[float], after: Iterable[float], confidence: float = 0.95
) -> pd.DataFrame:
    """Paired t-test of the mean change of matched respondents.

    Parameters
    ----------
    before, after : array-like of float
        Values of the same respondents, in the same order. A pair with either value
        missing is dropped (complete pairs only).
    confidence : float, default 0.95
        Level of the confidence interval of the mean change.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`:

        - ``test`` : "paired t-test"
        - ``n_before``, ``n_after``, ``n_pairs`` : complete pairs (all three equal)
        - ``mean_before``, ``mean_after`` : means over the complete pairs
        - ``change`` : mean of ``after - before``
        - ``ci_low``, ``ci_high`` : t-based interval of ``change``
        - ``statistic`` : t; ``df`` : n - 1; ``p`` : two-sided
        - ``effect_size`` : Cohen's d_z = mean change / SD of changes
        - ``effect_size_name`` : "Cohen's d_z"
        - ``not_estimable`` : reason when no test is possible (fewer than 2 pairs, all
          changes identical), else None; inferential columns are then NaN.

    Notes
    -----
    t = mean(d) / (sd(d) / sqrt(n)), d = after - before, df = n - 1. Same as R
    ``t.test(after, before, paired = TRUE)``.

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes. Front. Psychol. 4:863.
    """
    b, a = c.complete_pairs(before, after)
    n = len(a)
    sd = float(np.std(a - b, ddof=1)) if n > 1 else np.nan
    return paired_t_arrays(
        np.array([n]),
        np.array([b.mean() if n else np.nan]),
        np.array([a.mean() if n else np.nan]),
        np.array([sd]),
        confidence,
    )


def welch_ttest(
    before: Iterable[float], after: Iterable[float], confidence: float = 0.95
) -> pd.DataFrame:
    """Welch's unequal-variance t-test of after vs before (independent samples).

    Parameters
    ----------
    before, after : array-like of float
        Values of everyone answering in each phase; missing values are dropped.
    confidence : float, default 0.95
        Level of the interval of the difference in means.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`; ``n_pairs`` is NaN,
        ``effect_size`` is Hedges' g, ``df`` is the Welch-Satterthwaite df.

    Notes
    -----
    t = (m2 - m1) / sqrt(v1/n1 + v2/n2). Same as R ``t.test(after, before)`` (Welch is
    R's default). Hedges' g uses the common approximation of the correction factor
    J = 1 - 3 / (4 (n1 + n2) - 9).

    References
    ----------
    Welch, B. L. (1947). Biometrika 34, 28-35. Hedges, L. V. (1981). J. Educ. Stat. 6, 107-128.
    """
    b, a = c.as_clean_array(before), c.as_clean_array(after)
    n1, n2 = len(b), len(a)
    return welch_t_arrays(
        np.array([n1]),
        np.array([b.mean() if n1 else np.nan]),
        np.array([b.var(ddof=1) if n1 > 1 else np.nan]),
        np.array([n2]),
        np.array([a.mean() if n2 else np.nan]),
        np.array([a.var(ddof=1) if n2 > 1 else np.nan]),
        confidence,
    )


def bootstrap_ci(
    before: Iterable[float],
    after: Iterable[float],
    paired: bool,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Percentile bootstrap interval of the mean change, for skewed data or small groups.

    Parameters
    ----------
    before, after : array-like of float
        Paired (same order, incomplete pairs dropped) or independent samples.
    paired : bool
        Resample pairs (``True``) or each phase separately (``False``).
    confidence : float, default 0.95
    n_resamples : int, default 2000
    seed : int, default 0
        Seed of the numpy generator, so the interval is reproducible.

    Returns
    -------
    pandas.DataFrame
        One row: ``change`` (observed mean change), ``ci_low``, ``ci_high``,
        ``n_resamples``, ``not_estimable`` (fewer than 2 values in a sample).
    """
    b = np.asarray(list(before), dtype=float)
    a = np.asarray(list(after), dtype=float)
    rng = np.random.default_rng(seed)
    if paired:
        keep = ~(np.isnan(a) | np.isnan(b))
        d = a[keep] - b[keep]
        ok = len(d) >= 2
        change = d.mean() if len(d) else np.nan
        stats_ = d[rng.integers(0, len(d), (n_resamples, len(d)))].mean(axis=1) if ok else None
        reason = None if ok else (c.NO_PAIRS if len(d) == 0 else c.FEW_PAIRS)
    else:
        b, a = b[~np.isnan(b)], a[~np.isnan(a)]
        ok = len(b) >= 2 and len(a) >= 2
        change = a.mean() - b.mean() if len(a) and len(b) else np.nan
        stats_ = (
            a[rng.integers(0, len(a), (n_resamples, len(a)))].mean(axis=1)
            - b[rng.integers(0, len(b), (n_resamples, len(b)))].mean(axis=1)
            if ok
            else None
        )
        reason = None if ok else (c.FEW_BEFORE if len(b) < 2 else c.FEW_AFTER)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(stats_, [tail, 100 - tail]) if ok else (np.nan, np.nan)
    return pd.DataFrame(
        [
            {
                "change": change,
                "ci_low": low,
                "ci_high": high,
                "n_resamples": n_resamples,
                "not_estimable": reason,
            }
        ]
    )
