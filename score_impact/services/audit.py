"""Audit events that are not admin changes: what left the server, and who took it.

Admin changes (services.admin), sign-ins (services.accounts), KPI edits (services.manager),
paper entries (services.paper), tablets (services.devices) and response exclusions
(services.quality) write their events in the transaction of the change itself. A download
changes nothing, so it is recorded here, when the file is made: who, their scope, the
format and the filters (which cohort, factory, phases, group), never the file itself.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session

from score_impact.db.models import AuditEvent
from score_impact.reports.impact import ImpactFilters
from score_impact.services.scope import Scope


def record_download(session: Session, scope: Scope, filters: ImpactFilters, fmt: str) -> None:
    """Write (and commit) a ``download`` event for a report or data file."""
    detail = {
        "format": fmt,
        "role": scope.role.value,
        "brand_id": scope.brand_id,
        "enterprise_id": scope.enterprise_id,
        "filters": {k: v for k, v in asdict(filters).items() if v is not None},
    }
    session.add(
        AuditEvent(
            username=scope.username, action="download", target=f"report:{fmt}", detail=detail
        )
    )
    session.commit()
