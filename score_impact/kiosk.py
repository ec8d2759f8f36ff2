"""The worker tablet flow as a plain state machine, so it is tested without a browser.

language -> consent -> factory (skipped when the round has one) -> private code ->
one screen per section -> review -> submit -> thank-you. A worker may pause on a section
or the review: the pause screen shows the resume code, and continuing goes back. The page keeps one
``KioskAttempt`` in its session and renders ``attempt.step``; nothing here knows Streamlit.
The code's elements are hashed as soon as they are entered and never kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from score_impact.db.models import utcnow
from score_impact.pairing import ELEMENTS, PairingCode, PairingCodeError, make_code
from score_impact.services.responses import Submission
from score_impact.surveys.schema import Section, Survey
from score_impact.surveys.validation import Issue, is_visible, validate_answers


class Step(StrEnum):
    LANGUAGE = "language"
    CONSENT = "consent"
    FACTORY = "factory"
    CODE = "code"
    SECTION = "section"
    REVIEW = "review"
    PAUSED = "paused"
    DONE = "done"
    DECLINED = "declined"


@dataclass
class KioskAttempt:
    round_id: int
    survey: Survey
    enterprise_ids: list[int]
    client_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    step: Step = Step.LANGUAGE
    language: str | None = None
    enterprise_id: int | None = None
    section_index: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    pairing: PairingCode | None = None
    started_at: datetime = field(default_factory=utcnow)
    resume_code: str | None = None  # set once the first draft is saved
    autoplay: bool = False  # round setting: read each question aloud when it appears
    device_id: int | None = None  # the enrolled tablet (services.devices), if any
    paused_from: Step | None = None  # the section or review a pause returns to
    from_review: bool = False  # a tap on an answer in the review opened this section

    # ----- navigation ----------------------------------------------------------------
    def choose_language(self, language: str) -> None:
        if language not in self.survey.languages:
            raise ValueError(f"language {language!r} is not offered by this survey")
        self.language = language
        self.step = Step.CONSENT

    def consent(self, agreed: bool) -> None:
        if not agreed:
            self.step = Step.DECLINED
        elif len(self.enterprise_ids) == 1:
            self.enterprise_id = self.enterprise_ids[0]
            self.step = Step.CODE
        else:
            self.step = Step.FACTORY

    def choose_factory(self, enterprise_id: int) -> None:
        if enterprise_id not in self.enterprise_ids:
            raise ValueError(f"enterprise {enterprise_id} is not in this round")
        self.enterprise_id = enterprise_id
        self.step = Step.CODE

    def set_code(self, key: bytes, elements: dict[str, int | None] | None) -> list[Issue]:
        """Hash the private code (``None`` = the worker skipped it) and go to the survey."""
        if elements is not None:
            if any(elements.get(name) is None for name in ELEMENTS):
                return [Issue("_code", "code_incomplete")]
            try:
                self.pairing = make_code(key, self._enterprise(), elements)  # type: ignore[arg-type]
            except PairingCodeError:
                return [Issue("_code", "code_incomplete")]
        self.section_index = self._next_section(-1)
        self.step = Step.SECTION if self.section_index < len(self.sections) else Step.REVIEW
        return []

    @property
    def sections(self) -> list[Section]:
        return self.survey.sections

    @property
    def section(self) -> Section:
        return self.sections[self.section_index]

    def visible(self, section: Section | None = None) -> list:
        return [i for i in (section or self.section).items if is_visible(i, self.answers)]

    def _next_section(self, after: int) -> int:
        """Index of the next section with at least one visible item (len = none left)."""
        for index in range(after + 1, len(self.sections)):
            if self.visible(self.sections[index]):
                return index
        return len(self.sections)

    def _previous_section(self, before: int) -> int | None:
        for index in range(before - 1, -1, -1):
            if self.visible(self.sections[index]):
                return index
        return None

    def update(self, values: dict[str, Any]) -> None:
        """Record the current screen's widget values; answers of items now hidden by
        ``show_if`` are dropped so they can never be stored."""
        for item_id, value in values.items():
            self.answers[item_id] = value
        for item in self.survey.items:
            if not is_visible(item, self.answers):
                self.answers.pop(item.id, None)

    def next(self, values: dict[str, Any]) -> list[Issue]:
        """Leave the current section if its visible items are valid; else return the issues.

        After a jump from the review, "next" goes back to the review, or to the first
        section that an answer changed on this screen has left incomplete (a new follow-up
        question), so nothing required is skipped on the way back."""
        self.update(values)
        lang = self.language or self.survey.default_language
        _, issues = validate_answers(self.survey, self.answers, self.visible(), lang)
        if issues:
            return issues
        if self.from_review:
            self.section_index = self._first_incomplete_section()
            if self.section_index >= len(self.sections):
                self.from_review = False
                self.step = Step.REVIEW
            return []
        self.section_index = self._next_section(self.section_index)
        if self.section_index >= len(self.sections):
            self.step = Step.REVIEW
        return []

    def _first_incomplete_section(self) -> int:
        for index, section in enumerate(self.sections):
            if validate_answers(self.survey, self.answers, self.visible(section))[1]:
                return index
        return len(self.sections)

    def jump_to(self, item_id: str) -> None:
        """From the review, open the section of ``item_id`` to change that answer."""
        if self.step is not Step.REVIEW:
            raise ValueError("answers are changed from the review screen only")
        index = next(
            (i for i, s in enumerate(self.sections) if any(x.id == item_id for x in s.items)),
            None,
        )
        if index is None or not is_visible(self.survey.item(item_id), self.answers):
            raise ValueError(f"item {item_id!r} is not shown in this survey")
        self.section_index, self.step, self.from_review = index, Step.SECTION, True

    def back(self) -> None:
        self.from_review = False
        if self.step is Step.REVIEW:
            previous = self._previous_section(len(self.sections))
        else:
            previous = self._previous_section(self.section_index)
        if previous is None:
            self.step = Step.CODE
        else:
            self.section_index = previous
            self.step = Step.SECTION

    def pause(self) -> None:
        """The worker steps away from a section or the review: show the resume code."""
        if self.step in (Step.SECTION, Step.REVIEW):
            self.paused_from, self.step = self.step, Step.PAUSED

    def unpause(self) -> None:
        if self.step is Step.PAUSED and self.paused_from is not None:
            self.step, self.paused_from = self.paused_from, None

    @property
    def resumable_step(self) -> Step:
        """The step a draft stores: a paused attempt resumes where it paused."""
        return self.paused_from if self.step is Step.PAUSED and self.paused_from else self.step

    def progress(self) -> tuple[int, int]:
        """(current screen, screens in all), counting only sections with visible items."""
        shown = [i for i, s in enumerate(self.sections) if self.visible(s)]
        current = shown.index(self.section_index) + 1 if self.section_index in shown else 1
        return current, len(shown)

    # ----- submit --------------------------------------------------------------------
    def submission(self) -> Submission:
        return Submission(
            client_uuid=self.client_uuid,
            round_id=self.round_id,
            enterprise_id=self._enterprise(),
            language=self.language or self.survey.default_language,
            answers=dict(self.answers),
            pairing=self.pairing,
            started_at=self.started_at,
            device_id=self.device_id,
        )

    def _enterprise(self) -> int:
        if self.enterprise_id is None:
            raise ValueError("no factory chosen yet")
        return self.enterprise_id
