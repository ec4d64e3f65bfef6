"""Early warning (人民调解法 art. 25: 人民调解员在调解纠纷过程中，发现纠纷有可能激化的，应当采取有针对性
的预防措施；对有可能引起治安案件、刑事案件的纠纷，应当及时向当地公安机关或者其他有关部门报告).

- Repeat disputes: at registration, the parties are looked up among the cases of the last 12
  months — the same resident (registry link), the same person (name and phone), or the same
  address (a resident's household, an outside party's address). One earlier case — two disputes in
  a year with the new one — makes a warning, kept on the case. A user sees the numbers of those cases they may see, and only a
  count of the rest (they may be in other grids).
- Risk of escalation (激化风险): low, medium or high, with the reason; high needs to whom it was
  reported (公安机关 or another department) and when. A high-risk case stays on the 重点关注 list
  and the supervisor's home page until it is closed or its risk is lowered.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Forbidden, Invalid, NotFound, collect
from core.base.permissions import Actor, require
from core.base.records import guarded_flush, load_for_edit, load_visible
from core.base.text import clean, clean_prose
from core.mediation import service
from core.mediation.parties import PartyInput
from core.residents import identity
from db.models import CaseParty, DisputeType, Household, MediationCase, Resident

WINDOW = timedelta(days=365)
THRESHOLD = 1  # earlier cases that make a warning: with the new one, two disputes in a year
RISK_LEVELS = ("low", "medium", "high")


def _criteria(session: Session, parties: list[dict[str, Any]]) -> list[Any]:
    """SQL conditions on an earlier case's party (CaseParty, with its Resident and Household) that
    match one of these parties: the same resident, the same person by name and phone, the same
    address."""
    conditions = []
    for party in parties:
        known = session.execute(select(Resident.name, Resident.phone, Household.address)
                                .outerjoin(Household, Household.id == Resident.household_id)
                                .where(Resident.id == party["resident_id"])).first() if party.get("resident_id") else None
        if known is not None:
            conditions.append(CaseParty.resident_id == party["resident_id"])
            name, phone, address = known
        else:
            name, phone, address = party.get("name") or "", party.get("phone") or "", party.get("address") or ""
        if name and phone:
            conditions.append(and_(CaseParty.name == name, or_(CaseParty.phone == phone, Resident.phone == phone)))
        if address:
            conditions.append(or_(CaseParty.address == address, Household.address == address))
    return conditions


def earlier_cases(session: Session, parties: list[dict[str, Any]], *, on: date, exclude: int | None = None
                  ) -> list[int]:
    """Ids of the cases of the 12 months before `on` with a party matching one of `parties`."""
    conditions = _criteria(session, parties)
    if not conditions:
        return []
    query = (select(func.distinct(CaseParty.case_id)).join(MediationCase, MediationCase.id == CaseParty.case_id)
             .outerjoin(Resident, Resident.id == CaseParty.resident_id)
             .outerjoin(Household, Household.id == Resident.household_id)
             .where(or_(*conditions), MediationCase.deleted_at.is_(None), MediationCase.intake_date > on - WINDOW,
                    MediationCase.intake_date <= on))
    if exclude is not None:
        query = query.where(CaseParty.case_id != exclude)
    return sorted(session.scalars(query))


def warning_for(session: Session, case_ids: list[int]) -> str:
    """What a case keeps of the warning it was registered with ("" when there was none)."""
    return json.dumps({"cases": case_ids}) if len(case_ids) >= THRESHOLD else ""


def shown(session: Session, actor: Actor, case_ids: list[int]) -> dict[str, Any] | None:
    """The warning as this user may read it: the cases they may see, and a count of the others."""
    if len(case_ids) < THRESHOLD:
        return None
    visible = session.execute(service.scoped(
        select(MediationCase.id, MediationCase.number, MediationCase.intake_date, MediationCase.state,
               DisputeType.name.label("type")).join(DisputeType, DisputeType.id == MediationCase.type_id), actor)
        .where(MediationCase.id.in_(case_ids)).order_by(MediationCase.intake_date)).all()
    return {"count": len(case_ids), "visible": [dict(row._mapping) for row in visible],
            "hidden": len(case_ids) - len(visible)}


def check(session: Session, actor: Actor, parties: list[PartyInput], *, on: date | None = None
          ) -> dict[str, Any] | None:
    """The warning the registration form shows while parties are added (before anything is saved):
    each party as far as it can be read; nothing is refused here.

    Only the cases this user may see are told here, not even counted otherwise: the form can be
    retyped at will, and a count of cases elsewhere would tell whether a person or an address was
    in a dispute in a grid the user may not see. Registering (audited) keeps the whole warning on
    the case, where a supervisor reads it all and the user the count."""
    require(actor, "mediation.edit")
    readable = []
    for party in parties:
        if party.resident_id is not None:
            try:
                readable.append({"resident_id": load_visible(session, actor, "resident.view", Resident,
                                                             party.resident_id).id})
            except (NotFound, Forbidden):
                pass  # the registration will refuse it; nothing to warn of
            continue
        try:
            phone = validation.mobile(party.phone)
        except Invalid:
            phone = ""
        readable.append({"name": identity.name_form(party.name), "phone": phone, "address": clean(party.address)})
    found = shown(session, actor, earlier_cases(session, readable, on=on or clock.now().date()))
    if not found or not found["visible"]:
        return None
    return {"count": len(found["visible"]), "visible": found["visible"], "hidden": 0}


def kept(session: Session, actor: Actor, case: MediationCase) -> dict[str, Any] | None:
    """The warning the case was registered with, as this user may read it."""
    if not case.repeat_warning:
        return None
    return shown(session, actor, json.loads(case.repeat_warning)["cases"])


def set_risk(session: Session, actor: Actor, case_id: int, expected_version: int, *, level: str, reason: str,
             reported_to: str = "", reported_on: date | str | None = None, now: datetime | None = None
             ) -> MediationCase:
    """The case's 激化风险 with its reason; high needs to whom it was reported and when (法 art. 25)."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    service.load_case(session, actor, "mediation.edit", case_id)
    case = load_for_edit(session, MediationCase, case_id, expected_version)
    if case.risk_level == "high" and level != "high":  # off the supervisor's watch list: theirs to decide
        require(actor, "mediation.reopen")
    high = level == "high"
    level, reason, reported_to, reported_on = collect([
        lambda: service.one_of(level, RISK_LEVELS, "risk_level", "error.risk.level"),
        lambda: validation.required_text(reason, "risk_reason", 1000),
        lambda: validation.required_text(reported_to, "risk_reported_to", 100, prose=False) if high else "",
        lambda: validation.past_or_today(reported_on, "risk_reported_on", now.date()) if high else None,
    ])
    before = {"risk_level": case.risk_level, "risk_reason": case.risk_reason,
              "risk_reported_to": case.risk_reported_to, "risk_reported_on": case.risk_reported_on}
    with guarded_flush(session):
        case.risk_level, case.risk_reason = level, clean_prose(reason)
        if high:  # lowered, the case keeps to whom and when it was reported
            case.risk_reported_to, case.risk_reported_on = reported_to, reported_on
        case.updated_at = now
    audit.record(session, actor, "case_risk", object_type="case", object_id=case.id, before=before,
                 after={"risk_level": level, "risk_reason": case.risk_reason,
                        "risk_reported_to": case.risk_reported_to, "risk_reported_on": case.risk_reported_on}, now=now)
    return case


def watch_list(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """重点关注: high-risk cases not yet closed, in this user's scope, oldest report first."""
    require(actor, "mediation.view")
    rows = session.execute(service.scoped(
        select(MediationCase.id, MediationCase.number, MediationCase.state, MediationCase.risk_reason,
               MediationCase.risk_reported_to, MediationCase.risk_reported_on, DisputeType.name.label("type"))
        .join(DisputeType, DisputeType.id == MediationCase.type_id), actor)
        .where(MediationCase.risk_level == "high", MediationCase.state != "closed")
        .order_by(MediationCase.risk_reported_on, MediationCase.id))
    return [dict(row._mapping) for row in rows]


def cases_of_resident(session: Session, actor: Actor, resident_id: int) -> list[dict[str, Any]]:
    """The cases a resident is a party to, those this user may see (a resident's page lists them)."""
    require(actor, "mediation.view")
    rows = session.execute(service.scoped(
        select(MediationCase.id, MediationCase.number, MediationCase.intake_date, MediationCase.state,
               MediationCase.risk_level, CaseParty.side, DisputeType.name.label("type"))
        .join(CaseParty, CaseParty.case_id == MediationCase.id)
        .join(DisputeType, DisputeType.id == MediationCase.type_id), actor)
        .where(CaseParty.resident_id == resident_id).order_by(MediationCase.intake_date.desc()))
    return [dict(row._mapping) for row in rows]
