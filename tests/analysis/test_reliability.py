"""Cronbach's alpha, checked against two independent formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import construct_reliability, cronbach_alpha, item_scores
from analysis._common import FEW_COMPLETE, FEW_ITEMS

from .conftest import make_answers

# A 6 x 4 table (respondents x items) used for the hand computations below.
TABLE = np.array(
    [[4, 5, 4, 3], [2, 3, 3, 2], [5, 5, 4, 5], [3, 3, 2, 3], [4, 4, 5, 4], [1, 2, 2, 1]],
    dtype=float,
)


def hoyt_alpha(x: np.ndarray) -> float:
    """Hoyt (1941): alpha = 1 - MS_residual / MS_persons from a two-way ANOVA without
    replication - an independent route to Cronbach's alpha."""
    n, k = x.shape
    grand = x.mean()
    ss_persons = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_items = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ms_persons = ss_persons / (n - 1)
    ms_resid = (ss_total - ss_persons - ss_items) / ((n - 1) * (k - 1))
    return 1 - ms_resid / ms_persons


def covariance_alpha(x: np.ndarray) -> float:
    """alpha = k c / (v + (k - 1) c) with c the mean inter-item covariance, v the mean variance."""
    k = x.shape[1]
    cov = np.cov(x, rowvar=False)
    v = np.diag(cov).mean()
    c = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    return k * c / (v + (k - 1) * c)


def test_alpha_equals_hoyt_and_covariance_forms():
    res = cronbach_alpha(pd.DataFrame(TABLE)).iloc[0]
    assert res["alpha"] == pytest.approx(hoyt_alpha(TABLE), rel=1e-12)
    assert res["alpha"] == pytest.approx(covariance_alpha(TABLE), rel=1e-12)
    assert res["n"] == 6 and res["n_items"] == 4


def test_listwise_deletion():
    with_gap = pd.DataFrame(np.vstack([TABLE, [np.nan, 1, 1, 1]]))
    res = cronbach_alpha(with_gap).iloc[0]
    assert res["n"] == 6
    assert res["alpha"] == pytest.approx(hoyt_alpha(TABLE), rel=1e-12)


@pytest.mark.parametrize(
    ("table", "reason"),
    [(TABLE[:, :1], FEW_ITEMS), (TABLE[:1], FEW_COMPLETE)],
)
def test_degenerate(table, reason):
    res = cronbach_alpha(pd.DataFrame(table)).iloc[0]
    assert res["not_estimable"] == reason and np.isnan(res["alpha"])


def test_construct_reliability_per_phase_uses_reverse_coding():
    ans = make_answers(n_enterprises=3, workers=20)
    out = construct_reliability(ans)
    assert list(out.columns) == ["construct", "phase", "phase_order", "n", "n_items", "alpha",
                                 "reliable", "suppressed", "not_estimable"]  # fmt: skip
    assert len(out) == 4  # 2 constructs x 2 phases
    voice = out[out["construct"] == "voice"]
    # items share one latent level; with voice_3 reversed back, alpha is clearly positive
    assert (voice["alpha"] > 0.5).all()
    assert (voice["n_items"] == 3).all()


def test_construct_reliability_suppresses_small_groups():
    ans = make_answers(n_enterprises=1, workers=4)
    out = construct_reliability(ans, min_group_size=5)
    assert out["suppressed"].all()
    assert out["alpha"].isna().all() and out["n"].isna().all()


def test_reliability_gate():
    from analysis.reliability import unreliable_constructs

    ans = make_answers(n_enterprises=3, workers=20)
    out = construct_reliability(ans, min_alpha=0.6)
    assert out["reliable"].all() and unreliable_constructs(out) == set()
    strict = construct_reliability(ans, min_alpha=0.999)
    assert unreliable_constructs(strict) == {"voice", "safety"}


def _pivot_each_group(answers: pd.DataFrame) -> pd.DataFrame:
    """The straightforward computation: a respondents x items pivot of each construct and
    phase, one group at a time, and cronbach_alpha of it."""
    scored = item_scores(answers[answers["construct"].notna()])
    rows = []
    for (construct, phase, order), part in scored.groupby(
        ["construct", "phase", "phase_order"], sort=True
    ):
        wide = part.pivot_table(index="response_id", columns="item_id", values="score",
                                aggfunc="mean")  # fmt: skip
        one = cronbach_alpha(wide).iloc[0]
        rows.append({"construct": construct, "phase": phase, "phase_order": order,
                     "n": one["n"], "n_items": one["n_items"], "alpha": one["alpha"],
                     "not_estimable": one["not_estimable"]})  # fmt: skip
    return pd.DataFrame(rows).sort_values(["construct", "phase_order"], kind="stable")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_construct_reliability_equals_a_pivot_per_group(seed):
    """On messy answers: missing answers, ties, a construct nobody answered, groups of one
    respondent, one item answered twice by the same respondent, non-integer scores."""
    answers = make_answers(n_enterprises=3, workers=6, seed=seed)
    rng = np.random.default_rng(seed)
    answers.loc[rng.random(len(answers)) < 0.15, "value"] = np.nan
    if seed % 2:
        answers["value"] = answers["value"] * 1.37
    lone = answers[answers["response_id"] == 1].assign(phase="midline", phase_order=1)
    nobody = answers.iloc[:3].assign(construct="empty", value=np.nan)
    twice = answers.iloc[:2].assign(value=2.0)
    answers = pd.concat([answers, lone, nobody, twice], ignore_index=True)
    answers = answers.sample(frac=1, random_state=seed)
    got = construct_reliability(answers, min_group_size=1)
    want = _pivot_each_group(answers)
    assert len(got) == len(want)
    for col in ("construct", "phase", "phase_order", "n", "n_items", "not_estimable"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["alpha"], want["alpha"].astype(float), rtol=1e-12)
    assert {FEW_COMPLETE, FEW_ITEMS} <= set(got["not_estimable"])
    assert got["alpha"].notna().sum() == 4  # voice and safety, both phases
