"""A KPI that did not change (0 -> 0 open audit findings) in trained factories is a
category, never a crash: the dashboard, the brand report and every download render, and
no "nan" reaches a table or a file. (With ~80 trained factories such a KPI used to make
``kpi_changes`` return ``improved = NA`` and the report crash on ``bool(pd.NA)``.)"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from score_impact.db.models import Cohort, Enterprise, KpiValue, cohort_enterprise
from score_impact.reports.export import results_csv_zip, results_xlsx
from score_impact.reports.impact import ImpactFilters
from score_impact.reports.report_html import report_html
from score_impact.reports.report_pdf import report_pdf
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)
from tests.reports.test_consistency import result_for


@pytest.fixture
def unchanged(demo):  # noqa: F811
    """The demo where every trained factory of the first cohort, and one of the second,
    had 0 open audit findings before and after, and one factory's defect rate did not
    move at all."""
    runtime = demo
    with runtime.session() as s:
        trained = s.execute(
            select(Enterprise.id, Cohort.name)
            .join(cohort_enterprise, cohort_enterprise.c.enterprise_id == Enterprise.id)
            .join(Cohort, Cohort.id == cohort_enterprise.c.cohort_id)
            .where(Cohort.is_comparison.is_(False))
            .order_by(Cohort.id, Enterprise.id)
        ).all()
        first_cohort = trained[0][1]
        zero = [e for e, c in trained if c == first_cohort] + [trained[-1][0]]
        s.execute(
            update(KpiValue)
            .where(
                KpiValue.enterprise_id.in_(zero),
                # entered as a KPI (version 1) or as the raw count it is computed from (2)
                KpiValue.kpi_id.in_(["open_audit_findings", "audit_findings_open"]),
            )
            .values(value=0.0)
        )
        for kpi_id, value in (
            ("defect_rework_rate", 4.0),  # version 1: entered as a rate
            ("units_inspected", 1000.0),  # version 2: 100 * units_failed / units_inspected
            ("units_failed", 40.0),
        ):
            s.execute(
                update(KpiValue)
                .where(KpiValue.enterprise_id == trained[1][0], KpiValue.kpi_id == kpi_id)
                .values(value=value)
            )
        s.commit()
    return runtime


def _no_nan(text: str, where: str) -> None:
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), where


@pytest.mark.parametrize(("username", "lang"), [("trainer.li", "en"), ("admin", "zh")])
def test_dashboard_renders(unchanged, open_as, username, lang):  # noqa: F811
    at = open_as("pages/dashboard.py", username, lang)
    assert not at.exception, at.exception
    assert at.metric


def test_brand_report_and_every_download_render(unchanged, open_as):  # noqa: F811
    at = open_as("pages/brand_report.py", "northwind")
    assert not at.exception, at.exception
    for username, lang in (("northwind", "en"), ("admin", "en"), ("trainer.li", "zh")):
        result = result_for(unchanged, username, ImpactFilters(lang=lang))
        zero = result.kpi_changes[
            (result.kpi_changes["kpi_id"] == "open_audit_findings")
            & (result.kpi_changes["value_before"] == 0)
        ]
        assert len(zero) and (zero["category"] == "no_meaningful_change").all()
        with zipfile.ZipFile(io.BytesIO(results_csv_zip(result))) as zf:
            for name in zf.namelist():
                _no_nan(zf.read(name).decode("utf-8-sig"), name)
        assert results_xlsx(result)[:2] == b"PK"
        _no_nan(report_html(result).decode(), "html")
        if lang == "en":  # the CJK font may be absent on a developer machine
            pdf = PdfReader(io.BytesIO(report_pdf(result)))
            _no_nan(" ".join(page.extract_text() for page in pdf.pages), "pdf")
