"""Apply Alembic migrations programmatically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from db.engine import is_sqlite, make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationError(RuntimeError):
    pass


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run(engine: Engine, action: str, target: str) -> None:
    # SQLite rebuilds tables in batch mode: with foreign keys on, dropping the old
    # table would cascade to child rows. So migrate on a connection with them off,
    # then check that nothing dangles.
    migration_engine = make_engine(engine.url.render_as_string(hide_password=False), foreign_keys=False) if is_sqlite(engine) else engine
    try:
        with migration_engine.connect() as connection:
            config = _config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, target)
            connection.commit()
            if is_sqlite(engine):
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.commit()
                if dangling:
                    raise MigrationError(f"foreign key check failed after migration: {dangling[:5]}")
    finally:
        if migration_engine is not engine:
            migration_engine.dispose()


def upgrade(engine: Engine, target: str = "head") -> None:
    _run(engine, "upgrade", target)


def downgrade(engine: Engine, target: str = "base") -> None:
    _run(engine, "downgrade", target)
