"""Improvement actions: validated, linked to a finding, overdue ones found."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from score_impact.db.models import ActionStatus
from score_impact.services.actions import (
    ActionInput,
    InvalidAction,
    actions_for,
    by_outcome,
    create_action,
    overdue,
    update_action,
)
from score_impact.services.errors import AccessDenied

TODAY = date(2026, 6, 1)


def action(world, **change) -> ActionInput:
    base = dict(
        enterprise_id=world.enterprise_ids[0],
        outcome_id="communication_voice",
        outcome_kind="construct",
        title="Weekly 10-minute line meeting where supervisors answer suggestions",
        responsible_role="Production manager",
        due_date=TODAY + timedelta(days=30),
        finding="Voice & communication: no detectable change in Alpha Garments",
    )
    return ActionInput(**(base | change))


def test_create_from_finding_and_group_by_outcome(rt, world):
    with rt.session() as s:
        a = create_action(s, action(world), "trainer1", today=TODAY)
        create_action(
            s,
            action(
                world, outcome_id="defect_rework_rate", outcome_kind="kpi", title="Quality circle"
            ),
            "trainer1",
            today=TODAY,
        )
        create_action(s, action(world, enterprise_id=world.enterprise_ids[1]), "t", today=TODAY)
        mine = actions_for(s, [world.enterprise_ids[0]])
    assert a.finding.startswith("Voice & communication: no detectable change")
    assert len(mine) == 2 and all(x.enterprise_id == world.enterprise_ids[0] for x in mine)
    grouped = by_outcome(mine)
    assert [x.title for x in grouped[(world.enterprise_ids[0], "communication_voice")]] == [a.title]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "  "}, "title: describe the action"),
        ({"responsible_role": ""}, "responsible role"),
        ({"outcome_kind": "mood"}, "outcome kind"),
        ({"due_date": TODAY - timedelta(days=1)}, "due date: must not be in the past"),
        ({"enterprise_id": 999}, "enterprise: unknown"),
    ],
)
def test_invalid_actions_store_nothing(rt, world, change, problem):
    with rt.session() as s:
        with pytest.raises(InvalidAction) as err:
            create_action(s, action(world, **change), "t", today=TODAY)
        assert any(problem in p for p in err.value.problems)
        assert actions_for(s, world.enterprise_ids) == []


def test_overdue_are_open_actions_past_due(rt, world):
    with rt.session() as s:
        late = create_action(s, action(world, due_date=TODAY), "t", today=TODAY)
        done = create_action(s, action(world, due_date=TODAY), "t", today=TODAY)
        update_action(
            s, done.id, world.enterprise_ids, status=ActionStatus.DONE, notes="Meetings since May"
        )
        with pytest.raises(AccessDenied):  # another enterprise's user cannot touch it
            update_action(s, late.id, [world.other_enterprise_id], status=ActionStatus.DROPPED)
        later = create_action(
            s, action(world, due_date=TODAY + timedelta(days=90)), "t", today=TODAY
        )
        found = overdue(actions_for(s, world.enterprise_ids), TODAY + timedelta(days=1))
    assert [a.id for a in found] == [late.id]
    assert later.id not in [a.id for a in found]
