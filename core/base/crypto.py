"""ID numbers at rest: AES-256-GCM for the value, HMAC-SHA256 for lookup and uniqueness.

Both keys live in secrets beside the cookie key. A check value stored in the database
lets start-up refuse a key that does not match the data, instead of showing garbage.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CHECK_PLAINTEXT = b"linli-key-check-v1"


class KeyMismatch(RuntimeError):
    """The configured key does not decrypt this database's data."""


def _key_bytes(text: str) -> bytes:
    """Derive 32 bytes from the configured secret (any long random text)."""
    return hashlib.sha256(text.encode()).digest()


@dataclass(frozen=True)
class Vault:
    encryption_key: str
    hash_key: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aead", AESGCM(_key_bytes(self.encryption_key)))
        mac_key = _key_bytes("hash:" + self.hash_key)
        # HMAC's two keyed SHA-256 states, computed once: copying them costs a third of
        # hmac.digest() per value, which counts on a 100k-row roster (same result, tested).
        block = mac_key.ljust(64, b"\0")
        object.__setattr__(self, "_mac_inner", hashlib.sha256(bytes(b ^ 0x36 for b in block)))
        object.__setattr__(self, "_mac_outer", hashlib.sha256(bytes(b ^ 0x5C for b in block)))

    def __reduce__(self) -> tuple[type[Vault], tuple[str, str]]:
        # Rebuilt from the keys: the cipher object itself cannot be pickled (copies, caches).
        return Vault, (self.encryption_key, self.hash_key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)  # type: ignore[attr-defined]
        return base64.b64encode(nonce + sealed).decode()

    def encrypt_many(self, plaintexts: list[str]) -> list[str]:
        """encrypt() for many values: the same tokens, with the fresh nonces drawn in one call."""
        if not plaintexts:
            return []
        nonces = os.urandom(12 * len(plaintexts))
        seal, encode = self._aead.encrypt, base64.b64encode  # type: ignore[attr-defined]
        tokens = []
        for index, plaintext in enumerate(plaintexts):
            nonce = nonces[12 * index:12 * index + 12]
            tokens.append(encode(nonce + seal(nonce, plaintext.encode(), None)).decode())
        return tokens

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()  # type: ignore[attr-defined]
        except InvalidTag as exc:
            raise KeyMismatch("the encryption key does not match this data") from exc

    def lookup_hash(self, value: str) -> str:
        """HMAC-SHA256 of the value, as hex (RFC 2104 from the precomputed keyed states)."""
        inner = self._mac_inner.copy()  # type: ignore[attr-defined]
        inner.update(value.encode())
        outer = self._mac_outer.copy()  # type: ignore[attr-defined]
        outer.update(inner.digest())
        return outer.hexdigest()

    def check_value(self) -> str:
        return self.encrypt(CHECK_PLAINTEXT.decode())

    def verify_check_value(self, token: str) -> None:
        if self.decrypt(token) != CHECK_PLAINTEXT.decode():
            raise KeyMismatch("the encryption key does not match this database")
