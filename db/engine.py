"""Engine and session factory built from one setting, DATABASE_URL.

SQLite gets WAL, a busy timeout and foreign keys on every connection, and write
transactions open with BEGIN IMMEDIATE so that read-then-write never fails with
"database is locked" half way and never loses an update. PostgreSQL goes through
psycopg 3 with the same code.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///data/linli.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE = "linli_write"


def normalise_url(url: str) -> str:
    """Route every PostgreSQL URL through psycopg 3, whatever driver it names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, *, foreign_keys: bool = True, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, foreign_keys=foreign_keys, echo=echo)
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_engine(url: str, *, foreign_keys: bool, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):  # file: is a URI, e.g. ?mode=ro
        Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # residents' data: Linli's only
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache: bulk imports insert into several indexes in random order.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # noqa: ANN001
        # Writers take the write lock up front; readers stay concurrent under WAL.
        mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def database_trouble(error: BaseException) -> str | None:
    """What went wrong underneath a database error, in words the office can act on: "read_only"
    (the file or its folder cannot be written), "disk_full", "unavailable" (the file cannot be
    opened, PostgreSQL does not answer) or "locked"; None for anything else."""
    text = str(getattr(error, "orig", None) or error).lower()
    if isinstance(error, OSError) and error.errno == errno.ENOSPC or "disk is full" in text or "no space left" in text:
        return "disk_full"
    if "readonly database" in text or "read-only" in text or "read only" in text:
        return "read_only"
    if "database is locked" in text:
        return "locked"
    if ("unable to open database" in text or "connection refused" in text or "could not connect" in text
            or "connection failed" in text or "server closed the connection" in text):
        return "unavailable"
    return None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any error."""
    with Session(bind=engine.execution_options(**{_WRITE: True}), expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(bind=engine, expire_on_commit=False) as session:
        with session.begin():
            yield session
