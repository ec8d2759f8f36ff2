"""The improvement-plan loop end to end: an action created from a finding appears in the
brand's report (HTML and Excel) next to the outcome, and never in another brand's."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from score_impact.db.models import Enterprise, User
from score_impact.reports.export import results_xlsx
from score_impact.reports.findings import findings
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.reports.report_html import report_html
from score_impact.services.actions import ActionInput, create_action
from score_impact.services.scope import scope_of
from tests.app.test_dashboard import demo  # noqa: F401  (fixture)

TITLE = "Stay interviews with every line after each payday"


def _result(rt, username: str):
    with rt.session() as s:
        scope = scope_of(s, s.scalar(select(User).where(User.username == username)))
        return build_impact_for(s, scope, ImpactFilters(), rt.settings.min_group_size)


def test_action_from_a_finding_is_listed_in_the_brand_report(demo):  # noqa: F811
    result, other = _result(demo, "northwind"), _result(demo, "lotus")
    finding = next(
        f for f in findings(result)
        if f.enterprise not in other.enterprises
    )  # fmt: skip
    with demo.session() as s:
        ent_id = s.scalar(select(Enterprise.id).where(Enterprise.name == finding.enterprise))
        create_action(
            s,
            ActionInput(ent_id, finding.outcome_id, finding.kind, TITLE, "HR officer",
                        date.today() + timedelta(days=20), finding=finding.text("en")),
            "trainer.li",
        )  # fmt: skip

    again = _result(demo, "northwind")
    html = report_html(again).decode()
    assert TITLE in html and finding.text("en") in html
    assert "no action recorded yet" in html  # the other findings say so honestly
    book = load_workbook(io.BytesIO(results_xlsx(again)), read_only=True)
    rows = list(book["actions"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Factory", "Outcome ID")  # labelled headers (export.label.*)
    assert [r for r in rows[1:] if r[5] == TITLE and r[0] == finding.enterprise]

    other = _result(demo, "lotus")
    assert TITLE not in report_html(other).decode() and other.actions.empty
