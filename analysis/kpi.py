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
from scipy import stats

from analysis import _common as c
from analysis.compare import (
    COMPARE_COLUMNS,
    TEST_ORDER,
    _exact_groups,
    _positions,
    _ranks,
    decide_rows,
)
from analysis.decision import ALPHA, decide_figures
from analysis.equivalence import SESOI_KPI_PCT
from analysis.multicomp import grouped_p_adjust
from analysis.nonparametric import (
    EXACT_LIMIT,
    RANK_DECIMALS,
    SIGN_FLIP_DRAWS,
    SIGN_FLIP_ENUMERATE,
    SIGN_FLIP_EXACT,
    SIGN_FLIP_RANDOM,
    rank_result,
    sign_flip_p,
    signed_rank_arrays,
)
from analysis.parametric import paired_t_arrays
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


def _paired_kpi_tests(
    key: np.ndarray, before: np.ndarray, after: np.ndarray, size: int, tested: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sign-flip, paired t and Wilcoxon signed-rank rows of every key ``0..size-1``, as
    :func:`analysis.nonparametric.sign_flip_test`, :func:`analysis.parametric.paired_ttest`
    and :func:`analysis.nonparametric.wilcoxon_signed_rank` give them for the key's pairs.

    Each key's means and SD of the changes are numpy's over its pairs, in their order (so
    equal to the bit to the single tests'); ranks, sums of ranks, counts and every t,
    normal and interval computation are one pass over all keys (the bulk formulas of
    :mod:`analysis.compare`). The sign-flip p and an exact Wilcoxon p are computed per
    key, as they must be, and only for the keys in ``tested`` (boolean, by key): the
    others are blanked by the caller (too few enterprises, or no value changed), so their
    sign-flip ``statistic``, ``p`` and ``not_estimable`` are left blank.
    """
    d = after - before
    order = np.argsort(key, kind="stable")
    n = np.bincount(key, minlength=size).astype(float)
    bounds = np.cumsum(n.astype(int))[:-1]
    pieces = [np.split(x[order], bounds) for x in (before, after, d)]
    mean_b, mean_a, mean_d = (np.array([x.mean() for x in xs]) for xs in pieces)
    sd = np.array([np.std(x, ddof=1) if len(x) > 1 else np.nan for x in pieces[2]])
    ttest = paired_t_arrays(n, mean_b, mean_a, sd)

    # Wilcoxon signed-rank: zero differences dropped, ranks of |d| within the key
    rounded = np.round(d, RANK_DECIMALS)
    nz = rounded != 0
    kz, signed = key[nz], rounded[nz]
    ranks, tie = _ranks(kz, *_positions(np.abs(signed)), size)
    n_nz = np.bincount(kz, minlength=size).astype(float)
    v = np.bincount(kz, weights=ranks * (signed > 0), minlength=size)
    p_w, r_w = signed_rank_arrays(n_nz, v, tie)
    reason_w = c.first_reason(*c.paired_checks(n), (n_nz == 0, c.ALL_ZERO_DIFF))
    exact_w = (n_nz < EXACT_LIMIT) & (tie == 0) & (n_nz == n)
    for k, rows in _exact_groups(exact_w & tested & pd.isna(reason_w), kz).items():
        p_w[k] = stats.wilcoxon(signed[rows], method="exact").pvalue
    descriptive = pd.DataFrame({col: np.nan for col in c.TEST_COLUMNS}, index=range(size))
    descriptive[["n_before", "n_after", "n_pairs"]] = np.column_stack([n, n, n])
    descriptive["mean_before"], descriptive["mean_after"] = mean_b, mean_a
    descriptive["change"] = mean_d
    wilcoxon = rank_result(descriptive, "Wilcoxon signed-rank", exact_w, v, p_w, r_w, reason_w)

    # sign-flip: the paired t's row with the permutation p of the mean change
    absd = np.abs(d)
    largest = np.zeros(size)
    np.maximum.at(largest, key, absd)
    k_nz = np.bincount(key, weights=absd > 1e-12 * np.maximum(1.0, largest[key]), minlength=size)
    p_s = np.full(size, np.nan)
    for k in np.flatnonzero(tested):
        p_s[k] = sign_flip_p(pieces[2][k])[0]
    statistic = np.where(tested, mean_d, np.nan)
    with np.errstate(over="ignore"):
        p_min = np.where(
            k_nz == 0,
            np.nan,
            np.where(k_nz <= SIGN_FLIP_ENUMERATE, 2.0 / 2.0**k_nz, 1.0 / (SIGN_FLIP_DRAWS + 1)),
        )
    flip = ttest.copy()
    flip["test"] = np.where(k_nz <= SIGN_FLIP_ENUMERATE, SIGN_FLIP_EXACT, SIGN_FLIP_RANDOM)
    reason = flip["not_estimable"].to_numpy(dtype=object, copy=True)
    reason[np.isnan(p_s) & (n >= 2)] = c.ALL_ZERO_DIFF
    flip["statistic"], flip["p"] = statistic, p_s
    flip["not_estimable"] = np.where((n < 2) | np.isnan(p_s), reason, None)
    c.blank_where(flip, flip["not_estimable"].notna().to_numpy(), c.INFERENTIAL_COLUMNS)
    flip["p_min"] = p_min
    return flip, ttest, wilcoxon


def _first_rows(grouped: pd.DataFrame, key: np.ndarray, size: int) -> pd.DataFrame:
    """The first row of each key (0..size-1) in ``grouped``, missing values kept."""
    first = np.full(size, len(key))
    np.minimum.at(first, key, np.arange(len(key)))
    return grouped.iloc[first].reset_index(drop=True)


def _grouping_rows(
    grouped: pd.DataFrame, grouping: str, baseline: str, follow_up: str, min_enterprises: int
) -> pd.DataFrame:
    """:func:`kpi_tests` rows of one grouping (``_group`` set) before the p adjustment:
    per (group, KPI) in sorted order, the sign-flip, paired t and Wilcoxon rows."""
    key = grouped.groupby(["_group", "kpi_id"], sort=True).ngroup().to_numpy()
    grouped, key = grouped[key >= 0], key[key >= 0]  # a missing group or KPI: no test
    if not len(key):
        return pd.DataFrame()
    size = int(key.max()) + 1
    before = grouped["value_before"].to_numpy(dtype=float)
    after = grouped["value_after"].to_numpy(dtype=float)
    n = np.bincount(key, minlength=size)
    changed = np.bincount(key, weights=after != before, minlength=size) > 0
    few = n < min_enterprises
    tested = ~few & changed
    tests = _paired_kpi_tests(key, before, after, size, tested)
    first = _first_rows(grouped, key, size)
    hidden = ~tested
    reason = np.where(few, c.FEW_ENTERPRISES.format(k=min_enterprises), c.KPI_UNCHANGED)

    def column(name: str, default: object) -> list:
        return first[name].tolist() if name in first else [default] * size

    kpi_id = first["kpi_id"].tolist()
    label = first["label"].tolist() if "label" in first else kpi_id
    pct = [
        SESOI_KPI_PCT if x is None or pd.isna(x) else float(x) for x in column("sesoi_pct", None)
    ]
    primary = [bool(x or False) for x in column("primary", None)]
    frames = []
    for res in tests:
        res = res.copy()
        res.loc[hidden, "not_estimable"] = reason[hidden]
        c.blank_where(res, hidden, c.INFERENTIAL_COLUMNS)
        mean_b = res["mean_before"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct_change = np.where(
                mean_b != 0, 100 * res["change"].to_numpy(dtype=float) / np.abs(mean_b), np.nan
            )
        res = res.assign(
            grouping=grouping,
            group=[str(g) for g in first["_group"]],
            outcome_id=kpi_id,
            kind="kpi",
            label=label,
            stakeholder=column("stakeholder", "supplier"),
            direction=column("direction", "higher_is_better"),
            unit=column("unit", None),
            design="paired",
            baseline=baseline,
            follow_up=follow_up,
            pct_change=pct_change,
            suppressed=False,
            primary_outcome=primary,
            sesoi=np.where(np.isnan(mean_b), np.nan, np.array(pct) / 100 * np.abs(mean_b)),
            scale_reliable=True,
            n_factories=n.astype(float),
            basis="before_after",
        )
        frames.append(res)
    # rows in the order of the former loop: per key, sign-flip, paired t, Wilcoxon
    order = np.arange(3 * size).reshape(3, size).T.ravel()
    return pd.concat(frames, ignore_index=True).iloc[order]


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
    parts = []
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
        if len(grouped):
            parts.append(_grouping_rows(grouped, grouping, baseline, follow_up, min_enterprises))
    if not parts:
        return pd.DataFrame(columns=KPI_TEST_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    if out.empty:
        return pd.DataFrame(columns=KPI_TEST_COLUMNS)
    # each column as pandas infers it from the values (as from the rows built one by one)
    out = pd.DataFrame({col: out[col].tolist() for col in out.columns})
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
