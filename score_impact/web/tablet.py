"""The offline tablet client's files: ``/tablet`` (the page), ``/tablet/sw.js`` (its service
worker), ``/tablet/static/...`` (plain JavaScript modules and CSS, no build step) and
``/tablet/audio/...`` (a survey's recorded read-aloud files).

The page carries the few interface strings it needs before it has a round (e.g. "there is
no survey with this code", "this tablet has no HTTPS"), rendered from the locale files at
request time; everything else arrives with the round's bundle (``api_tablet``). The service
worker is served with its version (a hash of the client's files) and the list of files to
keep, so a changed file reaches tablets at their next online start.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from score_impact.db.models import SurveyVersion
from score_impact.i18n import languages, t
from score_impact.read_aloud import audio_path
from score_impact.runtime import shared
from score_impact.services.surveys import survey_of

STATIC = Path(__file__).with_name("static") / "tablet"  # served as they are
SHELL = Path(__file__).with_name("tablet_shell")  # index.html and sw.js, filled in per request
#: Strings the page shows before it has a round (in every shipped language).
BOOT_KEYS = (
    "kiosk.title",
    "kiosk.enter_code",
    "kiosk.open",
    "kiosk.unknown_round",
    "kiosk.closed_round",
    "tablet.loading",
    "tablet.insecure",
    "tablet.to_online_kiosk",
    "tablet.no_copy",
)
NO_CACHE = {"Cache-Control": "no-cache"}


def _files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


@cache
def _version(stamp: tuple[tuple[str, float], ...]) -> str:
    digest = hashlib.sha256()
    for name, _ in stamp:
        digest.update(name.encode())
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


def client_version() -> str:
    """A hash of the client's files (recomputed only when one changed)."""
    return _version(tuple((str(p.relative_to(STATIC)), p.stat().st_mtime) for p in _files()))


def boot_data() -> dict:
    langs = languages()
    return {
        "languages": {code: {"name": lang.name} for code, lang in langs.items()},
        "strings": {code: {key: t(key, code) for key in BOOT_KEYS} for code in langs},
    }


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element (no "</script>" can end it early)."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


async def page(request: Request) -> HTMLResponse:
    text = (SHELL / "index.html").read_text(encoding="utf-8")
    noscript = " / ".join(t("tablet.insecure", code) for code in languages())
    body = text.replace("__BOOT__", _script_json(boot_data())).replace("__NOSCRIPT__", noscript)
    return HTMLResponse(body, headers=NO_CACHE)


async def service_worker(request: Request) -> Response:
    files = [p for p in _files() if p.suffix != ".LICENCE"]
    assets = ["/tablet", *(f"/tablet/static/{p.relative_to(STATIC).as_posix()}" for p in files)]
    script = (
        (SHELL / "sw.js")
        .read_text(encoding="utf-8")
        .replace("__VERSION__", client_version())
        .replace("__ASSETS__", json.dumps(assets))
    )
    # The worker lives under /tablet/ but controls /tablet?code=... too: allow that scope.
    headers = {**NO_CACHE, "Service-Worker-Allowed": "/tablet"}
    return Response(script, media_type="text/javascript", headers=headers)


async def audio(request: Request) -> Response:
    """A survey's recorded file for one item and language (the same files the kiosk uses),
    read only from inside the survey folder."""
    version_id = int(request.path_params["version_id"])
    item_id, lang = request.path_params["item_id"], request.path_params["lang"]
    runtime = shared()
    with runtime.session() as s:
        version = s.get(SurveyVersion, version_id)
        survey = survey_of(version) if version else None
    try:
        relative = (survey.item(item_id).audio or {})[lang] if survey else None
    except KeyError:
        relative = None
    path = audio_path(relative, runtime.settings.survey_dir) if relative else None
    if path is None:
        return PlainTextResponse("No such recording.", status_code=404)
    return FileResponse(path, media_type=mimetypes.guess_type(path.name)[0] or "audio/mpeg")


ROUTES = [
    Route("/tablet", page, methods=["GET"]),
    Route("/tablet/sw.js", service_worker, methods=["GET"]),
    Route("/tablet/audio/{version_id:int}/{item_id}/{lang}", audio, methods=["GET"]),
    Mount("/tablet/static", app=StaticFiles(directory=STATIC), name="tablet-static"),
]
