"""Named domain exceptions: pages turn them into clear, translated messages."""

from __future__ import annotations

from datetime import datetime

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


class AccessDenied(DomainError):
    """The signed-in user's scope does not include this enterprise, cohort or action."""


class InvalidInput(DomainError):
    """An admin or account change was refused; ``problems`` are plain sentences to show.

    Raised before anything is written, so the form can be corrected and sent again.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class LoginFailed(DomainError):
    """Wrong username or password: deliberately the same for an unknown user."""


class AccountLocked(LoginFailed):
    """Too many consecutive failures; signing in is refused until ``retry_at`` (UTC)."""

    def __init__(self, retry_at: datetime):
        self.retry_at = retry_at
        super().__init__(f"locked until {retry_at:%Y-%m-%d %H:%M} UTC")
