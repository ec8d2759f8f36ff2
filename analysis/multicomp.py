"""Multiple-comparison corrections: Holm (family-wise error) and Benjamini-Hochberg (FDR).

Shown *next to* raw p-values, never instead of them. Missing p-values (not estimable or
suppressed results) are not part of the family, as in R's ``p.adjust`` which drops NAs
before counting.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def _adjust_sorted(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust one family (no NaN) and return values in the input order."""
    m = len(p)
    if m == 0:
        return p.copy()
    if method == "holm":
        order = np.argsort(p, kind="stable")
        adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    elif method == "bh":
        order = np.argsort(p, kind="stable")[::-1]
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * p[order])
    else:
        raise ValueError(f"unknown method {method!r}; use 'holm' or 'bh'")
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


def p_adjust(p: Iterable[float], method: str = "holm") -> np.ndarray:
    """Adjusted p-values of one family, like R ``p.adjust(p, method)``.

    ``method`` is "holm" or "bh" (R: "BH"/"fdr"). NaN stays NaN and is not counted.
    """
    arr = np.asarray(list(p), dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    out[ok] = _adjust_sorted(arr[ok], method)
    return out


def grouped_p_adjust(p: pd.Series, family: pd.Series | list[pd.Series]) -> pd.DataFrame:
    """Holm and BH p-values within each family, vectorised over many families.

    Parameters
    ----------
    p : pandas.Series
        Raw p-values (NaN = not in any family).
    family : Series or list of Series
        Family keys aligned with ``p``.

    Returns
    -------
    pandas.DataFrame
        Columns ``p_holm`` and ``p_bh`` aligned with ``p``'s index.
    """
    keys = family if isinstance(family, list) else [family]
    frame = pd.DataFrame({f"k{i}": k.to_numpy() for i, k in enumerate(keys)})
    frame["p"] = p.to_numpy(dtype=float)
    frame["pos"] = np.arange(len(frame))
    frame = frame[frame["p"].notna()]
    keycols = [f"k{i}" for i in range(len(keys))]
    fam = frame.groupby(keycols, sort=False, dropna=False).ngroup().to_numpy()
    pv = frame["p"].to_numpy()
    pos = frame["pos"].to_numpy()
    holm = np.full(len(p), np.nan)
    bh = np.full(len(p), np.nan)
    if len(pv):
        m = np.bincount(fam)[fam].astype(float)
        # ascending within family: rank i = 0..m-1
        asc = np.lexsort((pv, fam))
        f_s, p_s = fam[asc], pv[asc]
        start = np.r_[0, np.flatnonzero(np.diff(f_s)) + 1]
        rank = np.arange(len(f_s)) - np.repeat(start, np.diff(np.r_[start, len(f_s)]))
        raw_holm = (m[asc] - rank) * p_s
        holm_s = pd.Series(raw_holm).groupby(f_s).cummax().to_numpy()
        holm[pos[asc]] = np.minimum(1.0, holm_s)
        raw_bh = m[asc] / (rank + 1) * p_s
        rev = np.arange(len(f_s))[::-1]
        bh_rev = pd.Series(raw_bh[rev]).groupby(f_s[rev]).cummin().to_numpy()
        bh_s = np.empty(len(f_s))
        bh_s[rev] = bh_rev
        bh[pos[asc]] = np.minimum(1.0, bh_s)
    return pd.DataFrame({"p_holm": holm, "p_bh": bh}, index=p.index)


def adjust_pvalues(p: Iterable[float], labels: Iterable[str] | None = None) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg adjusted p-values of one family, next to raw p.

    Parameters
    ----------
    p : array-like of float
        Raw p-values of the family (NaN allowed: excluded from the family).
    labels : array-like of str, optional
        Outcome labels, returned as the ``label`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``label`` (if given), ``p``, ``p_holm``, ``p_bh`` in input order.

    Notes
    -----
    Holm: p_(i) * (m - i + 1), made monotone by a running maximum, capped at 1.
    BH: p_(i) * m / i, made monotone by a running minimum from the largest, capped at 1.
    Same as R ``p.adjust(p, "holm")`` and ``p.adjust(p, "BH")``.

    References
    ----------
    Holm, S. (1979). Scand. J. Stat. 6, 65-70. Benjamini, Y. & Hochberg, Y. (1995).
    J. R. Stat. Soc. B 57, 289-300.
    """
    arr = np.asarray(list(p), dtype=float)
    out = pd.DataFrame({"p": arr, "p_holm": p_adjust(arr, "holm"), "p_bh": p_adjust(arr, "bh")})
    if labels is not None:
        out.insert(0, "label", list(labels))
    return out
