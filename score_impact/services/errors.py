"""Named domain exceptions: pages turn them into clear, translated messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from score_impact.i18n import t
from score_impact.surveys.validation import Issue


class DomainError(Exception):
    """Base of every error a user can cause; never a bug."""


class UnknownRound(DomainError):
    pass


class RoundClosed(DomainError):
    pass


class NotInRound(DomainError):
    """The enterprise does not take part in the round's cohort."""


class NotEnrolled(DomainError):
    """The round takes answers from tablets enrolled for its cohort only, and this browser
    is not one (services.devices)."""


class SurveyVersionConflict(DomainError):
    """A published survey was edited without a new version number."""


class InvalidSubmission(DomainError):
    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(f"{i.item_id}: {i.code}" for i in issues))


class AccessDenied(DomainError):
    """The signed-in user's scope does not include this enterprise, cohort or action."""


@dataclass(frozen=True)
class Problem:
    """One refused input as an interface-string key and its parameters; the page that shows
    it picks the language (like ``Issue`` for survey answers)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        """The sentence in ``lang``; a parameter that is itself a ``Problem`` (a term such as
        a phase name) is translated too."""
        params = {
            k: v.message(lang) if isinstance(v, Problem) else v for k, v in self.params.items()
        }
        return t(self.key, lang, **params)


class InvalidInput(DomainError):
    """An admin or account change was refused; every problem is listed, each a ``Problem``
    (translatable) or a plain English sentence.

    ``problems`` holds them as English sentences (logs, the CLI, tests); pages show
    ``messages(lang)``. Raised before anything is written, so the form can be corrected
    and sent again.
    """

    def __init__(self, problems: list[Problem | str]):
        self.details = list(problems)
        self.problems = self.messages("en")
        super().__init__("; ".join(self.problems))

    def messages(self, lang: str) -> list[str]:
        return [p.message(lang) if isinstance(p, Problem) else p for p in self.details]


class LoginFailed(DomainError):
    """Wrong username or password: deliberately the same for an unknown user."""


class TooManyAttempts(LoginFailed):
    """Too many wrong passwords from this client; its next attempt is accepted from
    ``retry_at`` (UTC). Other clients are not affected."""

    def __init__(self, retry_at: datetime):
        self.retry_at = retry_at
        super().__init__(f"wait until {retry_at:%Y-%m-%d %H:%M:%S} UTC")
