"""Every number a person types has a plausible maximum: checked when a definition is
published (loader, XLSForm import, admin upload), not when a stored version is read back
for its old rounds."""

from __future__ import annotations

import pytest
import yaml

from score_impact.surveys.loader import SurveyDefinitionError, load_catalog, parse_survey
from score_impact.surveys.schema import Survey

SHIPPED = load_catalog()


def _manager_definition(version: int | None = None) -> dict:
    loaded = (
        SHIPPED.latest("manager_m1")
        if version is None
        else SHIPPED.surveys[("manager_m1", version)]
    )
    return loaded.survey.model_dump(mode="json", by_alias=True)


def test_a_raw_count_without_a_maximum_is_not_published():
    raw = _manager_definition()
    del raw["kpi_inputs"][0]["max"]
    with pytest.raises(SurveyDefinitionError) as refused:
        parse_survey(yaml.safe_dump(raw, allow_unicode=True), publishing=True)
    assert "kpi input 'headcount_start': a raw count needs a plausible maximum" in str(
        refused.value
    )


def test_a_kpi_typed_without_a_maximum_is_not_published_but_its_released_version_reads():
    raw = _manager_definition(version=1)  # released before the rule: KPIs typed, no max
    assert SHIPPED.surveys[("manager_m1", 1)].survey.kpis[0].max is None
    with pytest.raises(SurveyDefinitionError) as refused:
        parse_survey(yaml.safe_dump(raw, allow_unicode=True), publishing=True)
    assert "kpi 'output_per_worker_hour': a KPI needs a plausible maximum" in str(refused.value)


def test_a_stored_version_without_maxima_still_reads():
    raw = _manager_definition()
    for kpi in raw["kpi_inputs"]:
        kpi["max"] = None
    assert Survey.model_validate(raw).kpi_inputs[0].max is None  # an old round keeps working


def test_a_number_question_needs_a_maximum_too():
    raw = _manager_definition()
    raw["sections"][0]["items"].append(
        {"id": "workers_now", "type": "number", "label": {"en": "Workers", "zh": "员工"}}
    )
    with pytest.raises(SurveyDefinitionError, match="item 'workers_now': a number question"):
        parse_survey(yaml.safe_dump(raw, allow_unicode=True), publishing=True)


def test_an_infinite_bound_is_refused():
    raw = _manager_definition()
    text = yaml.safe_dump(raw, allow_unicode=True).replace("max: 20000.0", "max: .inf", 1)
    assert ".inf" in text
    with pytest.raises(SurveyDefinitionError, match="finite number"):
        parse_survey(text, publishing=True)


def test_shipped_definitions_publish():
    assert not SHIPPED.errors
