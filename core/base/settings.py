"""Settings from environment variables and `.streamlit/secrets.toml` (environment wins).

| setting               | env var                      | secrets key          | default                  |
|-----------------------|------------------------------|----------------------|--------------------------|
| database URL          | DATABASE_URL                 | database_url         | sqlite:///data/linli.db  |
| cookie signing key    | LINLI_COOKIE_KEY             | cookie_key           | none: start-up refuses   |
| cookie name           | LINLI_COOKIE_NAME            | cookie_name          | linli_auth               |
| login lifetime, hours | LINLI_COOKIE_EXPIRY_HOURS    | cookie_expiry_hours  | 8                        |
| lockout failures      | LINLI_LOCKOUT_FAILURES       | lockout_failures     | 5                        |
| failure window, min   | LINLI_LOCKOUT_WINDOW_MINUTES | lockout_window_minutes | 15                     |
| lock length, min      | LINLI_LOCKOUT_MINUTES        | lockout_minutes      | 15                       |
| ID encryption key     | LINLI_ID_ENCRYPTION_KEY      | id_encryption_key    | none: start-up refuses   |
| ID lookup hash key    | LINLI_ID_HASH_KEY            | id_hash_key          | none: start-up refuses   |
| mediation limit, months | LINLI_MEDIATION_MONTHS     | mediation_months     | 1                        |
| judicial window, days | LINLI_JUDICIAL_DAYS          | judicial_days        | 30                       |
| follow-up due, days   | LINLI_FOLLOW_UP_DAYS         | follow_up_days       | 15                       |
| … after performance deadline | LINLI_FOLLOW_UP_AFTER_DEADLINE_DAYS | follow_up_after_deadline_days | 0  |
| exact ID lookups/hour | LINLI_ID_LOOKUPS_PER_HOUR    | id_lookups_per_hour  | 20 (roles without reveal) |
| exact ID lookups/day  | LINLI_ID_LOOKUPS_PER_DAY     | id_lookups_per_day   | 60                       |
| import ID lookups/day | LINLI_IMPORT_ID_LOOKUPS_PER_DAY | import_id_lookups_per_day | 5000              |
| evidence files folder | LINLI_FILES_DIR              | files_dir            | data/files               |
| activity attendance, days | LINLI_ACTIVITY_ATTENDANCE_DAYS | activity_attendance_days | 7              |
| backups kept          | LINLI_BACKUPS_KEEP           | backups_keep         | 30                       |
| retention, years      | LINLI_RETENTION_YEARS        | retention_years      | 3                        |
"""

from __future__ import annotations

import os
import re
import secrets as random_secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.engine import DEFAULT_URL

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"

# Keys shipped in streamlit-authenticator's docs and examples: anyone can forge cookies with them.
LIBRARY_DEFAULT_KEYS = frozenset({"some_key", "some_signature_key", "random_signature_key", "abcdef", "key"})
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    cookie_key: str = ""
    cookie_name: str = "linli_auth"
    cookie_expiry_hours: float = 8.0
    lockout_failures: int = 5
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    id_encryption_key: str = ""
    id_hash_key: str = ""
    mediation_months: int = 1
    judicial_days: int = 30
    follow_up_days: int = 15
    # The follow-up visit is due no earlier than this many days after the performance deadline.
    follow_up_after_deadline_days: int = 0
    # Different ID numbers a user without resident.reveal may look up exactly (core.residents.lookups).
    id_lookups_per_hour: int = 20
    id_lookups_per_day: int = 60
    import_id_lookups_per_day: int = 5000
    # The address residents' phones open from a rating QR code, e.g. https://rate.example.org
    # (a public-only instance, see README). Empty: the address staff use for Linli.
    public_base_url: str = ""
    # This instance serves only the public rating page (no login, no other page).
    public_only: bool = False
    # Uploaded evidence (training certificates): core.base.stored_files; backed up with the database.
    files_dir: str = "data/files"
    # Attendance and walk-ins of an activity may be recorded until this many days after it ends.
    activity_attendance_days: int = 7
    # `backup` removes the oldest backups in its folder beyond this many (core.base.backups.prune).
    backups_keep: int = 30
    # A resident who moved out or died this many years ago is anonymised (core.residents.retention).
    retention_years: int = 3


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


_flag.__name__ = "true/false"

_FIELDS: dict[str, tuple[str, type]] = {
    "database_url": ("DATABASE_URL", str),
    "cookie_key": ("LINLI_COOKIE_KEY", str),
    "cookie_name": ("LINLI_COOKIE_NAME", str),
    "cookie_expiry_hours": ("LINLI_COOKIE_EXPIRY_HOURS", float),
    "lockout_failures": ("LINLI_LOCKOUT_FAILURES", int),
    "lockout_window_minutes": ("LINLI_LOCKOUT_WINDOW_MINUTES", int),
    "lockout_minutes": ("LINLI_LOCKOUT_MINUTES", int),
    "id_encryption_key": ("LINLI_ID_ENCRYPTION_KEY", str),
    "id_hash_key": ("LINLI_ID_HASH_KEY", str),
    "mediation_months": ("LINLI_MEDIATION_MONTHS", int),
    "judicial_days": ("LINLI_JUDICIAL_DAYS", int),
    "follow_up_days": ("LINLI_FOLLOW_UP_DAYS", int),
    "follow_up_after_deadline_days": ("LINLI_FOLLOW_UP_AFTER_DEADLINE_DAYS", int),
    "id_lookups_per_hour": ("LINLI_ID_LOOKUPS_PER_HOUR", int),
    "id_lookups_per_day": ("LINLI_ID_LOOKUPS_PER_DAY", int),
    "import_id_lookups_per_day": ("LINLI_IMPORT_ID_LOOKUPS_PER_DAY", int),
    "public_base_url": ("LINLI_PUBLIC_BASE_URL", str),
    "public_only": ("LINLI_PUBLIC_ONLY", _flag),
    "files_dir": ("LINLI_FILES_DIR", str),
    "activity_attendance_days": ("LINLI_ACTIVITY_ATTENDANCE_DAYS", int),
    "backups_keep": ("LINLI_BACKUPS_KEEP", int),
    "retention_years": ("LINLI_RETENTION_YEARS", int),
}
# Keys generated for a new installation; added to an older secrets file that lacks them.
_GENERATED_KEYS = ("cookie_key", "id_encryption_key", "id_hash_key")


def read_secrets_file(path: Path = SECRETS_FILE) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load(secrets: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    secrets = read_secrets_file() if secrets is None else secrets
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for name, (env_name, kind) in _FIELDS.items():
        raw = env.get(env_name) or secrets.get(name)
        if raw not in (None, ""):
            try:
                values[name] = kind(raw)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"setting {name} ({env_name}) is not a valid {kind.__name__}: {raw!r}") from exc
    return Settings(**values)


def problems(settings: Settings) -> list[str]:
    """What makes these settings unsafe to run with; each line says why (English, for admins)."""
    found = []
    key = settings.cookie_key
    if not key:
        found.append("cookie_key is missing: set it in .streamlit/secrets.toml or LINLI_COOKIE_KEY")
    elif key in LIBRARY_DEFAULT_KEYS:
        found.append("cookie_key is a streamlit-authenticator example value: anyone could forge a login")
    elif len(key.encode()) < MIN_KEY_BYTES:
        found.append(f"cookie_key is {len(key.encode())} bytes: it needs at least {MIN_KEY_BYTES} random bytes")
    elif len(set(key)) < 10:
        found.append("cookie_key repeats too few characters to be random")
    for name in ("id_encryption_key", "id_hash_key"):
        value = getattr(settings, name)
        if len(value.encode()) < MIN_KEY_BYTES:
            found.append(f"{name} is missing or shorter than {MIN_KEY_BYTES} bytes: run `make run` once to generate it")
    if settings.cookie_expiry_hours <= 0 or settings.cookie_expiry_hours > 24 * 7:
        found.append("cookie_expiry_hours must be more than 0 and at most 168 (one week)")
    if not (1 <= settings.mediation_months <= 12 and 1 <= settings.judicial_days <= 365
            and 1 <= settings.follow_up_days <= 365 and 0 <= settings.follow_up_after_deadline_days <= 365):
        found.append("mediation_months must be 1-12, judicial_days and follow_up_days 1-365, "
                     "follow_up_after_deadline_days 0-365")
    if settings.lockout_failures < 1 or settings.lockout_minutes < 1 or settings.lockout_window_minutes < 1:
        found.append("lockout settings must be positive")
    if not (1 <= settings.id_lookups_per_hour <= settings.id_lookups_per_day <= 10_000
            and 1 <= settings.import_id_lookups_per_day <= 1_000_000):
        found.append("id_lookups_per_hour must be 1 to id_lookups_per_day (at most 10000), "
                     "import_id_lookups_per_day 1-1000000")
    if not 1 <= settings.retention_years <= 50:
        found.append("retention_years must be 1-50 (years after moving out or death before a resident is anonymised)")
    if not 1 <= settings.backups_keep <= 10_000:
        found.append("backups_keep must be 1-10000 (backups kept in the backups folder)")
    if not 0 <= settings.activity_attendance_days <= 90:
        found.append("activity_attendance_days must be 0-90 (days after an activity its attendance may be recorded)")
    if settings.public_base_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", settings.public_base_url):
        found.append("public_base_url must be an http(s) address such as https://rate.example.org")
    return found


def new_secret() -> str:
    """A fresh key: 48 random bytes, URL-safe text."""
    return random_secrets.token_urlsafe(48)


def write_default_secrets(path: Path = SECRETS_FILE, *, only: tuple[str, ...] = _GENERATED_KEYS,
                          env: Mapping[str, str] | None = None) -> list[str]:
    """Create the secrets file with fresh keys, or add those of `only` an older file lacks.

    Never replaces a key: a new encryption key would make stored ID numbers unreadable (and
    `init` does not even add one to a database that already holds some: see core.cli). Nor writes
    one the environment provides (a deployment's /etc/linli/linli.env): unused while the
    environment wins, it would be a second, different key waiting for a run without it.
    Returns the names of the keys written.
    """
    env = os.environ if env is None else env
    existing = read_secrets_file(path)
    missing = [name for name in _GENERATED_KEYS
               if name in only and not existing.get(name) and not env.get(_FIELDS[name][0])]
    if not missing:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    if not path.exists():
        lines += ["# Linli secrets: generated on first start. Keep private; never commit.",
                  "# Back this file up with the database: without id_encryption_key, ID numbers cannot be read.",
                  f'database_url = "{DEFAULT_URL}"', "cookie_expiry_hours = 8"]
    lines += [f'{name} = "{new_secret()}"' for name in missing]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(("\n" if existing else "") + "\n".join(lines) + "\n")
    return missing
