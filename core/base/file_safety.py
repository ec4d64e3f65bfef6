"""Files that hold residents' data are readable by Linli's own account only.

The SQLite database, its -wal and -shm files and every backup hold names, phones, addresses,
case facts and the audit log; at 0644 in a 0755 folder any local account read them.

- `private_umask()` at start-up (the server and the CLI): every file the process creates is
  0600 and every folder 0700. SQLite creates -wal and -shm with its database file's mode.
- `tighten()`, run by `init` (so by `make run`), brings an older installation's folders to
  0700 and their database files to 0600.
- `too_open()` names whatever others may still read: `check` and the server's start-up warn.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_UMASK = 0o077
BACKUPS = Path("backups")  # where `backup` writes, beside the data folder
_DATA_FILES = ("*.db", "*.db-wal", "*.db-shm", "*.db-journal")


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def folders(database_url: str) -> list[Path]:
    """The folders holding this installation's data: the SQLite database's, and the backups."""
    url = make_url(database_url)
    found = [BACKUPS]
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        found.insert(0, Path(url.database.removeprefix("file:")).parent)
    return found


def _data_files(folder: Path) -> list[Path]:
    return sorted({path for pattern in _DATA_FILES for path in folder.glob(pattern) if path.is_file()})


def _paths(folder: Path) -> list[tuple[Path, int]]:
    """(path, the mode it should have): the folder and its database files. A database kept in
    the working folder itself (sqlite:///linli.db) leaves that folder's mode alone."""
    own_folder = [] if folder.resolve() == Path.cwd().resolve() else [(folder, 0o700)]
    return own_folder + [(file, 0o600) for file in _data_files(folder)]


def too_open(database_url: str) -> list[str]:
    """Each data folder or file that accounts other than Linli's may read, with the fix."""
    found = []
    for folder in folders(database_url):
        if not folder.is_dir():
            continue
        for path, wanted in _paths(folder):
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                found.append(f"{path} is {mode:04o}: other accounts on this machine can read it "
                             f"(chmod {wanted:o} {path}, or run `make run` / `python -m core.cli init`)")
    return found


def tighten(database_url: str) -> list[str]:
    """Folders to 0700 and data files to 0600; returns what was changed."""
    changed = []
    for folder in folders(database_url):
        if not folder.is_dir():
            continue
        for path, wanted in _paths(folder):
            if stat.S_IMODE(path.stat().st_mode) != wanted:
                path.chmod(wanted)
                changed.append(f"{path} → {wanted:04o}")
    return changed
