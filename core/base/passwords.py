"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import secrets
import string
from functools import cache

import bcrypt

from core.base.errors import Invalid

MIN_LENGTH = 8
MAX_BYTES = 72  # bcrypt reads no further: longer passwords would be silently truncated
ROUNDS = 12  # bcrypt cost; tests lower it for speed, on real and dummy hashes alike


@cache
def _dummy_hash(rounds: int) -> bytes:
    """Verified when the user name is unknown, so every refusal costs one bcrypt check."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(ROUNDS)).decode()


def verify(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not there is a hash to check against."""
    encoded = password.encode()
    if len(encoded) > MAX_BYTES:
        encoded = encoded[:MAX_BYTES]  # no such password can exist; keep the timing anyway
    target = password_hash.encode() if password_hash else _dummy_hash(ROUNDS)
    try:
        matched = bcrypt.checkpw(encoded, target)
    except ValueError:
        return False
    return matched and password_hash is not None


def check_policy(password: str, *, username: str = "", field: str = "password") -> None:
    """Refuse a password that is too short, too long for bcrypt, or too easy to guess."""
    if len(password.encode()) > MAX_BYTES:
        raise Invalid(field, "error.password.too_long", max_bytes=MAX_BYTES)
    if len(password) < MIN_LENGTH:
        raise Invalid(field, "error.password.too_short", min=MIN_LENGTH)
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise Invalid(field, "error.password.letters_and_digits")
    if username and username.lower() in password.lower():
        raise Invalid(field, "error.password.contains_username")


def one_time_password() -> str:
    """A random password for a new or reset account: 12 characters, letters and digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
