"""The improvement-plan loop: actions of an Enterprise Improvement Plan, created from a
dashboard finding ("voice did not improve in factory X") and reported next to it.

Brands' main complaint about survey reports is that nothing follows from them; linking
each action to the outcome that prompted it lets the brand report show, for every outcome
that did not improve, what the factory is doing about it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import ActionStatus, Enterprise, ImprovementAction
from score_impact.services.errors import AccessDenied, DomainError
from score_impact.text import clean_block, clean_line

OPEN_STATUSES = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)
OUTCOME_KINDS = ("construct", "item", "kpi")


class InvalidAction(DomainError):
    """An action cannot be saved; ``problems`` names every field at fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ActionInput:
    enterprise_id: int
    outcome_id: str
    outcome_kind: str
    title: str
    responsible_role: str
    due_date: date
    finding: str = ""
    notes: str = ""
    cohort_id: int | None = None


def _clean(data: ActionInput) -> ActionInput:
    """Titles and roles are one line of plain text, notes and findings a block of it."""
    return replace(
        data,
        outcome_id=clean_line(data.outcome_id),
        title=clean_line(data.title),
        responsible_role=clean_line(data.responsible_role),
        finding=clean_block(data.finding),
        notes=clean_block(data.notes),
    )


def _problems(data: ActionInput, today: date) -> list[str]:
    problems = []
    if not data.title:
        problems.append("title: describe the action")
    elif len(data.title) > 200:
        problems.append("title: keep it under 200 characters")
    if len(data.responsible_role) > 80:
        problems.append("responsible role: keep it under 80 characters")
    if not data.responsible_role:
        problems.append("responsible role: say who is responsible (a role, not a worker's name)")
    if data.outcome_kind not in OUTCOME_KINDS:
        problems.append(f"outcome kind: must be one of {', '.join(OUTCOME_KINDS)}")
    if not data.outcome_id:
        problems.append("outcome: link the action to a construct or KPI")
    if data.due_date < today:
        problems.append("due date: must not be in the past")
    return problems


def create_action(
    session: Session, data: ActionInput, created_by: str, today: date | None = None
) -> ImprovementAction:
    """Validate and store one action (the caller has checked the user's scope)."""
    data = _clean(data)
    problems = _problems(data, today or date.today())
    if session.get(Enterprise, data.enterprise_id) is None:
        problems.append("enterprise: unknown")
    if problems:
        raise InvalidAction(problems)
    action = ImprovementAction(
        enterprise_id=data.enterprise_id,
        cohort_id=data.cohort_id,
        outcome_id=data.outcome_id,
        outcome_kind=data.outcome_kind,
        title=data.title,
        responsible_role=data.responsible_role,
        due_date=data.due_date,
        finding=data.finding,
        notes=data.notes,
        status=ActionStatus.PLANNED.value,
        created_by=created_by,
    )
    session.add(action)
    session.commit()
    return action


def update_action(
    session: Session,
    action_id: int,
    visible_enterprise_ids: Collection[int],
    status: ActionStatus | None = None,
    notes: str | None = None,
    due_date: date | None = None,
) -> ImprovementAction:
    """Change an action's status, notes or due date; only within the user's enterprises."""
    action = session.get(ImprovementAction, action_id)
    if action is None or action.enterprise_id not in visible_enterprise_ids:
        raise AccessDenied(f"action {action_id}")
    if status is not None:
        action.status = ActionStatus(status).value
    if notes is not None:
        action.notes = clean_block(notes)
    if due_date is not None:
        action.due_date = due_date
    session.commit()
    return action


def actions_for(session: Session, enterprise_ids: Iterable[int]) -> list[ImprovementAction]:
    """All actions of the given enterprises (pass the user's visible enterprise ids)."""
    ids = list(enterprise_ids)
    if not ids:
        return []
    query = (
        select(ImprovementAction)
        .where(ImprovementAction.enterprise_id.in_(ids))
        .order_by(ImprovementAction.due_date, ImprovementAction.id)
    )
    return list(session.scalars(query))


def overdue(actions: Iterable[ImprovementAction], today: date) -> list[ImprovementAction]:
    """Actions still open after their due date, oldest first."""
    late = [a for a in actions if a.status in OPEN_STATUSES and a.due_date < today]
    return sorted(late, key=lambda a: a.due_date)


def by_outcome(
    actions: Iterable[ImprovementAction],
) -> dict[tuple[int, str], list[ImprovementAction]]:
    """Actions keyed by (enterprise id, outcome id), for listing next to each result."""
    grouped: dict[tuple[int, str], list[ImprovementAction]] = {}
    for action in actions:
        grouped.setdefault((action.enterprise_id, action.outcome_id), []).append(action)
    return grouped
