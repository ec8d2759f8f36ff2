"""Rank tests for before/after change: Wilcoxon signed-rank (pairs) and Mann-Whitney U.

Both follow R's ``wilcox.test`` defaults exactly, so a user can reproduce every p-value:

- **exact** p-value when the sample is small (signed-rank: fewer than 50 non-zero
  differences; Mann-Whitney: both samples under 50) *and* there are no ties (and, for the
  signed-rank test, no zero differences);
- otherwise the **normal approximation with continuity correction** and the tie-corrected
  variance. Zero differences are dropped (``zero_method = "wilcox"``).

Survey answers on a 1-5 scale are nearly always tied, so in practice the normal
approximation is used; the ``method`` is reported in the ``test`` column.

Sign convention: statistics refer to ``after`` as R's first argument:
``wilcox.test(after, before, paired = TRUE)`` and ``wilcox.test(after, before)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from analysis import _common as c

EXACT_LIMIT = 50  # R: exact when n < 50 (and no ties)
# Values are compared after rounding to this many decimals, so that construct means such
# as 11/3 - 8/3 and 4/3 - 1/3 tie as they do on paper (R would split them on the last bit
# of the floating-point sum; on data with few decimals, such as R's examples, no change).
RANK_DECIMALS = 10


def _normal_p(z_raw: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Two-sided p from a centred statistic with R's continuity correction of 0.5."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (z_raw - np.sign(z_raw) * 0.5) / sigma
        return np.minimum(1.0, 2 * stats.norm.sf(np.abs(z)))


def signed_rank_arrays(
    n_nonzero: np.ndarray, v: np.ndarray, tie_term: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation Wilcoxon signed-rank p-values from summaries (vectorised).

    ``v`` is the sum of ranks of positive differences, ``tie_term`` the sum of
    ``t**3 - t`` over groups of tied absolute differences. Returns (p, rank-biserial r).
    """
    n = np.asarray(n_nonzero, float)
    v = np.asarray(v, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.asarray(tie_term, float) / 48)
        total = n * (n + 1) / 2
        r = (2 * v - total) / total
    return _normal_p(v - n * (n + 1) / 4, sigma), r


def mann_whitney_arrays(
    n_before: np.ndarray, n_after: np.ndarray, w: np.ndarray, tie_term: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation Mann-Whitney p-values from summaries (vectorised).

    ``w`` is R's W for ``after``: rank sum of ``after`` minus ``n_after (n_after + 1) / 2``;
    ``tie_term`` is the sum of ``t**3 - t`` over tied groups of the pooled sample.
    Returns (p, rank-biserial r = 2 W / (n1 n2) - 1, positive when after is higher).
    """
    n1, n2 = np.asarray(n_before, float), np.asarray(n_after, float)
    w = np.asarray(w, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_n = n1 + n2
        sigma = np.sqrt(
            n1 * n2 / 12 * ((big_n + 1) - np.asarray(tie_term, float) / (big_n * (big_n - 1)))
        )
        r = 2 * w / (n1 * n2) - 1
    return _normal_p(w - n1 * n2 / 2, sigma), r


def rank_result(
    descriptive: pd.DataFrame,
    test: str,
    exact: np.ndarray,
    statistic: np.ndarray | float,
    p: np.ndarray | float,
    r: np.ndarray | float,
    reason: np.ndarray,
) -> pd.DataFrame:
    """A rank test's :data:`analysis._common.TEST_COLUMNS` rows on the counts and means of
    ``descriptive`` (the t-test rows of the same groups, or a one-row frame).

    A rank test has no interval and no df; ``test`` names the method as R reports it, the
    effect size is always the rank-biserial r, and inferential columns are blank where
    ``reason`` says the test is not estimable.
    """
    out = descriptive.copy()
    out["test"] = np.where(
        exact, f"{test} (exact)", f"{test} (normal approx., continuity corrected)"
    )
    out["statistic"], out["p"], out["effect_size"] = statistic, p, r
    out["ci_low"] = out["ci_high"] = out["df"] = np.nan
    out["effect_size_name"] = "rank-biserial r"
    out["not_estimable"] = reason
    c.blank_where(out, pd.notna(reason), c.INFERENTIAL_COLUMNS)
    return out


def _tie_term(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    return float(np.sum(counts.astype(float) ** 3 - counts))


def wilcoxon_signed_rank(before: Iterable[float], after: Iterable[float]) -> pd.DataFrame:
    """Wilcoxon signed-rank test of matched before/after values (R defaults).

    Parameters
    ----------
    before, after : array-like of float
        Values of the same respondents in the same order; incomplete pairs are dropped.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`:

        - ``test`` : "Wilcoxon signed-rank (exact)" or "... (normal approx., continuity
          corrected)"
        - ``n_pairs`` : complete pairs (zeros included); ``n_before``/``n_after`` equal it
        - ``mean_before``, ``mean_after``, ``change`` : descriptive means of the pairs
        - ``ci_low``, ``ci_high``, ``df`` : NaN (a rank test has no t interval or df)
        - ``statistic`` : V, the sum of ranks of positive changes (R's ``V``)
        - ``p`` : two-sided
        - ``effect_size`` : matched-pairs rank-biserial r = (V - (T - V)) / T, T the
          total rank sum; ``effect_size_name`` : "rank-biserial r"
        - ``not_estimable`` : "fewer than 2 matched pairs", "no matched respondent
          changed (all differences zero)", else None

    Notes
    -----
    Exact when fewer than 50 non-zero differences and no ties or zeros; otherwise
    z = (V - n(n+1)/4 - 0.5 sign) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48) with n the
    number of non-zero differences, as in R.

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula. Compr. Psychol. 3, 11.IT.3.1.
    """
    b, a = c.complete_pairs(before, after)
    n_pairs = len(a)
    d = a - b
    nonzero = np.round(d[np.round(d, RANK_DECIMALS) != 0], RANK_DECIMALS)
    n = len(nonzero)
    ranks = stats.rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    ties = _tie_term(np.abs(nonzero))
    reason = c.first_reason(
        *c.paired_checks(np.array([n_pairs])), (np.array([n == 0]), c.ALL_ZERO_DIFF)
    )
    exact = n < EXACT_LIMIT and ties == 0 and n == n_pairs
    p = r = np.nan
    if reason[0] is None:
        if exact:
            p = float(stats.wilcoxon(nonzero, method="exact").pvalue)
            r = (2 * v - n * (n + 1) / 2) / (n * (n + 1) / 2)
        else:
            p_arr, r_arr = signed_rank_arrays(np.array([n]), np.array([v]), np.array([ties]))
            p, r = float(p_arr[0]), float(r_arr[0])
    descriptive = c.one_row(
        n_before=n_pairs,
        n_after=n_pairs,
        n_pairs=n_pairs,
        mean_before=b.mean() if n_pairs else np.nan,
        mean_after=a.mean() if n_pairs else np.nan,
        change=d.mean() if n_pairs else np.nan,
    )
    return rank_result(descriptive, "Wilcoxon signed-rank", np.array([exact]), v, p, r, reason)


def mann_whitney(before: Iterable[float], after: Iterable[float]) -> pd.DataFrame:
    """Mann-Whitney U (Wilcoxon rank-sum) test of after vs before, independent samples.

    Parameters
    ----------
    before, after : array-like of float
        Values of everyone answering in each phase; missing values are dropped.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS`: ``statistic`` is R's W for
        ``after`` (= U of the follow-up sample), ``effect_size`` the rank-biserial
        correlation 2 W / (n1 n2) - 1 (positive when follow-up values tend to be higher),
        ``ci_low``/``ci_high``/``df``/``n_pairs`` NaN. ``not_estimable``: a missing phase,
        fewer than 2 answers in a phase, or all values tied.

    Notes
    -----
    Exact when both samples have fewer than 50 values and there are no ties; otherwise
    the normal approximation with continuity correction and tie-corrected variance, as
    R's ``wilcox.test(after, before)``.

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). Ann. Math. Stat. 18, 50-60.
    """
    b, a = c.as_clean_array(before), c.as_clean_array(after)
    n1, n2 = len(b), len(a)
    pooled = np.round(np.concatenate([a, b]), RANK_DECIMALS)
    reason = c.first_reason(
        *c.independent_checks(np.array([n1]), np.array([n2])),
        (np.array([len(np.unique(pooled)) < 2]), c.ALL_TIED),
    )
    ties = _tie_term(pooled)
    exact = n1 < EXACT_LIMIT and n2 < EXACT_LIMIT and ties == 0
    w = p = r = np.nan
    if reason[0] is None:
        w = float(stats.rankdata(pooled)[:n2].sum() - n2 * (n2 + 1) / 2)
        if exact:
            p = float(stats.mannwhitneyu(pooled[:n2], pooled[n2:], method="exact").pvalue)
            r = 2 * w / (n1 * n2) - 1
        else:
            p_arr, r_arr = mann_whitney_arrays(
                np.array([n1]), np.array([n2]), np.array([w]), np.array([ties])
            )
            p, r = float(p_arr[0]), float(r_arr[0])
    descriptive = c.one_row(
        n_before=n1,
        n_after=n2,
        mean_before=b.mean() if n1 else np.nan,
        mean_after=a.mean() if n2 else np.nan,
        change=a.mean() - b.mean() if n1 and n2 else np.nan,
    )
    return rank_result(descriptive, "Mann-Whitney U", np.array([exact]), w, p, r, reason)


#: Sign patterns enumerated in full up to this many non-zero changes (2^16 = 65,536).
SIGN_FLIP_ENUMERATE = 16
SIGN_FLIP_DRAWS = 9_999
#: The sign-flip test's name in results, by whether its p was enumerated exactly.
SIGN_FLIP_EXACT = "sign-flip (exact)"
SIGN_FLIP_RANDOM = "sign-flip (9,999 random sign patterns)"
SIGN_FLIP_SEED = 20261125


def sign_flip_p(
    changes: np.ndarray,
    enumerate_up_to: int = SIGN_FLIP_ENUMERATE,
    draws: int = SIGN_FLIP_DRAWS,
    seed: int = SIGN_FLIP_SEED,
) -> tuple[float, float, bool]:
    """Two-sided sign-flip p of the mean change, its smallest attainable value, and
    whether every pattern was enumerated.

    Under the null of a change distribution symmetric around zero every sign pattern of
    the changes is equally likely; p is the share of patterns whose |sum| reaches the
    observed |sum| (ties included). Zero changes flip to themselves and are left out of
    the count of patterns, so the smallest attainable p is 2 / 2^(non-zero changes).
    Beyond ``enumerate_up_to`` non-zero changes, ``draws`` seeded random patterns
    (plus the observed one) are used.
    """
    d = np.asarray(changes, dtype=float)
    d = d[~np.isnan(d)]
    d = d[np.abs(d) > 1e-12 * max(1.0, float(np.abs(d).max(initial=0)))]
    k = len(d)
    if k == 0:
        return np.nan, np.nan, True
    observed = abs(d.sum())
    tol = 1e-10 * max(1.0, float(np.abs(d).sum()))
    if k <= enumerate_up_to:
        bits = (np.arange(2**k)[:, None] >> np.arange(k)) & 1
        sums = np.abs((1 - 2 * bits) @ d)
        return float(np.mean(sums >= observed - tol)), 2.0 / 2**k, True
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(draws, k))
    hits = np.sum(np.abs(signs @ d) >= observed - tol)
    return float((hits + 1) / (draws + 1)), 1.0 / (draws + 1), False


def sign_flip_test(before: Iterable[float], after: Iterable[float]) -> pd.DataFrame:
    """Exact sign-flip (Fisher-Pitman one-sample permutation) test of the mean change.

    Parameters
    ----------
    before, after : array-like of float
        Paired values (e.g. one KPI per factory before and after); incomplete pairs are
        dropped.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`analysis._common.TEST_COLUMNS` plus ``p_min``: ``test``
        "sign-flip (exact)" (or "(9,999 random sign patterns)"), ``statistic`` the mean
        change, the interval, ``se`` and ``df`` of the paired t (for the interval and
        equivalence, not the p), ``p`` the permutation p, ``effect_size`` Cohen's d_z,
        ``p_min`` the smallest p the number of pairs allows.

    Notes
    -----
    Exact under the null that each pair's change is symmetric around zero, whatever its
    distribution: with 6 factories the smallest p is 2/64 = 0.031; with 5 it is 0.0625,
    so 5 factories can never show a change at the 5% level.

    References
    ----------
    Fisher, R. A. (1935). The Design of Experiments, sec. 21. Good, P. (2005).
    Permutation, Parametric and Bootstrap Tests of Hypotheses, 3rd ed., sec. 3.
    """
    from analysis.parametric import paired_ttest

    b, a = c.complete_pairs(before, after)
    out = paired_ttest(b, a)
    p, p_min, exact = sign_flip_p(a - b)
    out["test"] = SIGN_FLIP_EXACT if exact else SIGN_FLIP_RANDOM
    reason = out["not_estimable"].iloc[0]
    if np.isnan(p) and len(b) >= 2:
        reason = c.ALL_ZERO_DIFF
    out["statistic"] = float(np.mean(a - b)) if len(b) else np.nan
    out["p"] = p
    out["not_estimable"] = reason if (len(b) < 2 or np.isnan(p)) else None
    if out["not_estimable"].notna().iloc[0]:
        c.blank_where(out, np.array([True]), c.INFERENTIAL_COLUMNS)
    out["p_min"] = p_min
    return out
