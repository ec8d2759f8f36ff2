"""Difference-in-differences with comparison factories, honest about having few of them.

Model: two-way fixed effects, ``y = a_factory + g_phase + b treated x post + e``, fitted
by OLS on respondent-level scores (or one KPI value per factory and phase), standard
errors clustered by factory. ``b`` is the DiD estimate: the change in trained factories
beyond the change in comparison factories over the same period.

With a handful of factories, cluster-robust (CR1) p-values are far too small (Cameron &
Miller 2015; MacKinnon & Webb 2017): the demo's 8 factories gave p = 2e-6 where design-
based tests give p >= 0.03. So every estimate carries two p-values that stay valid with
few clusters, and the decision rule uses the larger of them:

- ``p_wild``: restricted wild cluster bootstrap (WCR, null imposed), bootstrap t with
  CR1 standard errors; Webb's six-point weights below 12 clusters, Rademacher from 12 on;
  every weight vector is enumerated when there are at most ``max_enumeration`` of them,
  else ``draws`` vectors are drawn from a fixed seed (Roodman et al. 2019).
- ``p_ri``: randomisation inference over factories: the t statistic under every way of
  choosing which factories were trained (the observed number of them), all assignments
  enumerated when there are at most ``max_enumeration`` (an exact, reproducible p), else
  ``draws`` random ones from a fixed seed (Young 2019; MacKinnon & Webb 2020).

``p_min`` is the smallest p the randomisation test can reach with this design: 1 over the
number of assignments (2 over it when treated and comparison groups are equally large,
since swapping them gives the same |t|). When it exceeds alpha, no data could show an
effect: the design has too few comparison factories to tell (``can_tell`` False).

**Why not pyfixest.** pyfixest 0.60 fits this model and offers ``wildboottest`` and
``ritest``, but its ``ritest`` only draws random permutations (no exact enumeration) and
permutes the regressor rather than the factories' treatment, ``wildboottest`` needs the
separate numba-based package (JIT compilation of about 2 s per process), and the two
bring about 60 packages (matplotlib, ipython, numba, great-tables ...) into the install.
Both regressors of interest are constant within a factory-phase cell, so the estimate,
its CR1 variance, every bootstrap t and every permutation t are exact functions of the
cell counts and means: a few vectorised lines, pinned in tests against a hand
computation, statsmodels' OLS with cluster covariance and pyfixest's own output.

Algebra (two phases, factory fixed effects): with cell sizes n0, n1 and means y0, y1 of
factory g, h_g = n0 n1 / (n0 + n1) and D_g = y1 - y0, the TWFE estimate is the h-weighted
mean of D over trained factories minus that over comparison factories; with residuals
e_g = D_g - (mean of its group), the CR1 variance is
c (sum_treated h^2 e^2 / H_t^2 + sum_comparison h^2 e^2 / H_c^2), H = sum of h in the
group, c = G/(G-1) (N-1)/(N-K) with K = 3 (fixest's and pyfixest's small-sample factor:
factory effects nested in the clusters are not counted).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis import _common as c
from analysis.multicomp import p_adjust
from analysis.scoring import construct_groups
from analysis.suppression import MIN_GROUP_SIZE

DID_COLUMNS: list[str] = [
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p",
    "p_wild",
    "p_ri",
    "p_min",
    "n",
    "n_clusters",
    "n_treated_clusters",
    "n_control_clusters",
    "assignments",
    "ri_exact",
    "wild_weights",
    "can_tell",
    "not_estimable",
]
MAX_ENUMERATION = 10_000
DRAWS = 9_999
WEBB_BELOW = 12
SEED = 20261125
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _fit(delta: np.ndarray, h: np.ndarray, treated: np.ndarray, factor: float):
    """Estimate and CR1 standard error for one or many assignments / bootstrap samples.

    ``delta`` (..., G) changes per factory, ``h`` (G,) weights, ``treated`` (..., G)
    booleans; broadcasting gives one result per leading index.
    """
    t = treated.astype(float)
    ht, hc = h * t, h * (1 - t)
    big_t, big_c = ht.sum(-1), hc.sum(-1)
    m_t = (ht * delta).sum(-1) / big_t
    m_c = (hc * delta).sum(-1) / big_c
    resid = delta - np.where(treated, m_t[..., None], m_c[..., None])
    hr2 = (h * resid) ** 2
    var = factor * ((hr2 * t).sum(-1) / big_t**2 + (hr2 * (1 - t)).sum(-1) / big_c**2)
    return m_t - m_c, np.sqrt(var)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)  # cached and shared between calls
    return array


@functools.lru_cache(maxsize=16)
def _weights(g_count: int, kind: str, max_enumeration: int, draws: int, seed: int):
    """Wild bootstrap weight vectors: all of them when few enough, else seeded draws.

    A function of its arguments only (the generator is seeded here), so it is made once
    per design: every construct and KPI of a report on the same factories shares it."""
    values = _WEBB if kind == "webb" else np.array([-1.0, 1.0])
    total = len(values) ** g_count
    if total <= max_enumeration:
        return _read_only(np.array(list(itertools.product(values, repeat=g_count)))), True
    rng = np.random.default_rng(seed)
    return _read_only(values[rng.integers(0, len(values), size=(draws, g_count))]), False


@functools.lru_cache(maxsize=16)
def _assignments(g_count: int, n_treated: int, max_enumeration: int, draws: int, seed: int):
    """Treatment assignments of ``n_treated`` among ``g_count`` factories: every one when
    there are at most ``max_enumeration`` (in ``itertools.combinations`` order), else
    seeded random ones. Made once per design, like :func:`_weights`."""
    total = math.comb(g_count, n_treated)
    if total <= max_enumeration:
        chosen = np.array(
            list(itertools.combinations(range(g_count), n_treated)), dtype=np.intp
        ).reshape(total, n_treated)
        out = np.zeros((total, g_count), dtype=bool)
        out[np.arange(total)[:, None], chosen] = True
        return _read_only(out), True, total
    rng = np.random.default_rng(seed)
    keys = rng.random((draws, g_count))
    ranks = keys.argsort(axis=1).argsort(axis=1)
    return _read_only(ranks < n_treated), False, total


def _share_at_least(t_all: np.ndarray, t_obs: float) -> float:
    """Share of |t| at least the observed |t| (a relative 1e-10 absorbs rounding ties)."""
    with np.errstate(invalid="ignore"):
        hits = np.abs(t_all) >= abs(t_obs) * (1 - 1e-10)
    return float(np.sum(hits & ~np.isnan(t_all)))


def did_ols(
    data: pd.DataFrame,
    outcome: str = "score",
    treated: str = "treated",
    post: str = "post",
    cluster: str = "enterprise_id",
    confidence: float = 0.95,
    alpha: float = 0.05,
    wild_weights: str = "auto",
    max_enumeration: int = MAX_ENUMERATION,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Two-way fixed-effects DiD with few-cluster inference (see the module notes).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation; rows with a missing value in a used column are dropped,
        and so are factories not observed in both periods (they carry no information on
        the change once factory effects are in the model).
    outcome, treated, post, cluster : str
        Column names: numeric outcome, 0/1 (or bool) treatment group (constant within a
        cluster), 0/1 period (follow-up = 1), cluster id (factory).
    confidence : float
        Level of the (CR1, t with G - 1 df) interval of the estimate.
    alpha : float
        Level at which ``can_tell`` judges the design.
    wild_weights : {"auto", "webb", "rademacher"}
        "auto": Webb below 12 clusters, Rademacher otherwise.
    max_enumeration, draws, seed : int
        Enumerate all weight vectors / assignments up to ``max_enumeration``; otherwise
        ``draws`` random ones from ``seed``.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`DID_COLUMNS`: ``estimate``, ``se`` (CR1), ``ci_low``/``ci_high``,
        ``statistic`` (t), ``df`` (clusters - 1), ``p`` (CR1 t, two-sided: too small with
        few clusters, shown for reference), ``p_wild``, ``p_ri``, ``p_min`` (smallest p
        the randomisation test can reach), ``n`` (observations), ``n_clusters``,
        ``n_treated_clusters``, ``n_control_clusters``, ``assignments`` (possible
        treatment assignments), ``ri_exact`` (all enumerated), ``wild_weights``,
        ``can_tell`` (``p_min`` <= ``alpha``), ``not_estimable`` (fewer than 2 factories
        in either group; no variation in the changes).

    References
    ----------
    Cameron, A. C. & Miller, D. L. (2015). J. Human Resources 50, 317-372. MacKinnon,
    J. G. & Webb, M. D. (2017). J. Applied Econometrics 32, 233-254; (2020). J.
    Econometrics 218, 435-450. Roodman, D., MacKinnon, J. G., Nielsen, M. O. & Webb, M. D.
    (2019). Stata Journal 19, 4-60. Young, A. (2019). Q. J. Economics 134, 557-598.
    """
    d = data[[outcome, treated, post, cluster]].dropna()
    y = d[outcome].to_numpy(dtype=float)
    codes, _ = pd.factorize(d[cluster])
    is_post = d[post].astype(float).to_numpy() == 1
    g_all = int(codes.max() + 1) if len(d) else 0
    n0 = np.bincount(codes[~is_post], minlength=g_all).astype(float)
    n1 = np.bincount(codes[is_post], minlength=g_all).astype(float)
    s0 = np.bincount(codes[~is_post], weights=y[~is_post], minlength=g_all)
    s1 = np.bincount(codes[is_post], weights=y[is_post], minlength=g_all)
    tr = np.bincount(codes, weights=d[treated].astype(float).to_numpy(), minlength=g_all)
    both = (n0 > 0) & (n1 > 0)
    n0, n1, s0, s1 = n0[both], n1[both], s0[both], s1[both]
    is_treated = (tr[both] / (n0 + n1)) > 0.5
    g_count, n_obs = int(both.sum()), int((n0 + n1).sum())
    n_t = int(is_treated.sum())
    row: dict[str, object] = {col: np.nan for col in DID_COLUMNS}
    row.update(
        n=n_obs, n_clusters=g_count, n_treated_clusters=n_t, n_control_clusters=g_count - n_t,
        wild_weights=None, ri_exact=None, can_tell=False, not_estimable=None,
    )  # fmt: skip
    if n_t < 2 or g_count - n_t < 2:
        row["not_estimable"] = c.FEW_CLUSTERS
        return pd.DataFrame([row], columns=DID_COLUMNS)
    delta = s1 / n1 - s0 / n0
    h = n0 * n1 / (n0 + n1)
    factor = g_count / (g_count - 1) * (n_obs - 1) / max(n_obs - 3, 1)
    est, se = (float(v) for v in _fit(delta, h, is_treated, factor))
    if not se > 1e-12 * max(1.0, abs(est)):
        row["not_estimable"] = c.ZERO_VARIANCE_CHANGE
        return pd.DataFrame([row], columns=DID_COLUMNS)
    t_obs = est / se
    df = g_count - 1
    q = stats.t.ppf(0.5 + confidence / 2, df)

    # wild cluster bootstrap, null imposed: D* = gamma_r + w_g (D_g - gamma_r); gamma_r
    # cancels in both the estimate and the residuals, so only w (D - gamma_r) matters
    kind = wild_weights if wild_weights != "auto" else (
        "webb" if g_count < WEBB_BELOW else "rademacher"
    )  # fmt: skip
    weights, _ = _weights(g_count, kind, max_enumeration, draws, seed)
    restricted = delta - np.sum(h * delta) / np.sum(h)
    b_star, se_star = _fit(weights * restricted, h, is_treated, factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = b_star / se_star
    p_wild = _share_at_least(t_star, t_obs) / len(weights)

    # randomisation inference over which factories were trained
    assign, exact, total = _assignments(g_count, n_t, max_enumeration, draws, seed)
    b_ri, se_ri = _fit(np.broadcast_to(delta, assign.shape), h, assign, factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ri = b_ri / se_ri
    hits = _share_at_least(t_ri, t_obs)
    if exact:
        p_ri = hits / total
        p_min = (2.0 if 2 * n_t == g_count else 1.0) / total
    else:  # the observed assignment counts as one of the draws
        p_ri = (hits + 1) / (len(assign) + 1)
        p_min = 1 / (len(assign) + 1)
    row.update(
        estimate=est, se=se, ci_low=est - q * se, ci_high=est + q * se, statistic=t_obs,
        df=float(df), p=float(2 * stats.t.sf(abs(t_obs), df)), p_wild=p_wild, p_ri=p_ri,
        p_min=p_min, assignments=float(total), ri_exact=exact, wild_weights=kind,
        can_tell=bool(p_min <= alpha),
    )  # fmt: skip
    return pd.DataFrame([row], columns=DID_COLUMNS)


def _holm_did(out: pd.DataFrame) -> pd.DataFrame:
    """p_holm over the DiD family: Holm on max(p_ri, p_wild) of the rows that can tell."""
    if out.empty:
        return out.assign(p_holm=pd.Series(dtype=float))
    usable = out["not_estimable"].isna() & out["can_tell"].fillna(False).astype(bool)
    p = np.fmax(out["p_ri"].to_numpy(float), out["p_wild"].to_numpy(float))
    out["p_holm"] = p_adjust(np.where(usable, p, np.nan), "holm")
    return out


def _cells(part: pd.DataFrame, value: str, min_group_size: int) -> tuple[dict, bool]:
    """Means and counts of the four treated/comparison x before/after cells."""
    cells = part.groupby(["treated", "post"])[value].agg(["mean", "size"])
    record: dict[str, object] = {}
    small = False
    for tr, tr_name in ((1.0, "treated"), (0.0, "control")):
        for po, po_name in ((0.0, "before"), (1.0, "after")):
            mean, size = cells.loc[(tr, po)] if (tr, po) in cells.index else (np.nan, 0)
            small |= 0 < size < min_group_size
            record[f"mean_{tr_name}_{po_name}"] = mean
            record[f"n_{tr_name}_{po_name}"] = size
    return record, small


def _did_rows(
    frame: pd.DataFrame,
    key: str,
    value: str,
    min_group_size: int,
    confidence: float,
    alpha: float,
) -> pd.DataFrame:
    rows = []
    for outcome_id, part in frame.groupby(key, sort=True):
        record, small = _cells(part, value, min_group_size)
        res = did_ols(part, outcome=value, confidence=confidence, alpha=alpha)
        record = {key: outcome_id, **record, **res.iloc[0].to_dict(), "suppressed": small}
        if small:
            for name in list(record):
                if name.startswith(("mean_", "n_")) or name in c.NUMERIC_COLUMNS:
                    record[name] = np.nan
            record["not_estimable"] = c.SUPPRESSED.format(k=min_group_size)
            record["can_tell"] = False
        rows.append(record)
    return _holm_did(pd.DataFrame(rows))


def did_constructs(
    answers: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_group_size: int = MIN_GROUP_SIZE,
    min_answered: float = 2 / 3,
    confidence: float = 0.95,
    alpha: float = 0.05,
    constructs: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Difference-in-differences of every construct, trained vs comparison factories.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame, including comparison factories (``treated`` False).
    baseline, follow_up : str
        The two periods.
    min_group_size : int, default 5
        A construct with fewer respondents in any of the four cells (treated/comparison x
        baseline/follow-up) is suppressed.
    constructs : sequence of str, optional
        Only these constructs (e.g. leave out unreliable scales).

    Returns
    -------
    pandas.DataFrame
        One row per construct: ``construct``, ``mean_treated_before``,
        ``mean_treated_after``, ``mean_control_before``, ``mean_control_after``,
        ``n_treated_before``, ``n_treated_after``, ``n_control_before``,
        ``n_control_after``, then :data:`DID_COLUMNS` (see :func:`did_ols`), then
        ``suppressed`` and ``p_holm`` (Holm over the constructs that can tell, on the
        larger of ``p_ri`` and ``p_wild``).
    """
    phase = answers["phase"].astype(str)
    in_phase = phase.isin([baseline, follow_up]).to_numpy()
    # filter the wide frame only when needed; then read just the columns the model uses
    data = answers if in_phase.all() else answers[in_phase]
    groups = construct_groups(data, min_answered=min_answered)
    keep = groups["scored"].to_numpy()
    if constructs is not None:
        keep = keep & groups["construct"].isin(list(constructs)).to_numpy()
    groups = groups[keep]
    first = groups["_row"].to_numpy()  # each score's respondent columns: its first row
    scores = pd.DataFrame(
        {
            "construct": groups["construct"].array,
            "score": groups["score"].to_numpy(),
            "enterprise_id": data["enterprise_id"].take(first).array,
            "post": (phase[in_phase] == follow_up).to_numpy()[first].astype(float),
            "treated": data["treated"].astype(bool).to_numpy()[first].astype(float),
        }
    )
    return _did_rows(scores, "construct", "score", min_group_size, confidence, alpha)


def did_kpis(
    kpis: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Difference-in-differences of every KPI (one value per factory and phase).

    Same model and inference as :func:`did_constructs`, on the KPI's own units; KPIs are
    factory figures, so no respondent suppression applies (``suppressed`` is False).

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``kpi_id``, the four cell means and counts (factories), then
        :data:`DID_COLUMNS`, ``suppressed``, ``p_holm``.
    """
    data = kpis[kpis["phase"].astype(str).isin([baseline, follow_up])]
    data = data.assign(
        post=(data["phase"].astype(str) == follow_up).astype(float),
        treated=data["treated"].astype(bool).astype(float),
        value=pd.to_numeric(data["value"], errors="coerce"),
    )
    return _did_rows(data, "kpi_id", "value", 1, confidence, alpha)
