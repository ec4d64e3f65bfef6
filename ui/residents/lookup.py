"""Exact ID-number lookups, noted in their own transaction before a search or save answers them.

core.residents.lookups explains why: the record of the question must outlive a refused save,
and a search's read snapshot must already see it.
"""

from __future__ import annotations

from sqlalchemy import Engine

from core.base.crypto import Vault
from core.base.permissions import Actor
from core.residents import lookups
from db.engine import write_session
from ui.session import settings


def limits() -> lookups.LookupLimits:
    current = settings()
    return lookups.LookupLimits(per_hour=current.id_lookups_per_hour, per_day=current.id_lookups_per_day,
                                import_per_day=current.import_id_lookups_per_day)


def note(me: Actor, engine: Engine, keys: Vault, text: str | None, *, field: str) -> None:
    """Note `text` if it is a full ID number this user's lookups count for; raises the refusal
    (an Invalid naming `field`) once the hour's limit is reached. Writes nothing otherwise."""
    if lookups.exact_id(text) and lookups.counted(me):
        with write_session(engine) as session:
            lookups.note(session, me, keys, text, field=field, limits=limits())
