"""Before vs after, for every construct and item, overall and per group.

This is the engine behind the impact pages. For each grouping (overall, brand, enterprise,
cohort, module, a demographic band ...) and each group value, every outcome is tested in
two designs:

- **paired**: respondents matched across phases (same ``pair_id``) -> paired t-test and
  Wilcoxon signed-rank (McNemar for yes/no items);
- **independent**: everyone who answered in each phase -> Welch t-test and Mann-Whitney U
  (two-proportion chi-square for yes/no items).

Everything is computed in bulk from integer group codes with ``numpy.bincount`` and one
sort per grouping (ranks), then fed to the same formulas as the single-test functions of
:mod:`analysis.parametric`, :mod:`analysis.nonparametric` and :mod:`analysis.binary`, so
the R-pinned tests of those functions also pin this path.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis import _common as c
from analysis.binary import mcnemar_arrays, two_proportion_arrays
from analysis.decision import ALPHA, DECISION_COLUMNS, decide, tier
from analysis.disclosure import guard_pairs as guard_pair_rows
from analysis.equivalence import default_sesoi
from analysis.multicomp import grouped_p_adjust
from analysis.nonparametric import (
    EXACT_LIMIT,
    RANK_DECIMALS,
    mann_whitney_arrays,
    rank_result,
    signed_rank_arrays,
)
from analysis.parametric import paired_t_arrays, welch_t_arrays
from analysis.reliability import MIN_ALPHA
from analysis.scoring import construct_groups, first_rows, response_columns, score_values
from analysis.suppression import MIN_GROUP_SIZE, suppress
from analysis.wording import describe

COMPARE_COLUMNS: list[str] = [
    "grouping",
    "group",
    "outcome_id",
    "kind",
    "label",
    "stakeholder",
    "direction",
    "design",
    "test",
    "primary",
    "baseline",
    "follow_up",
    *c.DESCRIPTIVE_COLUMNS,
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p",
    "se",
    "p_holm",
    "p_bh",
    "effect_size",
    "effect_size_name",
    "primary_outcome",
    "scale_reliable",
    "n_factories",
    *DECISION_COLUMNS,
    "suppressed",
    "not_estimable",
    "sentence",
]

#: grouping name -> column of ``answers`` holding the group value
GROUPING_COLUMNS: dict[str, str] = {
    "enterprise": "enterprise",
    "cohort": "cohort",
    "module": "module",
}
# Largest (groups x outcomes x distinct values) histogram used for ranking (8 bytes each).
HISTOGRAM_CELLS = 4_000_000
KIND_ORDER = {"construct": 0, "item": 1, "kpi": 2}
TEST_ORDER = {
    "sign-flip": -1,
    "paired t-test": 0,
    "Wilcoxon signed-rank": 1,
    "McNemar": 2,
    "Welch t-test": 3,
    "Mann-Whitney U": 4,
    "two-proportion chi-square": 5,
}


def _observations(
    answers: pd.DataFrame, levels: Sequence[str], min_answered: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Respondent table, outcome table and the long per-outcome values.

    ``long`` has one row per (response, outcome) value: ``resp`` (position in the
    respondent table, which is ``answers.drop_duplicates("response_id")``), ``outcome``
    (position in the outcome table: (kind, outcome_id) in order of first appearance,
    constructs first) and ``value``; construct scores in (response_id, construct) order,
    then the answered items in the order of ``answers``.
    """
    codes, first = first_rows(answers["response_id"])
    respondents = answers[response_columns(answers)].take(first).reset_index(drop=True)
    resp, outcome, value, tables = [], [], [], []
    if "construct" in levels:
        cs = construct_groups(answers, min_answered=min_answered)
        cs = cs[cs["scored"].to_numpy()]
        o_code, o_names = pd.factorize(cs["construct"].astype(str).to_numpy())
        resp.append(codes[cs["_row"].to_numpy()])
        outcome.append(o_code)
        value.append(cs["score"].to_numpy(dtype=float))
        tables.append(pd.DataFrame({"kind": "construct", "outcome_id": o_names, "binary": False}))
    if "item" in levels:
        score = score_values(answers)
        rows = np.flatnonzero(~np.isnan(score))
        i_code, i_names = pd.factorize(answers["item_id"].astype(str), use_na_sentinel=False)
        # number the items in order of first appearance among the answered rows
        o_code, o_items = pd.factorize(i_code[rows])
        at = np.flatnonzero(~pd.Series(o_code).duplicated().to_numpy())
        binary = (answers["item_type"] == "yes_no").to_numpy()[rows]
        offset = sum(len(t) for t in tables)
        resp.append(codes[rows])
        outcome.append(o_code + offset)
        value.append(score[rows])
        tables.append(
            pd.DataFrame(
                {
                    "kind": "item",
                    "outcome_id": np.asarray(i_names, dtype=object)[o_items],
                    "binary": binary[at],
                }
            )
        )
    long = pd.DataFrame(
        {
            "resp": np.concatenate(resp).astype(np.int64),
            "outcome": np.concatenate(outcome).astype(np.int64),
            "value": np.concatenate(value).astype(float),
        }
    )
    outcomes = pd.concat(tables, ignore_index=True)
    outcomes["default_sesoi"] = _default_sesoi(answers, outcomes)
    return respondents, outcomes, long


def _default_sesoi(answers: pd.DataFrame, outcomes: pd.DataFrame) -> np.ndarray:
    """The SESOI each outcome gets when its definition declares none, from its scale:
    a share for yes/no items and constructs of them, scale points otherwise."""
    items = answers[["item_id", "construct", "scale_min", "scale_max"]].drop_duplicates("item_id")
    ranges = {("item", str(i)): (lo, hi) for i, lo, hi in
              items[["item_id", "scale_min", "scale_max"]].itertuples(index=False)}  # fmt: skip
    by_construct = items.dropna(subset=["construct"]).groupby("construct")
    for name, lo, hi in zip(
        by_construct["scale_min"].min().index,
        by_construct["scale_min"].min(),
        by_construct["scale_max"].max(),
        strict=True,
    ):
        ranges[("construct", str(name))] = (lo, hi)
    out = []
    for kind, outcome_id in outcomes[["kind", "outcome_id"]].itertuples(index=False):
        lo, hi = ranges.get((kind, outcome_id), (1, 5))
        out.append(default_sesoi(float(lo), float(hi), binary=float(hi) - float(lo) == 1))
    return np.asarray(out, dtype=float)


def _memberships(
    grouping: str,
    respondents: pd.DataFrame,
    enterprise_brands: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(respondent index, group code) pairs sorted by respondent, and group labels."""
    n = len(respondents)
    if grouping == "overall":
        return np.arange(n), np.zeros(n, dtype=np.int64), np.array(["all"], dtype=object)
    if grouping == "brand":
        if enterprise_brands is None:
            raise ValueError("grouping by brand needs the enterprise_brands frame")
        eb = enterprise_brands[["enterprise_id", "brand"]].drop_duplicates()
        resp = pd.DataFrame({"r": np.arange(n), "enterprise_id": respondents["enterprise_id"]})
        joined = resp.merge(eb, on="enterprise_id", how="inner").sort_values("r", kind="stable")
        codes, labels = pd.factorize(joined["brand"].astype(str), sort=True)
        return joined["r"].to_numpy(), codes.astype(np.int64), np.asarray(labels, dtype=object)
    column = GROUPING_COLUMNS.get(grouping, grouping)
    if column not in respondents.columns:
        raise ValueError(f"unknown grouping {grouping!r}: no column {column!r} in answers")
    values = respondents[column]
    keep = values.notna().to_numpy()
    codes, labels = pd.factorize(values[keep].astype(str), sort=True)
    return np.flatnonzero(keep), codes.astype(np.int64), np.asarray(labels, dtype=object)


def _factories_per_group(
    mem_r: np.ndarray, mem_g: np.ndarray, ent_codes: np.ndarray, n_groups: int
) -> np.ndarray:
    """Distinct factories among each group's respondents."""
    width = int(ent_codes.max()) + 1 if len(ent_codes) else 1
    pairs = np.unique(mem_g * width + ent_codes[mem_r])
    return np.bincount(pairs // width, minlength=n_groups).astype(float)


def _expand(obs_resp: np.ndarray, mem_r: np.ndarray, mem_g: np.ndarray, n_resp: int):
    """Row indices into ``obs`` and their group codes, one per (row, membership)."""
    count = np.bincount(mem_r, minlength=n_resp)
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])
    rep = count[obs_resp]
    rows = np.repeat(np.arange(len(obs_resp)), rep)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(rep) - rep, rep)
    return rows, mem_g[offset[obs_resp[rows]] + within]


def _stats(key: np.ndarray, values: np.ndarray, size: int):
    """n, mean and sample variance (two-pass, so identical values give exactly 0)."""
    n = np.bincount(key, minlength=size).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(key, weights=values, minlength=size) / n
        dev = values - mean[key]
        var = np.bincount(key, weights=dev * dev, minlength=size) / (n - 1)
    return n, mean, var


def _positions(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's position among the distinct rounded values, and how many there are.

    Ranking then needs one integer sort of ``key * n_distinct + position`` instead of a
    two-key lexsort on floats; computed once and reused for every grouping.
    """
    rounded = np.round(values, RANK_DECIMALS) + 0.0  # -0.0 + 0.0 is 0.0: one value
    # np.unique(rounded, return_inverse=True) without sorting every value: the distinct
    # values are few (hashed, then sorted) and each value is looked up among them
    distinct = np.sort(pd.unique(rounded))
    return np.searchsorted(distinct, rounded).astype(np.int64), len(distinct)


def _ranks(key: np.ndarray, position: np.ndarray, n_distinct: int, size: int):
    """Average ranks within each key (values given by :func:`_positions`) and the tie term
    sum(t^3 - t) per key.

    Survey scores take few distinct values, so a (key x value) histogram is small: the
    average rank of a value is the count of smaller values in its key plus (ties + 1) / 2,
    with no sorting at all. Many distinct values fall back to one integer sort.
    """
    code = key.astype(np.int64) * n_distinct + position
    if size * n_distinct <= HISTOGRAM_CELLS:
        counts = np.bincount(code, minlength=size * n_distinct).reshape(size, n_distinct)
        below = np.cumsum(counts, axis=1) - counts
        average = (below + (counts + 1) / 2).ravel()
        c = counts.astype(float)
        return average[code], (c**3 - c).sum(axis=1)
    order = np.argsort(code)
    c_s, k_s = code[order], key[order]
    m = len(c_s)
    new_run = np.ones(m, dtype=bool)
    new_run[1:] = c_s[1:] != c_s[:-1]
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_len = np.diff(np.append(run_start, m)).astype(float)
    new_key = np.ones(m, dtype=bool)
    new_key[1:] = k_s[1:] != k_s[:-1]
    key_start = np.maximum.accumulate(np.where(new_key, np.arange(m), 0))
    ranks_sorted = run_start[run_id] - key_start + (run_len[run_id] + 1) / 2
    ranks = np.empty(m)
    ranks[order] = ranks_sorted
    tie = np.bincount(k_s[run_start], weights=run_len**3 - run_len, minlength=size)
    return ranks, tie


def _exact_groups(mask: np.ndarray, key: np.ndarray) -> dict[int, np.ndarray]:
    """Row positions per key for the few keys that need an exact test."""
    wanted = np.flatnonzero(mask)
    if len(wanted) == 0:
        return {}
    rows = np.flatnonzero(np.isin(key, wanted))
    order = rows[np.argsort(key[rows], kind="stable")]
    splits = np.flatnonzero(np.diff(key[order])) + 1
    return {int(key[g[0]]): g for g in np.split(order, splits)}


def _pairs(
    long: pd.DataFrame,
    respondents: pd.DataFrame,
    resp_index: np.ndarray,
    outcome_index: np.ndarray,
    after: np.ndarray,
) -> pd.DataFrame:
    """Matched values: one row per (pair, outcome) with exactly one answer per phase.

    A pair is keyed by (cohort_id, enterprise_id, pair_id) where those columns exist,
    because pairing codes are matched within an enterprise's rounds. Codes that occur
    twice in a phase are ambiguous and left out of the paired design (they still count
    in the independent design). The pair belongs to the groups of its baseline response.
    """
    if "pair_id" not in respondents.columns:
        return pd.DataFrame(columns=["resp", "outcome", "before", "after"])
    scope = [c for c in ("cohort_id", "enterprise_id") if c in respondents.columns]
    pid = respondents["pair_id"]
    has = pid.notna().to_numpy()
    pair_codes = np.full(len(respondents), -1, dtype=np.int64)
    key_frame = respondents.loc[has, [*scope, "pair_id"]].astype(str)
    pair_codes[has] = key_frame.groupby(list(key_frame.columns), sort=False).ngroup().to_numpy()
    rows = pair_codes[resp_index] >= 0
    frame = pd.DataFrame(
        {
            "pair": pair_codes[resp_index[rows]],
            "outcome": outcome_index[rows],
            "after": after[rows],
            "resp": resp_index[rows],
            "value": long["value"].to_numpy()[rows],
        }
    )
    counts = frame.groupby(["pair", "outcome", "after"], sort=False)["value"].transform("size")
    frame = frame[counts.to_numpy() == 1]
    before = frame[~frame["after"]].set_index(["pair", "outcome"])
    later = frame[frame["after"]].set_index(["pair", "outcome"])
    joined = before[["resp", "value"]].join(
        later[["value"]].rename(columns={"value": "value_after"}), how="inner"
    )
    return pd.DataFrame(
        {
            "resp": joined["resp"].to_numpy(),
            "outcome": joined.index.get_level_values("outcome").to_numpy(),
            "before": joined["value"].to_numpy(),
            "after": joined["value_after"].to_numpy(),
        }
    )


def _independent_rows(
    key: np.ndarray,
    after: np.ndarray,
    value: np.ndarray,
    position: tuple[np.ndarray, int],
    binary: np.ndarray,
    size: int,
    confidence: float,
    correct: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Welch, Mann-Whitney and two-proportion results for every key (all rows)."""
    k2 = key * 2 + after
    n, mean, var = _stats(k2, value, size * 2)
    n1, n2 = n[0::2], n[1::2]
    m1, m2, v1, v2 = mean[0::2], mean[1::2], var[0::2], var[1::2]
    welch = welch_t_arrays(n1, m1, v1, n2, m2, v2, confidence)
    ranks, tie = _ranks(key, position[0], position[1], size)
    w = np.bincount(key, weights=ranks * after, minlength=size) - n2 * (n2 + 1) / 2
    p, r = mann_whitney_arrays(n1, n2, w, tie)
    exact = (n1 < EXACT_LIMIT) & (n2 < EXACT_LIMIT) & (tie == 0) & (n1 >= 2) & (n2 >= 2)
    for k, pos in _exact_groups(exact & ~binary, key).items():
        a, b = value[pos][after[pos]], value[pos][~after[pos]]
        p[k] = stats.mannwhitneyu(a, b, method="exact").pvalue
    reason = c.first_reason(
        *c.independent_checks(n1, n2), (tie == (n1 + n2) ** 3 - (n1 + n2), c.ALL_TIED)
    )
    mw = rank_result(welch, "Mann-Whitney U", exact, w, p, r, reason)
    yes = np.bincount(k2, weights=value, minlength=size * 2)
    prop = two_proportion_arrays(n1, yes[0::2], n2, yes[1::2], correct, confidence)
    return welch, mw, prop


def _paired_rows(
    key: np.ndarray,
    before: np.ndarray,
    after_v: np.ndarray,
    position: tuple[np.ndarray, int],
    binary: np.ndarray,
    size: int,
    confidence: float,
    correct: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Paired t, Wilcoxon signed-rank and McNemar results for every key (all rows)."""
    d = after_v - before
    n, _, var_d = _stats(key, d, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mb = np.bincount(key, weights=before, minlength=size) / n
        ma = np.bincount(key, weights=after_v, minlength=size) / n
    ttest = paired_t_arrays(n, mb, ma, np.sqrt(var_d), confidence)
    nz = np.round(d, RANK_DECIMALS) != 0
    kz = key[nz]
    ranks, tie = _ranks(kz, position[0][nz], position[1], size)
    n_nz = np.bincount(kz, minlength=size).astype(float)
    v = np.bincount(kz, weights=ranks * (d[nz] > 0), minlength=size)
    p, r = signed_rank_arrays(n_nz, v, tie)
    exact = (n_nz < EXACT_LIMIT) & (tie == 0) & (n_nz == n) & (n >= 2)
    for k, pos in _exact_groups(exact & ~binary, kz).items():
        p[k] = stats.wilcoxon(d[nz][pos], method="exact").pvalue
    reason = c.first_reason(*c.paired_checks(n), (n_nz == 0, c.ALL_ZERO_DIFF))
    wil = rank_result(ttest, "Wilcoxon signed-rank", exact, v, p, r, reason)
    yes_b = np.bincount(key, weights=before, minlength=size)
    yes_a = np.bincount(key, weights=after_v, minlength=size)
    lost = np.bincount(key, weights=(before == 1) & (after_v == 0), minlength=size)
    gained = np.bincount(key, weights=(before == 0) & (after_v == 1), minlength=size)
    mcn = mcnemar_arrays(n, yes_b, yes_a, lost, gained, correct, confidence)
    return ttest, wil, mcn


def _outcome_meta(outcomes: pd.DataFrame | None, found: pd.DataFrame) -> pd.DataFrame:
    """Label, stakeholder, direction, primary flag and SESOI per (kind, outcome_id), with
    safe defaults (the SESOI default comes from the outcome's scale)."""
    meta = found[["kind", "outcome_id"]].copy()
    meta["label"] = meta["outcome_id"]
    meta["stakeholder"] = "workers"
    meta["direction"] = "higher_is_better"
    meta["primary_outcome"] = False
    meta["sesoi"] = found["default_sesoi"].to_numpy(dtype=float)
    if outcomes is None or outcomes.empty:
        return meta
    given = outcomes.drop_duplicates(["kind", "outcome_id"]).set_index(["kind", "outcome_id"])
    given = given.rename(columns={"primary": "primary_outcome"})
    idx = pd.MultiIndex.from_frame(meta[["kind", "outcome_id"]])
    for col in ("label", "stakeholder", "direction", "primary_outcome", "sesoi"):
        if col in given.columns:
            looked = given[col].reindex(idx).to_numpy(dtype=object)
            meta[col] = np.where(pd.isna(looked), meta[col].to_numpy(dtype=object), looked)
    meta["primary_outcome"] = meta["primary_outcome"].astype(bool)
    meta["sesoi"] = meta["sesoi"].astype(float)
    extra = [col for col in given.columns if col.startswith("label_")]
    for col in extra:
        meta[col] = given[col].reindex(idx).to_numpy(dtype=object)
    return meta


def compare_phases(
    answers: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    by: Sequence[str] = ("overall",),
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    levels: Sequence[str] = ("construct", "item"),
    enterprise_brands: pd.DataFrame | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    min_answered: float = 2 / 3,
    confidence: float = 0.95,
    correct: bool = True,
    lang: str = "en",
    unreliable: Collection[str] = (),
    min_alpha: float = MIN_ALPHA,
    alpha: float = ALPHA,
    guard_pairs: bool = False,
) -> pd.DataFrame:
    """Compare a follow-up phase with the baseline for every outcome and group.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame (see ``docs/architecture.md``). Filter it first to
        one audience / survey if the comparison should not pool them.
    outcomes : pandas.DataFrame, optional
        Outcome metadata (``outcome_id``, ``kind``, ``label``, ``stakeholder``,
        ``direction``; optional ``label_<lang>`` columns for translated labels).
        Missing outcomes default to their id, "workers", "higher_is_better".
    by : sequence of str, default ("overall",)
        Groupings: "overall", "brand" (needs ``enterprise_brands``), "enterprise",
        "cohort", "module", any ``demo_*`` band, or any other respondent-level column.
    baseline, follow_up : str
        The two phases compared.
    levels : sequence of str
        "construct" and/or "item".
    enterprise_brands : pandas.DataFrame, optional
        ``enterprise_id``, ``brand``; an enterprise counts in each of its brands.
    min_group_size : int, default 5
        Rows describing fewer respondents are suppressed (see :func:`analysis.suppress`).
    min_answered : float, default 2/3
        Minimum share of a construct's items answered to score it.
    confidence : float, default 0.95
        Level of the confidence intervals.
    correct : bool, default True
        Continuity correction of McNemar and two-proportion tests (R defaults).
    lang : str, default "en"
        Language of the ``sentence`` column.
    unreliable : collection of str
        Constructs whose scale failed the reliability gate (Cronbach's alpha below the
        ``SCORE_MIN_ALPHA`` setting): their rows are flagged ``scale_reliable`` False and
        not estimable ("analysed per item only"); their items are analysed as usual.
    min_alpha : float, default 0.6
        The reliability threshold the gate used (quoted in the reason).
    alpha : float, default 0.05
        Level of the decision rule (:mod:`analysis.decision`).
    guard_pairs : bool, default False
        Also suppress matched-pair rows that leave out 1..k-1 of their group's answers
        (:func:`analysis.disclosure.guard_pairs`), before the headline row is chosen.

    Returns
    -------
    pandas.DataFrame
        One row per grouping, group, outcome and test, columns :data:`COMPARE_COLUMNS`:

        - ``grouping`` (e.g. "enterprise"), ``group`` (its value; "all" for overall)
        - ``outcome_id``, ``kind`` ("construct" | "item"), ``label``, ``stakeholder``,
          ``direction``
        - ``design`` ("paired" | "independent"), ``test`` (name and method)
        - ``primary`` : the row to headline: the paired test when estimable and not
          suppressed, else the independent one (t-test for scores, McNemar or
          two-proportion for yes/no items)
        - ``baseline``, ``follow_up`` : the phases compared
        - ``n_before``, ``n_after`` (answers per phase; matched pairs for paired rows),
          ``n_pairs``
        - ``mean_before``, ``mean_after`` (proportion of yes for yes/no items),
          ``change`` (after - before), ``ci_low``, ``ci_high`` (t-based for t-tests,
          Wald for proportions; NaN for rank tests)
        - ``statistic``, ``df``, ``p`` (raw, two-sided), ``p_holm``, ``p_bh``
        - ``effect_size``, ``effect_size_name`` (Cohen's d_z, Hedges' g, rank-biserial
          r, difference in proportions)
        - ``se`` : standard error of the change (t-based or Wald; NaN for rank tests)
        - ``primary_outcome`` : declared primary in the survey definition
        - ``n_factories`` : factories among the group's respondents
        - ``scale_reliable`` : False for a construct that failed the reliability gate
        - ``category``, ``basis``, ``p_decision``, ``n_comparisons``, ``sesoi``,
          ``p_equivalence`` : the decision rule's verdict on headline rows
          (:mod:`analysis.decision`; blank on supporting tests)
        - ``suppressed`` : fewer than ``min_group_size`` respondents; numbers blanked
        - ``not_estimable`` : reason no result is shown, else None
        - ``sentence`` : plain-language summary (:func:`analysis.wording.describe`)

    Notes
    -----
    **Families for multiple comparisons**: ``p_holm``/``p_bh`` run over one grouping
    value (e.g. one enterprise), one kind (constructs or items) and one test, across the
    outcomes that have a p-value. The decision (``p_decision``) runs over the headline
    rows: the declared primary outcomes of a grouping value together, the others per
    audience and kind (see :mod:`analysis.decision`).

    **Pairs**: matched within (cohort_id, enterprise_id, pair_id); a code seen twice in
    one phase is ambiguous and dropped from the paired design only. A pair belongs to the
    groups of its baseline response (e.g. its baseline tenure band).

    **Missing values**: unanswered items are ignored; constructs need ``min_answered``.
    """
    in_phase = answers["phase"].astype(str).isin([baseline, follow_up]).to_numpy()
    data = answers if in_phase.all() else answers[in_phase]
    respondents, outcome_table, long = _observations(data, levels, min_answered)
    n_resp, n_out = len(respondents), len(outcome_table)
    resp_index = long["resp"].to_numpy()
    outcome_index = long["outcome"].to_numpy()
    is_after = (respondents["phase"].astype(str) == follow_up).to_numpy()
    after = is_after[resp_index]
    value = long["value"].to_numpy(dtype=float)
    binary_out = outcome_table["binary"].to_numpy(dtype=bool)
    pairs = _pairs(long, respondents, resp_index, outcome_index, after)
    meta = _outcome_meta(outcomes, outcome_table)

    ent_codes = pd.factorize(respondents["enterprise_id"])[0]
    value_pos, value_n = _positions(value)
    pair_before = pairs["before"].to_numpy()
    pair_after = pairs["after"].to_numpy()
    diff_pos, diff_n = _positions(np.abs(pair_after - pair_before))
    frames = []
    for grouping in by:
        mem_r, mem_g, labels = _memberships(grouping, respondents, enterprise_brands)
        size = len(labels) * n_out
        rows, g = _expand(resp_index, mem_r, mem_g, n_resp)
        key = g * n_out + outcome_index[rows]
        bin_k = binary_out[np.arange(size) % n_out]
        welch, mw, prop = _independent_rows(
            key,
            after[rows],
            value[rows],
            (value_pos[rows], value_n),
            bin_k,
            size,
            confidence,
            correct,
        )
        prow, pg = _expand(pairs["resp"].to_numpy(), mem_r, mem_g, n_resp)
        pkey = pg * n_out + pairs["outcome"].to_numpy()[prow]
        ttest, wil, mcn = _paired_rows(
            pkey,
            pair_before[prow],
            pair_after[prow],
            (diff_pos[prow], diff_n),
            bin_k,
            size,
            confidence,
            correct,
        )
        present = np.bincount(key, minlength=size) > 0
        factories = _factories_per_group(mem_r, mem_g, ent_codes, len(labels))
        chosen = [
            (ttest, "paired", ~bin_k),
            (wil, "paired", ~bin_k),
            (mcn, "paired", bin_k),
            (welch, "independent", ~bin_k),
            (mw, "independent", ~bin_k),
            (prop, "independent", bin_k),
        ]
        for res, design, applies in chosen:
            keep = present & applies
            part = res[keep].copy()
            ks = np.flatnonzero(keep)
            part.insert(0, "design", design)
            part["n_factories"] = factories[ks // n_out]
            part.insert(0, "_outcome", ks % n_out)
            part.insert(0, "group", labels[ks // n_out])
            part.insert(0, "grouping", grouping)
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    audience = data["audience"].iloc[0] if "audience" in data and len(data) else "worker"
    options = _Finish(
        baseline, follow_up, min_group_size, lang, set(unreliable), min_alpha, alpha, guard_pairs
    )
    return _finish(out, meta, options, str(audience))


@dataclass(frozen=True)
class _Finish:
    baseline: str
    follow_up: str
    min_group_size: int
    lang: str
    unreliable: set[str]
    min_alpha: float
    alpha: float
    guard_pairs: bool = False


def _finish(out: pd.DataFrame, meta: pd.DataFrame, o: _Finish, audience: str) -> pd.DataFrame:
    """Attach metadata, suppress (and guard pairs), gate unreliable scales, flag headline
    rows, adjust p, decide, word, order columns."""
    idx = out.pop("_outcome").to_numpy()
    for col in meta.columns:
        out[col] = meta[col].to_numpy()[idx]
    out["baseline"], out["follow_up"] = o.baseline, o.follow_up
    out = suppress(out, o.min_group_size)
    if o.guard_pairs:
        out = guard_pair_rows(out, o.min_group_size)
    family = out["test"].str.split(" (", n=1, regex=False).str[0]
    out["primary"] = _primary(out, family)
    gated = (out["kind"] == "construct").to_numpy() & out["outcome_id"].isin(o.unreliable)
    out["scale_reliable"] = ~gated
    if gated.any():
        reason = c.UNRELIABLE.format(alpha=f"{o.min_alpha:g}")
        out.loc[gated & ~out["suppressed"].to_numpy(bool), "not_estimable"] = reason
        c.blank_where(out, gated, c.INFERENTIAL_COLUMNS)
    adjusted = grouped_p_adjust(out["p"], [out["grouping"], out["group"], out["kind"], family])
    out["p_holm"], out["p_bh"] = adjusted["p_holm"], adjusted["p_bh"]
    out["basis"] = "before_after"
    out = decide_rows(out, audience, o.alpha)
    out["sentence"] = describe(out, lang=o.lang, alpha=o.alpha)
    order_cols = ["_g", "group", "_k", "outcome_id", "_t"]
    out["_g"] = pd.factorize(out["grouping"])[0]
    out["_k"] = out["kind"].map(KIND_ORDER)
    out["_t"] = family.map(TEST_ORDER)
    out = out.sort_values(order_cols, kind="stable").reset_index(drop=True)
    extra = [col for col in out.columns if col.startswith("label_")]
    return out[COMPARE_COLUMNS + extra]


def decide_rows(out: pd.DataFrame, audience: str | pd.Series, alpha: float = ALPHA):
    """The decision rule on the headline rows of a compare/KPI result (families: primary
    outcomes of a grouping value together, others per audience and kind)."""
    aud = out["audience"] if "audience" in out.columns else pd.Series(audience, out.index)
    out = out.assign(_tier=tier(out["primary_outcome"], aud, out["kind"]))
    decided = decide(out, ["grouping", "group", "_tier"], out["primary"].to_numpy(bool), alpha)
    return decided.drop(columns="_tier")


def _primary(out: pd.DataFrame, family: pd.Series) -> np.ndarray:
    """Headline row per (grouping, group, outcome): paired if usable, else independent."""
    headline = family.isin(
        ["paired t-test", "McNemar", "Welch t-test", "two-proportion chi-square"]
    )
    paired_ok = (
        family.isin(["paired t-test", "McNemar"]) & out["not_estimable"].isna() & ~out["suppressed"]
    )
    keys = [out["grouping"], out["group"], out["kind"], out["outcome_id"]]
    has_paired = paired_ok.groupby(keys, sort=False).transform("any")
    is_paired = family.isin(["paired t-test", "McNemar"])
    return (headline & ((is_paired & has_paired) | (~is_paired & ~has_paired))).to_numpy()
