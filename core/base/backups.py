"""Backing a Linli installation up, restoring it, and keeping only the newest backups.

    backup(settings, folder, now) -> Path       python -m core.cli backup [--keep N]
    restore(settings, source) -> None           python -m core.cli restore BACKUP
    prune(folder, keep) -> list[Path]           the `keep` newest backups stay (setting backups_keep)

- SQLite: SQLite's online backup API, consistent while the app runs, checked with
  integrity_check (linli-YYYYMMDD-HHMMSS.db).
- PostgreSQL: pg_dump's custom format (linli-YYYYMMDD-HHMMSS.dump), restored by pg_restore.
- The uploaded files (certificates, activity photos) are copied beside it (<name>-files/), 0600
  in a 0700 folder, like the backup itself.
- A restore goes into an empty database only (a database already holding Linli's tables is
  refused: restoring over live data is a decision for a person, with the database dropped first),
  and only with the keys the backup's ID numbers were encrypted with: a backup whose key check
  value does not match the configured keys is refused (its ID numbers could not be read back).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from core.base import keys
from core.base.file_safety import BACKUPS
from core.base.settings import Settings
from db.engine import is_sqlite, make_engine

NAME = re.compile(r"^linli-\d{8}-\d{6}\.(db|dump)$")


class BackupError(RuntimeError):
    """What keeps a backup or a restore from being done, in words for the person at the terminal."""


def _libpq_url(database_url: str) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver name)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> subprocess.CompletedProcess[bytes]:
    found = subprocess.run(command, capture_output=True, check=False)  # noqa: S603 - our own arguments
    if found.returncode != 0:
        raise BackupError(f"{command[0]} failed: {found.stderr.decode(errors='replace').strip()}")
    return found


def backup(settings: Settings, folder: Path = BACKUPS, now: datetime | None = None, *,
           target: Path | None = None) -> Path:
    """A consistent copy of the database in `folder` (or as `target`), and of the uploaded files
    beside it."""
    now = now or datetime.now()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = settings.database_url
    if is_sqlite(url):
        source = Path(make_url(url).database or "")
        if not source.exists():
            raise BackupError(f"no database file at {source}")
        target = target or folder / f"linli-{now:%Y%m%d-%H%M%S}.db"
        copy_sqlite(source, target)
    else:
        target = target or folder / f"linli-{now:%Y%m%d-%H%M%S}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
              f"--dbname={_libpq_url(url)}"])
    target.chmod(0o600)
    files = Path(settings.files_dir)
    if files.is_dir():
        copy_folder(files, target.with_name(f"{target.stem}-files"))
    return target


def copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup of `source` into `target`, then its integrity checked."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        with writer:
            reader.backup(writer)
        ok = writer.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the copy failed its integrity check: {ok}")
    finally:
        reader.close()
        writer.close()


def copy_folder(source: Path, target: Path) -> int:
    """The files of a flat folder (stored_files keeps no sub-folders), 0600 in a 0700 folder."""
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.chmod(0o700)
    copied = 0
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.is_symlink():
            destination = target / path.name
            shutil.copyfile(path, destination)
            destination.chmod(0o600)
            copied += 1
    return copied


def _recorded_checks(source: Path) -> tuple[str | None, str | None]:
    """(id_key_check, id_hash_check) as the backup recorded them; None where it has none."""
    if source.suffix == ".db":
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            rows = dict(reader.execute("SELECT key, value FROM app_meta WHERE key IN ('id_key_check', 'id_hash_check')"))
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a Linli backup: {exc}") from None
        finally:
            reader.close()
        return rows.get(keys.CHECK_KEY), rows.get("id_hash_check")
    listing = _run(["pg_restore", "--data-only", "--table=app_meta", "--file=-", str(source)]).stdout.decode()
    found: dict[str, str] = {}
    for line in listing.splitlines():  # COPY rows: key <TAB> value
        key, _, value = line.partition("\t")
        if key in (keys.CHECK_KEY, "id_hash_check"):
            found[key] = value
    return found.get(keys.CHECK_KEY), found.get("id_hash_check")


def key_problem(settings: Settings, source: Path) -> str | None:
    """Why the configured keys cannot read the backup's ID numbers; None when they can."""
    check, hash_check = _recorded_checks(source)
    return keys.values_mismatch(check, hash_check, settings)


def restore(settings: Settings, source: Path) -> None:
    """The backup into the configured database, which must be empty, and its files into files_dir."""
    if not source.is_file() or source.suffix not in (".db", ".dump"):
        raise BackupError(f"{source} is not a backup (linli-….db or linli-….dump)")
    url = settings.database_url
    if (source.suffix == ".db") != is_sqlite(url):
        raise BackupError(f"{source.name} is a {'SQLite' if source.suffix == '.db' else 'PostgreSQL'} backup; "
                          f"DATABASE_URL is {'SQLite' if is_sqlite(url) else 'PostgreSQL'}")
    problem = key_problem(settings, source)
    if problem:
        raise BackupError(f"refused: {problem} (the backup's ID numbers could not be read back)")
    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("refused: the database is not empty (drop and re-create it first)")
    finally:
        engine.dispose()
    if is_sqlite(url):
        target = Path(make_url(url).database or "")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy_sqlite(source, target)
        target.chmod(0o600)
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={_libpq_url(url)}",
              str(source)])
    files = source.with_name(f"{source.stem}-files")
    if files.is_dir():
        copy_folder(files, Path(settings.files_dir))


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups in `folder` (by the time in their names), with
    their files; returns what was removed. Only Linli's own backup names are touched."""
    found = sorted((path for path in folder.iterdir() if NAME.match(path.name)), key=lambda path: path.name,
                   reverse=True) if folder.is_dir() else []
    removed = []
    for path in found[max(keep, 1):]:
        path.unlink()
        files = path.with_name(f"{path.stem}-files")
        if files.is_dir():
            shutil.rmtree(files)
        removed.append(path)
    return removed
