"""Exact ID-number lookups by users who may not reveal ID numbers: audited, counted, limited.

A full ID number typed into a search, checked for a duplicate on save, or read from a roster
is looked up by its keyed hash. To a user who sees ID numbers only masked, the answer ("found",
"already registered in another grid") is an oracle: with the birth date on screen and the
check digit, enumerating the unknown digits and asking for each recovers the full number.
So each such lookup, by a role without `resident.reveal`, is

- audited, with the number masked (one row per lookup; an import check writes one row for its
  file, with how many numbers it looked up and which were already registered);
- counted per user in the database, through two doors with their own limits: searches and
  duplicate checks (`per_hour` different numbers an hour, `per_day` a day), and roster imports
  (`import_per_day` different numbers a day, so that a grid's roster imports);
- and an import's answer "already registered" for a resident of a grid the user does not see —
  the same answer a search for that number would give — is counted at the search door too, so
  that a file of candidates recovers no more numbers than searches would: past the limit the
  whole check is refused and says nothing.

Looking up a number again within the window costs nothing: it tells nothing new. A role that may
reveal ID numbers is not counted: it can read them anyway (and each reveal is audited).

A lookup is recorded in its own committed transaction before the answer is given: a refused
save rolls its own transaction back, and the record of the question must outlive it. Hence
`note()` first (by the screen), then the search or save, which checks that it was noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.base import audit, clock
from core.base.crypto import Vault
from core.base.errors import Invalid
from core.base.permissions import Actor, can
from core.base.spreadsheets import ImportRefused
from core.base.text import clean
from core.residents import identity
from db.models import IdLookup, User

SEARCH, IMPORT = "search", "import"
_WINDOWS = {SEARCH: timedelta(hours=1), IMPORT: timedelta(days=1)}
_KEPT = timedelta(days=1)  # the longest window: older rows are deleted as new ones come


@dataclass(frozen=True)
class LookupLimits:
    """Different ID numbers one user may look up exactly (settings: id_lookups_per_hour,
    import_id_lookups_per_day)."""

    per_hour: int = 20
    per_day: int = 60
    import_per_day: int = 5000


DEFAULT_LIMITS = LookupLimits()


def exact_id(text: str | None) -> str | None:
    """The ID number a search text or form field is, if it is a valid one; else None."""
    compact = clean(text).replace(" ", "")
    if len(compact) != 18:
        return None
    try:
        return identity.id_number(compact).value
    except Invalid:
        return None


def counted(actor: Actor) -> bool:
    """Whether this user's exact-ID lookups are counted: roles that may not reveal ID numbers."""
    return not can(actor, "resident.reveal")


def note(session: Session, actor: Actor, vault: Vault, text: str | None, *, field: str,
         limits: LookupLimits = DEFAULT_LIMITS, now: datetime | None = None) -> None:
    """Record `text` as a search-door lookup when it is a full ID number and the actor is counted;
    refuse (naming `field`) once the hour's different numbers reach the limit. Call it in its own
    transaction before the search or save that answers it."""
    number = exact_id(text)
    if number is None or not counted(actor):
        return
    now = now or clock.now()
    id_hash = vault.lookup_hash(number)
    _serialise(session, actor)
    if _already(session, actor, SEARCH, [id_hash], now):
        return
    if _used(session, actor, SEARCH, now) >= limits.per_hour:
        raise Invalid(field, "error.id_lookup.limit", limit=limits.per_hour)  # not looked up: nothing to audit
    if _used(session, actor, SEARCH, now, window=timedelta(days=1)) >= limits.per_day:
        raise Invalid(field, "error.id_lookup.day_limit", limit=limits.per_day)
    _add(session, actor, SEARCH, [id_hash], now)
    audit.record(session, actor, "resident_id_lookup", object_type="resident",
                 after={"id_number": number, "field": field}, now=now)


def require_noted(session: Session, actor: Actor, id_hash: str, *, field: str, now: datetime | None = None) -> None:
    """Refuse to answer an exact lookup that was not noted (in the last hour) for this user."""
    if counted(actor) and not _already(session, actor, SEARCH, [id_hash], now or clock.now()):
        raise Invalid(field, "error.id_lookup.not_noted")


def charge_import(session: Session, actor: Actor, id_hashes: set[str], *,
                  limits: LookupLimits = DEFAULT_LIMITS, now: datetime | None = None) -> int:
    """Count a roster's ID numbers against the day's import allowance, before any is looked up;
    the whole file is refused when its new numbers exceed what is left. Returns how many were new."""
    if not id_hashes or not counted(actor):
        return 0
    now = now or clock.now()
    _serialise(session, actor)
    new = sorted(id_hashes - _already(session, actor, IMPORT, sorted(id_hashes), now))
    left = max(limits.import_per_day - _used(session, actor, IMPORT, now), 0)
    if len(new) > left:  # refused before any number is looked up: nothing to audit
        raise ImportRefused("error.import.id_lookup_allowance", numbers=len(new), left=left,
                            limit=limits.import_per_day)
    _add(session, actor, IMPORT, new, now)
    return len(new)


def charge_answers_elsewhere(session: Session, actor: Actor, id_hashes: set[str], *,
                             limits: LookupLimits = DEFAULT_LIMITS, now: datetime | None = None) -> None:
    """An import check is about to say "already registered" of residents in grids this user does
    not see: the answer a search would give, so it is counted at the search door; past its hourly
    or daily limit the whole check is refused, saying nothing of which numbers were found."""
    if not id_hashes or not counted(actor):
        return
    now = now or clock.now()
    _serialise(session, actor)
    new = sorted(id_hashes - _already(session, actor, SEARCH, sorted(id_hashes), now))
    if (_used(session, actor, SEARCH, now) + len(new) > limits.per_hour
            or _used(session, actor, SEARCH, now, window=timedelta(days=1)) + len(new) > limits.per_day):
        raise ImportRefused("error.import.registered_elsewhere_limit", limit=limits.per_hour)
    _add(session, actor, SEARCH, new, now)


def record_import_answers(session: Session, actor: Actor, *, filename: str, looked_up: int, new: int,
                          registered_masks: list[str], now: datetime | None = None) -> None:
    """One audit row for an import check's lookups: how many, and the (masked) numbers it answered
    'already registered' for."""
    if not counted(actor) or not looked_up:
        return
    audit.record(session, actor, "resident_id_lookup_import", object_type="import", after={
        "file": filename, "numbers": looked_up, "new_today": new, "already_registered": len(registered_masks),
        "id_numbers": registered_masks[:200]}, now=now)


def _already(session: Session, actor: Actor, door: str, id_hashes: list[str], now: datetime) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(id_hashes), 500):  # bound the IN list
        found.update(session.scalars(select(IdLookup.id_hash).where(
            IdLookup.user_id == actor.id, IdLookup.door == door, IdLookup.looked_at > now - _WINDOWS[door],
            IdLookup.id_hash.in_(id_hashes[start:start + 500]))))
    return found


def _used(session: Session, actor: Actor, door: str, now: datetime, *, window: timedelta | None = None) -> int:
    return session.scalar(select(func.count(func.distinct(IdLookup.id_hash))).where(
        IdLookup.user_id == actor.id, IdLookup.door == door,
        IdLookup.looked_at > now - (window or _WINDOWS[door]))) or 0


def _serialise(session: Session, actor: Actor) -> None:
    """One user's count-then-add at a time: on PostgreSQL (READ COMMITTED) two tabs could both read
    19 and both add, so the user's row is locked until the transaction ends. SQLite's write
    transactions (BEGIN IMMEDIATE) are serial already."""
    session.execute(select(User.id).where(User.id == actor.id).with_for_update())


def _add(session: Session, actor: Actor, door: str, id_hashes: list[str], now: datetime) -> None:
    session.execute(delete(IdLookup).where(IdLookup.looked_at < now - _KEPT))
    if id_hashes:
        session.execute(insert(IdLookup), [{"user_id": actor.id, "door": door, "id_hash": id_hash, "looked_at": now}
                                           for id_hash in id_hashes])
