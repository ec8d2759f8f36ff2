"""Small-group suppression: never show a group with fewer than *k* respondents.

A mean of three workers in one department of one factory can identify them, so every
output of this package passes through :func:`suppress`: a row whose respondent count is
below ``min_group_size`` (default 5) is flagged ``suppressed`` and *every* number on it,
counts included, is blanked. Suppressed rows leave the multiple-comparison family (they
are not shown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import _common as c

MIN_GROUP_SIZE = 5


def suppress(
    frame: pd.DataFrame,
    min_group_size: int = MIN_GROUP_SIZE,
    count_columns: Sequence[str] = ("n_before", "n_after", "n_pairs"),
) -> pd.DataFrame:
    """Flag and blank rows describing fewer than ``min_group_size`` respondents.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any result frame of this package.
    min_group_size : int, default 5
        The *k* of the rule. ``1`` disables suppression.
    count_columns : sequence of str
        Respondent counts to check; those absent from ``frame`` are ignored.

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` (bool; combined with any existing flag) and, on
        suppressed rows, every numeric result column (:data:`analysis._common.
        NUMERIC_COLUMNS`) set to NaN and ``not_estimable`` set to "suppressed: fewer
        than k respondents".

    Notes
    -----
    A count of 0 is not a leak (there is nobody to identify); such rows keep their
    not-estimable reason (e.g. "no matched pairs"). Any count in 1..k-1 suppresses the row.
    """
    out = frame.copy()
    small = np.zeros(len(out), dtype=bool)
    for col in count_columns:
        if col in out.columns:
            n = out[col].to_numpy(dtype=float)
            small |= (n > 0) & (n < min_group_size)
    if "suppressed" in out.columns:
        small |= out["suppressed"].fillna(False).to_numpy(dtype=bool)
    out["suppressed"] = small
    c.blank_where(out, small, c.NUMERIC_COLUMNS)
    if "improved" in out.columns:
        out["improved"] = out["improved"].astype("boolean").mask(small)
    if "not_estimable" in out.columns:
        reasons = out["not_estimable"].astype(object).to_numpy(copy=True)
        reasons[small] = c.SUPPRESSED.format(k=min_group_size)
        out["not_estimable"] = reasons
    return out
