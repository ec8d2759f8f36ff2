"""Holm and Benjamini-Hochberg, checked against their definitions and published examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import adjust_pvalues
from analysis.multicomp import grouped_p_adjust, p_adjust

# Benjamini & Hochberg (1995), section 4: 15 p-values from a clinical trial. At q = 0.05
# BH rejects the 4 smallest; Holm (like Bonferroni there) rejects the 3 smallest.
BH95 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
        0.4262, 0.5719, 0.6528, 0.7590, 1.0000]  # fmt: skip


def holm_by_definition(p):
    """max over j <= i of (m - j + 1) p_(j), capped at 1 (Holm 1979)."""
    m = len(p)
    order = np.argsort(p)
    out = np.empty(m)
    for i, idx in enumerate(order):
        out[idx] = min(1, max((m - j) * p[order[j]] for j in range(i + 1)))
    return out


def bh_by_definition(p):
    """min over j >= i of m p_(j) / j, capped at 1 (Benjamini & Hochberg 1995)."""
    m = len(p)
    order = np.argsort(p)
    out = np.empty(m)
    for i, idx in enumerate(order):
        out[idx] = min(1, min(m * p[order[j]] / (j + 1) for j in range(i, m)))
    return out


def test_bh1995_rejections():
    res = adjust_pvalues(BH95)
    assert (res["p_bh"] <= 0.05).sum() == 4
    assert (res["p_holm"] <= 0.05).sum() == 3


@pytest.mark.parametrize(
    ("p", "holm", "bh"),
    [
        # by hand: R p.adjust(c(.01,.02,.03,.04,.05), "holm") -> .05 .08 .09 .09 .09
        #                                             "BH"   -> .05 .05 .05 .05 .05
        ([0.01, 0.02, 0.03, 0.04, 0.05], [0.05, 0.08, 0.09, 0.09, 0.09], [0.05] * 5),
        # NA is left out of the family (R drops NAs before counting): m = 2
        ([0.02, np.nan, 0.04], [0.04, np.nan, 0.04], [0.04, np.nan, 0.04]),
        ([0.6, 0.9], [1.0, 1.0], [0.9, 0.9]),
    ],
)
def test_small_cases_by_hand(p, holm, bh):
    res = adjust_pvalues(p)
    np.testing.assert_allclose(res["p_holm"], holm, rtol=1e-12)
    np.testing.assert_allclose(res["p_bh"], bh, rtol=1e-12)


def test_bh1995_against_definition():
    p = np.array(BH95)
    np.testing.assert_allclose(p_adjust(p, "holm"), holm_by_definition(p), rtol=1e-12)
    np.testing.assert_allclose(p_adjust(p, "bh"), bh_by_definition(p), rtol=1e-12)


@given(st.lists(st.tuples(st.integers(0, 3), st.floats(1e-6, 1.0)), min_size=1, max_size=30))
def test_grouped_equals_per_family(pairs):
    fam = pd.Series([f for f, _ in pairs])
    p = pd.Series([v for _, v in pairs])
    res = grouped_p_adjust(p, fam)
    for f in fam.unique():
        mask = (fam == f).to_numpy()
        np.testing.assert_allclose(res["p_holm"][mask], p_adjust(p[mask], "holm"), rtol=1e-12)
        np.testing.assert_allclose(res["p_bh"][mask], p_adjust(p[mask], "bh"), rtol=1e-12)
