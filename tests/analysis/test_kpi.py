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


def test_change_and_direction():
    out = kpi_changes(_kpis([10.0, 0.0, 5.0], [8.0, 1.0, 5.0]))
    assert out["change"].tolist() == [-2.0, 1.0, 0.0]
    assert out["pct_change"].iloc[0] == pytest.approx(-20.0)
    assert np.isnan(out["pct_change"].iloc[1]) and out["not_estimable"].iloc[1] == ZERO_BASELINE
    # lower is better: a fall is an improvement, a rise is not, no change is NA
    assert out["improved"].iloc[0] and not out["improved"].iloc[1]
    assert pd.isna(out["improved"].iloc[2])


def test_across_enterprises_matches_paired_t():
    # sleep data as 10 enterprises' KPI: paired t = R's t.test(..., paired = TRUE)
    out = kpi_tests(_kpis(SLEEP_1, SLEEP_2, direction="higher_is_better"))
    t = out[out["test"] == "paired t-test"].iloc[0]
    ref = paired_ttest(SLEEP_1, SLEEP_2).iloc[0]
    assert t["p"] == pytest.approx(ref["p"]) and t["n_pairs"] == 10
    assert t["improved"]
    assert set(out["test"].str.split(" (", regex=False).str[0]) == {
        "paired t-test", "Wilcoxon signed-rank"
    }  # fmt: skip


def test_too_few_enterprises_not_estimable():
    out = kpi_tests(_kpis([1.0, 2.0], [2.0, 4.0]), min_enterprises=3)
    assert out["not_estimable"].str.contains("fewer than 3 enterprises").all()
    assert out["p"].isna().all()
