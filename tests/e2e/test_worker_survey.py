"""A worker on a 768x1024 tablet, in a real Chromium against ``streamlit run``: open the
join link, answer the whole survey in Chinese, submit, see the thank-you screen, and find
the response in the database. Screenshots of each step go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from score_impact.db.engine import make_engine
from score_impact.db.models import Answer, Response, SurveyRound
from score_impact.i18n import enterprise_name, t
from tests.e2e.conftest import AppServer, settle, shot

JOIN_CODE = "AFWDEMO"  # demo: cohort A, follow-up, worker round (open)
ZH = "zh"
FACTORY = enterprise_name("Dongguan Evergreen Garments", ZH)  # as Chinese workers know it


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


def answer_screen(page) -> int:  # noqa: ANN001
    """Answer every radio group left unanswered, again after each rerun (show_if questions
    appear when their condition is met). Likert: the 4th point; otherwise the first option
    (yes, so the follow-up questions show too). Returns how many groups were answered."""
    answered = 0
    for _ in range(20):
        pending = [
            g
            for g in page.get_by_role("radiogroup").all()
            if g.locator("input[type=radio]:checked").count() == 0
        ]
        if not pending:
            page.wait_for_timeout(400)  # a question shown by the last answer may still come
            settle(page)
            if all(
                g.locator("input:checked").count() for g in page.get_by_role("radiogroup").all()
            ):
                return answered
            continue
        group = pending[0]
        options = group.locator('[data-testid="stRadioOption"]')
        options.nth(3 if options.count() == 5 else 0).click()
        group.locator("input:checked").wait_for(state="attached")
        settle(page)
        answered += 1
    return answered


def stored_responses(database_url: str) -> tuple[int, int]:
    """(responses, answers) of the demo join code's round in the language zh."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rid = conn.scalar(select(SurveyRound.id).where(SurveyRound.join_code == JOIN_CODE))
            ids = select(Response.id).where(Response.round_id == rid, Response.language == ZH)
            responses = conn.scalar(select(func.count()).select_from(ids.subquery()))
            answers = conn.scalar(
                select(func.count()).select_from(Answer).where(Answer.response_id.in_(ids))
            )
            return responses or 0, answers or 0
    finally:
        engine.dispose()


def open_survey(page, base_url: str, shot_=lambda _page, _name: None) -> None:  # noqa: ANN001
    """From the join link (README, QR codes: services.admin.tablet_link) in Chinese to the
    private-code screen: language, consent, factory."""
    page.goto(f"{base_url}/?code={JOIN_CODE}")
    page.get_by_role("button", name="中文", exact=True).wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_role("dialog").count() == 0  # no "Page not found" over the survey
    shot_(page, "01-language")
    tap(page, "中文")
    see(page, t("kiosk.consent_title", ZH))
    shot_(page, "02-consent")
    tap(page, t("kiosk.agree", ZH))
    see(page, t("kiosk.choose_factory", ZH))
    shot_(page, "03-factory")
    tap(page, FACTORY)
    see(page, t("kiosk.code_title", ZH))


def complete_worker_survey(page, base_url: str, shots: bool = False) -> None:  # noqa: ANN001
    """A worker's whole visit in Chinese, from the join link to the thank-you screen."""
    shot_ = shot if shots else (lambda _page, _name: None)
    open_survey(page, base_url, shot_)
    for number, value in enumerate(["12", "5", "1", "8"]):
        box = page.locator('[data-testid="stSelectbox"]').nth(number)
        box.get_by_role("combobox").click()  # the input, not the (two-line) label above it
        page.keyboard.type(value)  # the option list is virtualised: filter it, then pick
        page.keyboard.press("Enter")
        settle(page)
        assert box.get_by_role("combobox").input_value() == value
    shot_(page, "04-private-code")
    tap(page, t("kiosk.next", ZH))

    review = page.get_by_role("heading", name=t("kiosk.review_title", ZH))
    for number in range(1, 13):
        progress = page.get_by_text(t("kiosk.progress", ZH, current=number, total=99)[:4])
        progress.or_(review).first.wait_for()
        settle(page)
        if review.count():
            break
        assert answer_screen(page) > 0
        # every question on the screen has its read-aloud control (issue: low literacy)
        questions = page.get_by_role("radiogroup").count()
        questions += page.locator('[data-testid="stTextInput"]').count()
        assert page.locator(".read-aloud button.ra-question").count() == questions
        shot_(page, f"05-section-{number}")
        tap(page, t("kiosk.next", ZH))
        assert page.get_by_text(t("kiosk.fix_errors", ZH)).count() == 0  # nothing left out
    else:
        pytest.fail("never reached the review screen")
    shot_(page, "06-review")

    tap(page, t("kiosk.submit", ZH))
    page.get_by_text(t("kiosk.thanks", ZH)).wait_for(timeout=10_000)
    shot_(page, "07-thank-you")


def test_worker_answers_in_chinese_on_a_tablet_and_the_response_is_stored(
    tablet, app_server: AppServer
) -> None:  # noqa: ANN001
    before = stored_responses(app_server.database_url)
    complete_worker_survey(tablet, app_server.base_url, shots=True)
    after = stored_responses(app_server.database_url)
    assert after[0] == before[0] + 1
    assert after[1] - before[1] >= 20  # the new response arrived with all its answers


def test_a_follow_up_question_appears_as_soon_as_its_condition_is_answered(
    tablet, app_server: AppServer
) -> None:  # noqa: ANN001
    """Answering "yes" to "I made a suggestion" should show "was it acted on?" at once."""
    page = tablet
    open_survey(page, app_server.base_url)
    tap(page, t("kiosk.skip_code", ZH))
    made = page.get_by_text("最近3个月，您有没有提过改善工作的建议（合理化建议）？")
    for _ in range(5):  # to the screen that asks about suggestions
        page.get_by_role("radiogroup").first.wait_for()
        settle(page)
        if made.count():
            break
        answer_screen(page)
        tap(page, t("kiosk.next", ZH))

    before = page.get_by_role("radiogroup").count()
    yes_no = page.get_by_role("radiogroup").filter(has_text=t("kiosk.no", ZH)).first
    yes_no.locator('[data-testid="stRadioOption"]').first.click()
    page.wait_for_timeout(1500)
    settle(page)
    assert page.get_by_role("radiogroup").count() == before + 1
