"""Alembic environment: runs on the engine handed over in ``config.attributes``.

The app and the tests call ``score_impact.db.engine.upgrade(engine)``; there is no
alembic.ini because the database URL comes from the app's settings, never from a file.
"""

from alembic import context

from score_impact.db.engine import check_foreign_keys, migration_connection
from score_impact.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` CLI use: fall back to the app's settings
    from score_impact.config import load_settings
    from score_impact.db.engine import make_engine

    engine = make_engine(load_settings().database_url)

with migration_connection(engine) as connection:  # one transaction; SQLite: foreign keys off
    applied = []
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=lambda step, **_: applied.append(step),
    )
    with context.begin_transaction():
        context.run_migrations()
    if applied:  # the data that was there before is checked too, but only when migrating
        check_foreign_keys(connection)
