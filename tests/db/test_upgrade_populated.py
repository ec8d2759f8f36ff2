"""Upgrading a database that holds data, from revision 0003 to head.

On SQLite, 0004 rebuilds attempt_draft, response and user_account (Alembic's batch "move
and copy": new table, copy the rows, DROP the old table, rename). With foreign keys on, that
DROP deletes the old rows first, and the rows of other tables that point at them either
stop the migration (cohort.trainer_id: "FOREIGN KEY constraint failed"), go with them
(answer, staff_session, api_token: ON DELETE CASCADE) or lose their link (paper_entry:
SET NULL). The rows here are written with the 0003 schema (reflected from the database,
not the models, which describe head), one at least for every table that points at a
rebuilt one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, inspect, select
from sqlalchemy.exc import IntegrityError

from score_impact.db.engine import DanglingReferences, make_engine, upgrade

BEFORE = "0003"
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
DROPPED = {"user_account": {"failed_logins", "locked_until"}}  # 0004 drops these columns

UUID = "00000000-0000-4000-8000-{:012d}"

# table: (its columns at 0003, rows); parents before children.
ROWS_AT_0003: dict[str, tuple[str, list[tuple]]] = {
    "brand": ("id name", [(1, "Brand A")]),
    "enterprise": (
        "id name country sector size_band headcount",
        [(1, "Factory 1", "CN", "garments", "medium", 240)],
    ),
    "brand_enterprise": ("brand_id enterprise_id", [(1, 1)]),
    "survey_version": (
        "id survey_key version audience content_hash definition published_at",
        [(1, "worker_m1", 1, "worker", "0" * 64, {"items": []}, NOW)],
    ),
    "user_account": (
        "id username password_hash role display_name brand_id enterprise_id failed_logins"
        " locked_until is_active created_at",
        [
            (1, "trainer", "x", "trainer", "Trainer", None, None, 2, LATER, True, NOW),
            (2, "brand", "x", "brand", None, 1, None, 0, None, True, NOW),
        ],
    ),
    "cohort": (
        "id name module trainer_name trainer_id start_date end_date is_comparison",
        [(1, "Cohort A", "module1", "Trainer", 1, NOW.date(), None, False)],
    ),
    "cohort_enterprise": ("cohort_id enterprise_id", [(1, 1)]),
    "survey_round": (
        "id cohort_id phase survey_version_id status join_code opens_on closes_on settings"
        " created_at",
        [(1, 1, "baseline", 1, "open", "AAAAAA", None, None, {}, NOW)],
    ),
    "response": (
        "id client_uuid round_id enterprise_id audience language source pairing_hash"
        " pairing_parts started_at submitted_at updated_at completed_at",
        [
            (1, UUID.format(1), 1, 1, "worker", "zh", "tablet", "hash1", None, NOW, NOW, None, NOW),
            (2, UUID.format(2), 1, 1, "worker", "vi", "paper", None, None, None, NOW, None, None),
        ],
    ),
    "answer": (
        "id response_id item_id value_num value_text",
        [(1, 1, "q1", 4.0, None), (2, 1, "q2", None, "ok"), (3, 2, "q1", 2.0, None)],
    ),
    "paper_entry": (
        "id round_id sheet_number pass_number enterprise_id language answers entered_by"
        " entered_at response_id",
        [(1, 1, "S-1", 1, 1, "vi", {"q1": 2}, "clerk", NOW, 2)],
    ),
    "attempt_draft": (
        "id resume_code client_uuid round_id state updated_at expires_at",
        [(1, "RESUME01", UUID.format(3), 1, {"page": 2}, NOW, LATER)],
    ),
    "staff_session": (
        "id token_hash user_id stamp lang created_at last_seen_at expires_at ended_at end_reason",
        [(1, "s" * 64, 1, "stamp", "en", NOW, NOW, LATER, None, None)],
    ),
    "api_token": (
        "id user_id name token_hash prefix created_at expires_at last_used_at revoked_at",
        [(1, 2, "export", "t" * 64, "si_abc", NOW, LATER, None, None)],
    ),
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def sqlite_only(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL enforces foreign keys always: no dangling rows to find")


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def insert(conn: Connection, trainer_id: int | None = 1) -> None:
    """Insert ``ROWS_AT_0003`` with the schema the database has now (0003)."""
    meta = MetaData()
    meta.reflect(conn)
    for table, (columns, rows) in ROWS_AT_0003.items():
        values = [dict(zip(columns.split(), row, strict=True)) for row in rows]
        if table == "cohort":
            values[0]["trainer_id"] = trainer_id
        conn.execute(meta.tables[table].insert(), values)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the tables in ``ROWS_AT_0003``, in the columns 0003 and head share."""
    meta = MetaData()
    with engine.connect() as conn:
        meta.reflect(conn, only=list(ROWS_AT_0003))
        result = {}
        for name, (names, _rows) in ROWS_AT_0003.items():
            table = meta.tables[name]
            columns = [table.c[c] for c in names.split() if c not in DROPPED.get(name, set())]
            result[name] = conn.execute(select(*columns).order_by(*table.primary_key)).all()
    return result


def pooled_settings(engine: Engine, connections: int = 3) -> list[tuple[int, str | None]]:
    """``PRAGMA foreign_keys`` and pysqlite's ``isolation_level`` of several connections
    held at once, the pooled ones among them (the migration's included)."""
    conns = [engine.connect() for _ in range(connections)]
    try:
        return [
            (
                c.exec_driver_sql("PRAGMA foreign_keys").scalar(),
                c.connection.driver_connection.isolation_level,
            )
            for c in conns
        ]
    finally:
        for c in conns:
            c.close()


AS_CONNECTED = [(1, "")] * 3  # foreign keys on, pysqlite's usual implicit transactions


@pytest.mark.parametrize("trainer_id", [1, None], ids=["trainer", "no-trainer"])
def test_upgrade_keeps_every_row_that_points_at_a_rebuilt_table(
    engine: Engine, trainer_id: int | None
) -> None:
    """With a cohort's trainer the old code failed; without one it went through and
    deleted every answer, staff session and API token (ON DELETE CASCADE)."""
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        insert(conn, trainer_id)
    before = snapshot(engine)
    assert {t: len(rows) for t, rows in before.items()} == {
        t: len(rows) for t, (_columns, rows) in ROWS_AT_0003.items()
    }

    upgrade(engine)

    assert revision(engine) != BEFORE
    assert snapshot(engine) == before
    assert "failed_logins" not in {c["name"] for c in inspect(engine).get_columns("user_account")}
    if engine.dialect.name == "sqlite":
        assert pooled_settings(engine) == AS_CONNECTED
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_upgraded_database_still_enforces_foreign_keys(engine: Engine) -> None:
    """The migration's connection goes back to the pool with foreign keys on again and
    the driver's usual transactions: a cascade still cascades, a dangling reference is
    refused, a rollback rolls back."""
    sqlite_only(engine)
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        insert(conn)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM response WHERE id = 1")
        assert conn.exec_driver_sql("SELECT count(*) FROM answer").scalar() == 1
    with (
        pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"),
        engine.begin() as conn,
    ):
        conn.exec_driver_sql("UPDATE api_token SET user_id = 99")
    with engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM answer")
        conn.rollback()
        assert conn.exec_driver_sql("SELECT count(*) FROM answer").scalar() == 1


def test_upgrade_refuses_a_dangling_reference_and_changes_nothing(engine: Engine) -> None:
    """A row that points at a missing row (written with foreign keys off, e.g. by the
    sqlite3 shell) would be carried into the rebuilt tables unnoticed: the upgrade stops,
    names the table, and leaves the database at 0003 exactly as it was."""
    sqlite_only(engine)
    upgrade(engine, BEFORE)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # before pysqlite's implicit BEGIN
        insert(conn)
        conn.exec_driver_sql("UPDATE api_token SET user_id = 99")
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
    tables = set(inspect(engine).get_table_names())
    before = snapshot(engine)

    with pytest.raises(DanglingReferences, match=r"api_token \(user_id\).*user_account") as err:
        upgrade(engine)

    assert err.value.counts == {("api_token", "user_id", "user_account"): 1}
    assert "nothing was changed" in str(err.value)
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        assert revision(fresh) == BEFORE
        assert set(inspect(fresh).get_table_names()) == tables  # no throttle, no device ...
        assert snapshot(fresh) == before
        assert {"failed_logins", "locked_until"} <= {
            c["name"] for c in inspect(fresh).get_columns("user_account")
        }
    finally:
        fresh.dispose()
    assert pooled_settings(engine) == AS_CONNECTED
