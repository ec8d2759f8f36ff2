"""The offline tablet client in a real Chromium, as a training day without Wi-Fi:

installed online by the trainer, then offline before the first question; five workers
complete the survey (one of them across a reload, mid-questionnaire); the page is reloaded
offline and still works; the browser is closed and started again on the same profile;
back online, the queue is sent: exactly five responses, each once, with the right factory
and round, and the trainer's pending count goes 5 -> 0.

And a tablet that reaches the server over plain HTTP by a LAN name (no secure context,
so no service worker) is told so in every language and continues on the online kiosk.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from score_impact.db.engine import make_engine
from score_impact.db.models import Response, SurveyRound
from score_impact.i18n import languages, t
from tests.e2e.conftest import CHROMIUM_ARGS, TABLET, AppServer, chromium_path, shot
from tests.e2e.tablet_client import (
    ZH,
    answer_section,
    finish_worker,
    install,
    open_panel,
    pending,
    start_worker,
)

JOIN_CODE = "AFWDEMO"
FACTORIES = ["Dongguan Evergreen Garments", "Dongguan Pearl River Knitwear",
             "Shenzhen Brightway Components"]  # fmt: skip


def responses(database_url: str, code: str = JOIN_CODE) -> dict[str, tuple[int, int, str, str]]:
    """client_uuid -> (round id, enterprise id, language, source) for a demo round."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            round_id = conn.scalar(select(SurveyRound.id).where(SurveyRound.join_code == code))
            rows = conn.execute(
                select(Response.client_uuid, Response.round_id, Response.enterprise_id,
                       Response.language, Response.source)
                .where(Response.round_id == round_id)
            ).all()  # fmt: skip
        return {r[0]: tuple(r[1:]) for r in rows}
    finally:
        engine.dispose()


def enterprise_ids(database_url: str) -> dict[str, int]:
    from score_impact.db.models import Enterprise

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(Enterprise.name, Enterprise.id)).all())
    finally:
        engine.dispose()


def launch(browser, profile, offline: bool = False):  # noqa: ANN001, ANN201
    """A browser on a profile directory: closing and launching it again keeps IndexedDB,
    the service worker and its cache, as a tablet's browser does across a restart."""
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        viewport=TABLET,
        locale="zh-CN",
        offline=offline,
    )
    context.set_default_timeout(30_000)
    return context, (context.pages[0] if context.pages else context.new_page())


def queued_uuids(page) -> set[str]:  # noqa: ANN001
    """The client UUIDs in the tablet's outbox (IndexedDB), read in the page."""
    return set(
        page.evaluate(
            """async () => {
              const store = await import('/tablet/static/store.js');
              return (await store.outbox()).map((i) => i.payload.client_uuid);
            }"""
        )
    )


def test_five_workers_offline_then_exactly_five_responses(
    browser,  # noqa: ANN001
    app_server: AppServer,
    tmp_path,
) -> None:
    before = responses(app_server.database_url)
    ids = enterprise_ids(app_server.database_url)
    profile = tmp_path / "tablet-profile"
    context, page = launch(browser, profile)
    try:
        install(page, app_server.base_url, JOIN_CODE)
        shot(page, "offline-1-installed")
        context.set_offline(True)  # the Wi-Fi goes before the first question
        chosen = []
        for worker in range(5):
            factory = FACTORIES[worker % len(FACTORIES)]
            chosen.append(ids[factory])
            start_worker(page, factory)
            if worker == 2:  # the page is reloaded mid-questionnaire, offline
                answer_section(page)
                title = page.locator("h1").first.inner_text()
                page.reload()
                page.get_by_role("heading", name=title).wait_for()
                assert page.locator(".options input:checked").count() > 0  # answers kept
                shot(page, "offline-2-reloaded-mid-survey")
            finish_worker(page)
        assert responses(app_server.database_url) == before  # nothing could be sent
        open_panel(page)
        assert pending(page) == 5
        uuids = queued_uuids(page)
        shot(page, "offline-3-five-waiting")
    finally:
        context.close()  # the tablet's browser is closed (or the tablet restarts)

    context, page = launch(browser, profile, offline=True)
    try:
        page.goto(f"{app_server.base_url}/tablet?code={JOIN_CODE}")  # still offline
        page.get_by_role("button", name="中文", exact=True).wait_for()
        open_panel(page)
        assert pending(page) == 5
        context.set_offline(False)  # back in Wi-Fi range: the queue goes by itself
        page.locator('#pending[data-n="0"]').wait_for(timeout=90_000)
        shot(page, "offline-4-all-sent")
    finally:
        context.close()

    after = responses(app_server.database_url)
    new = {uuid: row for uuid, row in after.items() if uuid not in before}
    assert set(new) == uuids and len(new) == 5  # exactly the five, each once
    round_id = next(iter(new.values()))[0]
    assert {row[0] for row in new.values()} == {round_id}
    assert sorted(row[1] for row in new.values()) == sorted(chosen)
    assert {(row[2], row[3]) for row in new.values()} == {(ZH, "tablet")}


@pytest.fixture
def lan_browser(browser):  # noqa: ANN001, ANN201
    """Chromium resolving ``tablet.lan`` to this machine: a plain-HTTP LAN name, which is
    not a secure context (unlike localhost), so browsers allow no service worker."""
    lan = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP tablet.lan 127.0.0.1"],
    )
    yield lan
    lan.close()


def test_plain_http_on_the_lan_says_so_and_continues_online(lan_browser, app_server: AppServer):
    port = app_server.base_url.rsplit(":", 1)[1]
    context = lan_browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"http://tablet.lan:{port}/tablet?code={JOIN_CODE}")
        for code in languages():
            page.get_by_text(t("tablet.insecure", code)).wait_for()
        assert page.evaluate("window.isSecureContext") is False
        shot(page, "offline-5-no-https")
        page.wait_for_url(f"**/?code={JOIN_CODE}", timeout=30_000)  # on to the online kiosk
        page.get_by_role("button", name="中文", exact=True).wait_for(timeout=60_000)
    finally:
        context.close()


def set_round_status(database_url: str, code: str, status: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(SurveyRound).where(SurveyRound.join_code == code).values(status=status)
            )
    finally:
        engine.dispose()


def test_a_round_closed_before_the_sync_refuses_and_the_tablet_keeps_the_answers(
    browser,  # noqa: ANN001
    app_server: AppServer,
    tmp_path,
) -> None:
    code = "CFWDEMO"  # the comparison cohort's open round: no other browser test uses it
    context, page = launch(browser, tmp_path / "profile")
    try:
        install(page, app_server.base_url, code)
        context.set_offline(True)
        start_worker(page, "Foshan Harmony Apparel")
        finish_worker(page)
        [uuid] = queued_uuids(page)
        set_round_status(app_server.database_url, code, "closed")  # closed while offline
        open_panel(page)
        context.set_offline(False)
        page.locator('#refused[data-n="1"]').wait_for(timeout=90_000)
        assert pending(page) == 0 and queued_uuids(page) == {uuid}  # refused, still kept
        assert page.get_by_text(t("tablet.refused.round_closed", "en")).count() == 1
        assert uuid not in responses(app_server.database_url, code)
        page.reload()  # the tablet learns the round is closed: no new worker starts
        page.locator("#round-closed").first.wait_for()
        set_round_status(app_server.database_url, code, "open")  # the trainer reopens it
        open_panel(page)
        page.locator("#retry-refused").click()
        page.locator('#refused[data-n="0"]').wait_for(timeout=60_000)
        assert queued_uuids(page) == set() and uuid in responses(app_server.database_url, code)
    finally:
        context.close()
