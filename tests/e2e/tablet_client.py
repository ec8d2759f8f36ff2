"""Driving the offline tablet client (/tablet?code=...) in a browser: shared by the offline
test and the tap benchmark (bench/tablet_taps.py)."""

from __future__ import annotations

from score_impact.i18n import enterprise_name, t

ZH = "zh"
PIN = "2468"
CODE_ELEMENTS = {
    "birth_day": "17",
    "mother_birth_month": "3",
    "older_siblings": "2",
    "birth_year_last_digit": "9",
}


def tap(page, name: str) -> None:  # noqa: ANN001
    page.get_by_role("button", name=name, exact=True).click()


def type_pin(page, pin: str = PIN) -> None:  # noqa: ANN001
    for digit in pin:
        page.locator(".pad-pin button.key", has_text=digit).click()


def install(page, base_url: str, code: str) -> None:  # noqa: ANN001
    """The trainer opens the round online, waits until it works offline, sets the PIN."""
    page.goto(f"{base_url}/tablet?code={code}")
    page.locator("#offline-ready.ok").wait_for(timeout=60_000)
    type_pin(page)
    type_pin(page)
    page.get_by_role("button", name="中文", exact=True).wait_for()
    controlled = page.evaluate(
        "navigator.serviceWorker.ready.then(() => Boolean(navigator.serviceWorker.controller))"
    )
    assert controlled, "the service worker controls the page"


def answer_section(page) -> None:  # noqa: ANN001
    """Answer every unanswered choice on the screen (follow-up questions appear as they
    become visible): the 4th Likert point, otherwise the first option."""
    for _ in range(40):
        pending = [
            g for g in page.locator(".options").all() if g.locator("input:checked").count() == 0
        ]
        if not pending:
            return
        options = pending[0].locator(".option label")
        options.nth(3 if options.count() == 5 else 0).click()


def start_worker(page, factory: str) -> None:  # noqa: ANN001
    """Language, consent, factory and private code: up to the first question."""
    tap(page, "中文")
    tap(page, t("kiosk.agree", ZH))
    tap(page, enterprise_name(factory, ZH))  # as Chinese workers know it
    for element, value in CODE_ELEMENTS.items():
        page.locator(f'fieldset[data-element="{element}"] button.key', has_text=value).first.click()
    page.locator(".actions .btn.primary").click()
    page.locator(".progress").wait_for()


def finish_worker(page) -> None:  # noqa: ANN001
    """Answer the remaining screens, submit, and hand the tablet to the next person."""
    review = t("kiosk.review_title", ZH)
    for _ in range(30):
        if page.locator("h1").first.inner_text() == review:
            break
        answer_section(page)
        page.locator("#next").click()
    else:
        raise AssertionError("never reached the review screen")
    page.locator("#submit").click()
    page.get_by_role("heading", name=t("kiosk.thanks", ZH)).wait_for()
    tap(page, t("kiosk.next_worker", ZH))
    page.get_by_role("button", name="中文", exact=True).wait_for()


def open_panel(page) -> None:  # noqa: ANN001
    page.locator("#trainer").click()
    type_pin(page)
    page.locator("#pending").wait_for()


def pending(page) -> int:  # noqa: ANN001
    return int(page.locator("#pending").get_attribute("data-n"))
