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


def _wide_tables(answers: pd.DataFrame):
    """(construct, phase, phase_order) and its respondents x items table of item scores,
    for every such group in sorted order: what ``groupby`` of those keys and
    ``pivot_table(index="response_id", columns="item_id", values="score",
    aggfunc="mean")`` of each group give (rows and columns sorted, only respondents and
    items with an answer, several answers to one item averaged), from integer codes in
    one pass rather than a pivot per group."""
    keys = ["construct", "phase", "phase_order"]
    in_group = np.logical_and.reduce([answers[key].notna().to_numpy() for key in keys])
    if not in_group.any():
        return
    rows = np.flatnonzero(in_group)
    group = np.zeros(len(rows), dtype=np.int64)
    for key in keys:  # sorted codes, combined: the groups in sorted key order
        code = pd.factorize(answers[key], sort=True)[0].astype(np.int64)
        group = group * (int(code.max()) + 1) + code[rows]
    group, groups = pd.factorize(group, sort=True)
    at = np.flatnonzero(~pd.Series(group).duplicated().to_numpy())
    first = np.empty(len(groups), dtype=np.int64)
    first[group[at]] = rows[at]  # each group's first row, where its key values are read
    score = item_scores(answers[["value", "reverse", "scale_min", "scale_max"]])["score"]
    score = score.to_numpy()[rows]
    response = pd.factorize(answers["response_id"], sort=True)[0].astype(np.int64)[rows]
    item = pd.factorize(answers["item_id"], sort=True)[0].astype(np.int64)[rows]
    answered = ~np.isnan(score) & (response >= 0) & (item >= 0)
    n_r, n_i = int(response.max()) + 1, int(item.max()) + 1
    cell = (group[answered] * n_r + response[answered]) * n_i + item[answered]
    # several answers to one item by one respondent: their mean, as pivot_table takes it
    means = pd.Series(score[answered]).groupby(cell, sort=True).mean()
    cell, mean = means.index.to_numpy(), means.to_numpy()
    bounds = np.searchsorted(cell // (n_r * n_i), np.arange(len(groups) + 1))
    labels = [answers[key].take(first).tolist() for key in keys]
    for g in range(len(groups)):
        part = cell[bounds[g] : bounds[g + 1]]
        resp = part // n_i % n_r  # sorted within the group
        r = np.cumsum(np.r_[False, resp[1:] != resp[:-1]]) if len(part) else resp
        seen = np.zeros(n_i, dtype=bool)
        seen[part % n_i] = True
        i = (np.cumsum(seen) - 1)[part % n_i]
        wide = np.full((r[-1] + 1 if len(part) else 0, int(seen.sum())), np.nan)
        wide[r, i] = mean[bounds[g] : bounds[g + 1]]
        yield tuple(label[g] for label in labels), wide


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
    rows = []
    for (construct, phase, order), wide in _wide_tables(answers):
        n, k, alpha, reason = _alpha(wide)
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
