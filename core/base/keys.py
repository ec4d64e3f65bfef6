"""The encryption keys of this installation, checked against the database they protect."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.base.crypto import KeyMismatch, Vault
from core.base.settings import Settings
from db.models import AppMeta

CHECK_KEY = "id_key_check"

__all__ = ["KeyMismatch", "vault_of", "check_database_key"]


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
