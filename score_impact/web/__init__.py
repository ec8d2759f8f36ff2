"""HTTP routes served beside the Streamlit pages by the same ``streamlit run app.py``.

``app.py`` hands :func:`routes` to ``st.App``, which mounts them on Streamlit's own
Starlette server (no second web server). Each resource lives in its own module of this
package and contributes a list of Starlette routes here; none of them imports Streamlit.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from score_impact import logs
from score_impact.web import api, health, session, tablet
from score_impact.web.middleware import RequestLog


def routes() -> list[BaseRoute]:
    """Every custom route of the app, in match order."""
    return [*health.ROUTES, *session.ROUTES, *api.ROUTES, *tablet.ROUTES]


def middleware() -> list[Middleware]:
    """Middleware around every request (pages included); sets up the JSON logs once."""
    logs.setup()
    return [Middleware(RequestLog)]
