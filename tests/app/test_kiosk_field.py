"""Field conditions on the tablet page: read-aloud controls and resuming a lost session."""

from __future__ import annotations

import base64
import html
import shutil

import yaml
from sqlalchemy import func, select

from score_impact.config import load_settings
from score_impact.db.models import AttemptDraft, Response, SurveyRound
from score_impact.runtime import start
from tests.app.kiosk_driver import (
    answer_screen,
    click,
    complete_survey,
    open_app,
    option_values,
    shown_questions,
)
from tests.conftest import ROOT, WORKER_CODE, make_world
from tests.test_read_aloud import make_wav


def _speakers(at) -> dict[str, str]:
    """Each read-aloud button on the screen: the text it reads -> its HTML."""
    found = {}
    for el in at.get("html"):
        if 'class="ra-play"' in el.proto.body:
            text = el.proto.body.split('data-text="', 1)[1].split('"', 1)[0]
            found[html.unescape(text)] = el.proto.body
    return found


def _question_speaker(at, item_id: str) -> str:
    label = at.session_state["attempt"].survey.item(item_id).label["zh"]
    return next(body for text, body in _speakers(at).items() if text.startswith(label))


def _to_first_section(at):
    at.button(key="lang-zh").click().run()
    click(at, "我同意，开始")
    click(at, "Alpha Garments")
    return click(at, "不填编号")


def test_every_question_and_option_has_a_read_aloud_control(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _to_first_section(open_app(WORKER_CODE))
    screens = 0
    while at.session_state["attempt"].step.value == "section":
        for _ in range(2):  # as the screen opens, and again with the follow-ups shown
            speakers = _speakers(at)
            for item in shown_questions(at):
                [spoken] = [k for k in speakers if k.startswith(item.label["zh"])]  # its help too
                assert 'data-lang="zh-CN"' in speakers[spoken]  # in the worker's language
                rows = [b for b in at.button if b.key.split(":")[1:2] == [item.id]]
                assert len(rows) == len(option_values(survey, item))  # one row per option
                for row in rows:  # and each option row has its own speaker
                    assert row.label in speakers
            answer_screen(at, survey)
        click(at, "下一页")
        screens += 1
    assert screens == len(survey.sections)


def test_survey_audio_file_is_played_for_its_item(tmp_path, monkeypatch, database_url):
    defs = tmp_path / "defs"
    shutil.copytree(ROOT / "survey_defs", defs)
    path = defs / "worker_m1_cooperation.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["version"] = 2
    raw["sections"][0]["items"][0]["audio"] = {"zh": "audio/first_zh.wav"}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    content = make_wav(defs / "audio" / "first_zh.wav")
    monkeypatch.setenv("SCORE_SURVEY_DIR", str(defs))
    runtime = start(load_settings(), demo=False)
    make_world(runtime)
    at = _to_first_section(open_app(WORKER_CODE))
    first = _question_speaker(at, raw["sections"][0]["items"][0]["id"])
    source = "data:audio/x-wav;base64," + base64.b64encode(content).decode()
    assert '<audio class="ra-audio"' in first and f'src="{source}"' in first
    assert sum("<audio" in b for b in _speakers(at).values()) == 1
    runtime.engine.dispose()


def test_a_paused_attempt_resumes_from_its_code_in_a_new_session(world, rt):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _to_first_section(open_app(WORKER_CODE))
    answer_screen(at, survey, likert=2)
    click(at, "下一页")
    click(at, "暂停")  # the code is shown only now
    with rt.session() as s:
        code = s.scalar(select(AttemptDraft.resume_code))
    assert any(code in h.proto.body for h in at.get("html"))
    click(at, "现在继续")

    fresh = open_app(WORKER_CODE)  # the server session is gone: a new one starts
    fresh.text_input[0].set_value(code)
    click(fresh, "Continue / Tiếp tục / 继续")
    assert fresh.title[0].value == at.title[0].value  # same screen as before
    complete_survey(fresh, survey, "下一页")
    click(fresh, "提交")
    with rt.session() as s:
        [response] = s.scalars(select(Response)).all()
        assert s.scalar(select(func.count()).select_from(AttemptDraft)) == 0
        first_item = survey.sections[0].items[0].id
        assert {a.item_id: a.value_num for a in response.answers}[first_item] == 2.0


def test_unknown_resume_code_is_refused(world, rt):
    at = open_app(WORKER_CODE)
    at.text_input[0].set_value("ZZZZZZ")
    click(at, "Continue / Tiếp tục / 继续")
    assert at.error[0].value.startswith("This resume code is not valid")


def test_round_autoplay_setting_makes_the_first_question_play_itself(world, rt):
    with rt.session() as s:
        s.get(SurveyRound, world.worker_round_id).settings = {"autoplay_audio": True}
        s.commit()
    at = _to_first_section(open_app(WORKER_CODE))
    first = at.session_state["attempt"].visible()[0].id
    assert 'data-autoplay="1"' in _question_speaker(at, first)
    assert sum('data-autoplay="1"' in b for b in _speakers(at).values()) == 1
