"""``GET /healthz``: is the app up (Streamlit's own ``/_stcore/health`` says only that the
server process answers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
