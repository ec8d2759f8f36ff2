"""The one decision rule: every outcome gets exactly one category, and everything a user
reads (chart colour, CSV/XLSX column, sentence, finding, improvement-plan trigger,
scorecard) reads that category. Nothing else decides. See ``docs/decision-rule.md``.

Categories, checked in this order for the row that decides an outcome:

1. ``not_estimable`` - no valid result (suppressed group, missing phase, zero variance,
   an unreliable scale, ...); the reason is the row's ``not_estimable`` text.
2. ``no_meaningful_change`` - equivalence shown: the TOST p against the outcome's
   smallest effect size of interest (SESOI), Holm-adjusted in the same family, is below
   alpha. This wins over a significant difference test: a change that is statistically
   detectable but smaller than anything that matters is not an improvement.
3. ``improved`` / ``worsened`` - the difference test's p, Holm-adjusted over the family,
   is below alpha; the sign of the change in the outcome's direction of good decides.
4. ``inconclusive`` - neither: the data cannot tell a meaningful change from none.

**Basis.** ``did`` (vs comparison factories, difference-in-differences: p is the larger
of the randomisation and wild-bootstrap p), ``before_after`` (no comparison group in
view), ``before_after_few_comparison`` (comparison factories exist, but too few to
tell: their smallest attainable p exceeds alpha, or they are suppressed), and
``factory_figures`` (one factory's own KPI figures: no sampling, so no test; the change
is compared with the SESOI directly).

**Families.** Holm runs over the deciding rows of one family: for each grouping value
(e.g. overall, one factory), all *primary* outcomes together (worker and manager
constructs and KPIs: the scorecard's family), and the other outcomes per audience and
kind. ``n_comparisons`` is the family size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.equivalence import tost_arrays
from analysis.multicomp import grouped_p_adjust

ALPHA = 0.05
CATEGORIES: tuple[str, ...] = (
    "improved",
    "worsened",
    "no_meaningful_change",
    "inconclusive",
    "not_estimable",
)
BASES: tuple[str, ...] = ("did", "before_after", "before_after_few_comparison", "factory_figures")

#: Columns every decided frame carries (documented in docs/decision-rule.md).
DECISION_COLUMNS: list[str] = [
    "category",
    "basis",
    "p_decision",
    "n_comparisons",
    "sesoi",
    "p_equivalence",
]


def good_change(change: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The change signed so that positive is better (direction of good)."""
    change = np.asarray(change, dtype=float)
    lower = np.asarray(direction, dtype=object) == "lower_is_better"
    return np.where(lower, -change, change)


def decide(
    frame: pd.DataFrame,
    family: Sequence[str],
    deciding: np.ndarray | pd.Series | None = None,
    alpha: float = ALPHA,
    estimate: str = "change",
    p_test: str = "p",
) -> pd.DataFrame:
    """Assign :data:`DECISION_COLUMNS` to the deciding rows of ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with ``estimate`` (the change or DiD estimate), ``se``, ``df`` (NaN: normal
        reference), ``p_test`` (raw two-sided p of the difference test), ``sesoi``
        (bound, same units as the estimate), ``direction``, ``basis``,
        ``not_estimable`` (reason or None) and ``suppressed``.
    family : sequence of str
        Columns whose values form one Holm family (e.g. grouping, group, tier).
    deciding : boolean array, optional
        Which rows decide an outcome (default: all). Other rows get no category.
    alpha : float
        Level of both the difference and the equivalence test.
    estimate, p_test : str
        Column names of the estimate and of the raw p-value.

    Returns
    -------
    pandas.DataFrame
        A copy with ``category``, ``p_decision`` (Holm-adjusted difference p),
        ``p_equivalence`` (Holm-adjusted TOST p), ``n_comparisons`` (family size) set on
        deciding rows; ``basis`` and ``sesoi`` kept. Non-deciding rows: category None.
    """
    out = frame.copy()
    n = len(out)
    decides = np.ones(n, bool) if deciding is None else np.asarray(deciding, dtype=bool)
    reason = out["not_estimable"].notna().to_numpy().copy()
    if "suppressed" in out:
        reason |= out["suppressed"].fillna(False).to_numpy(dtype=bool)
    p_raw = out[p_test].to_numpy(dtype=float)
    est = out[estimate].to_numpy(dtype=float)
    usable = decides & ~reason & ~np.isnan(p_raw) & ~np.isnan(est)
    tost = tost_arrays(est, out["se"].to_numpy(float), out["df"].to_numpy(float),
                       out["sesoi"].to_numpy(float))["p"].to_numpy()  # fmt: skip
    keys = [out[col].astype(object).fillna("") for col in family]
    p_series = pd.Series(np.where(usable, p_raw, np.nan), index=out.index)
    p_dec = grouped_p_adjust(p_series, keys)["p_holm"].to_numpy()
    e_series = pd.Series(np.where(usable, tost, np.nan), index=out.index)
    # TOST p is NaN where no SE exists (e.g. a rank test); it then shows no equivalence
    p_eq = grouped_p_adjust(e_series.fillna(1.0).where(usable), keys)["p_holm"].to_numpy()
    size = pd.Series(usable, index=out.index).groupby(keys, sort=False).transform("sum")
    good = good_change(est, out["direction"].to_numpy())
    category = np.full(n, None, dtype=object)
    category[decides & ~usable] = "not_estimable"
    with np.errstate(invalid="ignore"):
        equivalent = usable & (p_eq < alpha)
        significant = usable & ~equivalent & (p_dec < alpha)
    category[usable] = "inconclusive"
    category[significant & (good > 0)] = "improved"
    category[significant & (good < 0)] = "worsened"
    category[equivalent] = "no_meaningful_change"
    out["category"] = category
    out["p_decision"] = np.where(usable, p_dec, np.nan)
    out["p_equivalence"] = np.where(usable & ~np.isnan(tost), p_eq, np.nan)
    out["n_comparisons"] = np.where(usable, size.to_numpy(dtype=float), np.nan)
    return out


def decide_figures(
    change: np.ndarray, direction: np.ndarray, bound: np.ndarray, missing: np.ndarray
) -> np.ndarray:
    """Category of one factory's own KPI change (basis ``factory_figures``).

    A factory's KPI is its own figure, not a sample, so there is no test: a change
    beyond the SESOI in the direction of good is ``improved``, against it ``worsened``,
    within it (inclusive) ``no_meaningful_change``; a missing value ``not_estimable``.
    """
    good = good_change(change, direction)
    bound = np.asarray(bound, dtype=float)
    out = np.where(good > bound, "improved", np.where(good < -bound, "worsened",
                                                      "no_meaningful_change"))  # fmt: skip
    out = out.astype(object)
    out[np.asarray(missing, bool) | np.isnan(good)] = "not_estimable"
    return out


def tier(primary: pd.Series, audience: pd.Series, kind: pd.Series) -> pd.Series:
    """Holm family label: "primary" for the scorecard's outcomes, else audience|kind."""
    secondary = audience.astype(object).fillna("") + "|" + kind.astype(object).fillna("")
    return secondary.where(~primary.fillna(False).astype(bool), "primary")
