"""The admin's raw workbook, made in a child process (:mod:`score_impact.reports.child`).

Every stored answer of a programme, one row each, is a frame of millions of rows while
the workbook is written (2 GiB at 2.1 M answers, ``docs/benchmarks.md``); the server
process then only holds the finished file.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from score_impact.reports import child, export
from score_impact.reports.impact import ImpactFilters
from score_impact.services.scope import Scope

if TYPE_CHECKING:
    from score_impact.runtime import Runtime


def raw_xlsx(scope: Scope, filters: ImpactFilters) -> bytes:
    """:func:`export.raw_xlsx`, made in a child; ``AccessDenied`` for anyone but admins."""
    request = {"scope": child.scope_json(scope), "filters": asdict(filters)}
    return child.run("score_impact.reports.raw_download", request)


def _made(runtime: Runtime, request: dict) -> bytes:
    with runtime.session() as session:
        scope = child.scope_from_json(request["scope"])
        return export.raw_xlsx(session, scope, ImpactFilters(**request["filters"]))


if __name__ == "__main__":
    child.serve(_made)
