"""Difference-in-differences: point estimate = 2x2 difference of cell means; cluster SE
checked against the explicit sandwich formula (Stata vce(cluster) small-sample factor)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import did_constructs, did_ols
from analysis._common import FEW_CLUSTERS

from .conftest import make_answers


def _panel(seed=3, clusters=8, per=12):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(clusters):
        treated = g < clusters // 2
        effect = rng.normal(0, 0.3)
        for post in (0, 1):
            for _ in range(per + g):  # unbalanced on purpose
                y = 3 + effect + 0.2 * post + 0.4 * treated * post + rng.normal(0, 0.5)
                rows.append({"score": y, "treated": treated, "post": post, "enterprise_id": g})
    return pd.DataFrame(rows)


def test_point_estimate_is_the_2x2_difference_of_means():
    d = _panel()
    m = d.groupby(["treated", "post"])["score"].mean()
    by_hand = (m[(True, 1)] - m[(True, 0)]) - (m[(False, 1)] - m[(False, 0)])
    assert did_ols(d)["estimate"].iloc[0] == pytest.approx(by_hand, rel=1e-10)


def test_cluster_robust_se_by_explicit_sandwich():
    d = _panel()
    y = d["score"].to_numpy()
    tr = d["treated"].astype(float).to_numpy()
    po = d["post"].astype(float).to_numpy()
    x = np.column_stack([np.ones(len(d)), tr, po, tr * po])
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    u = y - x @ beta
    meat = np.zeros((4, 4))
    for g in d["enterprise_id"].unique():
        idx = (d["enterprise_id"] == g).to_numpy()
        s = x[idx].T @ u[idx]
        meat += np.outer(s, s)
    n, k, groups = len(d), 4, d["enterprise_id"].nunique()
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    se = np.sqrt(factor * (bread @ meat @ bread)[3, 3])
    p = 2 * stats.t.sf(abs(beta[3] / se), groups - 1)
    res = did_ols(d).iloc[0]
    assert res["se"] == pytest.approx(se, rel=1e-10)
    assert res["p"] == pytest.approx(p, rel=1e-10)
    assert res["df"] == groups - 1
    q = stats.t.ppf(0.975, groups - 1)
    assert res["ci_low"] == pytest.approx(beta[3] - q * se, rel=1e-10)


def test_needs_comparison_enterprises():
    d = _panel()
    res = did_ols(d[d["treated"]]).iloc[0]
    assert res["not_estimable"] == FEW_CLUSTERS and np.isnan(res["estimate"])


def test_did_constructs_detects_the_training_effect():
    ans = make_answers(n_enterprises=8, workers=15, treated_share=0.5, shift=0.8, seed=2)
    out = did_constructs(ans)
    assert set(out["construct"]) == {"voice", "safety"}
    assert (out["estimate"] > 0.3).all() and (out["p"] < 0.05).all()
    assert not out["suppressed"].any()


def test_did_constructs_suppresses_small_cells():
    ans = make_answers(n_enterprises=4, workers=3, treated_share=0.5)
    out = did_constructs(ans, min_group_size=10)
    assert out["suppressed"].all() and out["estimate"].isna().all()
