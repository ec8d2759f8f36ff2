"""Alembic environment: runs on the engine handed over in ``config.attributes``.

The app and the tests call ``score_impact.db.engine.upgrade(engine)``; there is no
alembic.ini because the database URL comes from the app's settings, never from a file.
"""

from alembic import context

from score_impact.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` CLI use: fall back to the app's settings
    from score_impact.config import load_settings
    from score_impact.db.engine import make_engine

    engine = make_engine(load_settings().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
