"""Agreements, 司法确认 and the follow-up visit: what the law asks of each.

- Written or oral (人民调解法 art. 28): an oral agreement is allowed when the parties see no need
  for a document; where civil rights and obligations are settled — an amount, or something to
  perform — a written one is expected (人民调解工作若干规定 art. 34), so an oral agreement with
  either is refused unless the parties' declining a written agreement is recorded.
- A written agreement holds what 法 art. 29 and 若干规定 art. 35 list: the parties, the main
  facts, the matters in dispute and each side's responsibilities, the terms, and the manner,
  place and time limit of performance; the form refuses to save one without them.
- Versions: a reopened case that settles again adds a new agreement (round 2, 再次调解); the
  earlier one is marked superseded and stays in the file. Only the current one is performed,
  confirmed and counted as the case's amount.
- 司法确认 (法 art. 33): the parties may apply jointly to a court within 30 days of a written
  agreement taking effect; the application (date, court) and its result are recorded.
- The follow-up visit (回访, 若干规定 art. 36) is due when performance can be seen: the later of
  agreement + the follow-up days and the performance deadline (+ a set number of days). A visit
  that finds the agreement not (or partly) performed leaves three ways on: a supervisor
  reopens it to mediate again, the parties are told of 司法确认 or litigation (recorded on the
  visit), or the case is closed with that outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.crypto import Vault
from core.base.errors import Invalid, collect
from core.base.permissions import Actor, can, require
from core.base.text import clean, clean_prose
from core.mediation import service
from core.mediation.service import Limits, yuan_to_fen
from core.satisfaction import service as satisfaction
from db.models import (
    Agreement,
    CaseParty,
    CaseStateChange,
    Community,
    FollowUp,
    Grid,
    Household,
    MediationCase,
    Resident,
)

PERFORMED = ("yes", "partly", "no")
JUDICIAL_RESULTS = ("confirmed", "rejected")  # 裁定确认有效, 裁定驳回申请


@dataclass
class AgreementInput:
    agreed_on: date | str | None = None
    written: bool = True
    declined_written: bool = False  # oral: the parties declined a written agreement
    responsibilities: str = ""
    terms: str = ""
    amount: str | Decimal | int | float = 0
    performance_deadline: date | str | None = None
    performance_manner: str = ""
    performance_place: str = ""


def check_form(data: AgreementInput, amount_fen: int, deadline: date | None) -> None:
    """人民调解法 art. 28-29, 若干规定 art. 34-35: what a written agreement must hold, and when an
    oral one is not enough."""
    if data.written:
        collect([
            lambda: validation.required_text(data.responsibilities, "responsibilities", 2000),
            lambda: validation.required_text(data.performance_manner, "performance_manner", 200),
            lambda: validation.required_text(data.performance_place, "performance_place", 200),
            lambda: deadline or _missing("performance_deadline"),
        ])
        return
    obligations = amount_fen > 0 or deadline is not None or clean(data.performance_manner)
    if obligations and not data.declined_written:
        raise Invalid("written", "error.agreement.oral_with_obligations")


def _missing(field: str) -> None:
    raise Invalid(field, "error.required")


def record_agreement(session: Session, actor: Actor, case_id: int, expected_version: int, data: AgreementInput,
                     *, now: datetime | None = None) -> MediationCase:
    now = now or clock.now()
    agreed_on, terms, amount, deadline = collect([
        lambda: validation.past_or_today(data.agreed_on, "agreed_on", now.date()),
        lambda: validation.required_text(data.terms, "terms", 4000),
        lambda: yuan_to_fen(data.amount, "amount"),
        lambda: validation.parse_date(data.performance_deadline, "performance_deadline"),
    ])
    if deadline is not None and deadline < agreed_on:
        raise Invalid("performance_deadline", "error.agreement.deadline_before")
    check_form(data, amount, deadline)
    case = service.move(session, actor, case_id, expected_version, "agree", "", now)
    if case.intake_date > agreed_on:
        raise Invalid("agreed_on", "error.agreement.before_intake")
    previous = session.execute(select(Agreement.round, Agreement.agreed_on).where(Agreement.case_id == case.id)
                               .order_by(Agreement.round.desc()).limit(1)).first()
    earlier = previous.round if previous else 0
    if previous:  # round 2 comes after round 1 and after the case was reopened
        reopened = session.scalar(select(func.max(CaseStateChange.at)).where(
            CaseStateChange.case_id == case.id, CaseStateChange.from_state != "received",
            CaseStateChange.to_state == "in_mediation"))
        not_before = max(previous.agreed_on, reopened.date() if reopened else previous.agreed_on)
        if agreed_on < not_before:
            raise Invalid("agreed_on", "error.agreement.before_reopening", date=not_before.isoformat())
    session.execute(update(Agreement).where(Agreement.case_id == case.id, Agreement.superseded_at.is_(None))
                    .values(superseded_at=now))
    session.add(Agreement(
        case_id=case.id, round=earlier + 1, agreed_on=agreed_on, written=bool(data.written),
        declined_written=bool(data.declined_written) and not data.written,
        responsibilities=clean_prose(data.responsibilities)[:2000], terms=terms, amount_fen=amount,
        performance_deadline=deadline, performance_manner=clean_prose(data.performance_manner)[:200],
        performance_place=clean_prose(data.performance_place)[:200], created_at=now))
    case.concluded_on = agreed_on
    if earlier:
        audit.record(session, actor, "case_agreement_supersede", object_type="case", object_id=case.id,
                     after={"round": earlier + 1}, now=now)
    return case


@dataclass
class JudicialInput:
    applied_on: date | str | None = None
    court: str = ""
    result: str = ""  # "" while pending
    decided_on: date | str | None = None


def record_judicial_confirmation(session: Session, actor: Actor, case_id: int, data: JudicialInput, *,
                                 limits: Limits = service.DEFAULT_LIMITS, now: datetime | None = None) -> Agreement:
    """The parties' joint application to a court to confirm the current written agreement (人民调解法
    art. 33: within 30 days of it taking effect), and the court's ruling once known."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    case = service.load_case(session, actor, "mediation.edit", case_id)
    agreement = service.agreement_in_force(session, case)
    if agreement is None or not agreement.written:
        raise Invalid("judicial", "error.judicial.needs_written")
    applied_on, court, decided_on = collect([
        lambda: validation.past_or_today(data.applied_on, "judicial_applied_on", now.date()),
        lambda: validation.required_text(data.court, "judicial_court", 100, prose=False),
        lambda: validation.parse_date(data.decided_on, "judicial_decided_on"),
    ])
    last_day = agreement.agreed_on + timedelta(days=limits.judicial_confirmation_days)
    if applied_on < agreement.agreed_on or applied_on > last_day:
        raise Invalid("judicial_applied_on", "error.judicial.window", first=agreement.agreed_on.isoformat(),
                      last=last_day.isoformat())
    result = clean(data.result)
    if result and result not in JUDICIAL_RESULTS:
        raise Invalid("judicial_result", "error.judicial.result")
    if result and decided_on is None:
        raise Invalid("judicial_decided_on", "error.required")
    if decided_on is not None and (not result or decided_on < applied_on or decided_on > now.date()):
        raise Invalid("judicial_decided_on", "error.judicial.decided_on")
    before = {"applied_on": agreement.judicial_applied_on, "court": agreement.judicial_court,
              "result": agreement.judicial_result}
    if agreement.judicial_applied_on != applied_on:  # recorded now: the month the table counts it in
        agreement.judicial_applied_recorded_at = now
    if decided_on is not None and agreement.judicial_decided_on != decided_on:
        agreement.judicial_decided_recorded_at = now
    agreement.judicial_applied_on, agreement.judicial_court = applied_on, court
    agreement.judicial_result, agreement.judicial_decided_on = result, decided_on
    audit.record(session, actor, "case_judicial", object_type="case", object_id=case.id, before=before,
                 after={"applied_on": applied_on, "court": court, "result": result}, now=now)
    return agreement


@dataclass
class FollowUpInput:
    visited_on: date | str | None = None
    performed: str = "yes"
    satisfaction: int | str | None = None
    note: str = ""
    advised_court: bool = False  # told of 司法确认 or litigation (for an agreement not performed)


def record_follow_up(session: Session, actor: Actor, case_id: int, expected_version: int, data: FollowUpInput,
                     *, now: datetime | None = None) -> MediationCase:
    now = now or clock.now()
    visited_on, performed, score = collect([
        lambda: validation.past_or_today(data.visited_on, "visited_on", now.date()),
        lambda: service.one_of(data.performed, PERFORMED, "performed", "error.follow_up.performed"),
        lambda: validation.whole_number(data.satisfaction, "satisfaction", 1, 5, "error.satisfaction.range"),
    ])
    case = service.move(session, actor, case_id, expected_version, "follow_up", "", now)
    agreement = service.current_agreement(session, case.id)
    if agreement is not None and visited_on < agreement.agreed_on:
        raise Invalid("visited_on", "error.follow_up.before_agreement")
    visit = FollowUp(case_id=case.id, visited_on=visited_on, performed=performed, satisfaction=score,
                     note=clean_prose(data.note)[:1000], advised_court=bool(data.advised_court) and performed != "yes",
                     recorded_by=actor.id, created_at=now)
    session.add(visit)
    session.flush()
    # The visit's score is also a satisfaction rating (channel mediation_follow_up), in this transaction.
    satisfaction.follow_up_rating(session, actor, visit, case, now=now)
    return case


_PRINTED_AS = {"agreement_print": "人民调解协议书", "case_file_print": "人民调解卷宗"}


def document(session: Session, actor: Actor, vault: Vault, case_id: int, *, limits: Limits = service.DEFAULT_LIMITS,
             now: datetime | None = None, require_written: bool = True, printed: str = "agreement_print"
             ) -> dict[str, Any]:
    """What the 人民调解协议书 of the case's current written agreement prints (人民调解法 art. 29,
    若干规定 art. 35): the case, its committee's name, and each party's basic information.

    A resident's details come from the registry; an outside party's from what was recorded; an
    unknown detail is None and prints as a blank line. Contact numbers print in full (the parties
    sign the document) where the phone rule lets this user see them: a resident's for their grid's
    worker and the supervisor. ID numbers print in full only for a user who may reveal them. Each
    print is audited on the case, and on each resident whose number it printed.
    """
    require(actor, "mediation.view")
    now = now or clock.now()
    case = service.case_detail(session, actor, case_id, today=now.date(), limits=limits)
    if require_written and (case["agreement"] is None or not case["agreement"]["written"]
                            or not case["agreement_in_force"]):
        raise Invalid("agreement", "error.agreement.no_written")
    reveal = can(actor, "resident.reveal")
    case_row = service.load_case(session, actor, "mediation.view", case_id)
    community = session.scalar(select(Community.name).join(Grid, Grid.community_id == Community.id)
                               .join(MediationCase, MediationCase.grid_id == Grid.id)
                               .where(MediationCase.id == case_id)) or ""
    rows = session.execute(select(CaseParty, Resident, Household.address)
                           .outerjoin(Resident, Resident.id == CaseParty.resident_id)
                           .outerjoin(Household, Household.id == Resident.household_id)
                           .where(CaseParty.case_id == case_id).order_by(CaseParty.id)).all()
    people, ids_printed, phones_printed = [], [], []
    for party, resident, address in rows:
        source = resident if resident is not None else party
        id_number = vault.decrypt(source.id_enc) if reveal and source.id_enc else None
        # A phone as the phone rule allows: a resident's for their grid's worker and the supervisor;
        # an outside party's for whoever may work on the case (they took it down).
        phone = source.phone if (can(actor, "resident.view", resident.grid_id) if resident is not None
                                 else can(actor, "mediation.edit", case_row)) else ""
        if resident is not None:
            ids_printed += [resident.id] if id_number else []
            phones_printed += [resident.id] if phone else []
        people.append({
            "side": party.side, "kind": party.kind, "name": party.name,
            "sex": source.sex or None, "birth_date": source.birth_date,
            "ethnicity": source.ethnicity or None,
            "address": (address if resident is not None else party.address) or None,
            "phone": phone or None, "id_number": id_number,
            "org_code": party.org_code or None, "representative": party.representative or None,
            "representative_role": party.representative_role or "legal",
            "agent_kind": party.agent_kind, "agent_name": party.agent_name or None,
            "agent_phone": party.agent_phone or None})
    audit.record(session, actor, printed, object_type="case", object_id=case_id,
                 after={"round": case["agreement"]["round"] if case["agreement"] else 0, "id_numbers_printed": len(ids_printed) + sum(
                     1 for party, resident, _ in rows if resident is None and reveal and party.id_enc),
                        "residents_id_printed": ids_printed, "residents_phone_printed": phones_printed}, now=now)
    for resident_id in sorted(set(ids_printed) | set(phones_printed)):  # each resident's history shows it
        audit.record(session, actor, "reveal", object_type="resident", object_id=resident_id,
                     after={"field": printed, "reason": f"{_PRINTED_AS[printed]} {case['number']}"}, now=now)
    return {**case, "parties": people, "committee": f"{community}人民调解委员会"}
