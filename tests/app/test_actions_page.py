"""The improvement-plan loop through the page: a finding becomes an action, scoped."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from score_impact.db.models import ImprovementAction
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)

PAGE = "pages/actions.py"


def test_trainer_creates_an_action_from_a_finding(demo, open_as):  # noqa: F811
    at = open_as(PAGE, "trainer.li")
    assert not at.exception, at.exception
    # findings say the decision rule's category, e.g. a KPI with no meaningful change
    verdicts = ("worsened", "no meaningful change", "inconclusive")
    first = at.expander[0]
    assert any(f": {v} in " in first.label for v in verdicts), first.label
    first.text_input[0].input("Exit interviews with every leaver; results to the EIT monthly")
    first.text_input[1].input("HR officer")
    first.button[0].click()
    at.run()
    assert not at.exception, at.exception
    with demo.session() as s:
        [action] = s.scalars(select(ImprovementAction)).all()
    assert action.created_by == "trainer.li"
    assert action.finding == first.label and action.due_date == date.today() + timedelta(days=30)
    assert any(a.label == first.label for a in at.expander)


def test_invalid_action_is_explained_and_not_stored(demo, open_as):  # noqa: F811
    at = open_as(PAGE, "trainer.li")
    first = at.expander[0]
    first.text_input[1].input("Supervisor")
    first.button[0].click()
    at.run()
    assert any("title: describe the action" in e.value for e in at.error)
    with demo.session() as s:
        assert s.scalars(select(ImprovementAction)).all() == []


def test_brand_cannot_open_the_plans_page(demo, open_as):  # noqa: F811
    at = open_as(PAGE, "northwind")
    assert not at.expander and at.error
