"""Trainers see the join codes, tablet links and QR codes of their own cohorts' worker
rounds (AppTest), with a warning when a round is not open or the address is local."""

from __future__ import annotations

from sqlalchemy import select

from score_impact.db.models import Cohort, Enterprise
from score_impact.i18n import t
from score_impact.services.accounts import create_user
from tests.app.test_roles import TABLETS, as_user
from tests.conftest import CLOSED_CODE, MANAGER_CODE, PASSWORD, WORKER_CODE


def test_a_trainer_gets_the_links_of_their_own_worker_rounds(rt, accounts, sign_in_as):
    at = as_user(sign_in_as, accounts.trainer)
    at.switch_page(TABLETS).run()
    assert not at.exception and at.title[0].value == t("links.title", "en")
    [picker] = at.selectbox
    assert len(picker.options) == 2  # the open and the closed worker round, no manager round
    assert picker.options[0].endswith(t("admin.status.open", "en"))  # open first
    text = " ".join(m.value for m in at.markdown)
    assert f"**{WORKER_CODE}**" in text and f"/?code={WORKER_CODE}" in text
    assert MANAGER_CODE not in text and len(at.get("image")) == 1  # the QR code
    assert t("links.local_address", "en") in [w.value for w in at.warning]  # localhost
    at.text_input(key="links_base").input("http://192.168.1.20:8501").run()
    assert not at.warning
    picker.select_index(1).run()
    assert f"**{CLOSED_CODE}**" in " ".join(m.value for m in at.markdown)
    assert at.warning[0].value.startswith("This round is closed")


def test_a_trainer_of_another_cohort_sees_none_of_them(rt, accounts, sign_in_as):
    with rt.session() as s:
        outsider = s.scalar(select(Enterprise).where(Enterprise.name == "Gamma Outsider"))
        other = Cohort(name="Other cohort", module="workplace_cooperation", enterprises=[outsider])
        s.add(other)
        s.flush()
        create_user(
            s, username="trainer2", password=PASSWORD, role="trainer", cohort_ids=[other.id]
        )
    at = as_user(sign_in_as, "trainer2")
    at.switch_page(TABLETS).run()
    assert [i.value for i in at.info] == [t("links.none", "en")]
    assert WORKER_CODE not in " ".join(m.value for m in at.markdown)
