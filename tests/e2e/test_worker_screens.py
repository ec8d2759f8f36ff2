"""Every worker screen in every shipped language, on a 768x1024 tablet and a 360x740 phone.

One walk per (viewport, language) through the whole survey, on the one shared app server,
checks each screen as it reaches it (docs/tablet-screens.md, "How the screens are checked"):

- it opens at its top after every Next (the page is scrolled down before each tap), or,
  on purpose, at the first missing answer or at the answer tapped in the review;
- no element is wider than the viewport, and nothing scrolls sideways;
- no English interface or survey string is left on a non-English screen (names excepted;
  for scripts without Latin letters, no Latin word at all);
- axe-core finds no serious or critical violation (``axe-playwright-python`` injects its
  bundled axe.min.js into the page; it downloads nothing);

and saves a viewport screenshot of each screen to test-artifacts/screenshots/worker/, or,
with ``SCORE_DOC_SCREENSHOTS=1``, to docs/screenshots/worker/ (the committed ones).
The languages come from ``score_impact.i18n.languages()``, so a new language is walked as
soon as its files exist.
"""

from __future__ import annotations

import io
import os
import re
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from score_impact.db.engine import make_engine
from score_impact.db.models import Enterprise
from score_impact.i18n import LANGUAGES, enterprise_name, languages, speech_tag, t
from score_impact.names import factory_name
from tests.conftest import ROOT
from tests.e2e.conftest import AppServer, settle
from tests.e2e.test_worker_survey import (
    FACTORY_NAME,
    JOIN_CODE,
    UNANSWERED,
    answer_screen,
    fill_code,
    stored_responses,
)
from tests.english import english_left

VIEWPORTS = {"tablet": {"width": 768, "height": 1024}, "phone": {"width": 360, "height": 740}}
DOC_SHOTS = ROOT / "docs" / "screenshots" / "worker"
ARTIFACT_SHOTS = ROOT / "test-artifacts" / "screenshots" / "worker"
PROPER_NAMES = ["SCORE"]  # the programme's name is not translated

MAIN = '[data-testid="stMain"]'
WIDER_THAN_VIEWPORT = """() => {
  // Elements reaching past the viewport's edges, unless an ancestor clips them (a progress
  // bar's fill slides in from the left); a box that scrolls sideways is reported too.
  const width = document.documentElement.clientWidth;
  const main = document.querySelector('[data-testid="stMain"]');
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      const r = a.getBoundingClientRect(), o = getComputedStyle(a).overflowX;
      if (o !== "visible" && r.left >= -0.5 && r.right <= width + 0.5) return true;
    }
    return false;
  };
  const wide = [];
  for (const e of main.querySelectorAll("*")) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && (r.right > width + 0.5 || r.left < -0.5) && !clipped(e))
      wide.push(`${e.tagName}.${String(e.className).slice(0, 50)} ${r.left}..${r.right}`);
    const o = getComputedStyle(e).overflowX;
    if ((o === "auto" || o === "scroll") && e.scrollWidth > e.clientWidth + 1)
      wide.push(`${e.tagName}.${String(e.className).slice(0, 50)} scrolls sideways`);
  }
  return wide.slice(0, 5);
}"""


@dataclass
class Walk:
    """One worker's walk: checks and photographs each screen it reaches."""

    page: object
    lang: str
    viewport: str
    names: list[str]
    shots: Path
    seen: list[str] = field(default_factory=list)
    axe_seconds: float = 0.0

    def scroll_down(self) -> None:
        """Like a worker who scrolled down to reach the buttons."""
        self.page.locator(MAIN).evaluate("main => { main.scrollTop = main.scrollHeight; }")

    def scroll_top(self) -> float:
        return self.page.locator(MAIN).evaluate("main => main.scrollTop")

    def opens_at_top(self) -> None:
        try:
            self.page.wait_for_function(
                f"document.querySelector('{MAIN}').scrollTop === 0", timeout=3000
            )
        except Exception:  # noqa: BLE001 - report the position instead of a timeout
            pytest.fail(f"{self.where}: opened scrolled down by {self.scroll_top()} px")
        box = self.page.locator(f"{MAIN} h1").first.bounding_box()
        assert box and 0 <= box["y"] < VIEWPORTS[self.viewport]["height"] / 2, self.where

    def opens_at(self, question: str) -> None:
        """The screen opened with question block ``question`` near the top."""
        block = self.page.locator(f".st-key-kq-{question}")
        height = VIEWPORTS[self.viewport]["height"]
        for _ in range(30):
            box = block.bounding_box()
            if box and 0 <= box["y"] < height * 0.4:
                return
            self.page.wait_for_timeout(100)
        pytest.fail(f"{self.where}: question {question} is not at the top ({box})")

    @property
    def where(self) -> str:
        return f"{self.lang}/{self.viewport} {self.seen[-1] if self.seen else 'start'}"

    def screen(
        self, name: str, multilingual: bool = False, at_top: bool = True, sidebar: bool = False
    ) -> None:
        settle(self.page)
        self.seen.append(name)
        if at_top:
            self.opens_at_top()
        wide = self.page.evaluate(WIDER_THAN_VIEWPORT)
        assert not wide, f"{self.where}: wider than the viewport: {wide}"
        if not multilingual:
            self.no_english()
        self.accessible(MAIN if sidebar else None)
        path = self.shots / f"{self.lang}-{self.viewport}-{len(self.seen):02d}-{name}.png"
        if self.shots == DOC_SHOTS:  # committed: 128 colours keep flat screens sharp, 1/3 size
            image = Image.open(io.BytesIO(self.page.screenshot())).convert("RGB")
            image.quantize(128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        else:
            self.page.screenshot(path=str(path))

    def no_english(self) -> None:
        if self.lang == "en":
            return
        text = self.page.locator(MAIN).inner_text()
        for name in self.names:
            text = text.replace(name, " ")
        left = english_left(text, self.lang)
        assert not left, f"{self.where}: English on a {self.lang} screen: {left[:5]}"

    def accessible(self, only: str | None) -> None:
        """axe-core on the whole page, or only on ``only`` (see the join-code screen)."""
        from axe_playwright_python.sync_playwright import Axe

        started = time.monotonic()
        context = {"include": [[only]]} if only else None
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} - {v['nodes'][0]['html'][:120]}"
            for v in Axe().run(self.page, context).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        self.axe_seconds += time.monotonic() - started
        assert not violations, f"{self.where}: {violations}"

    def tap(self, label: str) -> None:
        self.opening(lambda: self.page.get_by_role("button", name=label, exact=True).click())

    def opening(self, action) -> None:  # noqa: ANN001
        """Do ``action`` and wait until the screen it opens is drawn: each screen's script
        (pages/kiosk_ui.py) numbers it in ``window.scoreScreenSeq``."""
        before = self.page.evaluate("window.scoreScreenSeq || 0")
        action()
        self.page.wait_for_function(f"(window.scoreScreenSeq || 0) !== {before}")
        settle(self.page)

    def next(self, label: str) -> None:
        """Scroll down to the button as a worker does, and tap it."""
        self.scroll_down()
        self.tap(label)


def factory_names(database_url: str, lang: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Enterprise.id, Enterprise.name)).all()
    finally:
        engine.dispose()
    return [factory_name(row, lang) for row in rows]


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = DOC_SHOTS if os.environ.get("SCORE_DOC_SCREENSHOTS") == "1" else ARTIFACT_SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("lang", list(languages()))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_worker_screen(browser, app_server: AppServer, shots: Path, viewport, lang):  # noqa: ANN001
    started = time.monotonic()
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=speech_tag(lang))
    context.set_default_timeout(30_000)
    page = context.new_page()
    names = [*factory_names(app_server.database_url, lang), *LANGUAGES.values(), *PROPER_NAMES]
    walk = Walk(page, lang, viewport, names, shots)
    before = stored_responses(app_server.database_url, lang)
    try:
        # A tablet opened without its join link: the code screen. It is also the public home
        # page, so it has the staff sidebar, whose navigation list is Streamlit's own markup
        # (axe: "list", "listitem"): axe checks the survey part of this one screen.
        page.goto(app_server.base_url)
        page.get_by_role("textbox").wait_for(timeout=60_000)
        walk.screen("join-code", multilingual=True, sidebar=True)

        page.goto(f"{app_server.base_url}/?code={JOIN_CODE}")
        page.get_by_role("button", name=LANGUAGES[lang], exact=True).wait_for(timeout=60_000)
        walk.screen("language", multilingual=True)
        walk.tap(LANGUAGES[lang])
        walk.screen("consent")
        walk.next(t("kiosk.agree", lang))
        walk.screen("factory")
        walk.tap(enterprise_name(FACTORY_NAME, lang))
        walk.screen("private-code")
        fill_code(page)
        walk.next(t("kiosk.next", lang))

        first_section = True
        review = page.get_by_role("heading", name=t("kiosk.review_title", lang), exact=True)
        for number in range(1, 13):
            page.locator('[data-testid="stProgress"]').or_(review).first.wait_for()
            if review.count():
                break
            walk.screen(f"questions-{number}")
            if first_section:  # Next with nothing answered: opens at the first question
                first = page.locator(UNANSWERED).first.get_attribute("class")
                first = re.search(r"st-key-kq-(\S+)", first).group(1)
                walk.next(t("kiosk.next", lang))
                walk.screen("missing-answer", at_top=False)
                walk.opens_at(first)
                first_section = False
            assert answer_screen(page) > 0, walk.where
            walk.next(t("kiosk.next", lang))
        else:
            pytest.fail("never reached the review screen")
        walk.screen("review")

        rows = page.locator('[class*="st-key-krev-"]')
        jump = rows.nth(rows.count() // 2)  # an answer in the middle of the survey
        item = re.search(r"st-key-krev-(\S+)", jump.get_attribute("class")).group(1)
        walk.opening(jump.locator(".stButton button").click)
        walk.screen("change-an-answer", at_top=False)
        walk.opens_at(item)
        walk.next(t("kiosk.to_review", lang))
        walk.screen("review-again")
        walk.next(t("kiosk.submit", lang))
        page.get_by_text(t("kiosk.thanks", lang), exact=True).wait_for()
        walk.screen("thank-you")
        assert stored_responses(app_server.database_url, lang)[0] == before[0] + 1

        again = page.get_by_role("button", name=t("kiosk.next_worker", lang), exact=True)
        with suppress(PlaywrightError):  # the next worker, who says no (the screen may
            walk.opening(lambda: again.click(timeout=3000))  # have cleared itself already)
        page.get_by_role("button", name=LANGUAGES[lang], exact=True).wait_for()
        walk.tap(LANGUAGES[lang])
        walk.next(t("kiosk.decline", lang))
        walk.screen("declined")
    finally:
        context.close()
    took = time.monotonic() - started
    print(
        f"{lang}/{viewport}: {len(walk.seen)} screens in {took:.0f}s, axe {walk.axe_seconds:.0f}s"
    )
