"""KPI change per enterprise and paired tests across enterprises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import kpi_changes, kpi_tests, paired_ttest
from analysis._common import ZERO_BASELINE

from .test_parametric import SLEEP_1, SLEEP_2


def _kpis(before, after, kpi_id="defect_rate", direction="lower_is_better"):
    rows = []
    for e, (b, a) in enumerate(zip(before, after, strict=True)):
        for order, (phase, value) in enumerate((("baseline", b), ("follow_up", a))):
            rows.append(
                {"enterprise_id": e, "enterprise": f"F{e}", "cohort_id": e % 2,
                 "cohort": f"C{e % 2}", "module": "quality", "treated": True, "phase": phase,
                 "phase_order": order, "kpi_id": kpi_id, "value": value,
                 "direction": direction, "unit": "%", "label": kpi_id,
                 "stakeholder": "supplier"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_change_direction_and_category_on_the_factorys_own_figures():
    out = kpi_changes(_kpis([10.0, 0.0, 5.0, 20.0, 0.0], [8.0, 1.0, 5.0, 19.5, 0.0]), lang="en")
    assert out["change"].tolist() == [-2.0, 1.0, 0.0, -0.5, 0.0]
    assert out["pct_change"].iloc[0] == pytest.approx(-20.0)
    assert np.isnan(out["pct_change"].iloc[1]) and out["not_estimable"].iloc[1] == ZERO_BASELINE
    # lower is better: a fall beyond 5% of the baseline is an improvement, any rise from 0
    # is beyond a 0 bound, a fall of 2.5% is no meaningful change, 0 -> 0 is no change
    assert out["category"].tolist() == [
        "improved", "worsened", "no_meaningful_change", "no_meaningful_change",
        "no_meaningful_change",
    ]  # fmt: skip
    assert (out["basis"] == "factory_figures").all()
    assert out["sentence"].iloc[4].startswith("defect_rate: no meaningful change")
    assert out["sentence"].iloc[1].startswith("defect_rate worsened: from 0.00 to 1.00")


def test_across_enterprises_matches_paired_t():
    # sleep data as 10 enterprises' KPI: paired t = R's t.test(..., paired = TRUE)
    out = kpi_tests(_kpis(SLEEP_1, SLEEP_2, direction="higher_is_better"))
    t = out[out["test"] == "paired t-test"].iloc[0]
    ref = paired_ttest(SLEEP_1, SLEEP_2).iloc[0]
    assert t["p"] == pytest.approx(ref["p"]) and t["n_pairs"] == 10
    assert set(out["test"].str.split(" (", regex=False).str[0]) == {
        "sign-flip", "paired t-test", "Wilcoxon signed-rank"
    }  # fmt: skip
    head = out[out["primary"]].iloc[0]
    assert head["test"] == "sign-flip (exact)" and head["category"] == "improved"
    assert head["p_min"] == pytest.approx(2 / 2**9)  # one sleep difference is 0
    assert out.loc[~out["primary"], "category"].isna().all()


def test_too_few_enterprises_not_estimable():
    out = kpi_tests(_kpis([1.0, 2.0], [2.0, 4.0]), min_enterprises=3)
    assert out["not_estimable"].str.contains("fewer than 3 enterprises").all()
    assert out["p"].isna().all()


def test_sign_flip_reproduces_fishers_zea_mays_randomisation():
    """Fisher (1935), The Design of Experiments, sec. 21: Darwin's 15 pairs of Zea mays
    (height differences in eighths of an inch); 863 of the 2^15 = 32,768 sign patterns
    give a sum at least the observed 314, so the two-sided p is 1,726 / 32,768 = 0.0527."""
    from analysis.nonparametric import sign_flip_p

    d = [49, -67, 8, 16, 6, 23, 28, 41, 14, 29, 56, 24, 75, 60, -48]
    p, p_min, exact = sign_flip_p(d)
    assert exact and p == 1726 / 32768 and p_min == 2 / 32768


def test_sign_flip_equals_an_independent_enumeration():
    import itertools

    from analysis.nonparametric import sign_flip_test

    before, after = [3.0, 5.0, 2.0, 8.0, 4.0, 6.0], [4.0, 5.5, 4.0, 7.0, 6.0, 9.0]
    d = [a - b for a, b in zip(after, before, strict=True)]
    hits = sum(abs(sum(s * x for s, x in zip(signs, d, strict=True))) >= abs(sum(d)) - 1e-12
               for signs in itertools.product((-1, 1), repeat=6))  # fmt: skip
    row = sign_flip_test(before, after).iloc[0]
    assert row["p"] == hits / 64 and row["p_min"] == 2 / 64


def test_an_unchanged_kpi_everywhere_is_a_category_not_a_crash():
    out = kpi_tests(_kpis([0.0] * 6, [0.0] * 6, kpi_id="open_audit_findings"))
    head = out[out["primary"]].iloc[0]
    assert head["category"] == "not_estimable"
    assert head["not_estimable"] == "no factory's value changed"
    assert "nan" not in " ".join(out["sentence"]).lower()
