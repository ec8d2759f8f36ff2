"""Staff in a real browser: a trainer watches the live count rise while a tablet submits;
a brand downloads its Excel report, which holds only its own factories."""

from __future__ import annotations

import re
import time

from openpyxl import load_workbook
from sqlalchemy import select

from score_impact.db.engine import make_engine, session_factory
from score_impact.db.models import AuditEvent
from score_impact.i18n import t
from tests.e2e.conftest import AppServer, settle, shot
from tests.e2e.test_worker_survey import complete_worker_survey

EN = "en"


def sign_in(browser, app_server: AppServer, username: str, password: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{app_server.base_url}/login")
    page.get_by_role("textbox", name=t("login.username", EN)).fill(username)
    page.get_by_role("textbox", name=t("login.password", EN)).fill(password)
    page.get_by_role("button", name=t("login.submit", EN)).click()
    page.get_by_text(re.compile(r"^Signed in as")).first.wait_for()
    settle(page)
    return context, page


def follow_up_count(page) -> int:  # noqa: ANN001
    label = t("impact.responses_in", EN, phase=t("phase.follow_up", EN))
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_trainer_sees_the_live_count_rise(browser, tablet, app_server: AppServer) -> None:  # noqa: ANN001
    context, page = sign_in(browser, app_server, "trainer.li", "demo-trainer-2026")
    try:
        page.get_by_role("link", name=t("nav.dashboard", EN)).click()
        page.get_by_role("heading", name=t("impact.dashboard_title", EN)).wait_for()
        settle(page)
        before = follow_up_count(page)
        shot(page, "trainer-1-dashboard")
        complete_worker_survey(tablet, app_server.base_url)  # a tablet of trainer.li's cohort
        deadline = time.monotonic() + 60  # the fragment refreshes every 10 s, cache TTL 10 s
        while follow_up_count(page) == before and time.monotonic() < deadline:
            page.wait_for_timeout(1000)
        assert follow_up_count(page) == before + 1  # no reload: the live fragment updated
        shot(page, "trainer-2-count-rose")
    finally:
        context.close()


def test_brand_downloads_its_excel_report(browser, app_server: AppServer, tmp_path) -> None:  # noqa: ANN001
    context, page = sign_in(browser, app_server, "northwind", "demo-brand-2026")
    try:
        page.get_by_role("link", name=t("nav.brand_report", EN)).click()
        button = page.get_by_role("button", name="Excel", exact=True)
        button.wait_for()
        settle(page)
        shot(page, "brand-1-report")
        with page.expect_download() as info:
            button.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        book = load_workbook(path, read_only=True)
        assert book.sheetnames[0] == "Summary" and len(book.sheetnames) > 3
        text = " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
            for cell in row if cell is not None
        )  # fmt: skip
        assert "Dongguan Evergreen Garments" in text  # a Northwind supplier
        for other in ("Shenzhen Brightway Components", "Binh Duong Precision Parts"):
            assert other not in text  # Lotus Electronics' suppliers only
        with session_factory(make_engine(app_server.database_url))() as s:
            taken = s.scalars(select(AuditEvent).where(AuditEvent.action == "download")).all()
        assert [(e.username, e.detail["format"], e.detail["role"]) for e in taken] == [
            ("northwind", "xlsx", "brand")
        ]  # who took which file, with their scope
    finally:
        context.close()
