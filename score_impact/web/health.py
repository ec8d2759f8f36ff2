"""``GET /healthz``: can the app serve a worker right now? (Streamlit's own
``/_stcore/health`` only says the server process answers.)

Checks the database with a real query, including that the schema is at the migrations'
head, within a deadline. 200 ``{"status": "ok", ...}`` or 503 ``{"status": "error", ...}``
for a load balancer or uptime monitor; never the database URL or the error text, which may
name hosts or users (the error goes to the log).
"""

from __future__ import annotations

import asyncio
import logging
import time

from alembic.script import ScriptDirectory
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from score_impact.db.engine import alembic_config
from score_impact.logs import LOGGER
from score_impact.runtime import Runtime, shared

DEADLINE_SECONDS = 5.0


def check_database(runtime: Runtime) -> dict[str, object]:
    """Round trip to the database; the schema revision against the code's head."""
    started = time.perf_counter()
    head = ScriptDirectory.from_config(alembic_config(runtime.engine)).get_current_head()
    with runtime.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {
        "database": "ok" if revision == head else "schema_behind",
        "schema": revision,
        "database_ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def healthz(request: Request) -> JSONResponse:
    try:
        runtime = await run_in_threadpool(shared)
        found = await asyncio.wait_for(
            run_in_threadpool(check_database, runtime), timeout=DEADLINE_SECONDS
        )
    except TimeoutError:
        return JSONResponse({"status": "error", "database": "timeout"}, status_code=503)
    except Exception:  # any failure is "not healthy"; the details go to the log only
        LOGGER.log(logging.ERROR, "healthz.failed", exc_info=True)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    ok = found["database"] == "ok"
    return JSONResponse(
        {"status": "ok" if ok else "error", **found}, status_code=200 if ok else 503
    )


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
