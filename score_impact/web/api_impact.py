"""Read endpoints of API v1: the impact tables of the downloads, for Excel Power Query,
Power BI or a script, with a personal API token.

Never a second computation: each table is built by ``reports.impact.build_impact_for``
(the caller's scope goes into the SQL, the filters are checked against it) and shaped by
``reports.export.display_tables`` (suppressed cells worded "suppressed"), exactly like the
brand report's downloads; the CSV is ``reports.export.frame_csv`` of that table, byte for
byte the file in the CSV zip. So suppression and any column added to the downloads reach
the API with no change here. Results are cached per scope, filters and data version
(``reports.data_version``), as on the pages: a read sees a response submitted a moment
ago, through any app process; every read is audited (``api.read``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, fields
from enum import StrEnum
from typing import Annotated, Any, Literal

import pandas as pd
from cachetools import LRUCache
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from score_impact.db.models import Phase
from score_impact.i18n import LANGUAGES
from score_impact.reports.data_version import data_version
from score_impact.reports.export import column_help, display_tables, frame_csv, table_help
from score_impact.reports.impact import (
    ImpactFilters,
    ImpactResult,
    impact_options,
)
from score_impact.reports.result_store import stored_impact
from score_impact.runtime import shared
from score_impact.services.scope import visible_cohort_ids, visible_enterprise_ids
from score_impact.services.tokens import audit_read
from score_impact.web.api import ApiError, Caller, caller

router = APIRouter(tags=["impact"])

#: The tables of the downloads, as ``ImpactResult`` declares them.
ImpactTable = StrEnum(  # type: ignore[misc]
    "ImpactTable", {f.name: f.name for f in fields(ImpactResult) if "DataFrame" in str(f.type)}
)
Language = StrEnum("Language", {code: code for code in LANGUAGES})  # type: ignore[misc]
PhaseName = StrEnum("PhaseName", {p.value: p.value for p in Phase})  # type: ignore[misc]
CACHED_RESULTS = 16  # impact results kept (old data versions are evicted first)
_CACHE: LRUCache = LRUCache(maxsize=CACHED_RESULTS)
_CACHE_LOCK = threading.Lock()
CSV = "text/csv; charset=utf-8"


class Filters(BaseModel):
    """The download filters of the brand report, as query parameters."""

    cohort_id: int | None = None
    enterprise_id: int | None = None
    baseline: PhaseName = PhaseName("baseline")  # type: ignore[assignment]
    follow_up: PhaseName = PhaseName("follow_up")  # type: ignore[assignment]
    module: str | None = None
    source: Literal["tablet", "paper"] | None = None  # admins only (docs/privacy.md)
    lang: Language = Language("en")  # type: ignore[assignment]

    def impact(self) -> ImpactFilters:
        return ImpactFilters(
            cohort_id=self.cohort_id,
            baseline=str(self.baseline),
            follow_up=str(self.follow_up),
            enterprise_id=self.enterprise_id,
            module=self.module,
            source=self.source,
            lang=str(self.lang),
        )


class Column(BaseModel):
    name: str
    meaning: str


class Table(BaseModel):
    """One impact table: what the CSV download holds, with each column explained."""

    table: str
    description: str
    filters: dict[str, Any]
    min_group_size: int
    columns: list[Column]
    rows: list[dict[str, Any]]


class TableInfo(BaseModel):
    name: str
    description: str
    json_url: str
    csv_url: str


class Me(BaseModel):
    username: str
    role: str
    name: str
    enterprises: list[dict[str, Any]]
    cohorts: list[dict[str, Any]]
    phases: list[str]


def _impact(caller: Caller, filters: ImpactFilters) -> ImpactResult:
    """``build_impact_for`` with the caller's scope (and the app's suppression settings),
    cached per scope, filters and data version in this process and in the database
    (``reports.result_store``)."""
    runtime = shared()
    settings = runtime.settings
    with runtime.session() as s:
        version = data_version(s, caller.scope)
        key = (caller.scope, filters, settings.database_url, version)
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
        result = stored_impact(
            s,
            caller.scope,
            filters,
            version,
            min_group_size=settings.min_group_size,
            min_alpha=settings.min_alpha,
            secret_key=settings.secret_key,
        )
    with _CACHE_LOCK:
        _CACHE[key] = result
    return result


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def _table(
    caller: Caller, name: str, filters: Filters, fmt: str
) -> tuple[ImpactResult, pd.DataFrame]:
    impact = filters.impact()
    result = _impact(caller, impact)
    tables = dict(display_tables(result))
    if name not in tables:
        raise ApiError(404, "unknown_table", f"There is no table '{name}'.")
    with shared().session() as s:
        detail = {"format": fmt, "filters": asdict(impact)}
        audit_read(s, caller.scope, caller.token_id, f"impact/{name}", detail)
    return result, tables[name]


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON rows: numbers as numbers, missing as null, dates as ISO text."""
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


Caller_ = Annotated[Caller, Depends(caller)]


@router.get("/me", summary="Who the token reads as, and what it may see")
def me(who: Caller_) -> Me:
    scope = who.scope
    with shared().session() as s:
        options = impact_options(s, visible_enterprise_ids(s, scope), visible_cohort_ids(s, scope))
    return Me(
        username=scope.username,
        role=scope.role.value,
        name=scope.label,
        enterprises=[{"id": i, "name": n} for i, n in options.enterprises.items()],
        cohorts=[{"id": i, "name": n} for i, n in options.cohorts.items()],
        phases=list(options.phases),
    )


@router.get("/impact", summary="The impact tables, with their URLs")
def tables(who: Caller_) -> list[TableInfo]:
    return [
        TableInfo(
            name=t.value,
            description=table_help(t.value),
            json_url=f"/api/v1/impact/{t.value}",
            csv_url=f"/api/v1/impact/{t.value}.csv",
        )
        for t in ImpactTable
    ]


# The CSV route first: "/impact/{table}" would take "constructs.csv" as a table name.
@router.get(
    "/impact/{table}.csv",
    summary="One impact table as CSV: the download's rows and suppression, machine column names",
    description="UTF-8 with a byte-order mark (Excel reads Chinese correctly); text that a "
    "spreadsheet would run as a formula is escaped, as in the downloads.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def table_csv(table: ImpactTable, who: Caller_, filters: Annotated[Filters, Query()]) -> Response:
    _, frame = _table(who, table.value, filters, "csv")
    filename = f"{table.value}_{filters.baseline}_{filters.follow_up}.csv"
    return Response(
        frame_csv(frame),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/impact/{table}",
    summary="One impact table as JSON (the rows of its CSV download, columns explained)",
)
def table_json(table: ImpactTable, who: Caller_, filters: Annotated[Filters, Query()]) -> Table:
    result, frame = _table(who, table.value, filters, "json")
    lang = str(filters.lang)
    return Table(
        table=table.value,
        description=table_help(table.value, lang),
        filters=asdict(result.filters),
        min_group_size=result.min_group_size,
        columns=[Column(name=str(c), meaning=column_help(str(c), lang)) for c in frame.columns],
        rows=_rows(frame),
    )
