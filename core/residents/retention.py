"""Retention (个人信息保护法 art. 19: kept no longer than needed; art. 47: deleted when the purpose
is achieved): a resident who moved out or died `years` or more ago (setting retention_years,
default 3) is anonymised by `python -m core.cli anonymise` (an office schedules it; `--dry-run`
lists who would be).

What goes: the name (and its pinyin), the ID number (encrypted value, lookup hash, mask), the
phone, the relation to the household head, the ethnicity, the notes, the day of birth (the year
stays, for counts by age) and the link to the household, whose address is cleared when nobody
else not anonymised lives there; the notes of the visits made to them. What stays, for the
statistics: sex, year of birth, grid, status and its date, special groups, and every count
(visits, activities attended) that points at the row.

What does not follow this rule: a mediation case's parties follow the case file's archive period
(卷宗), not the residents' retention. The audit trail keeps every event; the values of those
about an anonymised resident are forgotten once they are six months old (网络安全法 art. 21),
through the one change the database allows (core.base.audit.redact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from db.models import Household, Resident, Visit

ANONYMOUS = "（已匿名）"
GONE = ("moved_out", "deceased")


@dataclass(frozen=True)
class Due:
    resident_id: int
    grid_id: int
    status: str
    status_date: date


def due(session: Session, years: int, today: date | None = None) -> list[Due]:
    """The residents who moved out or died on or before `years` before today, not yet anonymised."""
    limit = validation.years_before(today or clock.now().date(), years)
    rows = session.execute(select(Resident.id, Resident.grid_id, Resident.status, Resident.status_date).where(
        Resident.status.in_(GONE), Resident.status_date.is_not(None), Resident.status_date <= limit,
        Resident.anonymised_at.is_(None)).order_by(Resident.status_date, Resident.id))
    return [Due(*row) for row in rows]


def anonymise(session: Session, years: int, *, now: datetime | None = None) -> list[Due]:
    """Anonymise every resident due; one audit event says how many (none names them)."""
    now = now or clock.now()
    found = due(session, years, now.date())
    # A job of the installation, not of a user: no grid to check; it reads only the rows due.
    for resident in session.scalars(select(Resident).where(Resident.id.in_([item.resident_id for item in found]))):
        _anonymise_one(session, resident, now)
    if found:
        audit.record(session, None, "retention_anonymise", object_type="resident", actor_username="retention",
                     after={"rows": len(found), "years": years}, now=now)
    # The trail's events about every anonymised resident, once six months old (each run catches
    # up with those that have aged since).
    gone = list(session.scalars(select(Resident.id).where(Resident.anonymised_at.is_not(None))))
    audit.redact(session, "resident", gone, now=now)
    return found


def _anonymise_one(session: Session, resident: Resident, now: datetime) -> None:
    resident_id, household_id = resident.id, resident.household_id
    resident.name, resident.name_pinyin, resident.name_initials = ANONYMOUS, "", ""
    resident.id_enc, resident.id_hash, resident.id_masked = None, None, ""
    resident.phone, resident.phone_last4, resident.relation, resident.ethnicity, resident.notes = "", "", "", "", ""
    resident.birth_date = resident.birth_date.replace(month=1, day=1)
    resident.household_id, resident.anonymised_at, resident.updated_at = None, now, now
    session.execute(update(Visit).where(Visit.resident_id == resident_id).values(notes=""))
    session.flush()
    if household_id is None:
        return
    household = session.scalar(select(Household).where(Household.id == household_id))
    if household.head_id == resident_id:
        household.head_id = None
    others = session.scalar(select(func.count()).select_from(Resident).where(
        Resident.household_id == household_id, Resident.anonymised_at.is_(None), Resident.deleted_at.is_(None)))
    if not others:  # nobody left whose address it is
        household.compound = household.building = household.unit = household.room = ""
        household.address, household.deleted_at = ANONYMOUS, household.deleted_at or now
    session.flush()
