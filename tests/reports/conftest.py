"""Demo databases for the report tests: seeded once per session (seeding takes a second or
two), read-only in the tests that share them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from score_impact.config import load_settings
from score_impact.db.models import Answer, Enterprise, Response, User
from score_impact.runtime import Runtime, start
from score_impact.services.scope import Scope, scope_of

EVIL_NAME = '=HYPERLINK("http://evil.example","click")'
EVIL_TEXT = "=1+2"


def _start(path: Path) -> Runtime:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORE_DATABASE_URL", f"sqlite:///{path / 'demo.db'}")
        mp.setenv("SCORE_DATA_DIR", str(path))
        mp.setenv("SCORE_SECRET_KEY", "test-pairing-key")
        return start(load_settings(), demo=True)


@pytest.fixture(scope="session")
def demo_rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The seeded demo (two brands, eight factories), shared and never written to."""
    rt = _start(tmp_path_factory.mktemp("demo"))
    yield rt
    rt.engine.dispose()


@pytest.fixture(scope="session")
def evil_rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The demo with a formula as a factory name and as a worker's free-text answer."""
    rt = _start(tmp_path_factory.mktemp("evil"))
    with rt.session() as s:
        s.execute(
            update(Enterprise)
            .where(Enterprise.name == "Dongguan Pearl River Knitwear")
            .values(name=EVIL_NAME)
        )
        worker = s.scalar(select(Response.id).where(Response.audience == "worker").limit(1))
        s.add(Answer(response_id=worker, item_id="one_improvement", value_text=EVIL_TEXT))
        s.commit()
    yield rt
    rt.engine.dispose()


@pytest.fixture
def session(demo_rt: Runtime) -> Iterator[Session]:
    with demo_rt.session() as s:
        yield s


def scope_for(session: Session, username: str) -> Scope:
    """The scope of a demo account (admin, trainer.li, northwind, lotus, manager.evergreen)."""
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return scope_of(session, user)
