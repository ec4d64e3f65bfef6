"""A resident's history of changes, readable: one row per field an event changed, old → new.

The audit trail stores each event's before/after as JSON (ID numbers and phones already
masked there). Here ids become names (grid, household address), fields that did not change
are left out, and special-group tags the reader may not see are dropped, as on the detail screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.base import audit
from core.base.permissions import Actor
from core.residents import service as residents

# The order a reader expects, as on the form; anything else follows in name order.
FIELD_ORDER = ("name", "sex", "birth_date", "id_number", "phone", "grid", "address", "relation", "ethnicity",
               "tags", "status", "status_date", "notes", "field", "reason")


@dataclass(frozen=True)
class Change:
    at: datetime
    user: str
    action: str
    field: str  # "" for an event that names no field
    before: Any  # None when there was no value
    after: Any


def _empty_to_none(value: Any) -> Any:
    return None if value in ("", [], None) else value


def changes(session: Session, actor: Actor, resident_id: int, *, limit: int = 100) -> list[Change]:
    """Newest event first; within an event, fields in form order."""
    events = residents.history(session, actor, resident_id, limit)  # refuses a resident out of scope
    parsed = [(event, audit.snapshot_values(event["before"]) or {}, audit.snapshot_values(event["after"]) or {})
              for event in events]
    snapshots = [values for _, before, after in parsed for values in (before, after)]
    names = audit.id_names(session, snapshots)
    visible_tags = set(residents.visible_tags(actor))

    def readable(values: dict[str, Any]) -> dict[str, Any]:
        shown = {}
        for key, value in values.items():
            if key in audit.ID_FIELDS:
                key, value = audit.ID_FIELDS[key], names[key].get(value, value)
            elif key == "tags" and isinstance(value, list):
                value = [tag for tag in value if tag in visible_tags]
            shown[key] = _empty_to_none(value)
        return shown

    rows: list[Change] = []
    for event, before_raw, after_raw in parsed:
        before, after = readable(before_raw), readable(after_raw)
        keys = set(before) | set(after)
        ordered = [key for key in FIELD_ORDER if key in keys] + sorted(keys - set(FIELD_ORDER))
        changed = [Change(event["at"], event["user"], event["action"], key, before.get(key), after.get(key))
                   for key in ordered if before.get(key) != after.get(key)]
        rows += changed or [Change(event["at"], event["user"], event["action"], "", None, None)]
    return rows
