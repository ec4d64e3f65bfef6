"""The encryption keys of this installation, checked against the database they protect."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from core.base.crypto import KeyMismatch, Vault
from core.base.settings import Settings
from db.models import AppMeta

CHECK_KEY = "id_key_check"

__all__ = ["KeyMismatch", "vault_of", "check_database_key", "recorded_check", "mismatch", "values_mismatch"]


def vault_of(settings: Settings) -> Vault:
    return Vault(settings.id_encryption_key, settings.id_hash_key)


def check_database_key(session: Session, vault: Vault) -> None:
    """Record the key's check value on first use; afterwards refuse a different key."""
    stored = session.get(AppMeta, CHECK_KEY)
    if stored is None:
        session.add(AppMeta(key=CHECK_KEY, value=vault.check_value()))
        session.add(AppMeta(key="id_hash_check", value=vault.lookup_hash("linli-hash-check")))
        return
    vault.verify_check_value(stored.value)
    hash_check = session.get(AppMeta, "id_hash_check")
    if hash_check is not None and hash_check.value != vault.lookup_hash("linli-hash-check"):
        raise KeyMismatch("the ID hash key does not match this database")


def recorded_check(engine: Engine) -> str | None:
    """The check value of the keys this database's ID numbers were written with; None for a
    database that has none yet (new, or never opened by the app). Reads only."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(AppMeta.__tablename__):
            return None
        return connection.scalar(select(AppMeta.value).where(AppMeta.key == CHECK_KEY))


def mismatch(engine: Engine, settings: Settings) -> str | None:
    """Why these settings' ID keys cannot read this database, or None when they can (or it has none yet)."""
    check = recorded_check(engine)
    if check is None:
        return None
    with engine.connect() as connection:
        hash_check = connection.scalar(select(AppMeta.value).where(AppMeta.key == "id_hash_check"))
    return values_mismatch(check, hash_check, settings)


def values_mismatch(check: str | None, hash_check: str | None, settings: Settings) -> str | None:
    """mismatch() from the recorded check values themselves (a backup's, say)."""
    if check is None:
        return None
    if not (settings.id_encryption_key and settings.id_hash_key):
        return "the database holds ID numbers encrypted with keys that are missing from the settings"
    try:
        vault_of(settings).verify_check_value(check)
    except KeyMismatch:
        return "id_encryption_key is not the key this database's ID numbers were encrypted with"
    if hash_check is not None and hash_check != vault_of(settings).lookup_hash("linli-hash-check"):
        return "id_hash_key is not the key this database's ID numbers were indexed with"
    return None


def holds_encrypted_ids(engine: Engine) -> bool:
    """Whether this database holds anything the ID keys protect: their check value, or an
    encrypted ID number (of a resident or a party). Reads only."""
    if recorded_check(engine) is not None:
        return True
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        return any(connection.scalar(text(f"SELECT 1 FROM {table} WHERE id_enc IS NOT NULL LIMIT 1"))
                   for table in ("residents", "case_parties") if table in tables)
