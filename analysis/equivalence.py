"""Equivalence: two one-sided tests (TOST) against a smallest effect size of interest.

"Not significant" only says the data did not show a change; it does not say there was
none. TOST turns "no meaningful change" into a claim with evidence: the change is shown
to lie inside +/- the smallest effect size of interest (SESOI) declared for the outcome.
Equivalently, the (1 - 2 alpha) confidence interval lies inside the bounds.

Default SESOI (when a survey definition does not declare one, see
:func:`default_sesoi`): a quarter of a point on a 1-5 agreement scale (scaled to other
scale ranges), 10 percentage points for a yes/no share, and 5% of the baseline level for
a KPI.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from analysis.parametric import paired_ttest, welch_ttest

#: SESOI defaults: scale points per 4 points of Likert range, share for yes/no, KPI %.
SESOI_LIKERT_PER_4_POINTS = 0.25
SESOI_SHARE = 0.10
SESOI_KPI_PCT = 5.0

TOST_COLUMNS: list[str] = ["test", "bound", "change", "se", "df", "t_lower", "t_upper", "p"]


def default_sesoi(scale_min: float, scale_max: float, binary: bool = False) -> float:
    """The smallest change that matters when the definition does not say: 0.25 points on a
    1-5 scale (a sixteenth of its range), 10 percentage points for yes/no items.

    A fixed number of scale points is used rather than 0.2 SD of the data: a bound that
    depends on the sample is itself random, which TOST's error rate does not allow for.
    """
    if binary:
        return SESOI_SHARE
    return SESOI_LIKERT_PER_4_POINTS * (scale_max - scale_min) / 4


def tost_arrays(
    change: np.ndarray, se: np.ndarray, df: np.ndarray, bound: np.ndarray
) -> pd.DataFrame:
    """TOST p-values for many estimates at once.

    Parameters
    ----------
    change, se : array of float
        Estimate and its standard error.
    df : array of float
        Degrees of freedom of the t reference; NaN or inf -> standard normal.
    bound : array of float
        Equivalence margin (> 0): H0 is |true change| >= bound.

    Returns
    -------
    pandas.DataFrame
        ``t_lower`` = (change + bound) / se, ``t_upper`` = (change - bound) / se,
        ``p`` = max(P(T >= t_lower), P(T <= t_upper)); NaN where any input is missing,
        se <= 0 or bound <= 0.
    """
    change, se = np.asarray(change, float), np.asarray(se, float)
    df, bound = np.asarray(df, float), np.asarray(bound, float)
    df = np.where(np.isfinite(df), df, np.inf)
    ok = (se > 0) & (bound > 0) & np.isfinite(change) & np.isfinite(se) & (df > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lower = (change + bound) / se
        t_upper = (change - bound) / se
        p = np.maximum(stats.t.sf(t_lower, df), stats.t.cdf(t_upper, df))
    nan = np.full(np.shape(p), np.nan)
    return pd.DataFrame(
        {
            "t_lower": np.where(ok, t_lower, nan),
            "t_upper": np.where(ok, t_upper, nan),
            "p": np.where(ok, p, nan),
        }
    )


def tost(
    before: Iterable[float], after: Iterable[float], bound: float, paired: bool = True
) -> pd.DataFrame:
    """Two one-sided t-tests that the mean change lies within +/- ``bound``.

    Parameters
    ----------
    before, after : array-like of float
        Matched values (``paired``) or the two independent samples.
    bound : float
        Smallest effect size of interest, in the units of the values (> 0).
    paired : bool, default True
        Paired t (df = n - 1) or Welch t (Welch-Satterthwaite df).

    Returns
    -------
    pandas.DataFrame
        One row, :data:`TOST_COLUMNS`: ``p`` < alpha shows equivalence at level alpha.

    Notes
    -----
    Same as R ``equivalence::tost(after, before, epsilon = bound, paired = paired)`` and
    pingouin's ``tost`` (Welch for unpaired data, pingouin's ``correction=True``).

    References
    ----------
    Schuirmann, D. J. (1987). J. Pharmacokinet. Biopharm. 15, 657-680. Lakens, D. (2017).
    Equivalence tests. Soc. Psychol. Personal. Sci. 8, 355-362.
    """
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound!r}")
    res = (paired_ttest if paired else welch_ttest)(before, after).iloc[0]
    t = tost_arrays([res["change"]], [res["se"]], [res["df"]], [bound]).iloc[0]
    row = {
        "test": "TOST paired t" if paired else "TOST Welch t",
        "bound": bound,
        "change": res["change"],
        "se": res["se"],
        "df": res["df"],
        **t.to_dict(),
    }
    return pd.DataFrame([row], columns=TOST_COLUMNS)
