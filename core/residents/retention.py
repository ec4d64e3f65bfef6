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
(卷宗), not the residents' retention: a party who was registered from the roster gets the
resident's particulars written into the case file and is unlinked from the roster row first. The audit trail keeps every event; the values of those
about an anonymised resident are forgotten once they are six months old (网络安全法 art. 21),
through the one change the database allows (core.base.audit.redact), and so are the activities'
sign-ups and withdrawals that name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from db.models import ActivityParticipant, CaseParty, Household, Resident, Visit

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
    kept = sum(_anonymise_one(session, resident, now) for resident in session.scalars(
        select(Resident).where(Resident.id.in_([item.resident_id for item in found]))).all())
    if found:
        audit.record(session, None, "retention_anonymise", object_type="resident", actor_username="retention",
                     after={"rows": len(found), "years": years, "case_parties_kept": kept}, now=now)
    # The trail's events about every anonymised resident, once six months old (each run catches
    # up with those that have aged since).
    gone = list(session.scalars(select(Resident.id).where(Resident.anonymised_at.is_not(None))))
    audit.redact(session, "resident", gone, now=now)
    return found


def _keep_in_case_files(session: Session, resident: Resident) -> int:
    """Write the resident's particulars into each mediation case party that is them, and unlink it
    from the roster: the 卷宗 keeps who the party was for its own archive period (人民调解工作若干
    规定 art. 37), while the party's details were read from the roster until now. Returns how many."""
    address = session.scalar(select(Household.address).where(Household.id == resident.household_id)) \
        if resident.household_id is not None else None
    parties = list(session.scalars(select(CaseParty).where(CaseParty.resident_id == resident.id)))
    for party in parties:
        party.sex, party.birth_date, party.ethnicity = resident.sex, resident.birth_date, resident.ethnicity
        party.id_enc, party.id_masked = resident.id_enc, resident.id_masked  # the same key encrypts both
        party.phone, party.address = resident.phone, address or ""
        party.resident_id = None
    return len(parties)


def _forget_in_activity_events(session: Session, resident: Resident, now: datetime) -> None:
    """The activities' sign-ups and withdrawals name the participant under the activity, not the
    resident: found by the resident's places on the lists and their name (while it is known),
    and redacted like the resident's own events. A namesake on the same list loses their name in
    those events too; events younger than six months stay (someone gone three years signs up for
    nothing)."""
    activity_ids = list(session.scalars(select(ActivityParticipant.activity_id).where(
        ActivityParticipant.resident_id == resident.id)))
    audit.redact_events(session, "activity", audit.naming(
        session, "activity", activity_ids, ("activity_sign_up", "activity_withdraw"), "participant", resident.name),
        now=now)


def _anonymise_one(session: Session, resident: Resident, now: datetime) -> int:
    resident_id, household_id = resident.id, resident.household_id
    kept = _keep_in_case_files(session, resident)
    _forget_in_activity_events(session, resident, now)
    resident.name, resident.name_pinyin, resident.name_initials = ANONYMOUS, "", ""
    resident.id_enc, resident.id_hash, resident.id_masked = None, None, ""
    resident.phone, resident.phone_last4, resident.relation, resident.ethnicity, resident.notes = "", "", "", "", ""
    resident.birth_date = resident.birth_date.replace(month=1, day=1)
    resident.household_id, resident.anonymised_at, resident.updated_at = None, now, now
    session.execute(update(Visit).where(Visit.resident_id == resident_id).values(notes=""))
    session.flush()
    if household_id is None:
        return kept
    household = session.scalar(select(Household).where(Household.id == household_id))
    if household.head_id == resident_id:
        household.head_id = None
    others = session.scalar(select(func.count()).select_from(Resident).where(
        Resident.household_id == household_id, Resident.anonymised_at.is_(None), Resident.deleted_at.is_(None)))
    if not others:  # nobody left whose address it is
        household.compound = household.building = household.unit = household.room = ""
        household.address, household.deleted_at = ANONYMOUS, household.deleted_at or now
    session.flush()
    return kept
