"""Enterprise KPIs: change per enterprise, and a paired test across enterprises.

A KPI has one value per enterprise per phase (entered by a manager), so the unit of
analysis is the enterprise: change and % change per enterprise, signed by the KPI's
direction of good, then a paired t-test and Wilcoxon signed-rank across enterprises when
at least ``min_enterprises`` (default 3) have both values.

KPIs are enterprise figures, not answers of people, so the respondent suppression rule
(*k* respondents) does not apply to them; the ``suppressed`` column is kept (always
False) so that every result frame has the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import _common as c
from analysis.compare import COMPARE_COLUMNS, TEST_ORDER
from analysis.multicomp import grouped_p_adjust
from analysis.nonparametric import wilcoxon_signed_rank
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
    "improved",
    "suppressed",
    "not_estimable",
]


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


def kpi_changes(
    kpis: pd.DataFrame, baseline: str = "baseline", follow_up: str = "follow_up"
) -> pd.DataFrame:
    """Change and % change of every KPI in every enterprise.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The tidy ``kpis`` frame (see ``docs/architecture.md``).
    baseline, follow_up : str
        Phases compared.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_CHANGE_COLUMNS`: ``value_before``, ``value_after``, ``change``
        (after - before, raw units), ``pct_change`` (100 * change / |before|),
        ``improved`` (change in the KPI's direction of good; NA when no change or not
        estimable), ``not_estimable`` (a missing phase, or a zero baseline for
        ``pct_change`` only: the change itself is still shown).
    """
    out = _wide(kpis, baseline, follow_up)
    before = out["value_before"].to_numpy(dtype=float)
    after = out["value_after"].to_numpy(dtype=float)
    change = after - before
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before != 0, 100 * change / np.abs(before), np.nan)
    lower = out["direction"].to_numpy() == "lower_is_better"
    good = np.where(lower, -change, change)
    out["baseline"], out["follow_up"] = baseline, follow_up
    out["change"], out["pct_change"] = change, pct
    known = ~np.isnan(change) & (change != 0)
    out["improved"] = pd.array(np.where(known, good > 0, False), dtype="boolean")
    out.loc[~known, "improved"] = pd.NA
    out["suppressed"] = False
    out["not_estimable"] = c.first_reason(
        (np.isnan(before), c.NO_BASELINE),
        (np.isnan(after), c.NO_FOLLOW_UP),
        (before == 0, c.ZERO_BASELINE),
    )
    for col in KPI_CHANGE_COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[KPI_CHANGE_COLUMNS].sort_values(["kpi_id", "enterprise_id"]).reset_index(drop=True)


def kpi_tests(
    kpis: pd.DataFrame,
    by: Sequence[str] = ("overall",),
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_enterprises: int = 3,
    enterprise_brands: pd.DataFrame | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Paired t-test and Wilcoxon signed-rank of each KPI across enterprises.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The tidy ``kpis`` frame.
    by : sequence of str
        "overall", "brand" (needs ``enterprise_brands``), "cohort", "module" or another
        enterprise-level column of ``kpis``.
    baseline, follow_up : str
        Phases compared.
    min_enterprises : int, default 3
        Fewer enterprises with both values -> not estimable (no test).
    lang : str
        Language of ``sentence``.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`analysis.compare.COMPARE_COLUMNS` plus ``unit`` and
        ``pct_change`` (100 * mean change / |mean before|), with ``kind`` = "kpi",
        ``design`` = "paired" and ``n_pairs`` the number of enterprises. ``improved``
        follows the KPI's direction of good. Holm/BH families: one grouping value, one
        test, across KPIs.
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
            for test in (paired_ttest, wilcoxon_signed_rank):
                res = test(part["value_before"], part["value_after"]).iloc[0].to_dict()
                if n < min_enterprises:
                    res["not_estimable"] = c.FEW_ENTERPRISES.format(k=min_enterprises)
                    for col in c.INFERENTIAL_COLUMNS:
                        res[col] = np.nan
                mean_b = res["mean_before"]
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
                )
                rows.append(res)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=[*COMPARE_COLUMNS, "unit", "pct_change"])
    family = out["test"].str.split(" (", n=1, regex=False).str[0]
    adj = grouped_p_adjust(out["p"], [out["grouping"], out["group"], family])
    out["p_holm"], out["p_bh"] = adj["p_holm"], adj["p_bh"]
    change = out["change"].to_numpy(dtype=float)
    good = np.where(out["direction"] == "lower_is_better", -change, change)
    usable = out["not_estimable"].isna().to_numpy() & (change != 0)
    out["improved"] = pd.array(np.where(usable, good > 0, False), dtype="boolean")
    out.loc[~usable, "improved"] = pd.NA
    out["primary"] = (family == "paired t-test").to_numpy()
    out["sentence"] = describe(out, lang=lang)
    out["_g"] = pd.factorize(out["grouping"])[0]
    out["_t"] = family.map(TEST_ORDER)
    out = out.sort_values(["_g", "group", "outcome_id", "_t"], kind="stable")
    return out[[*COMPARE_COLUMNS, "unit", "pct_change"]].reset_index(drop=True)
