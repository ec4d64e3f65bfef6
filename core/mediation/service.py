"""The mediation log (矛盾纠纷调解): intake, sessions, agreement, follow-up visit, closing.

A case moves only by the transitions below; each writes a state change and an audit row.
Numbers are per year (2026-0001), given out inside the registering transaction, so there
are neither gaps nor duplicates when two workers register at the same moment.

Time limits: a case still open one month after intake is overdue (人民调解工作若干规定
art. 33), or after the extension both parties agreed to; a written agreement opens the 30-day
window to apply jointly for judicial confirmation (人民调解法 art. 33); a follow-up visit is due
when performance can be seen (core.mediation.agreements).

Ending a case without an agreement asks for its reason (transition): 调解不成 records that the
parties were told they may seek arbitration, administrative or judicial remedies (人民调解法 art.
26); 转介 records to whom; 撤回 and a reopening record why.

Parties: core.mediation.parties. Agreements, 司法确认 and follow-ups: core.mediation.agreements.
Statistics: core.mediation.statistics.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.crypto import Vault
from core.base.errors import Invalid, collect
from core.base.paging import Page
from core.base.permissions import Actor, can, require, sees_all_grids
from core.base.records import guarded_flush, load_for_edit, load_visible
from core.base.text import clean, clean_prose
from core.mediation import dispute_types, parties
from core.mediation.parties import PartyInput
from db.models import (
    Agreement,
    CaseCounter,
    CaseParty,
    CaseSession,
    CaseStateChange,
    DisputeType,
    FollowUp,
    Grid,
    MediationCase,
    Resident,
    User,
)

SOURCES = ("application", "initiative", "police", "court", "government", "other")
# 当事人申请, 主动调解, 公安移送, 法院委托, 政府交办, 其他
STATES = ("received", "in_mediation", "agreed", "failed", "referred", "withdrawn", "followed_up", "closed")
OPEN_STATES = ("received", "in_mediation")
SIDES = parties.SIDES

# action → (states it may start from, state it leads to, permission)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "start": (("received",), "in_mediation", "mediation.edit"),
    "agree": (("in_mediation",), "agreed", "mediation.edit"),
    "fail": (("in_mediation",), "failed", "mediation.edit"),
    "refer": (("received", "in_mediation"), "referred", "mediation.edit"),
    "withdraw": (("received", "in_mediation"), "withdrawn", "mediation.edit"),
    "follow_up": (("agreed",), "followed_up", "mediation.edit"),
    "close": (("followed_up", "failed", "referred", "withdrawn"), "closed", "mediation.edit"),
    # A follow-up that found the agreement not performed may lead to mediating again.
    "reopen": (("closed", "failed", "referred", "withdrawn", "followed_up"), "in_mediation", "mediation.reopen"),
}
# What each action asks for besides the move: (a reason in `note`, details that must be given).
_REASONS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "fail": (True, ("routes_explained",)),  # 人民调解法 art. 26
    "refer": (True, ("referred_to",)),
    "withdraw": (True, ()),
    "reopen": (True, ()),
}
# Actions that need their own record first: an agreement, a follow-up visit.
_RECORDED_ACTIONS = {"agree", "follow_up"}


@dataclass(frozen=True)
class Limits:
    """The time limits, in months and days; set in settings (see core.base.settings)."""

    mediation_months: int = 1
    judicial_confirmation_days: int = 30
    follow_up_days: int = 15
    follow_up_after_deadline_days: int = 0  # the visit waits this long past the performance deadline

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(settings.mediation_months, settings.judicial_days, settings.follow_up_days,
                   settings.follow_up_after_deadline_days)


DEFAULT_LIMITS = Limits()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def allowed_actions(actor: Actor, case: Any) -> list[str]:
    """The actions valid for this case's state that this user may take: the screen's buttons."""
    return [action for action, (starts, _to, permission) in TRANSITIONS.items()
            if case.state in starts and can(actor, permission, case)]


# --- input ---------------------------------------------------------------------------------------

@dataclass
class CaseInput:
    intake_date: date | str | None = None
    source: str = ""
    type_id: int | None = None
    grid_id: int | None = None
    mediator_id: int | None = None
    facts: str = ""
    amount_claimed: str | Decimal | int | float = 0
    parties: list[PartyInput] = field(default_factory=list)


def yuan_to_fen(value: str | Decimal | int | float | None, field_name: str) -> int:
    """An amount typed in yuan (up to 2 decimals, not negative) as integer fen."""
    text = clean(str(value if value is not None else "")).replace(",", "").replace("，", "") or "0"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Invalid(field_name, "error.amount.format", value=text) from None
    if amount < 0:
        raise Invalid(field_name, "error.amount.negative")
    if amount != amount.quantize(Decimal("0.01")) or amount > Decimal("100000000"):
        raise Invalid(field_name, "error.amount.format", value=text)
    return int(amount * 100)


def one_of(value: str, allowed: tuple[str, ...], field_name: str, key: str) -> str:
    if value not in allowed:
        raise Invalid(field_name, key)
    return value


# --- numbering -----------------------------------------------------------------------------------

def next_number(session: Session, year: int) -> str:
    """The next case number of the year, allocated inside the caller's transaction.

    One atomic upsert on the counter row: PostgreSQL holds the row lock until commit,
    SQLite's BEGIN IMMEDIATE serialises writers. A rolled-back registration returns its
    number with it, so numbers have no gaps.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(CaseCounter).values(year=year, last_number=1)
                 .on_conflict_do_update(index_elements=["year"], set_={"last_number": CaseCounter.last_number + 1})
                 .returning(CaseCounter.last_number))
    number = session.execute(statement).scalar_one()
    return f"{year}-{number:04d}"


# --- register and move ---------------------------------------------------------------------------

def register(session: Session, actor: Actor, data: CaseInput, *, vault: Vault | None = None,
             limits: Limits = Limits(), now: datetime | None = None) -> MediationCase:
    """A new case in state 受理. `vault` encrypts an outside party's ID number, when one is given."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    today = now.date()
    intake, source, type_id, grid_id, mediator_id, facts, claimed, cleaned = collect([
        lambda: validation.past_or_today(data.intake_date, "intake_date", today),
        lambda: one_of(data.source, SOURCES, "source", "error.source.unknown"),
        lambda: _dispute_type(session, actor, data.type_id),
        lambda: _grid(session, actor, data.grid_id),
        lambda: _mediator(session, actor, data.mediator_id or actor.id),
        lambda: validation.required_text(data.facts, "facts", 2000),
        lambda: yuan_to_fen(data.amount_claimed, "amount_claimed"),
        lambda: parties.clean_parties(session, actor, vault, data.parties),
    ])
    case = MediationCase(
        number=next_number(session, intake.year), year=intake.year, intake_date=intake, source=source,
        type_id=type_id, grid_id=grid_id, mediator_id=mediator_id, facts=facts, state="received",
        amount_claimed_fen=claimed, due_date=add_months(intake, limits.mediation_months), extended=False,
        created_by=actor.id, created_at=now, updated_at=now,
    )
    from core.mediation import early_warning  # it reads cases through this module's scope

    # 人民调解法 art. 25: repeat disputes of these parties or addresses, kept with the case.
    case.repeat_warning = early_warning.warning_for(session, early_warning.earlier_cases(session, cleaned, on=intake))
    session.add(case)
    session.flush()
    session.add_all(CaseParty(case_id=case.id, **party) for party in cleaned)
    _record_change(session, actor, case, "", "received", "", now)
    audit.record(session, actor, "case_create", object_type="case", object_id=case.id,
                 after={"number": case.number, "type_id": type_id, "grid_id": grid_id, "parties": len(cleaned)}, now=now)
    return case


def _dispute_type(session: Session, actor: Actor, type_id: int | None) -> int:
    if type_id is None or not dispute_types.is_offered(session, actor, type_id):
        raise Invalid("type", "error.dispute_type.unknown")
    return type_id


def _grid(session: Session, actor: Actor, grid_id: int | None) -> int:
    if grid_id is None or session.get(Grid, grid_id) is None:
        raise Invalid("grid", "error.grid.unknown")
    if not (sees_all_grids(actor) or grid_id in actor.grid_ids):
        raise Invalid("grid", "error.grid.not_yours")
    return grid_id


def _mediator(session: Session, actor: Actor, user_id: int) -> int:
    """An active colleague of the actor's community: a case's mediator sees it, so one of another
    community would see this community's parties."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in MEDIATOR_ROLES:
        raise Invalid("mediator", "error.mediator.unknown")
    if user.community_id != actor.community_id:
        raise Invalid("mediator", "error.staff.other_community")
    return user.id


def load_case(session: Session, actor: Actor, action: str, case_id: int) -> MediationCase:
    return load_visible(session, actor, action, MediationCase, case_id)


def _record_change(session: Session, actor: Actor, case: MediationCase, from_state: str, to_state: str, note: str,
                   now: datetime, details: dict[str, Any] | None = None) -> None:
    session.add(CaseStateChange(case_id=case.id, at=now, actor_id=actor.id, actor_username=actor.username,
                                from_state=from_state, to_state=to_state, note=note,
                                details=json.dumps(details, ensure_ascii=False) if details else ""))


def move(session: Session, actor: Actor, case_id: int, expected_version: int, action: str, note: str,
         now: datetime, details: dict[str, Any] | None = None) -> MediationCase:
    if action not in TRANSITIONS:
        raise Invalid("action", "error.case.unknown_action")
    starts, to_state, permission = TRANSITIONS[action]
    require(actor, permission)
    case = load_case(session, actor, permission, case_id)
    case = load_for_edit(session, MediationCase, case_id, expected_version)
    if case.state not in starts:
        raise Invalid("state", "error.case.transition", action=action, state=case.state)
    from_state = case.state
    with guarded_flush(session):
        case.state, case.updated_at = to_state, now
        if to_state in ("agreed", "failed"):
            case.concluded_on = now.date()
        if to_state == "closed":
            case.closed_on = now.date()
        if action == "reopen":
            case.closed_on = case.concluded_on = None
    _record_change(session, actor, case, from_state, to_state, clean_prose(note)[:500], now, details)
    audit.record(session, actor, f"case_{action}", object_type="case", object_id=case.id,
                 before={"state": from_state}, after={"state": to_state, **(details or {})}, now=now)
    return case


def transition(session: Session, actor: Actor, case_id: int, expected_version: int, action: str, note: str = "",
               *, routes_explained: bool = False, referred_to: str = "", now: datetime | None = None
               ) -> MediationCase:
    """start, fail, refer, withdraw, close, reopen. Agreement and follow-up have their own calls
    (core.mediation.agreements).

    Ending without an agreement, and reopening, ask for what the office must be able to show:
    调解不成 a reason and that the parties were told they may seek arbitration, administrative or
    judicial remedies (人民调解法 art. 26: 人民调解员应当告知当事人可以依法通过仲裁、行政、司法等途径
    维护自己的权利); 转介 to whom; 撤回 and 重新调解 why."""
    if action in _RECORDED_ACTIONS:
        raise Invalid("action", "error.case.needs_record", action=action)
    needs_note, needs = _REASONS.get(action, (False, ()))
    given = {"routes_explained": bool(routes_explained), "referred_to": clean_prose(referred_to)[:100]}
    collect([
        lambda: validation.required_text(note, "note", 500) if needs_note else None,
        lambda: None if "routes_explained" not in needs or given["routes_explained"]
        else _refuse("routes_explained", "error.case.routes_not_explained"),
        lambda: validation.required_text(referred_to, "referred_to", 100) if "referred_to" in needs else None,
    ])
    details = {name: given[name] for name in needs}
    if action == "reopen":
        case = load_case(session, actor, "mediation.reopen", case_id)
        performed = session.scalar(select(FollowUp.performed).where(FollowUp.case_id == case.id)
                                   .order_by(FollowUp.id.desc()).limit(1))
        if case.state == "followed_up" and performed == "yes":
            raise Invalid("state", "error.case.reopen_performed")
    return move(session, actor, case_id, expected_version, action, note, now or clock.now(), details or None)


def _refuse(field: str, key: str) -> None:
    raise Invalid(field, key)


def log_session(session: Session, actor: Actor, case_id: int, *, held_on: date | str | None, present: str,
                summary: str, place: str = "", now: datetime | None = None) -> CaseSession:
    """A mediation session: date, who was present, what happened. Only while the case is in mediation."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    case = load_case(session, actor, "mediation.edit", case_id)
    if case.state != "in_mediation":
        raise Invalid("state", "error.case.not_in_mediation")
    day = validation.past_or_today(held_on, "held_on", now.date())
    if day < case.intake_date:
        raise Invalid("held_on", "error.session.before_intake")
    summary = clean_prose(summary)
    if not summary:
        raise Invalid("summary", "error.required")
    record = CaseSession(case_id=case.id, held_on=day, place=clean_prose(place)[:100],
                         present=clean_prose(present)[:200], summary=summary[:4000], recorded_by=actor.id,
                         created_at=now)
    session.add(record)
    audit.record(session, actor, "case_session", object_type="case", object_id=case.id,
                 after={"held_on": day}, now=now)
    return record


def extend(session: Session, actor: Actor, case_id: int, expected_version: int, *, new_due: date | str | None,
           note: str, now: datetime | None = None) -> MediationCase:
    """Both parties agreed to continue: the case is overdue only after the new date."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    load_case(session, actor, "mediation.edit", case_id)
    case = load_for_edit(session, MediationCase, case_id, expected_version)
    if case.state not in OPEN_STATES:
        raise Invalid("state", "error.case.not_open")
    day = validation.parse_date(new_due, "due_date")
    if day is None or day <= case.due_date:
        raise Invalid("due_date", "error.extension.not_later", due=case.due_date.isoformat())
    note = clean_prose(note)
    if not note:
        raise Invalid("note", "error.extension.note_required")
    before = case.due_date
    with guarded_flush(session):
        case.due_date, case.extended, case.updated_at = day, True, now
    _record_change(session, actor, case, case.state, case.state, f"{before} → {day}: {note[:400]}", now)
    audit.record(session, actor, "case_extend", object_type="case", object_id=case.id,
                 before={"due_date": before}, after={"due_date": day}, now=now)
    return case


# --- time limits ---------------------------------------------------------------------------------

def current_agreement(session: Session, case_id: int) -> Agreement | None:
    """The case's agreement in force: the latest, not superseded (core.mediation.agreements)."""
    return session.scalar(select(Agreement).where(Agreement.case_id == case_id, Agreement.superseded_at.is_(None))
                          .order_by(Agreement.round.desc()).limit(1))


def agreement_in_force(session: Session, case: MediationCase) -> Agreement | None:
    """The current agreement while it stands as the case's outcome: the case is settled (agreed,
    followed up, or closed after that), and no failure, withdrawal or referral came after it (a
    case reopened and then failed keeps its old agreement in the file, but it is not in force
    for printing or 司法确认)."""
    if case.state not in ("agreed", "followed_up", "closed"):
        return None
    agreement = current_agreement(session, case.id)
    if agreement is None:
        return None
    later = session.scalar(select(func.count()).select_from(CaseStateChange).where(
        CaseStateChange.case_id == case.id, CaseStateChange.at > agreement.created_at,
        CaseStateChange.to_state.in_(("failed", "withdrawn", "referred", "in_mediation"))))
    return None if later else agreement


def follow_up_due(agreed_on: date, performance_deadline: date | None, limits: Limits = Limits()) -> date:
    """When the follow-up visit is due: the later of agreement + the follow-up days and the
    performance deadline (+ limits.follow_up_after_deadline_days), so that performance can be
    seen (人民调解工作若干规定 art. 36: 回访 to see whether the agreement is performed)."""
    due = agreed_on + timedelta(days=limits.follow_up_days)
    if performance_deadline is not None:
        due = max(due, performance_deadline + timedelta(days=limits.follow_up_after_deadline_days))
    return due


@dataclass(frozen=True)
class Deadlines:
    overdue: bool
    due_date: date | None  # mediation deadline while open
    judicial_confirmation_until: date | None  # after a written agreement (人民调解法 art. 33)
    follow_up_due: date | None  # after an agreement, until the visit
    follow_up_overdue: bool


def deadlines(state: str, due_date: date, agreement: Agreement | None, today: date, limits: Limits = Limits()
              ) -> Deadlines:
    """`agreement`: the one in force (agreement_in_force), or None."""
    is_open = state in OPEN_STATES
    judicial = (agreement.agreed_on + timedelta(days=limits.judicial_confirmation_days)
                if agreement is not None and agreement.written and not agreement.judicial_applied_on else None)
    follow_up = (follow_up_due(agreement.agreed_on, agreement.performance_deadline, limits)
                 if agreement is not None and state == "agreed" else None)
    return Deadlines(
        overdue=is_open and today > due_date,
        due_date=due_date if is_open else None,
        judicial_confirmation_until=judicial,
        follow_up_due=follow_up,
        follow_up_overdue=bool(follow_up and today > follow_up),
    )


def my_todo(session: Session, actor: Actor, *, today: date | None = None, limits: Limits = Limits(),
            within_days: int = 7) -> list[dict[str, Any]]:
    """Cases this user mediates that are overdue, due within a week, or awaiting a follow-up visit."""
    require(actor, "mediation.view")
    today = today or clock.now().date()
    rows = session.execute(
        select(MediationCase.id, MediationCase.number, MediationCase.state, MediationCase.due_date,
               Agreement.agreed_on, Agreement.performance_deadline)
        .outerjoin(Agreement, (Agreement.case_id == MediationCase.id) & Agreement.superseded_at.is_(None))
        .where(MediationCase.mediator_id == actor.id, MediationCase.deleted_at.is_(None),
               MediationCase.state.in_((*OPEN_STATES, "agreed")))
        .order_by(MediationCase.due_date)
    )
    todo = []
    for case_id, number, state, due_date, agreed_on, performance_deadline in rows:
        if state in OPEN_STATES and due_date <= today + timedelta(days=within_days):
            todo.append({"id": case_id, "number": number, "kind": "overdue" if today > due_date else "due_soon",
                         "date": due_date})
        elif state == "agreed" and agreed_on is not None:
            visit = follow_up_due(agreed_on, performance_deadline, limits)
            todo.append({"id": case_id, "number": number,
                         "kind": "follow_up_overdue" if today > visit else "follow_up", "date": visit})
    return sorted(todo, key=lambda item: item["date"])


# --- lists ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    type_id: int | None = None
    grid_id: int | None = None
    mediator_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    text: str = ""  # a case number (2026-0001, or part of it) or a party's name


def scoped(query, actor: Actor):  # noqa: ANN001, ANN202
    """The cases this user may see, in SQL: every grid's for a supervisor, else their grids' and
    those they mediate."""
    query = query.where(MediationCase.deleted_at.is_(None))
    if not sees_all_grids(actor):
        query = query.where(or_(MediationCase.grid_id.in_(sorted(actor.grid_ids) or [-1]),
                                MediationCase.mediator_id == actor.id))
    return query


def _case_conditions(filters: CaseFilters, today: date) -> list:
    conditions = []
    if filters.state:
        conditions.append(MediationCase.state == filters.state)
    if filters.type_id is not None:
        conditions.append(MediationCase.type_id == filters.type_id)
    if filters.grid_id is not None:
        conditions.append(MediationCase.grid_id == filters.grid_id)
    if filters.mediator_id is not None:
        conditions.append(MediationCase.mediator_id == filters.mediator_id)
    if filters.date_from:
        conditions.append(MediationCase.intake_date >= filters.date_from)
    if filters.date_to:
        conditions.append(MediationCase.intake_date <= filters.date_to)
    if filters.overdue:
        conditions += [MediationCase.state.in_(OPEN_STATES), MediationCase.due_date < today]
    text = clean(filters.text)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(MediationCase.number.like(pattern, escape="\\"), exists().where(
            CaseParty.case_id == MediationCase.id,
            or_(CaseParty.name.ilike(pattern, escape="\\"), CaseParty.agent_name.ilike(pattern, escape="\\")))))
    return conditions


def count_cases(session: Session, actor: Actor, filters: CaseFilters, *, today: date | None = None) -> int:
    require(actor, "mediation.view")
    conditions = _case_conditions(filters, today or clock.now().date())
    return session.scalar(scoped(select(func.count(MediationCase.id)), actor).where(*conditions)) or 0


def count_cases_by_community(session: Session, actor: Actor, filters: CaseFilters, *, today: date | None = None
                            ) -> dict[int, int]:
    """count_cases() per community of the actor's grids, in one query."""
    require(actor, "mediation.view")
    conditions = _case_conditions(filters, today or clock.now().date())
    query = scoped(select(Grid.community_id, func.count(MediationCase.id))
                   .join(Grid, Grid.id == MediationCase.grid_id), actor).where(*conditions)
    return dict(session.execute(query.group_by(Grid.community_id)).tuples().all())


def list_cases(session: Session, actor: Actor, filters: CaseFilters, *, page: int = 1, page_size: int = 50,
               today: date | None = None, total: int | None = None) -> Page:
    """One page of cases, newest intake first; pass `total` when already counted."""
    require(actor, "mediation.view")
    today = today or clock.now().date()
    conditions = _case_conditions(filters, today)
    if total is None:
        total = count_cases(session, actor, filters, today=today)
    query = scoped(
        select(MediationCase.id, MediationCase.number, MediationCase.intake_date, MediationCase.state,
               MediationCase.due_date, MediationCase.version, DisputeType.name.label("type"), Grid.name.label("grid"),
               User.display_name.label("mediator"))
        .join(DisputeType, DisputeType.id == MediationCase.type_id)
        .join(Grid, Grid.id == MediationCase.grid_id)
        .join(User, User.id == MediationCase.mediator_id), actor,
    ).where(*conditions).order_by(MediationCase.intake_date.desc(), MediationCase.id.desc())
    rows = [dict(row._mapping) for row in session.execute(query.limit(page_size).offset(max(page - 1, 0) * page_size))]
    for row in rows:
        row["overdue"] = row["state"] in OPEN_STATES and today > row["due_date"]
    return Page(rows, total)


# --- one case -------------------------------------------------------------------------------------

def _party_view(party: CaseParty, resident: Resident | None) -> dict[str, Any]:
    """A party as the case screen shows it (phones and ID numbers masked)."""
    phone = resident.phone if resident is not None else party.phone
    return {"id": party.id, "side": party.side, "kind": party.kind, "name": party.name,
            "resident_id": party.resident_id, "phone": validation.mask_phone(phone) if phone else "",
            "id_masked": resident.id_masked if resident is not None else party.id_masked,
            "org_code": party.org_code, "representative": party.representative,
            "representative_role": party.representative_role, "agent_kind": party.agent_kind,
            "agent_name": party.agent_name}


def _agreement_view(agreement: Agreement) -> dict[str, Any]:
    return {"id": agreement.id, "round": agreement.round, "current": agreement.superseded_at is None,
            "superseded_at": agreement.superseded_at, "agreed_on": agreement.agreed_on, "written": agreement.written,
            "declined_written": agreement.declined_written, "responsibilities": agreement.responsibilities,
            "terms": agreement.terms, "amount": Decimal(agreement.amount_fen) / 100,
            "performance_deadline": agreement.performance_deadline, "performance_manner": agreement.performance_manner,
            "performance_place": agreement.performance_place, "judicial_applied_on": agreement.judicial_applied_on,
            "judicial_court": agreement.judicial_court, "judicial_result": agreement.judicial_result,
            "judicial_decided_on": agreement.judicial_decided_on}


def case_detail(session: Session, actor: Actor, case_id: int, *, today: date | None = None,
                limits: Limits = Limits()) -> dict[str, Any]:
    """A case as its screen shows it: facts, parties (phones and IDs masked), its agreements (the
    current one, and those superseded by a later round), time limits and one timeline of state
    changes, sessions and follow-up visits, newest first, naming people as they are called."""
    from core.mediation import early_warning

    require(actor, "mediation.view")
    case = load_case(session, actor, "mediation.view", case_id)
    today = today or clock.now().date()
    agreements = list(session.scalars(select(Agreement).where(Agreement.case_id == case.id)
                                      .order_by(Agreement.round.desc())))
    current = next((a for a in agreements if a.superseded_at is None), None)
    rows = session.execute(select(CaseParty, Resident).outerjoin(Resident, Resident.id == CaseParty.resident_id)
                           .where(CaseParty.case_id == case.id).order_by(CaseParty.id)).all()
    names = dict(session.execute(select(User.id, User.display_name)).all())
    timeline: list[dict[str, Any]] = []
    for change in session.scalars(select(CaseStateChange).where(CaseStateChange.case_id == case.id)):
        timeline.append({"at": change.at, "kind": "state", "from": change.from_state, "to": change.to_state,
                         "by": names.get(change.actor_id) or change.actor_username, "text": change.note,
                         "details": json.loads(change.details) if change.details else {}})
    for record in session.scalars(select(CaseSession).where(CaseSession.case_id == case.id)):
        timeline.append({"at": datetime.combine(record.held_on, datetime.min.time()), "kind": "session",
                         "by": names.get(record.recorded_by, ""), "text": f"{record.present}：{record.summary}"})
    for visit in session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)):
        timeline.append({"at": datetime.combine(visit.visited_on, datetime.min.time()), "kind": "follow_up",
                         "by": names.get(visit.recorded_by, ""), "text": visit.note, "performed": visit.performed,
                         "satisfaction": visit.satisfaction, "advised_court": visit.advised_court})
    timeline.sort(key=lambda item: item["at"], reverse=True)
    kind = session.get(DisputeType, case.type_id)
    grid = session.get(Grid, case.grid_id)
    last_visit = session.scalar(select(FollowUp.performed).where(FollowUp.case_id == case.id)
                                .order_by(FollowUp.id.desc()).limit(1))
    in_force = agreement_in_force(session, case)
    actions = allowed_actions(actor, case)
    if case.state == "followed_up" and last_visit == "yes":  # performed: nothing to mediate again
        actions = [action for action in actions if action != "reopen"]
    return {
        "id": case.id, "version": case.version, "number": case.number, "state": case.state,
        "intake_date": case.intake_date, "closed_on": case.closed_on, "source": case.source,
        "type": kind.name if kind else "",
        "grid": grid.name if grid else "", "mediator": names.get(case.mediator_id, ""),
        "facts": case.facts, "amount_claimed": Decimal(case.amount_claimed_fen) / 100, "extended": case.extended,
        "parties": [_party_view(party, resident) for party, resident in rows], "timeline": timeline,
        "agreement": None if current is None else _agreement_view(current),
        "earlier_agreements": [_agreement_view(a) for a in agreements if a is not current],
        "last_visit_performed": last_visit, "agreement_in_force": in_force is not None,
        "deadlines": deadlines(case.state, case.due_date, in_force, today, limits),
        "actions": actions, "risk_level": case.risk_level, "risk_reason": case.risk_reason,
        "risk_reported_to": case.risk_reported_to, "risk_reported_on": case.risk_reported_on,
        "repeat_warning": early_warning.kept(session, actor, case),
    }


MEDIATOR_ROLES = ("worker", "supervisor", "admin")


def mediators(session: Session, actor: Actor) -> dict[int, str]:
    """Who may mediate a case: the active colleagues of the actor's community."""
    require(actor, "mediation.view")
    return dict(session.execute(select(User.id, User.display_name)
                                .where(User.active.is_(True), User.role.in_(MEDIATOR_ROLES),
                                       User.community_id == actor.community_id)
                                .order_by(User.display_name)).all())
