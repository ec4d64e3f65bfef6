"""Backup and restore on both databases: a backup restores into an empty database with every row
of every table and the uploaded files; other keys, a database in use and a backup of the other
kind are refused; only the newest backups are kept."""

import os
from datetime import datetime

import pytest

from core.base import backups, keys, settings
from core.residents.service import ResidentForm
from db.engine import make_engine, write_session
from tests.factories import make_resident_id, make_world, register, vault_for_tests
from tests.unit.db.test_migrations import _rows


def settings_for(url: str, files, **env: str) -> settings.Settings:  # noqa: ANN001
    return settings.load(secrets={}, env={**os.environ, "DATABASE_URL": url, "LINLI_FILES_DIR": str(files), **env})


@pytest.fixture
def office(engine, tmp_path):  # noqa: ANN201
    """A community with a resident (an encrypted ID number), the keys' check value, an uploaded file."""
    world = make_world(engine)
    with write_session(engine) as session:
        keys.check_database_key(session, vault_for_tests())
        register(session, world.actors["worker"], vault_for_tests(), ResidentForm(
            name="王奶奶", id_number=make_resident_id("19420101", "101"), grid_id=world.grid_ids[0],
            address="和平里小区2号楼101", phone="13900001111"))
    files = tmp_path / "files"
    files.mkdir()
    (files / "0a1b.png").write_bytes(b"\x89PNG\r\n\x1a\n certificate")
    return engine.url.render_as_string(hide_password=False), files


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(engine, office, fresh_database_url,
                                                                           tmp_path):
    url, files = office
    written = backups.backup(settings_for(url, files), tmp_path / "backups", datetime(2026, 12, 7, 2, 0))
    assert written.name in ("linli-20261207-020000.db", "linli-20261207-020000.dump")
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    restored_files = tmp_path / "restored"
    backups.restore(settings_for(fresh_database_url, restored_files), written)
    target = make_engine(fresh_database_url)
    try:
        assert _rows(target) == _rows(engine)  # every table, every row, every value
    finally:
        target.dispose()
    assert (restored_files / "0a1b.png").read_bytes() == b"\x89PNG\r\n\x1a\n certificate"


def test_a_restore_is_refused_with_other_keys_into_a_database_in_use_or_of_the_other_kind(engine, office,
                                                                                          fresh_database_url, tmp_path):
    url, files = office
    written = backups.backup(settings_for(url, files), tmp_path / "backups")
    other_keys = settings_for(fresh_database_url, tmp_path / "x", LINLI_ID_ENCRYPTION_KEY="k" * 48)
    with pytest.raises(backups.BackupError) as refused:
        backups.restore(other_keys, written)
    assert str(refused.value).startswith("refused: id_encryption_key is not the key")
    with pytest.raises(backups.BackupError) as refused:
        backups.restore(settings_for(url, tmp_path / "x"), written)  # the live database itself
    assert "the database is not empty" in str(refused.value)
    other_kind = "sqlite:///" + str(tmp_path / "other.db") if written.suffix == ".dump" else \
        "postgresql+psycopg://u@127.0.0.1/none"
    with pytest.raises(backups.BackupError) as refused:
        backups.restore(settings_for(other_kind, tmp_path / "x"), written)
    assert "backup; DATABASE_URL is" in str(refused.value)


def test_only_the_newest_backups_are_kept(tmp_path):
    for day in range(1, 6):
        (tmp_path / f"linli-2026120{day}-020000.db").write_bytes(b"x")
        (tmp_path / f"linli-2026120{day}-020000-files").mkdir()
    (tmp_path / "notes.txt").write_text("not a backup")
    removed = backups.prune(tmp_path, 2)
    assert sorted(path.name for path in removed) == [f"linli-2026120{day}-020000.db" for day in (1, 2, 3)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "linli-20261204-020000-files", "linli-20261204-020000.db", "linli-20261205-020000-files",
        "linli-20261205-020000.db", "notes.txt"]
