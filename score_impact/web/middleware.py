"""ASGI middleware for every request the app serves (pages, routes, API): a JSON log line
per HTTP request, with the route template instead of a path that carries a code.

Pure ASGI rather than ``BaseHTTPMiddleware``: it must not buffer responses or touch the
websocket that carries the Streamlit pages.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from score_impact.logs import event

QUIET_PREFIXES = ("/static/", "/_stcore/", "/component/", "/media/", "/favicon")


def route_path(scope: Scope) -> str:
    """The path to log: the matched route's template when it has parameters (a join code in
    ``/api/v1/tablet/rounds/{code}`` stays out of the log), else the path. Never the query
    string (``/?code=JOIN``)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template and "{" in template and template != "/{path:path}":
        return scope.get("root_path", "") + template
    return scope.get("path", "")


class RequestLog:
    """``http.request`` events: method, path (see :func:`route_path`), status, duration."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = route_path(scope)
            quiet = path.startswith(QUIET_PREFIXES) and status < 400
            event(
                "http.request",
                logging.DEBUG if quiet else logging.INFO,
                method=scope.get("method"),
                path=path,
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
