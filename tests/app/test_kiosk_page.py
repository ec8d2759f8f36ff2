"""End to end through the real page (AppTest): language, consent, factory, code, sections,
review, submit, reset; with assertions on the stored rows."""

from __future__ import annotations

from sqlalchemy import func, select

from score_impact.db.models import Answer, Response
from score_impact.i18n import LANGUAGES, t
from score_impact.kiosk import Step
from score_impact.surveys.schema import ItemType
from tests.app.kiosk_driver import (
    answer_screen,
    attempt,
    click,
    complete_survey,
    fill_code,
    open_app,
    shown_questions,
    tap_option,
)
from tests.conftest import CLOSED_CODE, WORKER_CODE


def _responses(rt) -> list[Response]:
    with rt.session() as s:
        return list(s.scalars(select(Response)))


def _start_in_chinese(world, rt):
    at = open_app(WORKER_CODE)
    at.button(key="lang-zh").click().run()
    click(at, "我同意，开始")
    click(at, "Alpha Garments")
    return at


def test_worker_completes_survey_in_chinese_and_rows_are_stored(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _start_in_chinese(world, rt)
    fill_code(at)
    click(at, "下一页")
    assert "第 1 页" in at.get("progress")[0].proto.text
    complete_survey(at, survey, "下一页")
    assert at.title[0].value == "检查您的回答"
    click(at, "提交")
    assert not at.exception
    assert at.title[0].value == "谢谢！您的回答已保存。"

    [response] = _responses(rt)
    assert (response.language, response.enterprise_id) == ("zh", world.enterprise_ids[0])
    assert response.round_id == world.worker_round_id
    assert response.pairing_hash and len(response.pairing_parts.split(",")) == 4
    assert "12" not in response.pairing_parts.split(",")  # only hashes, never the code
    with rt.session() as s:
        answers = {a.item_id: a for a in s.scalars(select(Answer))}
    required = [i for i in survey.items if i.required and i.show_if is None]
    assert {i.id for i in required} <= set(answers)
    likert = next(i for i in survey.items if i.type.value == "likert")
    assert answers[likert.id].value_num == 4.0
    # show_if honoured: the follow-up of a "yes" suggestion was asked and stored
    assert answers["suggestion_made"].value_num == 1.0 and "suggestion_acted" in answers


def test_resubmitting_the_same_attempt_stores_nothing_new(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _start_in_chinese(world, rt)
    click(at, "不填编号")
    complete_survey(at, survey, "下一页")
    click(at, "提交")
    # a network hiccup: the tablet shows the review again and the worker taps Submit again
    at.session_state["attempt"].step = Step.REVIEW
    at.run()
    click(at, "提交")
    assert len(_responses(rt)) == 1
    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) > 20


def test_required_answer_missing_shows_translated_message_and_stores_nothing(world, rt):
    at = _start_in_chinese(world, rt)
    click(at, "不填编号")
    click(at, "下一页")
    assert "请回答这个问题。" in [e.value for e in at.error]
    assert at.warning[0].value == "有些问题需要回答。请查看红色提示。"
    assert _responses(rt) == []


def test_incomplete_code_is_refused_in_the_chosen_language(world, rt):
    at = _start_in_chinese(world, rt)
    at.button_group[0].set_value(3).run()
    click(at, "下一页")
    assert at.error[0].value == "请把编号的几个问题都答完，或者选择“不填编号”。"


def test_next_worker_starts_clean(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _start_in_chinese(world, rt)
    click(at, "不填编号")
    answer_screen(at, survey)
    first_uuid = at.session_state["attempt"].client_uuid
    at.session_state["attempt"].step = Step.DONE
    at.run()
    click(at, "下一位")
    assert [b.label for b in at.button][:3] == ["English", "Tiếng Việt", "中文"]
    attempt = at.session_state["attempt"]
    assert attempt.client_uuid != first_uuid and attempt.answers == {}
    assert not [k for k in at.session_state if first_uuid in k]
    # only the round's data and the new attempt's own (empty) widgets remain
    new_uuid = attempt.client_uuid
    leftovers = {k for k in at.session_state if not k.startswith(new_uuid)}
    screen = {"kiosk_screen", "kiosk_where"}  # how the screen opens (pages/kiosk_ui.py)
    langs = {"lang-en", "lang-vi", "lang-zh"}
    assert leftovers <= {"join_code", "attempt", "factories", *langs, *screen}


def test_closed_and_unknown_rounds_show_a_clear_message(world, rt):
    at = open_app(CLOSED_CODE)
    assert at.warning[0].value.startswith("This survey has ended")
    at = open_app("NOPE42")
    assert at.error[0].value.startswith("There is no survey with this code")


def sec_ids(section) -> set[str]:
    return {item.id for item in section.items}


def test_follow_up_question_appears_in_the_same_run_as_its_condition(world, rt):
    """One tap on "yes" must show the follow-up at once (a browser reruns once per tap)."""
    at = _start_in_chinese(world, rt)
    click(at, "不填编号")
    attempt_ = attempt(at)
    attempt_.section_index = next(  # the screen that asks about suggestions
        i for i, sec in enumerate(attempt_.sections) if "suggestion_made" in sec_ids(sec)
    )
    at.run()
    ids = lambda: [i.id for i in shown_questions(at)]  # noqa: E731
    assert "suggestion_acted" not in ids()
    tap_option(at, "suggestion_made", True)
    assert "suggestion_acted" in ids()
    assert any(b.key.endswith(":suggestion_acted:0") for b in at.button)  # drawn, not only known
    tap_option(at, "suggestion_made", False)
    assert "suggestion_acted" not in ids()
    assert attempt(at).answers["suggestion_made"] is False


def test_review_groups_answers_by_section_and_a_tap_changes_one(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _start_in_chinese(world, rt)
    click(at, "不填编号")
    complete_survey(at, survey, "下一页")
    headers = [h.value for h in at.header]
    assert headers == [s.title["zh"] for s in survey.sections if attempt(at).visible(s)]
    section, item = next(  # a rated question on a later screen
        (s, i) for s in survey.sections[2:] for i in s.items if i.type is ItemType.LIKERT
    )
    uuid = attempt(at).client_uuid
    assert at.button(key=f"{uuid}:change-{item.id}").label.endswith("**同意**")
    at.button(key=f"{uuid}:change-{item.id}").click().run()
    assert at.title[0].value == section.title["zh"]  # that question's screen
    assert at.session_state["kiosk_screen"]["target"] == item.id  # opened at the question
    tap_option(at, item.id, 2)
    click(at, "回到我的回答")
    assert at.title[0].value == "检查您的回答"
    assert at.button(key=f"{uuid}:change-{item.id}").label.endswith("**不同意**")
    assert at.session_state["kiosk_screen"]["target"] is None  # the review opens at its top


def test_without_a_join_link_the_code_screen_speaks_every_language(world, rt):
    every = lambda key: " / ".join(t(key, lang) for lang in LANGUAGES)  # noqa: E731
    at = open_app()
    assert at.title[0].value == every("kiosk.title")  # "Worker survey / 员工问卷"
    at.text_input[0].set_value("NOPE42")
    click(at, every("kiosk.open"))
    lines = at.error[0].value.split("  \n")
    assert lines == [t("kiosk.unknown_round", lang) for lang in LANGUAGES]
    assert at.text_input  # still on the code screen, ready for the right code
    at.text_input[0].set_value(WORKER_CODE)
    click(at, every("kiosk.open"))
    langs = rt.catalog.latest("worker_m1_cooperation").survey.languages
    assert [b.label for b in at.button][: len(langs)] == [LANGUAGES[c] for c in langs]
