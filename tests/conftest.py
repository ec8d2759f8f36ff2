"""Shared fixtures: a fresh database per test, on SQLite and (when a server is available)
PostgreSQL, and a small world of rounds to answer.

Every test that asks for ``database_url`` (directly or through ``rt``/``world``) runs twice:
``[sqlite]`` on a new file, and ``[postgresql]`` in a new schema of the server named by
``SCORE_TEST_POSTGRES_URL`` (skipped, with the reason, when it is unset; ``.ci/run`` starts a
server and sets it). A schema per test rather than a shared ``public`` schema: each test's
URL is different (``search_path`` and ``application_name`` ride in the URL), so nothing
cached per URL, such as the app's ``st.cache_resource`` runtime, leaks between tests.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, make_url, select, text
from streamlit import config as streamlit_config

from score_impact.config import load_settings
from score_impact.db.models import (
    Brand,
    Cohort,
    Enterprise,
    Phase,
    RoundStatus,
    SurveyRound,
    User,
)
from score_impact.runtime import Runtime, shared, start
from score_impact.services import accounts as account_service
from score_impact.services.accounts import create_user
from score_impact.services.rounds import create_round
from score_impact.services.sessions import COOKIE, cookie_value, start_session
from score_impact.services.surveys import publish

ROOT = Path(__file__).resolve().parents[1]
# .streamlit/config.toml hides error details from every browser; AppTest reads it too, and
# a failing test should say why.
streamlit_config.set_option("client.showErrorDetails", "full")
TEST_KEY = "test-pairing-key"
POSTGRES_ENV = "SCORE_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_server() -> str | None:
    """The test server's URL, or None when no PostgreSQL is available."""
    return os.environ.get(POSTGRES_ENV) or None


def _admin(server: str, sql: str, **params: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def new_postgres_schema(server: str) -> tuple[str, str]:
    """Create an empty schema; return (URL whose connections use it, schema name)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    _admin(server, f'CREATE SCHEMA "{schema}"')
    url = make_url(server).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    return url.render_as_string(hide_password=False), schema


def drop_postgres_schema(server: str, schema: str) -> None:
    """Drop the test's schema, first ending connections engines of the test left open
    (the app caches its engine per URL and never disposes it)."""
    _admin(
        server,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = :name AND pid <> pg_backend_pid()",
        name=schema,
    )
    _admin(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A URL to an empty database, exported as the app's settings."""
    schema = None
    server = postgres_server()
    if request.param == "postgresql":
        if not server:
            pytest.skip(f"PostgreSQL: set {POSTGRES_ENV} (bash .ci/run starts a server)")
        url, schema = new_postgres_schema(server)
    else:
        url = f"sqlite:///{tmp_path / 'score.db'}"
    monkeypatch.setenv("SCORE_DATABASE_URL", url)
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_SECRET_KEY", TEST_KEY)
    monkeypatch.setenv("SCORE_DEMO_ON_EMPTY", "0")
    monkeypatch.setenv("SCORE_HOUSEKEEPING_MINUTES", "0")  # tests run it when they mean to
    monkeypatch.chdir(ROOT)
    yield url
    if schema is not None and server:
        drop_postgres_schema(server, schema)


@pytest.fixture
def rt(database_url: str):
    runtime = start(load_settings(), demo=False)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def seeded_demo(database_url: str) -> Iterator[Runtime]:
    """The demo seeded into this test's empty database (each backend), to write to."""
    runtime = start(load_settings(), demo=True)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Usernames of the impact views computed in this process (not read from the store,
    nor computed by a child), in order."""
    from score_impact.reports import impact, result_store

    made: list[str] = []

    def counted(session, scope, *args):  # noqa: ANN001, ANN202
        made.append(scope.username)
        return impact.build_impact_for(session, scope, *args)

    monkeypatch.setattr(result_store, "build_impact_for", counted)
    return made


@dataclass(frozen=True)
class World:
    worker_round_id: int
    manager_round_id: int
    closed_round_id: int
    enterprise_ids: tuple[int, int]
    other_enterprise_id: int  # not in the cohort


WORKER_CODE, MANAGER_CODE, CLOSED_CODE = "TESTWK", "TESTMG", "CLSDWK"


@pytest.fixture
def world(rt: Runtime) -> World:
    return make_world(rt)


def make_world(rt: Runtime) -> World:
    """One brand, two factories in a cohort (plus one outside it), open worker and manager
    rounds and a closed one, using the latest version of each survey in ``rt``'s catalog."""
    with rt.session() as s:
        brand = Brand(name="Test Brand")
        ents = [
            Enterprise(
                name=n,
                country="China",
                sector="garments",
                size_band="50-249",
                headcount=60,
                brands=[brand],
            )
            for n in ("Alpha Garments", "Beta Knitwear", "Gamma Outsider")
        ]
        cohort = Cohort(name="Test cohort", module="workplace_cooperation", enterprises=ents[:2])
        s.add_all([brand, cohort, ents[2]])
        s.flush()
        worker_v = publish(s, rt.catalog.latest("worker_m1_cooperation"))
        manager_v = publish(s, rt.catalog.latest("manager_m1"))
        w = create_round(s, cohort, Phase.BASELINE, worker_v, join_code=WORKER_CODE)
        m = create_round(s, cohort, Phase.BASELINE, manager_v, join_code=MANAGER_CODE)
        c = create_round(
            s, cohort, Phase.FOLLOW_UP, worker_v, RoundStatus.CLOSED, join_code=CLOSED_CODE
        )
        s.commit()
        return World(w.id, m.id, c.id, (ents[0].id, ents[1].id), ents[2].id)


# --- accounts and roles -----------------------------------------------------------------

PASSWORD = "correct horse battery"  # every account made by the `accounts` fixture


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with tiny parameters (the real ones cost ~0.25 s a hash, by design)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(account_service, "HASHER", cheap)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_hidden_page_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test whose page run ended on the friendly error screen (app.py catches
    every exception, so ``at.exception`` alone would not show it), unless the test is
    marked ``error_screen``: it is about that screen."""
    collect = _Collect()
    logger = logging.getLogger("score_impact.errors")
    logger.addHandler(collect)
    try:
        yield
    finally:
        logger.removeHandler(collect)
    if collect.records and not request.node.get_closest_marker("error_screen"):
        pytest.fail("a page failed:\n" + "\n".join(collect.format(r) for r in collect.records))


@dataclass(frozen=True)
class Accounts:
    """Usernames of one account per role in the `world`: the trainer trains its cohort, the
    brand account is its brand, the manager runs Alpha Garments."""

    admin: str = "admin"
    trainer: str = "trainer"
    brand: str = "brand"
    manager: str = "manager"


@pytest.fixture
def accounts(rt: Runtime, world: World) -> Accounts:

    with rt.session() as s:
        cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == "Test cohort"))
        brand_id = s.scalar(select(Brand.id).where(Brand.name == "Test Brand"))
        names = Accounts()
        for role, links in (
            ("admin", {}),
            ("trainer", {"cohort_ids": [cohort_id]}),
            ("brand", {"brand_id": brand_id}),
            ("manager", {"enterprise_id": world.enterprise_ids[0]}),
        ):
            create_user(s, username=getattr(names, role), password=PASSWORD, role=role, **links)
    return names


def close_round(session, round_id: int) -> None:
    """End a round the way an admin's "Close round" does, without the admin's audit trail."""
    session.get(SurveyRound, round_id).status = RoundStatus.CLOSED.value
    session.commit()


# --- signed-in pages (AppTest) ------------------------------------------------------------

SignIn = Callable[..., str]


@pytest.fixture
def sign_in_as(database_url: str, monkeypatch: pytest.MonkeyPatch) -> SignIn:
    """``sign_in_as(username, lang="en", idle=timedelta(0))`` signs a user in for the
    AppTest runs of this test and returns the session token.

    A real staff session is stored, exactly as ``POST /auth/signin`` stores it; only the
    cookie's transport is stood in for: AppTest has no browser, so the pages' cookie jar
    (``pages.auth.request_cookies``) is pointed at a dict holding the signed cookie.
    """
    import pages.auth  # imports Streamlit: only for the tests that use this fixture

    jar: dict[str, str] = {}
    monkeypatch.setattr(pages.auth, "request_cookies", lambda: jar)

    def sign_in(username: str, lang: str = "en", idle: timedelta = timedelta(0)) -> str:
        runtime = shared()
        with runtime.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None, f"no user {username}"
            token = start_session(s, user, lang, datetime.now(UTC) - idle)
        jar[COOKIE] = cookie_value(runtime.settings.secret_key, token)
        return token

    return sign_in
