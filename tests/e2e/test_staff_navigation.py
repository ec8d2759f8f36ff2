"""Staff in a real browser: after signing in, the sidebar lists the router's pages for the
role (app.py ``PAGES``), never Streamlit's automatic listing of every file in pages/."""

from __future__ import annotations

from score_impact.i18n import t
from tests.e2e.conftest import AppServer, settle

# Router pages a trainer may open (app.py PAGES); helper modules must never be links.
NOT_PAGES = {
    "common", "auth", "widgets", "impact view", "impact panels", "kiosk screens", "kiosk start",
    "admin audit",
}  # fmt: skip


def test_a_signed_in_trainer_sees_only_the_router_pages(browser, app_server: AppServer) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{app_server.base_url}/login")
        page.get_by_role("textbox", name=t("login.username", "en")).fill("trainer.li")
        page.get_by_role("textbox", name=t("login.password", "en")).fill("demo-trainer-2026")
        page.get_by_role("button", name=t("login.submit", "en")).click()
        page.get_by_text("Li Wei").first.wait_for()
        settle(page)
        page.wait_for_timeout(1500)
        links = {
            text.split("\n")[-1].strip() for text in page.get_by_role("link").all_inner_texts()
        }
        assert not links & NOT_PAGES  # pages/common.py leaves pages-directory mode
        assert t("nav.dashboard", "en") in links
    finally:
        context.close()
