"""Power of the paired t-test pinned to R's power.t.test(type = "paired") outputs, and the
clustered (design-effect) version checked by hand."""

from __future__ import annotations

import math

import pytest

from analysis.power import design_effect, power_clustered, power_paired

from ._printed import printed


def test_power_given_n_r_output():
    """R (RPubs 192099, "Power analysis for paired-sample t-test"):
    power.t.test(delta = 0.5, sd = 0.3088401, n = 10, type = "paired")
    -> power = 0.9947832 (a direct evaluation, so all printed digits hold)."""
    row = power_paired(n=10, delta=0.5, sd=0.3088401).iloc[0]
    assert row["power"] == printed("0.9947832")


def test_n_given_power_dalgaard():
    """Dalgaard (2008), Introductory Statistics with R, sec. 8.3:
    power.t.test(delta = 10, sd = 10 * sqrt(2), power = 0.85, type = "paired")
    -> n = 19.96892. R finds n with uniroot(tol = 1.2e-4), so only about four decimals of
    its printout are the root; we solve to 1e-10."""
    row = power_paired(delta=10, sd=10 * math.sqrt(2), power=0.85).iloc[0]
    assert row["n"] == pytest.approx(19.96892, abs=2e-4)
    # the solved n gives back the power asked for
    again = power_paired(n=row["n"], delta=10, sd=10 * math.sqrt(2)).iloc[0]
    assert again["power"] == pytest.approx(0.85, abs=1e-9)


def test_delta_given_n_and_power_round_trips():
    row = power_paired(n=50, power=0.8, sd=0.7).iloc[0]
    back = power_paired(n=50, delta=row["delta"], sd=0.7).iloc[0]
    assert back["power"] == pytest.approx(0.8, abs=1e-9)
    # normal approximation (z_.975 + z_.8) sd / sqrt(n) is a little smaller than the t one
    assert row["delta"] == pytest.approx((1.959964 + 0.841621) * 0.7 / math.sqrt(50), rel=0.03)
    assert row["delta"] > (1.959964 + 0.841621) * 0.7 / math.sqrt(50)


def test_one_sided_needs_fewer_pairs():
    two = power_paired(delta=0.3, sd=1, power=0.8).iloc[0]["n"]
    one = power_paired(delta=0.3, sd=1, power=0.8, alternative="one-sided").iloc[0]["n"]
    assert one < two


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 10, "delta": 0.5, "power": 0.8},  # nothing left to solve
        {"n": 10},  # two left
        {"n": 1, "delta": 0.5},
        {"n": 10, "delta": -1},
        {"n": 10, "delta": 1, "sd": 0},
        {"delta": 1, "power": 1.2},
    ],
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        power_paired(**kwargs)


def test_clustered_by_hand():
    """8 factories x 40 workers x 75% matched = 240 pairs, 30 per factory; ICC 0.05 ->
    design effect 1 + 29 x 0.05 = 2.45 -> 240 / 2.45 effective pairs."""
    row = power_clustered(8, 40, delta=0.3, sd=0.8, icc=0.05, match_rate=0.75, power=None)
    row = row.iloc[0]
    assert row["n_pairs"] == 240
    assert row["design_effect"] == pytest.approx(2.45)
    assert row["n_effective"] == pytest.approx(240 / 2.45)
    expected = power_paired(n=240 / 2.45, delta=0.3, sd=0.8).iloc[0]["power"]
    assert row["power"] == pytest.approx(expected)
    assert design_effect(30, 0.05) == pytest.approx(2.45)


def test_clustered_workers_needed_and_minimum_detectable_change():
    need = power_clustered(8, None, delta=0.3, sd=0.8, icc=0.05, power=0.8).iloc[0]
    assert need["reachable"]
    check = power_clustered(8, need["workers_per_factory"], delta=0.3, sd=0.8, icc=0.05,
                            power=None).iloc[0]  # fmt: skip
    assert check["power"] == pytest.approx(0.8, abs=1e-6)
    mde = power_clustered(8, 40, delta=None, sd=0.8, icc=0.05, power=0.8).iloc[0]
    back = power_clustered(8, 40, delta=mde["delta"], sd=0.8, icc=0.05, power=None).iloc[0]
    assert back["power"] == pytest.approx(0.8, abs=1e-6)


def test_clustered_unreachable_with_too_few_factories():
    """Effective pairs never exceed factories / ICC = 2 / 0.2 = 10, below the ~90 pairs a
    0.3 SD change needs: no number of workers is enough."""
    row = power_clustered(2, None, delta=0.3, sd=1, icc=0.2, power=0.8).iloc[0]
    assert not row["reachable"] and math.isnan(row["workers_per_factory"])
