"""Named domain exceptions: pages turn them into clear, translated messages."""

from __future__ import annotations

from score_impact.surveys.validation import Issue


class DomainError(Exception):
    """Base of every error a user can cause; never a bug."""


class UnknownRound(DomainError):
    pass


class RoundClosed(DomainError):
    pass


class NotInRound(DomainError):
    """The enterprise does not take part in the round's cohort."""


class SurveyVersionConflict(DomainError):
    """A published survey was edited without a new version number."""


class InvalidSubmission(DomainError):
    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(f"{i.item_id}: {i.code}" for i in issues))
