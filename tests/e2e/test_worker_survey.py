"""A worker's hands on a 768x1024 tablet, in a real Chromium against ``streamlit run``:
open the join link, tap answers and code numbers, go on (shared by the browser tests), and
a follow-up question that appears at once. The whole survey in every language and on two
screen sizes, with every check, is tests/e2e/test_worker_screens.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from score_impact.db.engine import make_engine
from score_impact.db.models import Answer, Response, SurveyRound
from score_impact.i18n import enterprise_name, t
from tests.e2e.conftest import AppServer, settle

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

JOIN_CODE = "AFWDEMO"  # demo: cohort A, follow-up, worker round (open)
ZH = "zh"
FACTORY_NAME = "Dongguan Evergreen Garments"  # as stored; each language may name it
FACTORY = enterprise_name(FACTORY_NAME, ZH)  # as Chinese workers know it


def tap(page, label: str) -> None:  # noqa: ANN001
    button = page.get_by_role("button", name=label, exact=True)
    for _ in range(40):  # a slow rerun can briefly show the old screen's button as well
        if button.count() == 1:
            break
        page.wait_for_timeout(250)
    button.click()
    settle(page)


def see(page, name: str, role: str = "heading") -> None:  # noqa: ANN001
    """Wait for the next screen (a click's rerun may not have started yet)."""
    page.get_by_role(role, name=name, exact=True).wait_for()
    settle(page)


# A question block (pages/kiosk_ui.py) that has answer rows, none of them chosen.
UNANSWERED = '[class*="st-key-kq-"]:has([class*="st-key-kopt-"]):not(:has([class*="st-key-ksel-"]))'


def answer_screen(page) -> int:  # noqa: ANN001
    """Tap an answer for every unanswered question, again after each rerun (show_if
    questions appear when their condition is met). Likert: the 4th row ("agree"; a sixth
    row may be "prefer not to answer"); otherwise the
    first (yes, so the follow-up questions show too). Returns how many were answered."""
    answered = 0
    for _ in range(60):
        pending = page.locator(UNANSWERED)
        if pending.count() == 0:
            page.wait_for_timeout(300)  # a question shown by the last answer may still come
            settle(page)
            if page.locator(UNANSWERED).count() == 0:
                return answered
            continue
        block = pending.first
        key = next(c for c in block.get_attribute("class").split() if c.startswith("st-key-kq-"))
        rows = block.locator('[class*="st-key-kopt-"]')
        rows.nth(3 if rows.count() >= 5 else 0).locator(".stButton button").click()
        page.locator(f'.{key} [class*="st-key-ksel-"]').wait_for()  # drawn by the rerun,
        page.wait_for_selector(IDLE)  # which then finishes: no fixed wait needed per tap
        answered += 1
    return answered


def fill_code(page, values: tuple[int, ...] = (12, 5, 1, 8)) -> None:  # noqa: ANN001
    """Tap one number in each grid of the private-code screen (no keyboard)."""
    for number, value in enumerate(values):
        grid = page.locator('[data-testid="stButtonGroup"]').nth(number)
        grid.get_by_role("radio", name=str(value), exact=True).click()
        assert grid.get_by_role("radio", checked=True).inner_text() == str(value)


def stored_responses(database_url: str, lang: str = ZH) -> tuple[int, int]:
    """(responses, answers) of the demo join code's round in the language ``lang``."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rid = conn.scalar(select(SurveyRound.id).where(SurveyRound.join_code == JOIN_CODE))
            ids = select(Response.id).where(Response.round_id == rid, Response.language == lang)
            responses = conn.scalar(select(func.count()).select_from(ids.subquery()))
            answers = conn.scalar(
                select(func.count()).select_from(Answer).where(Answer.response_id.in_(ids))
            )
            return responses or 0, answers or 0
    finally:
        engine.dispose()


def open_survey(page, base_url: str) -> None:  # noqa: ANN001
    """From the join link (README, QR codes: services.admin.tablet_link) in Chinese to the
    private-code screen: language, consent, factory."""
    page.goto(f"{base_url}/?code={JOIN_CODE}")
    page.get_by_role("button", name="中文", exact=True).wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_role("dialog").count() == 0  # no "Page not found" over the survey
    tap(page, "中文")
    see(page, t("kiosk.consent_title", ZH))
    tap(page, t("kiosk.agree", ZH))
    see(page, t("kiosk.choose_factory", ZH))
    tap(page, FACTORY)
    see(page, t("kiosk.code_title", ZH))


def complete_worker_survey(page, base_url: str) -> None:  # noqa: ANN001
    """A worker's whole visit in Chinese, from the join link to the thank-you screen
    (tests/e2e/test_worker_screens.py walks it with every check, in every language)."""
    open_survey(page, base_url)
    fill_code(page)
    tap(page, t("kiosk.next", ZH))
    review = page.get_by_role("heading", name=t("kiosk.review_title", ZH))
    for _ in range(12):
        page.locator('[data-testid="stProgress"]').or_(review).first.wait_for()
        settle(page)
        if review.count():
            break
        assert answer_screen(page) > 0
        tap(page, t("kiosk.next", ZH))
        assert page.get_by_text(t("kiosk.fix_errors", ZH)).count() == 0  # nothing left out
    else:
        pytest.fail("never reached the review screen")
    tap(page, t("kiosk.submit", ZH))
    page.get_by_text(t("kiosk.thanks", ZH)).wait_for(timeout=10_000)


def test_a_follow_up_question_appears_as_soon_as_its_condition_is_answered(
    tablet, app_server: AppServer
) -> None:  # noqa: ANN001
    """Answering "yes" to "I made a suggestion" should show "was it acted on?" at once."""
    page = tablet
    open_survey(page, app_server.base_url)
    tap(page, t("kiosk.skip_code", ZH))
    made = page.locator(".st-key-kq-suggestion_made")
    for _ in range(5):  # to the screen that asks about suggestions
        page.locator('[class*="st-key-kq-"]').first.wait_for()
        settle(page)
        if made.count():
            break
        answer_screen(page)
        tap(page, t("kiosk.next", ZH))
    before = page.locator('[class*="st-key-kq-"]').count()
    made.locator('[class*="st-key-kopt-"] .stButton button').first.click()  # yes
    page.locator(".st-key-kq-suggestion_acted").wait_for(timeout=5000)
    settle(page)
    assert page.locator('[class*="st-key-kq-"]').count() == before + 1
