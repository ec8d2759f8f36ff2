"""Drive the tablet page through AppTest like a worker would (shared by app tests).

Answers are taps on option rows (buttons keyed ``<attempt uuid>:<item id>:<option index>``,
pages/kiosk_ui.py) and the private code is four number grids (``st.pills``).
"""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from score_impact.kiosk import KioskAttempt
from score_impact.surveys.schema import DECLINED, Item, ItemType, Survey
from tests.conftest import ROOT

CHOICES = (ItemType.LIKERT, ItemType.YES_NO, ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE)


def open_app(code: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if code:
        at.query_params["code"] = code
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0].click().run()


def attempt(at: AppTest) -> KioskAttempt:
    return at.session_state["attempt"]


def option_values(survey: Survey, item: Item) -> list[Any]:
    """The values of a choice question's rows, top to bottom ("prefer not to answer" last
    where the survey offers it)."""
    if item.type is ItemType.LIKERT:
        values = [p.value for p in survey.scales[item.scale or ""]]
    elif item.type is ItemType.YES_NO:
        values = [True, False]
    else:
        values = [o.value for o in item.options or []]
    return [*values, DECLINED] if survey.declinable(item) else values


def _row(at: AppTest, item_id: str, value: Any):
    a = attempt(at)
    index = option_values(a.survey, a.survey.item(item_id)).index(value)
    return at.button(key=f"{a.client_uuid}:{item_id}:{index}")


def tap_option(at: AppTest, item_id: str, value: Any) -> AppTest:
    """Tap the row of ``value`` under question ``item_id``."""
    return _row(at, item_id, value).click().run()


def shown_questions(at: AppTest) -> list[Item]:
    """The questions of the current screen (follow-ups included once shown)."""
    return attempt(at).visible()


def _choice_for(survey: Survey, item: Item, likert: int, yes: bool):
    if item.type is ItemType.LIKERT:
        return likert
    if item.type is ItemType.YES_NO:
        return yes
    return item.options[0].value  # type: ignore[index]


def answer_screen(at: AppTest, survey: Survey, likert: int = 4, yes: bool = True) -> AppTest:
    """Tap an answer for every unanswered choice on the screen, then again for the
    follow-ups those answers revealed (each tap's callback runs in the same rerun)."""
    for _ in range(5):
        a = attempt(at)
        pending = [i for i in a.visible() if i.type in CHOICES and a.answers.get(i.id) is None]
        if not pending:
            break
        for item in pending:
            _row(at, item.id, _choice_for(survey, item, likert, yes)).click()
        at.run()
    return at


def fill_code(at: AppTest, values: tuple[int, int, int, int] = (12, 5, 1, 8)) -> AppTest:
    for grid, value in zip(at.button_group, values, strict=True):
        grid.set_value(value)
    return at.run()


def on_question_screen(at: AppTest) -> bool:
    return attempt(at).step.value == "section"


def complete_survey(at: AppTest, survey: Survey, next_label: str) -> AppTest:
    """From the first section to the review screen."""
    for _ in range(len(survey.sections) + 1):
        if not on_question_screen(at):
            break
        answer_screen(at, survey)
        click(at, next_label)
        assert not at.exception, at.exception
    return at
