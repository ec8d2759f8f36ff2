"""A Vietnamese worker on a 768x1024 tablet, end to end in a real Chromium: the Ho Chi Minh
City cohort's join link, Vietnamese chosen, the factory under its Vietnamese name, every
screen (consent, code, each section, review, thank-you) without an English string, a
"prefer not to answer" on one question, the response stored in Vietnamese. Screenshots of
every screen go to test-artifacts/screenshots/vi-*.png (the committed ones come from the
walk of every worker screen: docs/screenshots/worker/vi-*).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from score_impact.db.engine import make_engine
from score_impact.db.models import Answer, Response, SurveyRound
from score_impact.i18n import enterprise_name, language_strings, t
from score_impact.surveys.loader import load_catalog
from score_impact.surveys.schema import DECLINED
from score_impact.surveys.texts import text_slots
from tests.e2e.conftest import AppServer, settle, shot
from tests.e2e.test_worker_survey import answer_screen, see, tap

VI = "vi"
JOIN_CODE = "BFWDEMO"  # demo: cohort B (Ho Chi Minh City), follow-up, worker round (open)
FACTORY = "Saigon Lotus Sewing"


def english_texts() -> list[str]:
    """Every English text a worker could meet: the tablet's interface strings and every
    text of the survey (names of factories and people are not texts)."""
    survey = load_catalog().latest("worker_m1_cooperation").survey
    raw = survey.model_dump(mode="json", by_alias=True)
    texts = {slot["en"] for _, slot in text_slots(raw) if slot.get("en")}
    texts |= {
        text
        for key, text in language_strings("en").items()
        if key.startswith(("kiosk.", "validation.")) and "{" not in text
    }
    texts.add("Choose an option")  # Streamlit's own placeholder, if a widget kept it
    return sorted(texts, key=len, reverse=True)


ENGLISH = english_texts()
# Words too short to match anywhere but as whole words ("No" must not match "Nói").
SHORT = [text for text in ENGLISH if len(text) < 8]
LONG = [text for text in ENGLISH if len(text) >= 8]


def assert_no_english(page, screen: str) -> None:  # noqa: ANN001
    text = page.locator('[data-testid="stMain"]').inner_text()
    found = [e for e in LONG if e in text]
    found += [e for e in SHORT if re.search(rf"(?<![\w]){re.escape(e)}(?![\w])", text)]
    assert not found, f"English on the Vietnamese {screen} screen: {found[:5]}"


def test_worker_answers_in_vietnamese_and_no_english_is_shown(
    tablet, app_server: AppServer
) -> None:  # noqa: ANN001
    page = tablet
    page.goto(f"{app_server.base_url}/?code={JOIN_CODE}")
    page.get_by_role("button", name="Tiếng Việt", exact=True).wait_for(timeout=60_000)
    settle(page)
    shot(page, "vi-1-language")  # the one screen in every language: nobody has chosen yet
    tap(page, "Tiếng Việt")
    see(page, t("kiosk.consent_title", VI))
    assert_no_english(page, "consent")
    shot(page, "vi-2-consent")
    tap(page, t("kiosk.agree", VI))
    see(page, t("kiosk.choose_factory", VI))
    local = enterprise_name(FACTORY, VI)
    assert local != FACTORY and page.get_by_role("button", name=FACTORY).count() == 0
    assert_no_english(page, "factory")
    shot(page, "vi-3-factory")
    tap(page, local)
    see(page, t("kiosk.code_title", VI))
    assert_no_english(page, "private code")
    shot(page, "vi-4-code")
    tap(page, t("kiosk.skip_code", VI))

    review = page.get_by_role("heading", name=t("kiosk.review_title", VI))
    declined = False
    for number in range(1, 15):
        progress = page.get_by_text(t("kiosk.progress", VI, current=number, total=99)[:6])
        progress.or_(review).first.wait_for()
        settle(page)
        if review.count():
            break
        if not declined:  # the first question: "prefer not to answer"
            first = page.locator('[class*="st-key-kq-"]:has([class*="st-key-kopt-"])').first
            first.get_by_role("button", name=t("kiosk.prefer_not", VI), exact=True).click()
            first.locator('[class*="st-key-ksel-"]').wait_for()  # the row is drawn chosen
            settle(page)
            declined = True
        answer_screen(page)
        assert_no_english(page, f"section {number}")
        shot(page, f"vi-5-section-{number}")
        tap(page, t("kiosk.next", VI))
        if page.get_by_text(t("kiosk.fix_errors", VI)).count():  # a question shown late
            assert_no_english(page, f"section {number} with a message")  # the message too
            answer_screen(page)
            tap(page, t("kiosk.next", VI))
        assert page.get_by_text(t("kiosk.fix_errors", VI)).count() == 0
    else:
        pytest.fail("never reached the review screen")
    assert_no_english(page, "review")
    assert page.get_by_text(t("kiosk.prefer_not", VI)).count() >= 1  # shown as chosen
    shot(page, "vi-6-review")
    tap(page, t("kiosk.submit", VI))
    page.get_by_text(t("kiosk.thanks", VI)).wait_for(timeout=10_000)
    assert_no_english(page, "thank-you")
    shot(page, "vi-7-thank-you")

    engine = make_engine(app_server.database_url)
    try:
        with engine.connect() as conn:
            rid = conn.scalar(select(SurveyRound.id).where(SurveyRound.join_code == JOIN_CODE))
            newest = conn.scalar(
                select(Response.id)
                .where(Response.round_id == rid, Response.language == VI)
                .order_by(Response.id.desc())
            )
            stored = dict(
                conn.execute(
                    select(Answer.item_id, Answer.value_text).where(Answer.response_id == newest)
                ).all()
            )
    finally:
        engine.dispose()
    assert stored["voice_supervisor_listens"] == DECLINED and len(stored) >= 30
