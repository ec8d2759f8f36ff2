"""Staff sessions in a real browser: a trainer signs in, switches to Chinese, reloads and
opens a second tab, still signed in (and still in Chinese); signs out in one tab, and the
other tab is signed out at its next action; a reload then says so in Chinese instead of
Streamlit's "Page not found"."""

from __future__ import annotations

from score_impact.i18n import t
from tests.e2e.conftest import AppServer, settle, shot

EN, ZH = "en", "zh"


def heading(page, text: str) -> None:  # noqa: ANN001
    page.get_by_role("heading", name=text, exact=True).wait_for()
    settle(page)


def assert_no_page_not_found(page) -> None:  # noqa: ANN001
    assert page.get_by_text("Page not found").count() == 0


def test_session_survives_reload_and_tabs_and_sign_out_reaches_the_other_tab(
    browser,  # noqa: ANN001
    app_server: AppServer,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    base = app_server.base_url
    try:
        page.goto(f"{base}/login")
        page.get_by_role("textbox", name=t("login.username", EN)).fill("trainer.li")
        page.get_by_role("textbox", name=t("login.password", EN)).fill("demo-trainer-2026")
        page.get_by_role("button", name=t("login.submit", EN)).click()
        page.get_by_text("Li Wei").first.wait_for()
        settle(page)
        cookie = next(c for c in context.cookies() if c["name"] == "score_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        page.get_by_role("radio", name="中文", exact=True).click()  # sidebar language switch
        settle(page)
        page.get_by_role("link", name=t("nav.dashboard", ZH)).click()
        heading(page, t("impact.dashboard_title", ZH))

        page.reload()  # F5 on a live dashboard: still signed in, still in Chinese
        heading(page, t("impact.dashboard_title", ZH))
        assert_no_page_not_found(page)
        shot(page, "session-1-after-reload")

        second = context.new_page()  # a second tab, or a bookmark
        second.goto(f"{base}/dashboard")
        heading(second, t("impact.dashboard_title", ZH))

        second.get_by_role("button", name=t("login.logout", ZH)).click()
        second.get_by_text(t("login.signed_out", ZH)).wait_for()
        assert not [c for c in context.cookies() if c["name"] == "score_session"]

        # The first tab still has its page (and its old connection); its next action
        # finds the session ended.
        page.get_by_role("link", name=t("nav.actions", ZH)).click()
        page.get_by_text(t("login.signed_out", ZH)).wait_for()
        assert page.get_by_role("link", name=t("nav.dashboard", ZH)).count() == 0
        assert_no_page_not_found(page)
        shot(page, "session-2-signed-out-elsewhere")

        page.goto(f"{base}/dashboard")  # a reload or bookmark after signing out
        heading(page, t("nav.dashboard", ZH))
        page.get_by_text(t("login.signed_out", ZH)).wait_for()
        assert_no_page_not_found(page)
        shot(page, "session-3-reload-signed-out")

        # Signing in again from that page leads back to it.
        page.get_by_role("textbox", name=t("login.username", ZH)).fill("trainer.li")
        page.get_by_role("textbox", name=t("login.password", ZH)).fill("demo-trainer-2026")
        page.get_by_role("button", name=t("login.submit", ZH)).click()
        heading(page, t("impact.dashboard_title", ZH))
        assert page.url.endswith("/dashboard")
    finally:
        context.close()
