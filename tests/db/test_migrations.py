"""Alembic migrations on SQLite and PostgreSQL: they apply to an empty database, every
revision steps down and up again cleanly, and the models agree with the migrations.

The "stairway" walks the whole history one revision at a time (head -> previous -> head),
so the next migration someone adds is tested from its previous revision automatically.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from score_impact.db.engine import alembic_config, make_engine, session_factory, upgrade
from score_impact.db.models import Base
from score_impact.services.surveys import publish_catalog
from score_impact.surveys.loader import DEFAULT_DIR, load_catalog

APP_TABLES = set(Base.metadata.tables)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def revisions(engine: Engine) -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def model_diff(engine: Engine) -> list:
    """What autogenerate would put in a new migration (``alembic check``): empty if the
    models and the migrations agree."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"},
        )
        return compare_metadata(ctx, Base.metadata)


def test_upgrade_from_empty_creates_every_table(engine: Engine) -> None:
    assert tables(engine) == set()
    upgrade(engine)
    assert tables(engine) == APP_TABLES
    assert current(engine) == revisions(engine)[-1]


def test_models_and_migrations_agree(engine: Engine) -> None:
    upgrade(engine)
    assert model_diff(engine) == []


def test_every_revision_steps_down_and_up_again(engine: Engine) -> None:
    """From an empty database, each revision: upgrade to it, downgrade to the previous one
    (or base), upgrade again; then all the way down to base and back up to head."""
    cfg = alembic_config(engine)
    history = revisions(engine)
    for previous, revision in zip([None, *history[:-1]], history, strict=True):
        command.upgrade(cfg, revision)
        command.downgrade(cfg, previous or "base")
        assert current(engine) == previous
        command.upgrade(cfg, revision)
        assert current(engine) == revision
    command.downgrade(cfg, "base")
    assert tables(engine) == set()
    upgrade(engine)
    assert tables(engine) == APP_TABLES and model_diff(engine) == []


def test_upgrade_keeps_data_and_is_idempotent(engine: Engine) -> None:
    """A second upgrade on a used database (the app upgrades at every start) changes nothing."""
    upgrade(engine)
    with session_factory(engine)() as session:
        assert publish_catalog(session, load_catalog(DEFAULT_DIR)) == []
    upgrade(engine)
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM survey_version").scalar()
    assert count and count >= 2


def test_model_check_notices_a_schema_the_models_do_not_describe(engine: Engine) -> None:
    """The comparison has teeth: a dropped index is reported as a missing one."""
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_response_pairing_hash")
    diff = model_diff(engine)
    assert [d[0] for d in diff] == ["add_index"] and diff[0][1].name == "ix_response_pairing_hash"
