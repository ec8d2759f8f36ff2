"""Roles through the real app (AppTest): which pages each role can open, the sign-in page
and its messages in both languages, sign-out elsewhere, idle timeout, password change, a
staff URL opened signed out, and the manager page per role. (The sign-in and sign-out
routes themselves: tests/web/test_session_routes.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from score_impact.db.models import KpiValue, StaffSession, User
from score_impact.i18n import t
from score_impact.services.accounts import set_password
from score_impact.services.sessions import SIGNED_OUT_COOKIE, _digest, end_session
from tests.conftest import MANAGER_CODE, PASSWORD, ROOT

KIOSK, LOGIN, MANAGER = "pages/kiosk.py", "pages/login.py", "pages/manager.py"
DASHBOARD, BRAND_REPORT = "pages/dashboard.py", "pages/brand_report.py"
PAPER, ACTIONS, TABLETS = "pages/paper_entry.py", "pages/actions.py", "pages/tablet_links.py"
ADMIN_PAGES = ("pages/admin_org.py", "pages/admin_rounds.py", "pages/admin_surveys.py")
AUDIT, ACCOUNT = "pages/admin_audit.py", "pages/account.py"
EVERY_PAGE = (
    *(KIOSK, LOGIN, MANAGER, PAPER, TABLETS, DASHBOARD, ACTIONS, BRAND_REPORT, *ADMIN_PAGES),
    *(AUDIT, ACCOUNT),
)
CAN_OPEN = {
    None: {KIOSK, LOGIN},
    "admin": set(EVERY_PAGE),
    "trainer": {KIOSK, LOGIN, PAPER, TABLETS, DASHBOARD, ACTIONS, ACCOUNT},
    "brand": {KIOSK, LOGIN, BRAND_REPORT, ACCOUNT},
    "manager": {KIOSK, LOGIN, MANAGER, ACTIONS, ACCOUNT},
}


WALL = "pages/sign_in_wall.py"


def open_app(url: str | None = None) -> AppTest:
    """The app opened at ``/url``: AppTest cannot navigate by URL, so a staff URL opened
    without the right to it is followed by a switch to the page registered there.

    Use url paths that are no file name in pages/ (``audit``, not ``dashboard``): AppTest
    starts every run in Streamlit's pages-directory mode, in which ``st.context.url`` drops
    a trailing file name. (The server leaves that mode at start-up: app.py.)"""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if url:
        at.context["url"] = f"http://localhost/{url}"  # the address bar (st.context.url)
    at.run()
    if url and registered(at, WALL):
        at.run()
    return at


def as_user(sign_in_as, username: str, idle: timedelta = timedelta(0)) -> AppTest:
    """The app for a user who signed in earlier (``idle`` ago), run once.

    Navigation is checked on this first run only. AppTest resets Streamlit's "app has a
    pages/ folder" flag before every run, so after ``switch_page`` it runs the page file on
    its own (old multipage mode), without ``app.py``: those runs test the page's own
    ``require_role`` guard and what it renders, not the router.
    """
    sign_in_as(username, idle=idle)
    return open_app()


def titles(at: AppTest) -> list[str]:
    return [e.value for e in at.title]


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.switch_page(LOGIN).run()
    at.text_input(key="login_username").input(username)
    [secret] = [i for i in at.text_input if i.label in (t("login.password", "en"), "密码")]
    secret.input(password)
    [submit] = [
        b for b in at.button if b.label in (t("login.submit", "en"), t("login.submit", "zh"))
    ]
    return submit.click().run()


def registered(at: AppTest, page: str) -> bool:
    """Whether navigation offers ``page`` (AppTest refuses to switch to any other page)."""
    try:
        at.switch_page(page)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("role", list(CAN_OPEN))
def test_navigation_offers_only_the_pages_of_the_role(rt, accounts, sign_in_as, role):
    at = open_app() if role is None else as_user(sign_in_as, getattr(accounts, role))
    assert not at.exception, at.exception
    if not (ROOT / DASHBOARD).exists():  # built by another change; not yet in this tree
        pytest.skip("results pages not present")
    offered = {page for page in EVERY_PAGE if registered(at, page)}
    assert offered == CAN_OPEN[role]


@pytest.mark.parametrize("page", [*ADMIN_PAGES, AUDIT])
def test_admin_pages_render_for_an_admin(rt, accounts, sign_in_as, page):
    at = as_user(sign_in_as, accounts.admin)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert titles(at) == [PAGE_TITLES[page]] and not at.error


PAGE_TITLES = {
    "pages/admin_org.py": "Brands, factories and cohorts",
    "pages/admin_rounds.py": "Survey rounds",
    "pages/admin_surveys.py": "Survey versions",
    AUDIT: "Audit log",
}


def test_sign_in_page_posts_a_form_to_the_sign_in_route(rt, accounts):
    """The password never travels over the websocket: the page only draws an HTML form."""
    at = open_app()
    at.switch_page(LOGIN).run()
    [form] = [h.proto.body for h in at.get("html") if "/auth/signin" in h.proto.body]
    assert 'method="post"' in form and 'type="password"' in form
    assert not at.text_input  # no Streamlit widget holds the password


def test_refused_sign_in_says_so_in_the_chosen_language(rt, accounts):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["ui_lang"] = "zh"  # chosen in the sidebar switch
    at.query_params["error"] = "failed"
    at.run().switch_page(LOGIN).run()
    assert at.title[0].value == "登录"
    assert [e.value for e in at.error] == [t("login.failed", "zh")]


def test_wait_message_says_how_long_and_ignores_forged_values(rt, accounts):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["error"] = "locked"
    at.query_params["seconds"] = "16"
    at.run().switch_page(LOGIN).run()
    assert [e.value for e in at.error] == [t("login.locked", "en", seconds="16")]
    at.query_params["seconds"] = "<b>soon</b>"
    at.run()
    assert not at.error


@pytest.mark.parametrize("role", ["trainer", "brand", "manager"])
def test_signed_in_users_see_who_they_are(rt, accounts, sign_in_as, role):
    at = as_user(sign_in_as, getattr(accounts, role))
    at.switch_page(LOGIN).run()
    assert at.success[0].value.startswith("Signed in as")
    forms = [h.proto.body for h in at.get("html") if "/auth/signout" in h.proto.body]
    assert forms, "a sign-out button"
    at.switch_page(AUDIT).run()  # no admin: the audit page is not served
    assert "Audit log" not in titles(at) and not at.exception


def test_sign_out_elsewhere_removes_the_pages_of_the_role(rt, accounts, sign_in_as):
    at = as_user(sign_in_as, accounts.admin)
    token = sign_in_as(accounts.admin)  # the same browser's cookie, signed out in another tab
    assert registered(at, AUDIT)
    with rt.session() as s:
        end_session(s, token, datetime.now(UTC))
    at = open_app("audit")
    assert titles(at) == [t("nav.admin_audit", "en")]  # the page's URL answers, signed out
    assert at.info[0].value == t("login.signed_out", "en")
    assert not registered(at, AUDIT)


def test_reload_after_sign_out_says_so_in_the_language_used(rt, accounts, monkeypatch):
    import pages.auth

    monkeypatch.setattr(pages.auth, "request_cookies", lambda: {SIGNED_OUT_COOKIE: "zh"})
    at = open_app("brand")
    assert titles(at) == [t("nav.brand_report", "zh")]
    assert at.info[0].value == t("login.signed_out", "zh")
    assert not at.exception


def test_a_staff_url_without_any_session_asks_to_sign_in(rt, accounts):
    at = open_app("organisation")
    assert titles(at) == [t("nav.admin_org", "en")]
    assert at.info[0].value == t("login.required", "en")


def test_idle_session_times_out_on_the_next_page_run(rt, accounts, sign_in_as):
    sign_in_as(accounts.admin, idle=timedelta(minutes=31))
    at = open_app("audit")
    assert titles(at) == [t("nav.admin_audit", "en")]
    assert at.info[0].value == t("login.expired", "en", minutes=30)
    assert not registered(at, AUDIT)


def test_activity_keeps_the_session_alive(rt, accounts, sign_in_as):
    token = sign_in_as(accounts.admin, idle=timedelta(minutes=29))
    at = open_app()
    at.switch_page(AUDIT).run()
    assert titles(at) == ["Audit log"]
    with rt.session() as s:
        row = s.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    seen = (
        row.last_seen_at.replace(tzinfo=UTC)
        if row.last_seen_at.tzinfo is None
        else row.last_seen_at
    )
    assert datetime.now(UTC) - seen < timedelta(minutes=1)


def test_a_password_change_signs_the_user_out(rt, accounts, sign_in_as):
    sign_in_as(accounts.trainer)
    with rt.session() as s:
        user_id = s.scalar(select(User.id).where(User.username == accounts.trainer))
        set_password(s, user_id, "a brand new passphrase", actor="admin")
    at = open_app("paper")
    assert at.info[0].value == t("login.ended_password", "en")
    assert not registered(at, DASHBOARD)


def test_manager_sees_only_their_factory_and_saves_kpis_without_a_join_code(
    rt, world, accounts, sign_in_as
):
    at = as_user(sign_in_as, accounts.manager)
    at.switch_page(MANAGER).run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Alpha Garments"
    assert not [b for b in at.selectbox if b.label == t("manager.enterprise", "en")]
    [round_box] = [b for b in at.selectbox if b.label == t("manager.round", "en")]
    assert round_box.options == [f"Test cohort · baseline ({MANAGER_CODE})"]
    # raw counts in, the rate computed and shown, the counts stored
    typed = {"leavers": "6", "headcount_start": "210", "headcount_end": "190"}
    for field, value in typed.items():
        box = next(i for i in at.text_input if i.key and i.key.endswith(f":kpi:{field}"))
        box.input(value).run()
    rates = at.dataframe[-1].value
    turnover = rates[rates[t("manager.col.kpi", "en")] == "Worker turnover rate"]
    assert turnover[t("manager.col.value", "en")].tolist() == ["3.00"]
    [save] = [b for b in at.button if b.label == t("manager.save_kpis", "en")]
    save.click().run()
    assert not at.error
    with rt.session() as s:
        stored = {k.kpi_id: k.value for k in s.scalars(select(KpiValue))}
        assert {k.enterprise_id for k in s.scalars(select(KpiValue))} == {world.enterprise_ids[0]}
    assert stored == {"leavers": 6.0, "headcount_start": 210.0, "headcount_end": 190.0}
    # a count larger than the one it is part of is refused, in the manager's language
    box = next(i for i in at.text_input if i.key and i.key.endswith(":kpi:voluntary_quits"))
    box.input("9").run()
    [save] = [b for b in at.button if b.label == t("manager.save_kpis", "en")]
    save.click().run()
    assert at.error[0].value == t(
        "validation.at_most", "en", other="Workers who left last month", value="6"
    )


def test_admin_picks_any_factory_on_the_manager_page(rt, world, accounts, sign_in_as):
    at = as_user(sign_in_as, accounts.admin)
    at.switch_page(MANAGER).run()
    [factory] = [b for b in at.selectbox if b.label == t("manager.enterprise", "en")]
    assert factory.options == ["Alpha Garments", "Beta Knitwear", "Gamma Outsider"]
    factory.select(world.other_enterprise_id).run()
    assert at.info[0].value == t("manager.no_open_round", "en")  # not in any cohort
    factory.select(world.enterprise_ids[1]).run()
    assert [b for b in at.selectbox if b.label == t("manager.round", "en")]


def test_tablet_survey_stays_public(rt, world):
    at = open_app()
    assert at.title[0].value.startswith(t("kiosk.title", "en"))
    assert not registered(at, MANAGER)
