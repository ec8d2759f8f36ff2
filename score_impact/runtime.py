"""Start-up: one place that turns settings into a ready database.

Used by the app (cached once per process), the command line and the tests, so all three
see the same schema, the same published surveys and the same demo data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from score_impact.config import Settings, load_settings
from score_impact.db.engine import make_engine, session_factory, upgrade
from score_impact.demo import is_empty, seed_demo
from score_impact.services.drafts import purge_expired
from score_impact.services.surveys import publish_catalog
from score_impact.surveys.loader import Catalog, load_catalog


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    problems: list[str]  # survey definitions that could not be loaded or published

    def session(self) -> Session:
        return self.sessions()


def start(settings: Settings | None = None, demo: bool | None = None) -> Runtime:
    """Upgrade the schema, publish the survey definitions, and seed the demo if asked
    (default: the ``SCORE_DEMO_ON_EMPTY`` setting) when the database holds no enterprise."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    catalog = load_catalog(settings.survey_dir)
    with sessions() as session:
        problems = publish_catalog(session, catalog)
        want_demo = settings.demo_on_empty if demo is None else demo
        if want_demo and is_empty(session):
            seed_demo(session, catalog, settings.secret_key)
        purge_expired(session)  # abandoned tablet drafts: nothing of them outlives 12 hours
    return Runtime(settings, engine, sessions, catalog, problems)


_SHARED: dict[str, Runtime] = {}
_SHARED_LOCK = threading.Lock()


def shared() -> Runtime:
    """The process's runtime for the configured database, started on first use.

    The pages and the HTTP routes (``score_impact.web``) run in one process and share it:
    one engine and connection pool, and ``start`` (schema upgrade, demo seed) runs once
    even when a page and a route arrive together on a fresh database.
    """
    settings = load_settings()
    with _SHARED_LOCK:
        runtime = _SHARED.get(settings.database_url)
        if runtime is None:
            runtime = _SHARED[settings.database_url] = start(settings)
    return runtime
