"""Engine creation and schema upgrade (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API object)
    """WAL lets tablets write while dashboards read; foreign keys are off by default in SQLite;
    the busy timeout makes concurrent writers wait instead of failing at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_file(url: str) -> None:
    """Create a SQLite file readable and writable by the app's user only (0600) before
    SQLite creates it with the process umask (often 0644: world-readable answers).
    SQLite gives its -wal and -shm files the same permissions."""
    path = make_url(url).database
    if not path or path == ":memory:" or Path(path).exists():
        return
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}, pool_pre_ping=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creates every table on an empty database).

    All the revisions it applies commit together or not at all; on SQLite it raises
    `DanglingReferences` (and changes nothing) when the migrated data would keep rows that
    point at missing rows. See `migration_connection`."""
    command.upgrade(alembic_config(engine), revision)


class DanglingReferences(RuntimeError):
    """A SQLite migration was rolled back: ``PRAGMA foreign_key_check`` found rows that
    point at rows that do not exist.

    ``counts`` maps (table, its columns, referenced table) to the number of such rows."""

    def __init__(self, counts: Counter[tuple[str, str, str]]) -> None:
        self.counts = counts
        found = "; ".join(
            f"{n} row{'s' if n != 1 else ''} of {table} ({columns}) point at missing {parent} rows"
            for (table, columns, parent), n in sorted(counts.items())
        )
        super().__init__(
            f"schema upgrade refused, nothing was changed: {found}. Fix or delete these rows "
            "(sqlite3 lists them with PRAGMA foreign_key_check), then start again."
        )


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """The connection Alembic migrates on, inside one transaction that commits when the
    block ends and rolls back if it raises.

    PostgreSQL: an ordinary transaction (its DDL is transactional, its foreign keys are
    checked as usual).

    SQLite: batch migrations rebuild a table ("move and copy": new table, copy the rows,
    DROP the old one, rename). With the connect hook's ``PRAGMA foreign_keys=ON`` that DROP
    deletes every row first, so rows of other tables that reference it block the migration
    (no ON DELETE action) or are deleted with it (ON DELETE CASCADE) or cleared (SET NULL).
    So, as Alembic's batch documentation and SQLite's ALTER TABLE procedure say, foreign
    keys are turned off for the migration, before its transaction begins (the pragma is a
    no-op inside one); `check_foreign_keys` checks the result before the commit. The
    driver's own transaction handling is turned off too: pysqlite never BEGINs before DDL,
    so each CREATE TABLE would commit on its own and a failed migration would leave half
    its tables behind. ``BEGIN IMMEDIATE`` takes the write lock at once, so two processes
    starting together upgrade one after the other. Both settings are restored before the
    connection goes back to the pool; if that fails, the pool discards the connection.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        isolation_level = driver.isolation_level
        driver.isolation_level = None  # no implicit BEGIN or COMMIT: ours alone
        try:
            driver.execute("PRAGMA foreign_keys=OFF")
            if driver.execute("PRAGMA foreign_keys").fetchone() != (0,):
                raise RuntimeError("PRAGMA foreign_keys=OFF had no effect: not migrating")
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        finally:
            _restore(connection, driver, isolation_level)


def _restore(connection: Connection, driver: sqlite3.Connection, isolation_level: str) -> None:
    """Foreign keys on and the driver's transaction handling back, or discard the
    connection (the pool then opens a new one, with `_sqlite_pragmas`)."""
    try:
        driver.execute("PRAGMA foreign_keys=ON")  # a no-op if a transaction were still open
        driver.isolation_level = isolation_level
        restored = driver.execute("PRAGMA foreign_keys").fetchone() == (1,)
    except sqlite3.Error:
        restored = False
    if not restored:
        connection.invalidate()


def check_foreign_keys(connection: Connection) -> None:
    """Raise `DanglingReferences` if a row points at a row that does not exist (SQLite's
    ``PRAGMA foreign_key_check``; nothing to do on PostgreSQL, which never lets one in)."""
    if connection.dialect.name != "sqlite":
        return
    counts: Counter[tuple[str, str, str]] = Counter()
    for table, _rowid, parent, fkid in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        columns = ", ".join(
            row[3]  # "from": the referencing column
            for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
            if row[0] == fkid
        )
        counts[(table, columns, parent)] += 1
    if counts:
        raise DanglingReferences(counts)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
