"""The data-quality and tablets pages (AppTest): a trainer excludes a flagged burst and
restores it; the tablets page makes an enrolment link; other roles are refused."""

from __future__ import annotations

from sqlalchemy import select

from score_impact.db.models import AuditEvent, ResponseExclusion
from score_impact.i18n import t
from tests.app.test_dashboard import demo, open_as  # noqa: F401  (fixtures)
from tests.services.test_quality import stuff_ballot


def test_trainer_excludes_a_burst_and_restores_it(demo, open_as):  # noqa: F811
    _, ids = stuff_ballot(demo, 30)
    at = open_as("pages/quality.py", "trainer.li")
    assert not at.exception
    at.selectbox[2].set_value("burst").run()  # show: bursts
    button = t("quality.exclude", "en", n=30)
    assert button in [b.label for b in at.button]
    at.text_input[0].input("30 responses from one tablet in a minute")
    next(b for b in at.button if b.label == button).click().run()
    assert not at.exception
    with demo.session() as s:
        assert sorted(s.scalars(select(ResponseExclusion.response_id))) == sorted(ids)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "response.exclude")).one()
        assert event.username == "trainer.li"
    restore = t("quality.restore", "en", n=30)
    next(b for b in at.button if b.label == restore).click().run()
    with demo.session() as s:
        assert s.scalars(select(ResponseExclusion)).all() == []


def test_trainer_makes_an_enrolment_link(demo, open_as):  # noqa: F811
    at = open_as("pages/devices.py", "trainer.li")
    assert not at.exception
    next(b for b in at.button if b.label == t("devices.create", "en")).click().run()
    assert not at.exception
    assert any("/enrol?token=" in c.value for c in at.code)


def test_brands_cannot_open_the_quality_or_tablet_pages(demo, open_as):  # noqa: F811
    for path in ("pages/quality.py", "pages/devices.py"):
        at = open_as(path, "northwind")
        assert not at.exception and at.error and not at.button
