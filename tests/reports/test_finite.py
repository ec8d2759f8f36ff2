"""Non-finite values never reach a chart, table or download: a count stored as 1e308 before
every typed number had a maximum (the probe: the KPI's % change was infinite and blanked
every bar of the HTML report's KPI chart) gives an implausible KPI, which is left out of
the analysis, and nothing infinite is shown."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sqlalchemy import select

from score_impact.db.models import KpiValue, SurveyRound
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.reports.report_html import report_html
from tests.reports.conftest import _start, scope_for


@pytest.fixture(scope="module")
def legacy_rt(tmp_path_factory: pytest.TempPathFactory):
    rt = _start(tmp_path_factory.mktemp("legacy"))
    with rt.session() as s:
        # output per worker-hour is computed from this raw count (manager survey v2)
        row = s.scalars(
            select(KpiValue)
            .join(SurveyRound, SurveyRound.id == KpiValue.round_id)
            .where(KpiValue.kpi_id == "reference_good_units", SurveyRound.phase == "follow_up")
        ).first()
        row.value = 1e308  # as saved before values were capped
        s.commit()
    yield rt
    rt.engine.dispose()


def test_no_table_holds_an_infinite_number(legacy_rt):
    with legacy_rt.session() as s:
        result = build_impact_for(s, scope_for(s, "admin"), ImpactFilters())
    for name, frame in result.tables():
        numbers = frame.select_dtypes(include="number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any(), name
    output = result.kpi_changes[result.kpi_changes["kpi_id"] == "output_per_worker_hour"]
    assert (output["value_after"].dropna() < 1e12).all()  # the 1e308 row was left out


def test_the_html_kpi_chart_keeps_its_bars(legacy_rt):
    with legacy_rt.session() as s:
        html = report_html(build_impact_for(s, scope_for(s, "admin"), ImpactFilters())).decode()
    assert "nan" not in re.findall(r'width="([^"]+)"', html)
    assert "inf" not in html.lower().replace("info", "")
    assert len(re.findall(r"<rect ", html)) >= 5  # one bar per KPI with a % change
