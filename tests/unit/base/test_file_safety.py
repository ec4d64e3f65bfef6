"""Residents' data on disk is readable by Linli's account only: the database, its -wal and -shm,
the folders they live in, and backups (tested on SQLite: PostgreSQL keeps its own files)."""

from __future__ import annotations

import os
import stat

import pytest

from core import cli
from core.base import file_safety
from core.base import settings as settings_module
from db import migrate
from db.engine import make_engine, write_session
from db.models import AppMeta


def mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """A fresh working folder, as `make run` has in the project folder, and the umask put back."""
    monkeypatch.chdir(tmp_path)
    kept = os.umask(0o022)  # what a login shell usually has: files 0644, folders 0755
    yield tmp_path
    os.umask(kept)


def test_a_new_database_its_wal_and_folder_are_private_once_the_umask_is_set(in_tmp):
    file_safety.private_umask()
    engine = make_engine("sqlite:///data/linli.db")
    migrate.upgrade(engine)
    with write_session(engine) as session:  # keeps the WAL open while the files are looked at
        session.add(AppMeta(key="probe", value="x"))
        session.flush()
        files = [in_tmp / "data" / name for name in ("linli.db", "linli.db-wal", "linli.db-shm")]
        assert [mode(path) for path in files] == [0o600, 0o600, 0o600]
    assert mode(in_tmp / "data") == 0o700
    engine.dispose()


def test_a_backup_and_its_folder_are_private(in_tmp, capsys):
    make_engine("sqlite:///data/linli.db").dispose()
    assert cli.main(["--database-url", "sqlite:///data/linli.db", "migrate"]) == 0
    assert cli.main(["--database-url", "sqlite:///data/linli.db", "backup"]) == 0
    [backup] = (in_tmp / "backups").iterdir()
    assert (mode(in_tmp / "backups"), mode(backup)) == (0o700, 0o600)


def test_check_warns_of_files_others_can_read_and_init_makes_them_private(in_tmp, capsys, monkeypatch):
    url = "sqlite:///data/linli.db"
    engine = make_engine(url)  # an installation from before: created under umask 022
    migrate.upgrade(engine)
    engine.dispose()
    (in_tmp / "data").chmod(0o755)
    (in_tmp / "data" / "linli.db").chmod(0o644)
    (in_tmp / "backups").mkdir(mode=0o755)
    (in_tmp / "backups" / "linli-old.db").write_bytes(b"")
    (in_tmp / "backups" / "linli-old.db").chmod(0o644)

    assert cli.main(["--database-url", url, "check"]) == 0  # a warning, not a refusal: init fixes it
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("WARNING")]
    named = {line.split()[1] for line in warnings}
    assert {"data", "data/linli.db", "backups", "backups/linli-old.db"} <= named  # and -wal, -shm while open
    assert "WARNING: data/linli.db is 0644: other accounts on this machine can read it (chmod 600 data/linli.db" in (
        "\n".join(warnings))

    monkeypatch.setattr(settings_module, "write_default_secrets", lambda: [])  # the test's keys are in the env
    assert cli.main(["--database-url", url, "init"]) == 0
    assert "made private: data/linli.db → 0600" in capsys.readouterr().out
    assert file_safety.too_open(url) == []
    assert (mode(in_tmp / "data"), mode(in_tmp / "backups" / "linli-old.db")) == (0o700, 0o600)


def test_a_database_in_the_working_folder_keeps_that_folders_mode(in_tmp):
    (in_tmp / "linli.db").write_bytes(b"")
    (in_tmp / "linli.db").chmod(0o644)
    in_tmp.chmod(0o755)
    assert file_safety.tighten("sqlite:///linli.db") == ["linli.db → 0600"]
    assert mode(in_tmp) == 0o755


def test_postgresql_has_only_the_backups_folder_to_look_after(in_tmp):
    assert file_safety.folders("postgresql+psycopg://u@127.0.0.1/linli") == [file_safety.BACKUPS]
    assert file_safety.too_open("postgresql+psycopg://u@127.0.0.1/linli") == []


def test_a_backup_copies_the_evidence_files_beside_the_database(in_tmp, capsys):
    """Certificates uploaded for hours earned elsewhere live under data/files: a backup without
    them would restore claims whose proof is gone."""
    from core.base import stored_files
    from tests import evidence_files

    make_engine("sqlite:///data/linli.db").dispose()
    assert cli.main(["--database-url", "sqlite:///data/linli.db", "migrate"]) == 0
    kept = stored_files.store(in_tmp / "data" / "files", evidence_files.PDF, "证书.pdf", "pdf")
    assert cli.main(["--database-url", "sqlite:///data/linli.db", "backup", "--output", "backups/b.db"]) == 0
    copied = in_tmp / "backups" / "b-files" / kept.stored_as
    assert copied.read_bytes() == evidence_files.PDF
    assert (mode(copied.parent), mode(copied)) == (0o700, 0o600)
    assert "1 evidence files copied" in capsys.readouterr().out
