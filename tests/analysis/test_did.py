"""Difference-in-differences with factory and phase fixed effects and few-cluster inference,
pinned to a hand computation, to pyfixest's output and to brute-force re-computations at
the respondent level (every bootstrap sample / assignment refitted from scratch)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import construct_scores, did_constructs, did_ols
from analysis._common import FEW_CLUSTERS, ZERO_VARIANCE_CHANGE
from analysis.did import _WEBB, DRAWS, MAX_ENUMERATION, SEED, _assignments, did_kpis

from .conftest import make_answers

# A small balanced panel: 4 factories x 2 phases x 2 workers.
HAND = {
    ("A", 1): ([3, 4], [4, 5]),  # treated: before mean 3.5, after 4.5, change 1.0
    ("B", 1): ([2, 3], [4, 4]),  # treated: 2.5 -> 4.0, change 1.5
    ("C", 0): ([3, 3], [3, 4]),  # comparison: 3.0 -> 3.5, change 0.5
    ("D", 0): ([4, 5], [4, 4]),  # comparison: 4.5 -> 4.0, change -0.5
}

# 6 factories (4 trained, 2 comparison), unbalanced cells (3 or 4 workers).
SIX = {
    (0, 0): [3.0, 3.7, 3.6], (0, 1): [3.4, 3.5, 3.4, 3.9],
    (1, 0): [3.1, 3.5, 2.2, 3.9], (1, 1): [3.7, 4.1, 3.7],
    (2, 0): [3.0, 3.4, 3.6], (2, 1): [3.7, 3.8, 4.2, 3.4],
    (3, 0): [2.5, 3.5, 3.0, 2.3], (3, 1): [3.5, 3.7, 3.4],
    (4, 0): [2.7, 3.4, 3.8], (4, 1): [3.6, 3.3, 3.9, 4.1],
    (5, 0): [3.3, 3.8, 4.0, 3.4], (5, 1): [3.4, 4.0, 3.9],
}  # fmt: skip


def _hand_frame() -> pd.DataFrame:
    rows = []
    for (g, tr), phases in HAND.items():
        for post, values in enumerate(phases):
            rows += [{"score": v, "treated": tr, "post": post, "enterprise_id": g} for v in values]
    return pd.DataFrame(rows)


def _six_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"score": y, "treated": int(g < 4), "post": post, "enterprise_id": g}
            for (g, post), ys in SIX.items()
            for y in ys
        ]
    )


def test_hand_computation_on_a_balanced_panel():
    """By hand: h = 2*2/4 = 1 for every factory, so the estimate is
    mean(1.0, 1.5) - mean(0.5, -0.5) = 1.25. Residual changes -0.25, 0.25 | 0.5, -0.5;
    CR1 variance c (0.125/2^2 + 0.5/2^2) = c 0.15625 with c = G/(G-1) (N-1)/(N-3) =
    4/3 * 15/13 = 20/13, so se = sqrt(3.125/13) and t = 1.25 / se = 2.5495.
    Randomisation: the 6 ways to pick 2 trained factories give |t| = 2.5495 (observed
    and its mirror {C, D}), 0.9487 ({A, D}, {B, C}) and 0.2765 ({A, C}, {B, D}), so
    p_ri = 2/6 and the smallest attainable p is 2/6 too: too few factories to tell."""
    res = did_ols(_hand_frame()).iloc[0]
    se = math.sqrt(3.125 / 13)
    assert res["estimate"] == pytest.approx(1.25, rel=1e-12)
    assert res["se"] == pytest.approx(se, rel=1e-12)
    assert res["statistic"] == pytest.approx(1.25 / se, rel=1e-12)
    assert res["df"] == 3 and res["n"] == 16 and res["n_clusters"] == 4
    assert res["assignments"] == 6 and res["ri_exact"]
    assert res["p_ri"] == pytest.approx(2 / 6) and res["p_min"] == pytest.approx(2 / 6)
    assert not res["can_tell"]
    assert res["not_estimable"] is None


def test_matches_pyfixest():
    """pyfixest 0.60.0 (run outside this project, see analysis/did.py):
    feols("score ~ tp | enterprise_id + post", vcov={"CRV1": "enterprise_id"}) ->
    Estimate 0.197916666667, Std. Error 0.172630768438, t 1.146473878656,
    Pr(>|t|) 0.303485416699, 2.5% -0.245844850952, 97.5% 0.641678184286;
    wildboottest(param="tp", weights_type="rademacher") (full enumeration, 2^6 = 64)
    -> Pr(>|t|) 0.40625 = 26/64. pyfixest counts bootstrap |t| strictly above the
    observed; we count ties too (the weights +1 and -1 for every factory reproduce the
    observed |t| exactly), so ours is 28/64."""
    res = did_ols(_six_frame()).iloc[0]
    assert res["estimate"] == pytest.approx(0.197916666667, abs=1e-11)
    assert res["se"] == pytest.approx(0.172630768438, abs=1e-11)
    assert res["statistic"] == pytest.approx(1.146473878656, abs=1e-10)
    assert res["p"] == pytest.approx(0.303485416699, abs=1e-11)
    assert res["ci_low"] == pytest.approx(-0.245844850952, abs=1e-11)
    assert res["ci_high"] == pytest.approx(0.641678184286, abs=1e-11)
    rad = did_ols(_six_frame(), wild_weights="rademacher").iloc[0]
    assert rad["p_wild"] == pytest.approx(0.40625 + 2 / 64)


def _cluster_t(y, x, groups, col):
    """t of column ``col`` of an individual-level OLS with CR1 errors (no shortcuts)."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    u = y - x @ beta
    bread = np.linalg.pinv(x.T @ x)
    meat = sum(np.outer(x[groups == g].T @ u[groups == g], x[groups == g].T @ u[groups == g])
               for g in np.unique(groups))  # fmt: skip
    return beta[col] / math.sqrt((bread @ meat @ bread)[col, col])


def _design(d: pd.DataFrame, treated_ids) -> np.ndarray:
    dummies = pd.get_dummies(d["enterprise_id"]).to_numpy(float)
    tp = d["enterprise_id"].isin(treated_ids).to_numpy(float) * d["post"].to_numpy(float)
    return np.column_stack([dummies, d["post"].to_numpy(float), tp])


def test_wild_bootstrap_equals_brute_force_refits():
    """Every one of the 6^6 = 46,656 > 10,000 Webb vectors is too many, so brute force
    uses Rademacher (64) and Webb on the first 4 factories' panel (6^4 = 1,296): each
    bootstrap sample y* = restricted fit + w_g * restricted residual is refitted at the
    respondent level and its CR1 t compared with the observed one."""
    for frame, kind in ((_six_frame(), "rademacher"), (_hand_frame(), "webb")):
        y = frame["score"].to_numpy(float)
        groups = frame["enterprise_id"].to_numpy()
        treated_ids = frame.loc[frame["treated"] == 1, "enterprise_id"].unique()
        x = _design(frame, treated_ids)
        t_obs = _cluster_t(y, x, groups, -1)
        xr = x[:, :-1]
        beta_r, *_ = np.linalg.lstsq(xr, y, rcond=None)
        fitted, resid = xr @ beta_r, y - xr @ beta_r
        ids = list(pd.unique(groups))
        values = _WEBB if kind == "webb" else np.array([-1.0, 1.0])
        hits = total = 0
        for w in itertools.product(values, repeat=len(ids)):
            weight = np.array(w)[[ids.index(g) for g in groups]]
            t_star = _cluster_t(fitted + weight * resid, x, groups, -1)
            hits += abs(t_star) >= abs(t_obs) * (1 - 1e-10)
            total += 1
        res = did_ols(frame, wild_weights=kind).iloc[0]
        assert res["p_wild"] == pytest.approx(hits / total, abs=1e-12), kind


def test_randomisation_p_equals_brute_force_refits():
    """All C(6, 4) = 15 assignments of 4 trained factories, each refitted by statsmodels
    OLS with factory dummies and cluster-robust errors (its small-sample factor differs
    from ours by a constant, which cancels in the comparison of |t|)."""
    frame = _six_frame()
    groups = frame["enterprise_id"].to_numpy()
    t_of = {}
    for chosen in itertools.combinations(range(6), 4):
        fit = sm.OLS(frame["score"].to_numpy(float), _design(frame, chosen)).fit(
            cov_type="cluster", cov_kwds={"groups": groups}
        )
        t_of[chosen] = fit.tvalues[-1]
    observed = abs(t_of[(0, 1, 2, 3)])
    expected = np.mean([abs(t) >= observed * (1 - 1e-10) for t in t_of.values()])
    res = did_ols(frame).iloc[0]
    assert res["p_ri"] == pytest.approx(expected, abs=1e-12)
    assert res["p_min"] == pytest.approx(1 / 15) and not res["can_tell"]


def test_cluster_se_equals_statsmodels_up_to_the_parameter_count():
    """statsmodels counts every factory dummy in K (N - 1)/(N - K); fixest (and we) count
    3 parameters, because factory effects are nested in the clusters."""
    ans = make_answers(n_enterprises=8, workers=15, treated_share=0.5, shift=0.5, seed=5)
    scores = (
        ans[ans["construct"] == "voice"]
        .groupby(["response_id", "enterprise_id", "treated", "phase"], as_index=False)["value"]
        .mean()
    )
    frame = scores.assign(post=(scores["phase"] == "follow_up").astype(float),
                          treated=scores["treated"].astype(float)).rename(
                              columns={"value": "score"})  # fmt: skip
    treated_ids = frame.loc[frame["treated"] == 1, "enterprise_id"].unique()
    x = _design(frame, treated_ids)
    fit = sm.OLS(frame["score"].to_numpy(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": frame["enterprise_id"].to_numpy()}
    )
    n, k = len(frame), x.shape[1]
    res = did_ols(frame).iloc[0]
    assert res["estimate"] == pytest.approx(fit.params[-1], rel=1e-10)
    assert res["se"] == pytest.approx(fit.bse[-1] * math.sqrt((n - k) / (n - 3)), rel=1e-10)


def test_many_factories_draw_assignments_reproducibly():
    """C(20, 10) = 184,756 assignments > 10,000: 9,999 seeded draws plus the observed."""
    rng = np.random.default_rng(1)
    rows = [
        {"score": 3 + 0.3 * (g < 10) * post + rng.normal(0, 0.5), "treated": int(g < 10),
         "post": post, "enterprise_id": g}
        for g in range(20) for post in (0, 1) for _ in range(5)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    first, again = did_ols(frame).iloc[0], did_ols(frame).iloc[0]
    assert not first["ri_exact"] and first["assignments"] == math.comb(20, 10)
    assert first["p_min"] == pytest.approx(1 / 10_000)
    assert first["p_ri"] == again["p_ri"] and first["p_wild"] == again["p_wild"]
    assert first["wild_weights"] == "rademacher" and first["can_tell"]


def test_needs_two_factories_on_each_side():
    frame = _six_frame()
    one_comparison = frame[frame["enterprise_id"] != 5]
    res = did_ols(one_comparison).iloc[0]
    assert res["not_estimable"] == FEW_CLUSTERS and np.isnan(res["estimate"])
    assert res["n_control_clusters"] == 1 and not res["can_tell"]


def test_did_constructs_detects_the_training_effect():
    ans = make_answers(n_enterprises=8, workers=15, treated_share=0.5, shift=0.8, seed=2)
    out = did_constructs(ans)
    assert set(out["construct"]) == {"voice", "safety"}
    assert (out["estimate"] > 0.3).all()
    # 4 vs 4 factories: 70 assignments, |t| ties in pairs -> smallest p 2/70
    assert np.allclose(out["p_min"], 2 / 70) and out["can_tell"].all()
    assert np.allclose(out["p_ri"], 2 / 70)
    assert not out["suppressed"].any()
    assert (out["p_holm"] >= np.fmax(out["p_ri"], out["p_wild"])).all()


def test_did_constructs_suppresses_small_cells():
    ans = make_answers(n_enterprises=4, workers=3, treated_share=0.5)
    out = did_constructs(ans, min_group_size=10)
    assert out["suppressed"].all() and out["estimate"].isna().all()
    assert out["p_holm"].isna().all()


def test_did_kpis_including_an_unchanged_kpi():
    rows = []
    for g in range(6):
        for phase, post in (("baseline", 0), ("follow_up", 1)):
            rows.append(
                {
                    "enterprise_id": g,
                    "kpi_id": "defects",
                    "phase": phase,
                    "treated": g < 4,
                    "value": 10 - 2 * post * (g < 4) + g % 3 * post,
                }
            )
            rows.append({"enterprise_id": g, "kpi_id": "open_findings", "phase": phase,
                         "treated": g < 4, "value": 0.0})  # fmt: skip
    out = did_kpis(pd.DataFrame(rows)).set_index("kpi_id")
    assert out.loc["defects", "n_clusters"] == 6
    assert out.loc["open_findings", "not_estimable"] == ZERO_VARIANCE_CHANGE
    assert not out["suppressed"].any()


def _assignments_one_by_one(g_count: int, n_treated: int) -> np.ndarray:
    """Every assignment, one row per itertools.combinations tuple."""
    out = np.zeros((math.comb(g_count, n_treated), g_count), dtype=bool)
    for row, chosen in enumerate(itertools.combinations(range(g_count), n_treated)):
        out[row, list(chosen)] = True
    return out


@pytest.mark.parametrize("g_count", [0, 1, 2, 5, 9, 14])
def test_enumerated_assignments_equal_the_combinations_one_by_one(g_count):
    for n_treated in range(g_count + 1):
        got, exact, total = _assignments(g_count, n_treated, MAX_ENUMERATION, DRAWS, SEED)
        assert exact and total == math.comb(g_count, n_treated)
        np.testing.assert_array_equal(got, _assignments_one_by_one(g_count, n_treated))
        assert not got.flags.writeable  # shared between calls: nobody may change it


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_did_constructs_equals_did_ols_of_each_construct(seed):
    """The scores did_constructs reads column by column are construct_scores' scores:
    each construct's row is did_ols (and the cell means) of its scored respondents, on
    messy answers (missing answers, a small comparison factory, an unscored construct)."""
    answers = make_answers(n_enterprises=6, workers=7, treated_share=0.5, seed=seed)
    rng = np.random.default_rng(seed)
    answers.loc[rng.random(len(answers)) < 0.2, "value"] = np.nan
    answers = answers[~((answers["enterprise_id"] == 5) & (answers["response_id"] % 3 == 0))]
    answers = answers.sample(frac=1, random_state=seed)
    got = did_constructs(answers, min_group_size=2).set_index("construct")
    scores = construct_scores(answers)
    scores = scores[scores["scored"]]
    for construct, part in scores.groupby("construct"):
        part = part.assign(post=(part["phase"] == "follow_up").astype(float),
                           treated=part["treated"].astype(float))  # fmt: skip
        want = did_ols(part).iloc[0]
        for col in ("estimate", "se", "p", "p_wild", "p_ri", "n", "n_clusters"):
            assert got.loc[construct, col] == pytest.approx(want[col], rel=1e-12, nan_ok=True)
        cells = part.groupby(["treated", "post"])["score"].mean()
        assert got.loc[construct, "mean_treated_after"] == pytest.approx(cells.loc[(1.0, 1.0)])
    assert set(got.index) == set(scores["construct"])
