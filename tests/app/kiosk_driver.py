"""Drive the tablet page through AppTest like a worker would (shared by app tests)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from score_impact.surveys.schema import ItemType, Survey
from tests.conftest import ROOT


def open_app(code: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if code:
        at.query_params["code"] = code
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0].click().run()


def _choice_for(survey: Survey, item_id: str, likert: int, yes: bool):
    item = survey.item(item_id)
    if item.type is ItemType.LIKERT:
        return likert
    if item.type is ItemType.YES_NO:
        return yes
    return item.options[0].value  # type: ignore[index]


def answer_screen(at: AppTest, survey: Survey, likert: int = 4, yes: bool = True) -> AppTest:
    """Answer every unanswered choice on the screen, re-running so show_if items appear."""
    for _ in range(5):
        pending = [r for r in at.radio if r.value is None]
        if not pending:
            break
        for radio in pending:
            item_id = radio.key.split(":", 1)[1]
            radio.set_value(_choice_for(survey, item_id, likert, yes))
        at.run()
    return at


def fill_code(at: AppTest, values: tuple[int, int, int, int] = (12, 5, 1, 8)) -> AppTest:
    for box, value in zip(at.selectbox, values, strict=True):
        box.set_value(value)
    return at.run()


def complete_survey(at: AppTest, survey: Survey, next_label: str) -> AppTest:
    """From the first section to the review screen."""
    for _ in range(len(survey.sections) + 1):
        if not at.radio and not at.text_input:
            break
        answer_screen(at, survey)
        click(at, next_label)
        assert not at.exception, at.exception
    return at
