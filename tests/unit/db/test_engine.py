"""SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE; read-modify-write loses nothing."""

import threading
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.engine import normalise_url, read_session, write_session
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
