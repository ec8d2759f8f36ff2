"""The planning page answers both questions for trainers, in English and Chinese."""

from __future__ import annotations

import math

import pytest

from analysis.power import power_clustered
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)

PAGE = "pages/power.py"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trainer_plans_a_round(open_as, lang):  # noqa: F811
    at = open_as(PAGE, "trainer.li", lang)
    assert not at.exception, at.exception
    need, mde = at.metric[0], at.metric[1]
    expected = power_clustered(6, None, delta=0.3, sd=0.7, icc=0.05, match_rate=0.6).iloc[0]
    assert int(need.value) == math.ceil(expected["workers_per_factory"])
    at.number_input(key="power_workers").set_value(80).run()
    smaller = float(at.metric[1].value)
    assert smaller < float(mde.value)  # more workers, a smaller detectable change


def test_unreachable_design_is_explained(open_as):  # noqa: F811
    at = open_as(PAGE, "trainer.li")
    at.number_input(key="power_factories").set_value(1).run()
    at.number_input(key="power_icc").set_value(0.3).run()
    assert not at.exception and at.warning


def test_brands_cannot_open_it(open_as):  # noqa: F811
    at = open_as(PAGE, "northwind")
    assert not at.exception and at.error and not at.metric
