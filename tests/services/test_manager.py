"""Manager answers and KPIs: validation with clear messages, editable until the round closes."""

from __future__ import annotations

import pytest

from score_impact.services.errors import InvalidSubmission, RoundClosed
from score_impact.services.manager import (
    kpi_values,
    manager_answers,
    save_kpis,
    save_manager_answers,
)
from tests.answering import answer_items
from tests.conftest import close_round


def test_kpis_saved_edited_and_cleared(rt, world):
    """Managers enter raw counts (version 2): stored as typed, edited, cleared."""
    with rt.session() as s:
        save_kpis(
            s,
            world.manager_round_id,
            world.enterprise_ids[0],
            {"reference_hours": "4,5", "audit_findings_open": "3"},
        )
        save_kpis(
            s,
            world.manager_round_id,
            world.enterprise_ids[0],
            {"reference_hours": "3.9", "audit_findings_open": ""},
        )
        assert kpi_values(s, world.manager_round_id, world.enterprise_ids[0]) == {
            "reference_hours": 3.9
        }


@pytest.mark.parametrize(
    ("values", "code", "message"),
    [
        (
            {"units_inspected": "100", "units_failed": "150"},
            "at_most",
            'This cannot be more than "Units inspected last month" (100).',
        ),
        ({"units_failed": "-1"}, "too_small", "The number must be at least 0."),
        ({"units_failed": "abc"}, "not_a_number", "Please enter a number."),
        ({"audit_findings_open": "2.5"}, "whole_number", "Please enter a whole number."),
        ({"reference_hours": "inf"}, "not_a_number", "Please enter a number."),
        ({"defect_rate": "4"}, "unknown_item", "This question is not part of the survey."),
    ],
)
def test_invalid_kpi_changes_nothing(rt, world, values, code, message):
    ent = world.enterprise_ids[0]
    with rt.session() as s:
        save_kpis(s, world.manager_round_id, ent, {"shipments_due": "25"})
        with pytest.raises(InvalidSubmission) as err:
            save_kpis(s, world.manager_round_id, ent, {"shipments_due": "30"} | values)
        [issue] = err.value.issues
        assert (issue.code, issue.message("en")) == (code, message)
        assert kpi_values(s, world.manager_round_id, ent) == {"shipments_due": 25.0}


def test_manager_answers_replace_previous_and_lock_when_closed(rt, world):
    survey = rt.catalog.latest("manager_m1").survey
    answers = answer_items(survey.items, likert=2, yes=False)
    ent = world.enterprise_ids[1]
    with rt.session() as s:
        save_manager_answers(s, world.manager_round_id, ent, "en", answers)
        likert = next(i.id for i in survey.items if i.type.value == "likert")
        save_manager_answers(s, world.manager_round_id, ent, "zh", answers | {likert: 5})
        assert manager_answers(s, world.manager_round_id, ent)[likert] == 5
        close_round(s, world.manager_round_id)
        with pytest.raises(RoundClosed):
            save_kpis(s, world.manager_round_id, ent, {"defect_rework_rate": "2"})
