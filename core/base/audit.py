"""The append-only audit trail: who did what, when, to which object, before → after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.orm import Session

from core.base import clock, groups, validation
from core.base.i18n import LANGUAGES, translate
from core.base.paging import Page
from core.base.permissions import Actor, require, sees_all_grids
from db.models import AuditEvent, Grid, Household, MediationCase

# Values that never enter the audit trail in clear.
_SECRET_KEYS = frozenset({"password", "password_hash", "token"})
_MASKED_KEYS = frozenset({"phone"})  # and id_number, masked as everywhere (validation.mask_id)

ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "lockout",
    "logout",
    "unlock",
    "password_change",
    "password_reset",
    "user_create",
    "user_update",
    "community_create",
    "community_update",
    "grid_create",
    "grid_update",
    "language_change",
    "resident_create",
    "resident_update",
    "resident_status",
    "resident_import",
    "reveal",
    "resident_restricted_view",
    "phone_reveal",
    "household_head",
    "activity_create",
    "activity_update",
    "activity_postpone",
    "activity_cancel",
    "activity_sign_up",
    "activity_withdraw",
    "activity_walk_in",
    "activity_attendance",
    "activity_count",
    "activity_summary",
    "activity_photo_add",
    "activity_photo_remove",
    "assessment_settings",
    "assessment_change_refused",
    "assessment_summary",
    "assessment_peer_score",
    "assessment_forms",
    "assessment_street_score",
    "assessment_sign_off",
    "assessment_objection",
    "assessment_answer",
    "assessment_public_form",
    "retention_anonymise",
    "audit_redact",
    "activity_call_list",
    "activity_category_create",
    "activity_category_update",
    "export",
    "resident_id_lookup",
    "resident_id_lookup_import",
    "case_create",
    "case_start",
    "case_agree",
    "case_fail",
    "case_refer",
    "case_withdraw",
    "case_follow_up",
    "case_close",
    "case_reopen",
    "case_extend",
    "case_session",
    "case_agreement_supersede",
    "case_judicial",
    "agreement_print",
    "case_file_print",
    "case_prevention",
    "screening",
    "case_risk",
    "dispute_type_save",
    "dispute_type_offer",
    "visit_record",
    "visit_case_link",
    "visit_major_change",
    "visit_plan_decide",
    "visit_frequency_save",
    "course_create",
    "course_update",
    "course_cancel",
    "course_walk_in",
    "roster_save",
    "course_category_add",
    "course_category_change",
    "checkin",
    "quota_change",
    "qualification_change",
    "certificate_add",
    "external_hours_submit",
    "external_hours_decide",
    "rating_record",
    "rating_edit",
    "rating_delete",
    "rating_public",
    "token_issue",
    "token_revoke",
)


def mask(value: str) -> str:
    """Keep the first 3 and last 4 characters: 138****5678 (a phone's network prefix tells nothing)."""
    text = str(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def _safe(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    cleaned = {}
    for key, value in values.items():
        if key in _SECRET_KEYS:
            cleaned[key] = "***"
        elif key == "id_number" and value:
            cleaned[key] = validation.mask_id(str(value))
        elif key in _MASKED_KEYS and value:
            cleaned[key] = mask(value)
        else:
            cleaned[key] = value
    return json.dumps(cleaned, ensure_ascii=False, default=str, sort_keys=True)


_OWN_COMMUNITY = object()  # the acting account's community, unless record() is told another


def _values(actor: Actor | None, action: str, *, object_type: str, object_id: Any, before: dict[str, Any] | None,
            after: dict[str, Any] | None, actor_username: str | None, now: datetime | None,
            community_id: Any = _OWN_COMMUNITY) -> dict[str, Any]:
    if community_id is _OWN_COMMUNITY:
        community_id = actor.community_id if actor else None
    return {"at": now or clock.now(), "actor_id": actor.id if actor else None, "community_id": community_id,
            "actor_username": actor_username or (actor.username if actor else ""), "action": action,
            "object_type": object_type, "object_id": str(object_id), "before": _safe(before), "after": _safe(after)}


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    object_type: str = "",
    object_id: Any = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_username: str | None = None,
    now: datetime | None = None,
    community_id: Any = _OWN_COMMUNITY,
) -> None:
    """`community_id`: whose trail the event is in, when not the actor's (a failed login: the
    community of the account whose name was typed)."""
    session.add(AuditEvent(**_values(actor, action, object_type=object_type, object_id=object_id, before=before,
                                     after=after, actor_username=actor_username, now=now,
                                     community_id=community_id)))


_INSERT = AuditEvent.__table__.insert()


def record_on(connection: Connection, actor: Actor | None, action: str, *, object_type: str = "",
              object_id: Any = "", before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              now: datetime | None = None) -> None:
    """record(), inserted straight on the transaction's connection: for writes that bypass the
    ORM's unit of work for speed (one ORM object there cost a third of a 60-person roster save)."""
    connection.execute(_INSERT, _values(actor, action, object_type=object_type, object_id=object_id, before=before,
                                        after=after, actor_username=None, now=now))


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


REDACTED = "（已匿名）"
KEPT_LOGS_DAYS = 183  # 网络安全法 art. 21: network logs kept at least six months


def redact(session: Session, object_type: str, object_ids: list[int], *, now: datetime | None = None) -> int:
    """Forget the people behind these objects in the trail: the values of each event about them
    at least six months old become REDACTED (which keys changed stays known); the event itself,
    who did it and when, stays. The database refuses any other change (migration 0032). The
    redaction is itself an event. Returns how many events were redacted."""
    return _redact(session, object_type, [str(i) for i in object_ids],
                   lambda chunk: [AuditEvent.object_type == object_type, AuditEvent.object_id.in_(chunk)], now)


def redact_events(session: Session, object_type: str, event_ids: list[int], *, now: datetime | None = None) -> int:
    """`redact` for events picked one by one: those filed under another object that name the
    person (an activity's sign-up names the resident). The same six months apply."""
    return _redact(session, object_type, event_ids, lambda chunk: [AuditEvent.id.in_(chunk)], now)


_CHUNK = 10_000  # ids per IN list: PostgreSQL's protocol takes at most 65,535 parameters a statement


def _redact(session: Session, object_type: str, ids: list, conditions: Any, now: datetime | None) -> int:
    now = now or clock.now()
    rows = [row for start in range(0, len(ids), _CHUNK) for row in session.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after).where(
            *conditions(ids[start:start + _CHUNK]), AuditEvent.redacted_at.is_(None),
            AuditEvent.at <= now - timedelta(days=KEPT_LOGS_DAYS)))]
    for event_id, before, after in rows:
        session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(
            before=_forgotten(before), after=_forgotten(after), redacted_at=now))
    if rows:
        record(session, None, "audit_redact", object_type=object_type, actor_username="retention",
               after={"rows": len(rows)}, now=now)
    return len(rows)


def naming(session: Session, object_type: str, object_ids: list[int], actions: tuple[str, ...], key: str,
           value: str) -> list[int]:
    """The events about these objects, of these actions, whose `key` after the change was `value`
    (e.g. the activities' sign-ups whose participant was this name)."""
    if not object_ids:
        return []
    rows = session.execute(select(AuditEvent.id, AuditEvent.after).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id.in_([str(i) for i in object_ids]),
        AuditEvent.action.in_(actions), AuditEvent.redacted_at.is_(None)))
    return [event_id for event_id, after in rows if after and json.loads(after).get(key) == value]


def _forgotten(values: str | None) -> str | None:
    if values is None:
        return None
    try:
        found = json.loads(values)
    except ValueError:
        return json.dumps(REDACTED, ensure_ascii=False)
    if isinstance(found, dict):
        return json.dumps(dict.fromkeys(found, REDACTED), ensure_ascii=False)
    return json.dumps(REDACTED, ensure_ascii=False)


def high_water(session: Session) -> int:
    """The newest audit event's id. Every write Linli makes is audited in its own transaction and
    events are append-only, so a figure computed at one high-water mark stays true until it moves."""
    return session.scalar(select(func.max(AuditEvent.id))) or 0


# The system administrator reads the installation's own events and what happened to accounts,
# communities and grids anywhere; never an event about a resident, a case or a rating.
_INSTALLATION_OBJECTS = ("user", "community", "grid")


def _conditions(actor: Actor, filters: AuditFilter) -> list:
    if sees_all_grids(actor):
        conditions = [or_(AuditEvent.community_id.is_(None), AuditEvent.object_type.in_(_INSTALLATION_OBJECTS))]
    else:
        conditions = [AuditEvent.community_id == actor.community_id]
    if filters.username:
        conditions.append(AuditEvent.actor_username == filters.username.strip().lower())
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.date_from:
        conditions.append(AuditEvent.at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        conditions.append(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time.min))
    return conditions


def count_events(session: Session, actor: Actor, filters: AuditFilter) -> int:
    require(actor, "audit.view")
    return session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(actor, filters))) or 0


def list_events(session: Session, actor: Actor, filters: AuditFilter, *, page: int = 1, page_size: int = 50) -> Page:
    """Newest first; filtering, counting and paging all happen in SQL."""
    total = count_events(session, actor, filters)
    conditions = _conditions(actor, filters)
    query = (
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(page_size)
        .offset(max(page - 1, 0) * page_size)
    )
    events = list(session.scalars(query))
    hidden = groups.hidden_tags(actor)
    names = id_names(session, [values for event in events for snapshot in (event.before, event.after)
                               if (values := snapshot_values(snapshot or ""))])
    case_ids = {int(e.object_id) for e in events if e.object_type == "case" and str(e.object_id or "").isdigit()}
    numbers = {str(case_id): number for case_id, number in session.execute(
        select(MediationCase.id, MediationCase.number).where(MediationCase.id.in_(sorted(case_ids) or [-1])))}
    rows = [
        {
            "at": event.at,
            "user": event.actor_username,
            "action": event.action,
            "object_type": event.object_type or "",
            "object_id": event.object_id,
            "case_number": numbers.get(str(event.object_id)) if event.object_type == "case" else None,
            "before": _without_tags(event.before or "", hidden),
            "after": _without_tags(event.after or "", hidden),
            "names": names,
        }
        for event in events
    ]
    return Page(rows=rows, total=total)


def _without_tags(snapshot: str, hidden: frozenset[str]) -> str:
    """A snapshot without the special groups its reader may not see (an admin's audit trail)."""
    if not hidden or '"tags"' not in snapshot:
        return snapshot
    values = snapshot_values(snapshot)
    if values is None or not isinstance(values.get("tags"), list):
        return snapshot
    values["tags"] = [tag for tag in values["tags"] if tag not in hidden]
    return json.dumps(values, ensure_ascii=False, default=str)


# Snapshot keys whose values are codes, and the catalogue prefix that names them.
_CODED_VALUES = {"state": ("case_state",), "status": ("status", "attendance"), "sex": ("sex",), "level": ("level",),
                 "role": ("role",), "channel": ("satisfaction.channel",), "category": ("satisfaction.category",),
                 "source": ("source",), "tag": ("tag",), "tags": ("tag",), "field": ("field",), "hukou": ("hukou",),
                 "participant_state": ("participant_state",)}
# Objects whose "id" is a count or a file name, not a row: named by their kind alone.
_NOT_A_ROW = frozenset({"residents", "import"})


# Snapshot keys holding another row's id: shown as the field a person knows, with that row's name.
ID_FIELDS = {"grid_id": "grid", "household_id": "address"}


def id_names(session: Session, snapshots: list[dict[str, Any]]) -> dict[str, dict[int, str]]:
    """For each key of ID_FIELDS, the names of the rows these snapshots point to."""
    wanted = {key: sorted({value for values in snapshots if isinstance(value := values.get(key), int)})
              for key in ID_FIELDS}
    return {
        "grid_id": dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(wanted["grid_id"]))).tuples().all()),
        "household_id": dict(session.execute(select(Household.id, Household.address)
                                             .where(Household.id.in_(wanted["household_id"]))).tuples().all()),
    }


def snapshot_values(snapshot: str) -> dict[str, Any] | None:
    """The fields of a before/after snapshot, or None when it is empty or not a JSON object."""
    if not snapshot:
        return None
    try:
        values = json.loads(snapshot)
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    # Rows written before the mask kept only the last 4 (migration 0008) hold 110***********0131;
    # the row stays as written (append-only), but is read with today's mask.
    if isinstance(values.get("id_number"), str) and values["id_number"]:
        values["id_number"] = validation.mask_id(values["id_number"])
    return values


def readable(snapshot: str, language: str, names: dict[str, dict[int, str]] | None = None,
             object_type: str = "") -> str:
    """A before/after snapshot as a person reads it: "状态：已回访；网格：第一网格", not JSON with
    English codes and row ids. `names`: from id_names (list_events gives each row them)."""
    values = snapshot_values(snapshot)
    if values is None:
        return snapshot
    colon, separator = translate(language, "common.colon"), "；" if language == "zh-CN" else "; "
    parts = []
    for key, value in values.items():
        field = key
        if key in ID_FIELDS and names is not None:
            field, value = ID_FIELDS[key], names[key].get(value, value)
        elif key == "name" and object_type == "resident":
            field = "person_name"  # 姓名, as the resident screens say
        parts.append(f"{_known(language, f'field.{field}', key)}{colon}{readable_value(language, field, value)}")
    return separator.join(parts)


def object_label(row: dict[str, Any], language: str) -> str:
    """"案件 2026-0003", "用户 #5": the object of an event as the screens name it."""
    if not row["object_type"]:
        return ""
    kind = _known(language, f"audit.object.{row['object_type']}", row["object_type"])
    if row.get("case_number"):
        return f"{kind} {row['case_number']}"
    object_id = str(row["object_id"] or "")
    if row["object_type"] in _NOT_A_ROW or not object_id:
        return kind
    return f"{kind} #{object_id}" if object_id.isdigit() else f"{kind} {object_id}"  # a user by name


def _known(language: str, key: str, fallback: str) -> str:
    text = translate(language, key)
    return fallback if text == key else text


def readable_value(language: str, key: str, value: Any) -> str:
    """One snapshot value in words: codes named from the catalogue, lists joined with 、."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate(language, "common.yes" if value else "common.no")
    if isinstance(value, list):
        return translate(language, "common.list_separator").join(readable_value(language, key, item) for item in value) or "—"
    if key == "language" and value in LANGUAGES:
        return LANGUAGES[value]
    if key in _CODED_VALUES and isinstance(value, str):
        for prefix in _CODED_VALUES[key]:
            text = _known(language, f"{prefix}.{value}", "")
            if text:
                return text
    return str(value)
