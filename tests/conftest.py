"""Shared fixtures: a database on SQLite and on PostgreSQL, schema built by the migrations.

Under CI=true a PostgreSQL that cannot be reached is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from core.base import passwords
from db import migrate
from db.engine import make_engine

PG_ADMIN_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_COOKIE_KEY = "test-cookie-key-" + uuid.uuid4().hex + uuid.uuid4().hex

# Tests never read the developer's secrets or database.
os.environ["LINLI_COOKIE_KEY"] = TEST_COOKIE_KEY
os.environ["LINLI_ID_ENCRYPTION_KEY"] = "test-encryption-key-" + uuid.uuid4().hex
os.environ["LINLI_ID_HASH_KEY"] = "test-hash-key-" + uuid.uuid4().hex + uuid.uuid4().hex
os.environ.pop("DATABASE_URL", None)


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt cost 4 instead of 12: same code paths, a hundredth of the time."""
    monkeypatch.setattr(passwords, "ROUNDS", 4)


@pytest.fixture(autouse=True)
def umask_kept() -> Iterator[None]:
    """The CLI sets a private umask for its process: put the test run's back after each test."""
    kept = os.umask(0o022)
    os.umask(kept)
    yield
    os.umask(kept)


def pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def require_pg() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable (set LINLI_TEST_PG_URL); CI runs these")


def create_pg_database() -> str:
    name = f"linli_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "linli.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


# Shared lists the migrations seed into tables that also hold communities' own rows (so TRUNCATE
# ... CASCADE from communities empties them): table -> its columns.
SEEDED_SHARED = {"dispute_types": ("id", "name", "sort_order", "active", "version"),
                 "activity_categories": ("id", "name", "outreach", "sort_order", "active", "version")}
_seeded: dict[str, dict[str, list[dict]]] = {}  # database -> table -> the shared rows the migrations seed


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    require_pg()
    url = create_pg_database()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        _seeded[str(engine.url.database)] = {
            table: [dict(row._mapping) for row in connection.execute(
                text(f"SELECT {', '.join(columns)} FROM {table} WHERE community_id IS NULL"))]  # noqa: S608
            for table, columns in SEEDED_SHARED.items()}
    engine.dispose()
    yield url
    drop_pg_database(url)


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as connection:
        # The shared lists are seeded by the migrations, but their tables also hold communities'
        # own rows, so TRUNCATE ... CASCADE from communities empties them: put the seeded rows back
        # as the migrations left them.
        seeded = _seeded[str(engine.url.database)]
        tables = connection.execute(
            # Reference data seeded by the migrations stays.
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                 "AND tablename NOT IN ('alembic_version', 'quota_settings', 'course_categories')")
        ).scalars().all()
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        for table, columns in SEEDED_SHARED.items():
            connection.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                                    f"VALUES ({', '.join(':' + column for column in columns)})"), seeded[table])
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :last)"),
                               {"last": max(row["id"] for row in seeded[table])})


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if backend == "sqlite":
        path = tmp_path / "linli.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        url = request.getfixturevalue("pg_url")
        engine = make_engine(url)
        yield engine
        _truncate_all(engine)
        engine.dispose()


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database on each backend (for migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        require_pg()
        url = create_pg_database()
        yield url
        drop_pg_database(url)
