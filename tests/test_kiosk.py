"""The tablet flow as a state machine, without Streamlit."""

from __future__ import annotations

import pytest

from score_impact.kiosk import KioskAttempt, Step
from score_impact.surveys.loader import load_catalog
from tests.answering import answer_items


@pytest.fixture(scope="module")
def survey():
    return load_catalog().latest("worker_m1_cooperation").survey


def answer_all(attempt: KioskAttempt, yes: bool = True) -> dict:
    """Answer the screen like a worker: items revealed by show_if are answered too."""
    values: dict = {}
    for _ in range(3):
        attempt.update(values)
        values |= answer_items(attempt.visible(), likert=3, yes=yes)
    return values


def test_flow_language_consent_factory_code_sections_review(survey):
    attempt = KioskAttempt(1, survey, [7, 8])
    attempt.choose_language("zh")
    attempt.consent(True)
    assert attempt.step is Step.FACTORY
    attempt.choose_factory(8)
    assert attempt.set_code(b"k", {"birth_day": 3}) != []  # incomplete code refused
    assert attempt.set_code(b"k", None) == [] and attempt.step is Step.SECTION
    screens = 0
    while attempt.step is Step.SECTION:
        assert attempt.next(answer_all(attempt)) == []
        screens += 1
    assert attempt.step is Step.REVIEW and screens == len(survey.sections)
    sub = attempt.submission()
    assert (sub.enterprise_id, sub.language, sub.pairing) == (8, "zh", None)
    attempt.back()
    assert attempt.step is Step.SECTION and attempt.section_index == len(survey.sections) - 1


def test_single_factory_round_skips_the_factory_question_and_decline_ends(survey):
    attempt = KioskAttempt(1, survey, [7])
    attempt.choose_language("en")
    attempt.consent(True)
    assert (attempt.step, attempt.enterprise_id) == (Step.CODE, 7)
    declined = KioskAttempt(1, survey, [7])
    declined.choose_language("en")
    declined.consent(False)
    assert declined.step is Step.DECLINED


def test_missing_required_answer_keeps_worker_on_the_screen(survey):
    attempt = KioskAttempt(1, survey, [7])
    attempt.choose_language("en")
    attempt.consent(True)
    attempt.set_code(b"k", None)
    issues = attempt.next({})
    assert issues and attempt.section_index == 0
    assert issues[0].message("zh") == "请回答这个问题。"


def test_changing_a_show_if_answer_drops_the_hidden_follow_up(survey):
    attempt = KioskAttempt(1, survey, [7])
    attempt.update({"suggestion_made": True, "suggestion_acted": True})
    assert attempt.answers["suggestion_acted"] is True
    attempt.update({"suggestion_made": False})
    assert "suggestion_acted" not in attempt.answers


def test_code_is_hashed_immediately(survey):
    attempt = KioskAttempt(1, survey, [7])
    attempt.choose_language("en")
    attempt.consent(True)
    code = {
        "birth_day": 9,
        "mother_birth_month": 2,
        "older_siblings": 0,
        "birth_year_last_digit": 1,
    }
    assert attempt.set_code(b"k", code) == []
    assert attempt.pairing is not None and all(len(h) == 16 for h in attempt.pairing.part_hashes)
    assert code not in vars(attempt).values()  # the elements themselves are not kept


def at_review(survey, yes: bool = False) -> KioskAttempt:
    attempt = KioskAttempt(1, survey, [7])
    attempt.choose_language("en")
    attempt.consent(True)
    attempt.set_code(b"k", None)
    while attempt.step is Step.SECTION:
        assert attempt.next(answer_all(attempt, yes=yes)) == []
    return attempt


def test_a_tap_on_an_answer_in_the_review_opens_its_section_and_next_returns(survey):
    attempt = at_review(survey)
    last = survey.sections[-1].items[-1]
    attempt.jump_to(survey.sections[1].items[0].id)
    assert (attempt.step, attempt.section_index, attempt.from_review) == (Step.SECTION, 1, True)
    assert attempt.next({}) == []  # nothing changed: straight back to the review
    assert attempt.step is Step.REVIEW and not attempt.from_review
    attempt.jump_to(last.id)
    attempt.back()  # Back leaves the shortcut: the worker walks the screens again
    assert attempt.step is Step.SECTION and not attempt.from_review
    with pytest.raises(ValueError):
        attempt.jump_to(last.id)  # only from the review


def test_a_changed_answer_that_reveals_a_follow_up_leads_there_before_the_review(survey):
    attempt = at_review(survey, yes=False)  # "no suggestion": its follow-up is hidden
    assert "suggestion_acted" not in attempt.answers
    with pytest.raises(ValueError):
        attempt.jump_to("suggestion_acted")  # not shown, so not in the review either
    attempt.jump_to("suggestion_made")
    attempt.update({"suggestion_made": True})
    assert attempt.next({}) != []  # the follow-up on this screen needs an answer first
    attempt.update({"suggestion_acted": True})
    assert attempt.next({}) == [] and attempt.step is Step.REVIEW
