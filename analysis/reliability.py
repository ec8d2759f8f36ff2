"""Internal consistency of constructs: Cronbach's alpha, per construct and phase.

Alpha is computed on the analysed item scores (after reverse coding; a forgotten
reversal shows up here as a low or negative alpha) over complete cases only (listwise
deletion, as ``psych::alpha(..., use = "complete.obs")``-style pipelines and SPSS do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import _common as c
from analysis.scoring import item_scores
from analysis.suppression import MIN_GROUP_SIZE, suppress

#: Reliability gate: a construct whose Cronbach's alpha is below this in any phase is not
#: scored as a scale (analysed per item only, never headlined; ``SCORE_MIN_ALPHA``).
#: 0.6 is the usual floor for short scales in exploratory use (Nunnally 1978).
MIN_ALPHA = 0.6


def _alpha(wide: np.ndarray) -> tuple[int, int, float, str | None]:
    wide = wide[~np.isnan(wide).any(axis=1)]
    n, k = wide.shape
    if k < 2:
        return n, k, np.nan, c.FEW_ITEMS
    if n < 2:
        return n, k, np.nan, c.FEW_COMPLETE
    total_var = wide.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return n, k, np.nan, c.ZERO_VARIANCE
    alpha = k / (k - 1) * (1 - wide.var(axis=0, ddof=1).sum() / total_var)
    return n, k, float(alpha), None


def cronbach_alpha(data: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha of a respondents x items table.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per respondent, one numeric column per item (already
        reverse-coded). Rows with any missing item are dropped (listwise).

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (complete respondents), ``n_items``, ``alpha``, ``not_estimable``
        ("fewer than 2 items", "fewer than 2 complete answers", "no variation in answers
        (zero variance)" or None).

    Notes
    -----
    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total score),
    sample variances (ddof = 1). Equals psych::alpha's ``raw_alpha`` on complete data.

    References
    ----------
    Cronbach, L. J. (1951). Psychometrika 16, 297-334.
    """
    n, k, alpha, reason = _alpha(data.to_numpy(dtype=float))
    return pd.DataFrame([{"n": n, "n_items": k, "alpha": alpha, "not_estimable": reason}])


def construct_reliability(
    answers: pd.DataFrame, min_group_size: int = MIN_GROUP_SIZE, min_alpha: float = MIN_ALPHA
) -> pd.DataFrame:
    """Cronbach's alpha for every construct in every phase.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame.
    min_group_size : int, default 5
        Rows with fewer complete respondents are suppressed.

    Returns
    -------
    pandas.DataFrame
        One row per construct and phase, ordered by construct then ``phase_order``:
        ``construct``, ``phase``, ``phase_order``, ``n`` (complete respondents),
        ``n_items``, ``alpha``, ``reliable`` (alpha >= ``min_alpha``; NA when alpha cannot
        be computed or is suppressed), ``suppressed``, ``not_estimable``.
    """
    keys = ["construct", "phase", "phase_order"]
    scored = item_scores(answers[answers["construct"].notna()])
    # only the columns used: each group is a copy of its rows, every column of them
    scored = scored[[*keys, "response_id", "item_id", "score"]]
    rows = []
    for (construct, phase, order), part in scored.groupby(keys, sort=True):
        wide = part.pivot_table(
            index="response_id", columns="item_id", values="score", aggfunc="mean"
        )
        n, k, alpha, reason = _alpha(wide.to_numpy(dtype=float))
        rows.append(
            {
                "construct": construct,
                "phase": phase,
                "phase_order": order,
                "n": n,
                "n_items": k,
                "alpha": alpha,
                "not_estimable": reason,
            }
        )
    cols = ["construct", "phase", "phase_order", "n", "n_items", "alpha", "not_estimable"]
    out = pd.DataFrame(rows, columns=cols)
    out = suppress(out, min_group_size, count_columns=("n",))
    out = out.sort_values(["construct", "phase_order"], kind="stable").reset_index(drop=True)
    alpha = out["alpha"].astype(float)
    out["reliable"] = pd.array(np.where(alpha.isna(), None, alpha >= min_alpha), dtype="boolean")
    return out[[*cols[:-1], "reliable", "suppressed", "not_estimable"]]


def unreliable_constructs(reliability: pd.DataFrame) -> set[str]:
    """Constructs below the gate in any phase (output of :func:`construct_reliability`)."""
    if reliability.empty:
        return set()
    failed = reliability["reliable"].astype("boolean").eq(False).fillna(False)
    return set(reliability.loc[failed.to_numpy(bool), "construct"].astype(str))
