"""A traceback never reaches the page: a forced failure in the tablet survey and on a staff
page (AppTest through app.py), and the Streamlit setting that hides its own error text."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import select

from score_impact.db.models import AttemptDraft
from score_impact.i18n import language_names, t
from score_impact.kiosk import KioskAttempt
from score_impact.services import admin
from tests.app.kiosk_driver import answer_screen, click, open_app
from tests.app.test_roles import as_user
from tests.conftest import ROOT, WORKER_CODE

SECRET = "boom at /srv/score/secret_path.py line 42"

pytestmark = pytest.mark.error_screen

PICKER = list(language_names().values())  # the kiosk's first screen: every language


def _everything_shown(at) -> str:  # noqa: ANN001
    parts = [e.value for kind in ("markdown", "error", "info", "warning", "success", "title")
             for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]  # fmt: skip
    parts += [str(e.proto) for e in at.get("exception")]
    return "\n".join(parts)


def test_settings_hide_error_details_in_every_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_worker_sees_a_calm_screen_in_chinese_with_the_resume_code(world, rt, monkeypatch):
    """The probe: any uncaught exception showed a full traceback on an anonymous tablet."""
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = open_app(WORKER_CODE)
    at.button(key="lang-zh").click().run()
    click(at, t("kiosk.agree", "zh"))
    click(at, "Alpha Garments")
    click(at, t("kiosk.skip_code", "zh"))
    answer_screen(at, survey)

    def fail(self, values):  # noqa: ANN001, ANN202
        raise RuntimeError(SECRET)

    with monkeypatch.context() as patch:
        patch.setattr(KioskAttempt, "next", fail)
        click(at, "下一页")
    assert not at.exception
    shown = _everything_shown(at)
    assert "boom" not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    assert at.error[0].value == t("error.worker", "zh")
    with rt.session() as s:
        [draft] = s.scalars(select(AttemptDraft)).all()
    assert draft.resume_code in at.info[0].value  # the answers so far can be continued
    assert "重新开始" in [b.label for b in at.button]

    click(at, "重新开始")  # a clean tablet, the round kept: ready for the code
    assert not at.exception and [b.label for b in at.button][: len(PICKER)] == PICKER


def test_staff_page_failure_shows_a_reference_not_a_traceback(
    accounts, rt, monkeypatch, sign_in_as
):
    def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError(SECRET)

    monkeypatch.setattr(admin, "audit_events", fail)
    at = as_user(sign_in_as, accounts.admin).switch_page("pages/admin_audit.py").run()
    assert not at.exception
    shown = _everything_shown(at)
    assert "boom" not in shown and "Traceback" not in shown
    assert any("reference" in e.value for e in at.error)
