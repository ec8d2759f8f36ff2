"""Flaky Wi-Fi in a real browser: the tablet goes offline in the middle of the survey,
comes back, the worker finishes, and exactly one complete response is stored."""

from __future__ import annotations

from score_impact.i18n import t
from tests.e2e.conftest import AppServer, settle, shot
from tests.e2e.test_worker_survey import (
    UNANSWERED,
    ZH,
    answer_screen,
    open_survey,
    stored_responses,
    tap,
)


def test_offline_mid_survey_then_back_stores_exactly_one_response(
    tablet, app_server: AppServer
) -> None:  # noqa: ANN001
    page = tablet
    before = stored_responses(app_server.database_url)
    open_survey(page, app_server.base_url)
    tap(page, t("kiosk.skip_code", ZH))
    answer_screen(page)
    tap(page, t("kiosk.next", ZH))  # screen 1 saved as a draft (its code shown on a pause)
    page.get_by_text(t("kiosk.progress", ZH, current=2, total=99)[:4]).wait_for()

    page.context.set_offline(True)  # Wi-Fi drops while the worker is on screen 2 ...
    for block in page.locator(UNANSWERED).all():  # ... who goes on answering
        block.locator('[class*="st-key-kopt-"] .stButton button').first.click()
    page.get_by_role("button", name=t("kiosk.next", ZH), exact=True).click()
    page.wait_for_timeout(3000)
    assert not page.evaluate("navigator.onLine")
    shot(page, "offline-1-no-network")
    page.context.set_offline(False)
    later = page.get_by_text(t("kiosk.progress", ZH, current=3, total=99)[:4])
    same = page.get_by_text(t("kiosk.progress", ZH, current=2, total=99)[:4])
    later.or_(same).first.wait_for(timeout=60_000)  # the same session, answers intact
    settle(page)
    shot(page, "offline-2-back")

    review = page.get_by_role("heading", name=t("kiosk.review_title", ZH))
    for number in range(2, 20):  # screen by screen: wait for the next one before answering
        screen = page.get_by_text(t("kiosk.progress", ZH, current=number, total=99)[:4])
        if not screen.count() and not review.count():
            continue  # already past this number (the reconnect kept screen 3)
        if review.count():
            break
        answer_screen(page)
        tap(page, t("kiosk.next", ZH))
        following = t("kiosk.progress", ZH, current=number + 1, total=99)[:4]
        page.get_by_text(following).or_(review).first.wait_for()
        settle(page)
    tap(page, t("kiosk.submit", ZH))
    page.get_by_text(t("kiosk.thanks", ZH)).wait_for(timeout=20_000)

    after = stored_responses(app_server.database_url)
    assert after[0] == before[0] + 1
    assert after[1] - before[1] >= 30  # the whole questionnaire, screen 1 included
