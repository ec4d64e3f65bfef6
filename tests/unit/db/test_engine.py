"""SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE; read-modify-write loses nothing."""

import threading
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.engine import database_trouble, make_engine, normalise_url, read_session, write_session
from db.models import Grid


def test_postgres_urls_go_through_psycopg3():
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgresql+psycopg2://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///data/x.db") == "sqlite:///data/x.db"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_pragmas(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with write_session(engine) as session:
            session.add(Grid(community_id=999, name="orphan", description="", created_at=datetime(2026, 1, 1)))


@pytest.mark.parametrize("backend", ["sqlite"])  # BEGIN IMMEDIATE is SQLite's answer; PostgreSQL uses versions
def test_concurrent_read_modify_write_loses_no_update_on_sqlite(engine):
    with write_session(engine) as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))

    def bump(times: int) -> None:
        for _ in range(times):
            with write_session(engine) as session:
                n = session.execute(text("SELECT n FROM counter")).scalar_one()
                session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read_session(engine) as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 100


def test_what_went_wrong_underneath_is_named_for_the_office(tmp_path):
    """database_trouble reads real driver errors: a full database, a read-only file, no server."""
    path = tmp_path / "small.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
    with engine.connect() as connection, pytest.raises(DBAPIError) as full:
        connection.exec_driver_sql("PRAGMA max_page_count = 8")  # this connection's database cannot grow
        connection.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "居" * 1000}] * 100)
    assert database_trouble(full.value) == "disk_full"
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with read_only.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text("INSERT INTO t VALUES ('x')"))
    assert database_trouble(refused.value) == "read_only"
    gone = make_engine("postgresql+psycopg://linli@127.0.0.1:9/linli")  # nothing listens on port 9
    with pytest.raises(DBAPIError) as unreachable:
        gone.connect()
    assert database_trouble(unreachable.value) == "unavailable"
    assert database_trouble(ValueError("something else")) is None
