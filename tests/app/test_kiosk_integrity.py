"""The tablet page (AppTest through app.py) against the probes of issue 10: a manager
round's code, a resume code on every screen of a shared tablet, a tablet that was never
enrolled."""

from __future__ import annotations

from sqlalchemy import select

from score_impact.db.models import AttemptDraft, SurveyRound, User
from score_impact.i18n import language_names, t, t_all
from score_impact.services import devices
from score_impact.services.scope import scope_of
from tests.app.kiosk_driver import click, open_app
from tests.conftest import MANAGER_CODE, WORKER_CODE

PICKER = list(language_names().values())  # the kiosk's first screen: every language


def _shown(at) -> str:  # noqa: ANN001
    kinds = ("markdown", "caption", "title", "info", "success", "error", "warning", "html")
    return "\n".join(str(getattr(e, "value", e.proto)) for k in kinds for e in at.get(k))


def test_the_kiosk_refuses_a_manager_round_code(world):
    at = open_app(MANAGER_CODE)
    assert not at.exception
    assert [e.value for e in at.error] == [t_all("kiosk.not_worker_round", sep="  \n")]
    assert not [b for b in at.button if b.label in PICKER]


def test_the_resume_code_is_shown_only_when_the_worker_pauses(world, rt):
    at = open_app(WORKER_CODE)
    at.button(key="lang-zh").click().run()
    click(at, t("kiosk.agree", "zh"))
    click(at, "Alpha Garments")
    click(at, t("kiosk.skip_code", "zh"))  # the first draft is saved here
    with rt.session() as s:
        [draft] = s.scalars(select(AttemptDraft)).all()
    assert draft.resume_code not in _shown(at)  # not on the question screens
    click(at, t("kiosk.pause", "zh"))
    assert at.title[0].value == t("kiosk.paused_title", "zh")
    assert draft.resume_code in _shown(at)
    click(at, t("kiosk.continue_now", "zh"))
    assert "第 1 页" in at.get("progress")[0].proto.text
    assert draft.resume_code not in _shown(at)
    click(at, t("kiosk.pause", "zh"))
    click(at, t("kiosk.pause_done", "zh"))  # handed on: a clean tablet, code not shown
    assert [b.label for b in at.button][: len(PICKER)] == PICKER
    assert draft.resume_code not in _shown(at)


def test_an_enrolled_only_round_needs_an_enrolled_tablet(world, rt, accounts, monkeypatch):
    with rt.session() as s:
        round_ = s.get(SurveyRound, world.worker_round_id)
        round_.settings = {devices.ROUND_SETTING: True}
        s.commit()
        trainer = scope_of(s, s.scalar(select(User).where(User.username == accounts.trainer)))
        link = devices.create_enrolment(s, trainer, round_.cohort_id, join_code=WORKER_CODE)
        _, token, _ = devices.enrol_device(s, link.token)
    at = open_app(WORKER_CODE)
    assert [e.value for e in at.error] == [t_all("kiosk.not_enrolled", sep="  \n")]
    # AppTest cannot send cookies: the page's cookie reader stands in for the browser
    monkeypatch.setattr("pages.kiosk_start.device_token", lambda: token)
    at = open_app(WORKER_CODE)
    assert not at.error and [b.label for b in at.button][: len(PICKER)] == PICKER
    assert at.session_state["attempt"].device_id is not None
