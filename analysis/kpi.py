"""Enterprise KPIs: change per enterprise, and tests across enterprises.

A KPI has one value per enterprise per phase (entered by a manager), so the unit of
analysis is the enterprise:

- per enterprise: change and % change, and a category from the decision rule on the
  factory's own figures (:func:`analysis.decision.decide_figures`: a change beyond the
  KPI's smallest meaningful change, ``sesoi_pct`` % of the baseline, in the direction of
  good is "improved" ...). An unchanged KPI (0 -> 0 open audit findings is common) is
  "no meaningful change", never an error.
- across enterprises: an exact sign-flip test on the paired factory changes (the
  headline: valid for any symmetric distribution, however few factories), with the
  paired t-test and Wilcoxon signed-rank as supporting tests, when at least
  ``min_enterprises`` (default 3) have both values.

KPIs are enterprise figures, not answers of people, so the respondent suppression rule
(*k* respondents) does not apply to them; the ``suppressed`` column is kept (always
False) so that every result frame has the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import _common as c
from analysis.compare import COMPARE_COLUMNS, TEST_ORDER, decide_rows
from analysis.decision import ALPHA, decide_figures
from analysis.equivalence import SESOI_KPI_PCT
from analysis.multicomp import grouped_p_adjust
from analysis.nonparametric import sign_flip_test, wilcoxon_signed_rank
from analysis.parametric import paired_ttest
from analysis.wording import describe

KPI_CHANGE_COLUMNS: list[str] = [
    "enterprise_id",
    "enterprise",
    "cohort",
    "module",
    "treated",
    "kpi_id",
    "label",
    "stakeholder",
    "direction",
    "unit",
    "baseline",
    "follow_up",
    "value_before",
    "value_after",
    "change",
    "pct_change",
    "sesoi",
    "category",
    "basis",
    "suppressed",
    "not_estimable",
]
KPI_TEST_COLUMNS: list[str] = [*COMPARE_COLUMNS, "unit", "pct_change", "p_min"]


def _wide(kpis: pd.DataFrame, baseline: str, follow_up: str) -> pd.DataFrame:
    """One row per (enterprise, kpi) with ``value_before`` and ``value_after``."""
    keys = ["enterprise_id", "kpi_id"]
    attrs = [
        col
        for col in (
            "enterprise",
            "cohort",
            "module",
            "treated",
            "label",
            "stakeholder",
            "direction",
            "unit",
            "primary",
            "sesoi_pct",
        )
        if col in kpis.columns
    ]
    data = kpis[kpis["phase"].astype(str).isin([baseline, follow_up])]
    values = data.pivot_table(
        index=keys, columns="phase", values="value", aggfunc="mean", observed=True
    )
    values = values.reindex(columns=[baseline, follow_up])
    values.columns = ["value_before", "value_after"]
    first = data.sort_values("phase_order").drop_duplicates(keys).set_index(keys)[attrs]
    return first.join(values).reset_index()


def _sesoi_pct(frame: pd.DataFrame) -> np.ndarray:
    if "sesoi_pct" not in frame:
        return np.full(len(frame), SESOI_KPI_PCT)
    return frame["sesoi_pct"].astype(float).fillna(SESOI_KPI_PCT).to_numpy()


def kpi_changes(
    kpis: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    lang: str | None = None,
) -> pd.DataFrame:
    """Change, % change and category of every KPI in every enterprise.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The tidy ``kpis`` frame (see ``docs/architecture.md``); an optional
        ``sesoi_pct`` column gives each KPI's smallest meaningful change (default 5%).
    baseline, follow_up : str
        Phases compared.
    lang : str, optional
        Adds a ``sentence`` column in that language.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_CHANGE_COLUMNS`: ``value_before``, ``value_after``, ``change``
        (after - before, raw units), ``pct_change`` (100 * change / |before|), ``sesoi``
        (the smallest meaningful change in raw units: ``sesoi_pct`` % of |before|),
        ``category`` (decision rule on the factory's own figures, basis
        "factory_figures"), ``not_estimable`` (a missing phase, or a zero baseline for
        ``pct_change`` only: the change itself is still judged, any change from 0 being
        beyond a 0 bound).
    """
    out = _wide(kpis, baseline, follow_up)
    before = out["value_before"].to_numpy(dtype=float)
    after = out["value_after"].to_numpy(dtype=float)
    change = after - before
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before != 0, 100 * change / np.abs(before), np.nan)
    out["baseline"], out["follow_up"] = baseline, follow_up
    out["change"], out["pct_change"] = change, pct
    out["sesoi"] = _sesoi_pct(out) / 100 * np.abs(before)
    missing = np.isnan(before) | np.isnan(after)
    out["category"] = decide_figures(change, out["direction"].to_numpy(), out["sesoi"], missing)
    out["basis"] = "factory_figures"
    out["suppressed"] = False
    out["not_estimable"] = c.first_reason(
        (np.isnan(before), c.NO_BASELINE),
        (np.isnan(after), c.NO_FOLLOW_UP),
        (before == 0, c.ZERO_BASELINE),
    )
    for col in KPI_CHANGE_COLUMNS:
        if col not in out.columns:
            out[col] = None
    out = out[KPI_CHANGE_COLUMNS].sort_values(["kpi_id", "enterprise_id"]).reset_index(drop=True)
    if lang is not None:
        # the zero-baseline note concerns % change only; the verdict stands on the change
        words = out.assign(not_estimable=out["not_estimable"].where(missing_of(out)))
        out["sentence"] = describe(words, lang=lang)
    return out


def missing_of(changes: pd.DataFrame) -> np.ndarray:
    """Rows of a :func:`kpi_changes` frame without both values."""
    return (changes["value_before"].isna() | changes["value_after"].isna()).to_numpy()


def kpi_tests(
    kpis: pd.DataFrame,
    by: Sequence[str] = ("overall",),
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_enterprises: int = 3,
    enterprise_brands: pd.DataFrame | None = None,
    lang: str = "en",
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Sign-flip, paired t and Wilcoxon tests of each KPI across enterprises.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The tidy ``kpis`` frame (optional ``primary`` and ``sesoi_pct`` columns).
    by : sequence of str
        "overall", "brand" (needs ``enterprise_brands``), "cohort", "module" or another
        enterprise-level column of ``kpis``.
    baseline, follow_up : str
        Phases compared.
    min_enterprises : int, default 3
        Fewer enterprises with both values -> not estimable (no test).
    lang : str
        Language of ``sentence``.
    alpha : float
        Level of the decision rule.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_TEST_COLUMNS` (those of :func:`analysis.compare_phases` plus
        ``unit``, ``pct_change`` = 100 * mean change / |mean before| and ``p_min``, the
        smallest p the sign-flip test can reach), with ``kind`` = "kpi", ``design`` =
        "paired", ``n_pairs`` the number of enterprises. The headline row (``primary``)
        is the exact sign-flip test; its ``sesoi`` is ``sesoi_pct`` % of |mean before|.
        ``p_holm``/``p_bh`` families: one grouping value, one test, across KPIs.
    """
    wide = _wide(kpis, baseline, follow_up)
    wide = wide[wide["value_before"].notna() & wide["value_after"].notna()]
    rows = []
    for grouping in by:
        if grouping == "overall":
            grouped = wide.assign(_group="all")
        elif grouping == "brand":
            if enterprise_brands is None:
                raise ValueError("grouping by brand needs the enterprise_brands frame")
            eb = enterprise_brands[["enterprise_id", "brand"]].drop_duplicates()
            grouped = wide.merge(eb, on="enterprise_id").rename(columns={"brand": "_group"})
        else:
            grouped = wide.assign(_group=wide[grouping]).dropna(subset=["_group"])
        for (group, kpi_id), part in grouped.groupby(["_group", "kpi_id"], sort=True):
            first = part.iloc[0]
            n = len(part)
            for test in (sign_flip_test, paired_ttest, wilcoxon_signed_rank):
                res = test(part["value_before"], part["value_after"]).iloc[0].to_dict()
                unchanged = bool((part["value_after"] == part["value_before"]).all())
                if n < min_enterprises or unchanged:
                    res["not_estimable"] = (
                        c.FEW_ENTERPRISES.format(k=min_enterprises)
                        if n < min_enterprises
                        else c.KPI_UNCHANGED
                    )
                    for col in c.INFERENTIAL_COLUMNS:
                        res[col] = np.nan
                mean_b = res["mean_before"]
                pct = first.get("sesoi_pct")
                pct = SESOI_KPI_PCT if pct is None or pd.isna(pct) else float(pct)
                res.update(
                    grouping=grouping,
                    group=str(group),
                    outcome_id=kpi_id,
                    kind="kpi",
                    label=first.get("label", kpi_id),
                    stakeholder=first.get("stakeholder", "supplier"),
                    direction=first.get("direction", "higher_is_better"),
                    unit=first.get("unit"),
                    design="paired",
                    baseline=baseline,
                    follow_up=follow_up,
                    pct_change=100 * res["change"] / abs(mean_b) if mean_b else np.nan,
                    suppressed=False,
                    primary_outcome=bool(first.get("primary") or False),
                    sesoi=pct / 100 * abs(mean_b) if not pd.isna(mean_b) else np.nan,
                    scale_reliable=True,
                    n_factories=float(n),
                    basis="before_after",
                )
                rows.append(res)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=KPI_TEST_COLUMNS)
    family = out["test"].str.split(" (", n=1, regex=False).str[0]
    adj = grouped_p_adjust(out["p"], [out["grouping"], out["group"], family])
    out["p_holm"], out["p_bh"] = adj["p_holm"], adj["p_bh"]
    out["primary"] = (family == "sign-flip").to_numpy()
    out = decide_rows(out, "manager", alpha)
    out["sentence"] = describe(out, lang=lang, alpha=alpha)
    out["_g"] = pd.factorize(out["grouping"])[0]
    out["_t"] = family.map(TEST_ORDER)
    out = out.sort_values(["_g", "group", "outcome_id", "_t"], kind="stable")
    return out[KPI_TEST_COLUMNS].reset_index(drop=True)
