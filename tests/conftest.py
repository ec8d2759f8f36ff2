"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when
SCORE_TEST_DATABASE_URL points at a server), and a small world of rounds to answer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from score_impact.config import load_settings
from score_impact.db.models import Brand, Cohort, Enterprise, Phase, RoundStatus
from score_impact.runtime import Runtime, start
from score_impact.services.rounds import create_round
from score_impact.services.surveys import publish

ROOT = Path(__file__).resolve().parents[1]
TEST_KEY = "test-pairing-key"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A URL to an empty database, exported as the app's settings."""
    server = os.environ.get("SCORE_TEST_DATABASE_URL")
    if server:
        _reset_postgres(server)
        url = server
    else:
        url = f"sqlite:///{tmp_path / 'score.db'}"
    monkeypatch.setenv("SCORE_DATABASE_URL", url)
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_SECRET_KEY", TEST_KEY)
    monkeypatch.setenv("SCORE_DEMO_ON_EMPTY", "0")
    monkeypatch.chdir(ROOT)
    return url


@pytest.fixture
def rt(database_url: str):
    runtime = start(load_settings(), demo=False)
    yield runtime
    runtime.engine.dispose()


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
    """One brand, two factories in a cohort (plus one outside it), open worker and manager
    rounds and a closed one."""
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
    """argon2 with tiny parameters (the real ones cost ~0.25 s a hash, by design), and no
    unknown-user lockouts left over from another test."""
    from argon2 import PasswordHasher

    from score_impact.services import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "HASHER", cheap)
    accounts.UNKNOWN_USER_LOCKOUTS.clear()


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
    from sqlalchemy import select

    from score_impact.services.accounts import create_user

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
