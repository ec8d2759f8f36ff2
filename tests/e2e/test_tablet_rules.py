"""The offline client checks answers on the tablet (static/tablet/rules.js, a port of
score_impact/surveys/validation.py and Condition.holds): run both on the same few hundred
questionnaires, valid and hostile, and require the same visible questions, the same issues
(item, code, parameters, in order) and the same cleaned answers. The server checks again on
arrival, so a difference would not store bad data, but it would let a worker finish a
questionnaire that the server then refuses."""

from __future__ import annotations

import json
import random

import pytest

from score_impact.surveys.loader import load_catalog
from score_impact.surveys.schema import Survey
from score_impact.surveys.validation import validate_answers, visible_items
from tests.conftest import ROOT
from tests.e2e.conftest import AppServer

TEXT = {"en": "x"}
SYNTHETIC = Survey.model_validate({
    "id": "every_type", "version": 1, "title": TEXT, "audience": "worker", "languages": ["en"],
    "scales": {"agree3": [{"value": v, "label": TEXT} for v in (1, 2, 3)]},
    "constructs": [{"id": "c", "label": TEXT}],
    "sections": [{"id": "s", "title": TEXT, "items": [
        {"id": "lik", "type": "likert", "scale": "agree3", "label": TEXT, "construct": "c"},
        {"id": "lik2", "type": "likert", "scale": "agree3", "label": TEXT, "construct": "c",
         "reverse": True, "required": False},
        {"id": "yn", "type": "yes_no", "label": TEXT},
        {"id": "after_yes", "type": "yes_no", "label": TEXT,
         "show_if": {"item": "yn", "equals": True}},
        {"id": "after_yes_word", "type": "text", "label": TEXT, "required": False,
         "show_if": {"item": "yn", "equals": "yes"}},
        {"id": "one", "type": "single_choice", "label": TEXT,
         "options": [{"value": "a", "label": TEXT}, {"value": "b", "label": TEXT}]},
        {"id": "many", "type": "multiple_choice", "label": TEXT, "required": False,
         "options": [{"value": v, "label": TEXT} for v in ("p", "q", "r")]},
        {"id": "if_q", "type": "likert", "scale": "agree3", "label": TEXT,
         "show_if": {"item": "many", "equals": "q"}},
        {"id": "if_in", "type": "yes_no", "label": TEXT, "show_if": {"item": "one", "in": ["b"]}},
        {"id": "num", "type": "number", "label": TEXT, "min": 0, "max": 99.5},
        {"id": "whole", "type": "number", "label": TEXT, "integer": True, "required": False},
        {"id": "big", "type": "likert", "scale": "agree3", "label": TEXT,
         "show_if": {"item": "num", "at_least": 10}},
        {"id": "small", "type": "yes_no", "label": TEXT, "required": False,
         "show_if": {"item": "whole", "at_most": 2}},
        {"id": "free", "type": "text", "label": TEXT, "max_length": 5, "required": False},
        {"id": "note", "type": "note", "label": TEXT},
    ]}],
})  # fmt: skip

ODD = [None, "", "  ", True, False, 0, 1, 2, 3, 4.0, 9, -1, "2", "a", "b", "q", ["q"], ["p", "r"],
       [], ["z"], [["p"]], {"k": 1}, "12,5", " 7 ", "1e3", "abc", "inf", "nan", 2.5, 100,
       "五个字以上的", "1234", "🙂🙂🙂"]  # fmt: skip


def valid_value(item, rng: random.Random, survey: Survey):
    kind = item.type.value
    if kind == "likert":
        return rng.choice([p.value for p in survey.scales[item.scale]])
    if kind == "yes_no":
        return rng.choice([True, False])
    if kind == "single_choice":
        return rng.choice([o.value for o in item.options])
    if kind == "multiple_choice":
        return rng.sample([o.value for o in item.options], rng.randint(1, len(item.options)))
    if kind == "number":
        return rng.choice([0, 5, 12, "3,5", 42])
    if kind == "text":
        return rng.choice(["ok", "ab", " yes "])
    return None


def questionnaires(survey: Survey, n: int, seed: int) -> list[dict]:
    """From careful respondents to hostile payloads: per questionnaire a share of odd and
    of missing answers (zero for some), now and then an unknown question id."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        odd, missing = rng.choice([0, 0, 0.02, 0.1, 0.4]), rng.choice([0, 0, 0.05, 0.2])
        answers = {}
        for item in survey.items:
            roll = rng.random()
            if roll < odd:
                value = rng.choice(ODD)
            elif roll < odd + missing:
                continue
            else:
                value = valid_value(item, rng, survey)
            if value is not None or rng.random() < 0.5:
                answers[item.id] = value
        if rng.random() < 0.1:
            answers["not_in_survey"] = "x"
        out.append(json.loads(json.dumps(answers)))  # exactly what the browser sees
    return out


def python_side(survey: Survey, answers: dict) -> dict:
    clean, issues = validate_answers(survey, answers)
    return {
        "visible": [i.id for i in visible_items(survey, answers)],
        "issues": [[i.item_id, i.code, i.params] for i in issues],
        "clean": clean,
    }


JS = """async ([survey, cases]) => {
  const rules = await import('/tablet/static/rules.js');
  return cases.map((answers) => {
    const [clean, issues] = rules.validateAnswers(survey, answers);
    return {
      visible: rules.allItems(survey).filter((i) => rules.isVisible(i, answers)).map((i) => i.id),
      issues: issues.map((i) => [i.item_id, i.code, i.params]),
      clean,
    };
  });
}"""


@pytest.mark.parametrize("which", ["worker_m1_cooperation", "synthetic"])
def test_tablet_and_server_check_answers_alike(browser, app_server: AppServer, which) -> None:  # noqa: ANN001
    if which == "synthetic":
        survey = SYNTHETIC
    else:
        survey = load_catalog(ROOT / "survey_defs").latest(which).survey
    cases = questionnaires(survey, 300, seed=14)
    definition = survey.model_dump(mode="json", by_alias=True, exclude_none=True)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{app_server.base_url}/healthz")
        browser_side = page.evaluate(JS, [definition, cases])
    finally:
        context.close()
    differ = [
        (answers, expected, got)
        for answers, got in zip(cases, browser_side, strict=True)
        if (expected := json.loads(json.dumps(python_side(survey, answers)))) != got
    ]
    assert not differ, differ[:3]
    assert sum(bool(r["issues"]) for r in browser_side) > 50  # the corpus does find problems
    assert sum(not r["issues"] for r in browser_side) > 5 or which == "synthetic"
