"""Community activities (社区活动) and outreach (政策宣传): plan, sign residents up (capacity and a
waiting list), take attendance and walk-ins, postpone or cancel with a reason.

Scope: a worker sees the activities of their grids and those they organise; a supervisor every
activity of the community. Residents come from the registry, as far as the user may see them; a
walk-in not yet registered is kept as a name and a phone. Sign-ups close when the activity
starts; attendance and walk-ins may be recorded until `attendance_days` after it ends (the
setting activity_attendance_days, default ATTENDANCE_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from core.base import audit, clock, groups, validation
from core.base.errors import Invalid, InvalidMany, NotFound, collect
from core.base.permissions import Actor, can, require
from core.base.records import load_for_edit
from core.base.text import clean
from db.models import (
    Activity,
    ActivityCategory,
    ActivityParticipant,
    Grid,
    Resident,
    User,
    activity_grids,
    activity_groups,
    activity_organisers,
    resident_tags,
)

TITLE_MAX, PLACE_MAX, PARTNERS_MAX, TOPIC_MAX, REASON_MAX, SUMMARY_MAX = 100, 100, 200, 50, 200, 2000
CAPACITY_MAX, COUNT_MAX = 10_000, 100_000
ATTENDANCE_DAYS = 7  # attendance and walk-ins may be recorded until a week after the activity
STATES = ("signed_up", "waiting", "withdrawn")


@dataclass
class ActivityInput:
    """What the plan form says, as typed."""

    title: str = ""
    category_id: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    partners: str = ""
    capacity: int | str | None = None  # empty: no limit
    grid_ids: list[int] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    organiser_ids: list[int] = field(default_factory=list)  # empty: the one who plans it
    open_event: bool = False
    topic: str = ""


def categories(session: Session, actor: Actor) -> dict[int, str]:
    """The categories this user's community offers: the shared defaults and its own, in order."""
    require(actor, "activity.view")
    rows = session.execute(select(ActivityCategory.id, ActivityCategory.name).where(
        ActivityCategory.active.is_(True),
        or_(ActivityCategory.community_id.is_(None), ActivityCategory.community_id == actor.community_id))
        .order_by(ActivityCategory.community_id.is_not(None), ActivityCategory.sort_order, ActivityCategory.id))
    return dict(rows.tuples().all())


def _capacity(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return validation.whole_number(value, "capacity", 1, CAPACITY_MAX, "error.activity.capacity")


def _when(data: ActivityInput) -> tuple[datetime, datetime]:
    if data.starts_at is None:
        raise Invalid("starts_at", "error.required")
    if data.ends_at is None:
        raise Invalid("ends_at", "error.required")
    if data.ends_at <= data.starts_at:
        raise Invalid("ends_at", "error.activity.ends_before_start")
    return data.starts_at, data.ends_at


def _grids(session: Session, actor: Actor, grid_ids: list[int], kept: frozenset[int] = frozenset()) -> list[int]:
    """The activity's grids: at least one, each of this user's (a supervisor's: the community's).
    `kept`: grids of an activity being edited that are not this user's; they stay as they are
    (an organiser from another grid changes only their own grids)."""
    chosen = set(grid_ids) - kept
    if not chosen | kept:
        raise Invalid("grids", "error.required")
    known = set(session.scalars(select(Grid.id).where(Grid.id.in_(chosen), Grid.community_id == actor.community_id)))
    if chosen - known or not chosen <= actor.grid_ids:
        raise Invalid("grids", "error.grid.not_yours")
    return sorted(chosen | kept)


def _target_groups(actor: Actor, tags: list[str], grid_ids: list[int], stored: frozenset[str] = frozenset()
                   ) -> list[str]:
    """Groups known to Linli (高龄老人 included); a sensitive one added only by those who see it in
    every grid of the activity (PIPL arts. 28, 31); one it was already aimed at may stay."""
    unknown = [tag for tag in tags if tag not in groups.TAGS and tag != groups.OLDEST_OLD]
    if unknown:
        raise Invalid("target_groups", "error.tag.unknown", tags="、".join(unknown))
    added = set(tags) - stored
    if any(groups.TAGS.get(tag) for tag in added) and not all(can(actor, "resident.sensitive", g) for g in grid_ids):
        raise Invalid("target_groups", "error.tag.sensitive_not_yours")
    return sorted(set(tags))


def _organisers(session: Session, actor: Actor, user_ids: list[int]) -> list[int]:
    chosen = sorted(set(user_ids)) or [actor.id]
    staff = set(session.scalars(select(User.id).where(User.id.in_(chosen), User.community_id == actor.community_id,
                                                      User.active.is_(True))))
    if set(chosen) - staff:
        raise Invalid("organisers", "error.activity.organiser_unknown")
    return chosen


def _category(session: Session, actor: Actor, category_id: int | None, topic: str) -> tuple[int, str]:
    if category_id is None:
        raise Invalid("category", "error.required")
    if category_id not in categories(session, actor):
        raise Invalid("category", "error.activity.category_unknown")
    outreach = session.scalar(select(ActivityCategory.outreach).where(ActivityCategory.id == category_id))
    topic = clean(topic)
    if outreach and not topic:
        raise Invalid("topic", "error.activity.topic_required")
    if len(topic) > TOPIC_MAX:
        raise Invalid("topic", "error.too_long", max=TOPIC_MAX)
    return category_id, topic


@dataclass(frozen=True)
class CleanActivity:
    title: str
    category_id: int
    topic: str
    starts_at: datetime
    ends_at: datetime
    place: str
    partners: str
    capacity: int | None
    grid_ids: list[int]
    target_groups: list[str]
    organiser_ids: list[int]
    open_event: bool


def clean_input(session: Session, actor: Actor, data: ActivityInput, *, kept_grids: frozenset[int] = frozenset(),
                stored_groups: frozenset[str] = frozenset()) -> CleanActivity:
    """Every field checked, every refusal reported at once (InvalidMany). Editing, `kept_grids` are
    the activity's grids that are not this user's and `stored_groups` the groups it is aimed at."""
    title, (category_id, topic), (starts, ends), place, partners, capacity, grid_ids, organisers = collect([
        lambda: validation.required_text(data.title, "activity_title", TITLE_MAX),
        lambda: _category(session, actor, data.category_id, data.topic),
        lambda: _when(data),
        lambda: validation.limited_text(data.place, "place", PLACE_MAX),
        lambda: validation.limited_text(data.partners, "partners", PARTNERS_MAX),
        lambda: _capacity(data.capacity),
        lambda: _grids(session, actor, list(data.grid_ids), kept_grids),
        lambda: _organisers(session, actor, list(data.organiser_ids)),
    ])
    target = collect([lambda: _target_groups(actor, list(data.target_groups), grid_ids, stored_groups)])[0]
    return CleanActivity(title, category_id, topic, starts, ends, place, partners, capacity, grid_ids, target,
                         organisers, bool(data.open_event))


def _snapshot(activity: Activity, data: CleanActivity | None = None) -> dict[str, Any]:
    values = {"title": activity.title, "category_id": activity.category_id, "starts_at": activity.starts_at,
              "ends_at": activity.ends_at, "place": activity.place, "capacity": activity.capacity,
              "status": activity.status}
    if data is not None:
        values.update(grid_ids=data.grid_ids, tags=data.target_groups)
    return values


def _set_links(session: Session, activity_id: int, data: CleanActivity) -> None:
    for table in (activity_grids, activity_groups, activity_organisers):
        session.execute(table.delete().where(table.c.activity_id == activity_id))
    session.execute(activity_grids.insert(), [{"activity_id": activity_id, "grid_id": g} for g in data.grid_ids])
    if data.target_groups:
        session.execute(activity_groups.insert(), [{"activity_id": activity_id, "tag": t} for t in data.target_groups])
    session.execute(activity_organisers.insert(), [{"activity_id": activity_id, "user_id": u}
                                                   for u in data.organiser_ids])


def create(session: Session, actor: Actor, data: ActivityInput, *, now: datetime | None = None) -> Activity:
    require(actor, "activity.edit")
    clean_data = clean_input(session, actor, data)
    now = now or clock.now()
    activity = Activity(community_id=actor.community_id, created_by=actor.id, created_at=now, updated_at=now)
    _apply(activity, clean_data)
    session.add(activity)
    session.flush()
    _set_links(session, activity.id, clean_data)
    audit.record(session, actor, "activity_create", object_type="activity", object_id=activity.id,
                 after=_snapshot(activity, clean_data), now=now)
    return activity


def _apply(activity: Activity, data: CleanActivity) -> None:
    activity.title, activity.category_id, activity.topic = data.title, data.category_id, data.topic
    activity.starts_at, activity.ends_at, activity.place = data.starts_at, data.ends_at, data.place
    activity.partners, activity.capacity, activity.open_event = data.partners, data.capacity, data.open_event


# --- scope -----------------------------------------------------------------------------------------

def visible_condition(actor: Actor):  # noqa: ANN202
    """Activities of the community that touch one of the user's grids, or that they organise."""
    # Correlated on the activity only: a query that also joins these tables keeps its own rows.
    in_my_grids = exists().where(activity_grids.c.activity_id == Activity.id,
                                 activity_grids.c.grid_id.in_(sorted(actor.grid_ids) or [-1])).correlate(Activity)
    organised = exists().where(activity_organisers.c.activity_id == Activity.id,
                               activity_organisers.c.user_id == actor.id).correlate(Activity)
    return and_(Activity.community_id == actor.community_id, or_(in_my_grids, organised))


def load(session: Session, actor: Actor, activity_id: int, action: str = "activity.view") -> Activity:
    require(actor, action)
    activity = session.scalar(select(Activity).where(Activity.id == activity_id, visible_condition(actor)))
    if activity is None:
        raise NotFound(object="activity", id=activity_id)
    return activity


def editable(session: Session, actor: Actor, activity_id: int, expected_version: int | None = None) -> Activity:
    activity = load(session, actor, activity_id, "activity.edit")
    if activity.status == "cancelled":
        raise Invalid("activity", "error.activity.cancelled")
    if expected_version is not None:
        load_for_edit(session, Activity, activity_id, expected_version)
    return activity


def update(session: Session, actor: Actor, activity_id: int, expected_version: int, data: ActivityInput, *,
           now: datetime | None = None) -> Activity:
    activity = editable(session, actor, activity_id, expected_version)
    stored, grid_ids = _aimed_at(session, activity_id), grids_of(session, activity_id)
    # Grids that are not this user's, and a sensitive target group they do not see, were not on
    # their form: they stay.
    clean_data = clean_input(session, actor, data, kept_grids=frozenset(set(grid_ids) - actor.grid_ids),
                             stored_groups=frozenset(stored))
    unseen = set(stored) - set(_shown_groups(actor, stored, grid_ids))
    clean_data = replace(clean_data, target_groups=sorted(set(clean_data.target_groups) | unseen))
    capacity_taken = _count(session, activity_id, "signed_up")
    if clean_data.capacity is not None and clean_data.capacity < capacity_taken:
        raise Invalid("capacity", "error.activity.capacity_below_signed_up", count=capacity_taken)
    now = now or clock.now()
    before = _snapshot(activity)
    _apply(activity, clean_data)
    activity.updated_at = now
    _set_links(session, activity_id, clean_data)
    _promote_waiting(session, activity)
    audit.record(session, actor, "activity_update", object_type="activity", object_id=activity_id, before=before,
                 after=_snapshot(activity, clean_data), now=now)
    return activity


def postpone(session: Session, actor: Actor, activity_id: int, expected_version: int, starts_at: datetime | None,
             ends_at: datetime | None, reason: str, *, now: datetime | None = None) -> Activity:
    """New dates, with a reason; those signed up stay signed up."""
    activity = editable(session, actor, activity_id, expected_version)
    (starts, ends), why = collect([lambda: _when(ActivityInput(starts_at=starts_at, ends_at=ends_at)),
                                   lambda: validation.required_text(reason, "change_reason", REASON_MAX)])
    if starts <= activity.starts_at:
        raise InvalidMany([Invalid("starts_at", "error.activity.postpone_later")])
    now = now or clock.now()
    before = {"starts_at": activity.starts_at, "ends_at": activity.ends_at}
    activity.starts_at, activity.ends_at, activity.change_reason, activity.updated_at = starts, ends, why, now
    audit.record(session, actor, "activity_postpone", object_type="activity", object_id=activity_id, before=before,
                 after={"starts_at": starts, "ends_at": ends, "reason": why}, now=now)
    return activity


def cancel(session: Session, actor: Actor, activity_id: int, expected_version: int, reason: str, *,
           now: datetime | None = None) -> list[dict[str, Any]]:
    """Cancelled with a reason; returns those signed up or waiting, to be called back."""
    activity = editable(session, actor, activity_id, expected_version)
    why = validation.required_text(reason, "change_reason", REASON_MAX)
    now = now or clock.now()
    activity.status, activity.change_reason, activity.updated_at = "cancelled", why, now
    audit.record(session, actor, "activity_cancel", object_type="activity", object_id=activity_id,
                 before={"status": "planned"}, after={"status": "cancelled", "reason": why}, now=now)
    return [person for person in participants(session, actor, activity_id) if person["state"] != "withdrawn"]


# --- reading ---------------------------------------------------------------------------------------

def _listed(actor: Actor, since: datetime | None, until: datetime | None) -> list:
    conditions = [visible_condition(actor)]
    if since is not None:  # started since (the index on the community and the start serves it)
        conditions.append(Activity.starts_at >= since)
    if until is not None:
        conditions.append(Activity.starts_at < until)
    return conditions


def listing(session: Session, actor: Actor, *, since: datetime | None = None, until: datetime | None = None,
            limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """The activities this user sees starting from `since` (and before `until`), soonest first, with
    their sign-up and attendance counts; one page of `limit` from `offset` when asked."""
    require(actor, "activity.view")
    signed = (select(func.count(ActivityParticipant.id)).where(ActivityParticipant.activity_id == Activity.id,
                                                               ActivityParticipant.state == "signed_up",
                                                               ActivityParticipant.walk_in.is_(False))
              .correlate(Activity).scalar_subquery())
    came = (select(func.count(ActivityParticipant.id)).where(ActivityParticipant.activity_id == Activity.id,
                                                             ActivityParticipant.attended.is_(True))
            .correlate(Activity).scalar_subquery())
    query: Select = (select(Activity.id, Activity.title, Activity.starts_at, Activity.ends_at, Activity.place,
                            Activity.capacity, Activity.status, Activity.open_event, Activity.head_count,
                            ActivityCategory.name.label("category"), signed.label("signed_up"),
                            came.label("attended"))
                     .join(ActivityCategory, ActivityCategory.id == Activity.category_id)
                     .where(*_listed(actor, since, until)).order_by(Activity.starts_at, Activity.id))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [dict(row._mapping) for row in session.execute(query)]


def listing_count(session: Session, actor: Actor, *, since: datetime | None = None,
                  until: datetime | None = None) -> int:
    """How many activities listing() finds, for its pages."""
    require(actor, "activity.view")
    return session.scalar(select(func.count(Activity.id)).where(*_listed(actor, since, until))) or 0


def detail(session: Session, actor: Actor, activity_id: int) -> dict[str, Any]:
    activity = load(session, actor, activity_id)
    grid_ids = grids_of(session, activity_id)
    shown = _shown_groups(actor, _aimed_at(session, activity_id), grid_ids)
    organisers = dict(session.execute(select(User.id, User.display_name).join(
        activity_organisers, activity_organisers.c.user_id == User.id).where(
        activity_organisers.c.activity_id == activity_id)).tuples().all())
    return {"id": activity.id, "version": activity.version, "title": activity.title,
            "category_id": activity.category_id, "topic": activity.topic, "starts_at": activity.starts_at,
            "ends_at": activity.ends_at, "place": activity.place, "partners": activity.partners,
            "capacity": activity.capacity, "open_event": activity.open_event, "status": activity.status,
            "change_reason": activity.change_reason, "head_count": activity.head_count, "reach": activity.reach,
            "summary": activity.summary, "volunteer_hours": activity.volunteer_hours, "grid_ids": grid_ids,
            "grids": dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(grid_ids or [-1]))).tuples().all()),
            "target_groups": shown, "organisers": organisers,
            "signed_up": _count(session, activity_id, "signed_up"), "waiting": _count(session, activity_id, "waiting")}


def grids_of(session: Session, activity_id: int) -> list[int]:
    return sorted(session.scalars(select(activity_grids.c.grid_id).where(activity_grids.c.activity_id == activity_id)))


def _aimed_at(session: Session, activity_id: int) -> list[str]:
    return list(session.scalars(select(activity_groups.c.tag).where(activity_groups.c.activity_id == activity_id)))


def _shown_groups(actor: Actor, tags: list[str], grid_ids: list[int]) -> list[str]:
    """A sensitive target group is named only to those who see it in one of the activity's grids."""
    return [tag for tag in tags if not groups.TAGS.get(tag) or any(can(actor, "resident.sensitive", g) for g in grid_ids)]


def participants(session: Session, actor: Actor, activity_id: int) -> list[dict[str, Any]]:
    """Everyone signed up, waiting, withdrawn or walked in, in sign-up order; phones masked."""
    load(session, actor, activity_id)
    rows = session.execute(
        select(ActivityParticipant, Resident.name.label("resident_name"), Resident.phone.label("resident_phone"),
               Resident.grid_id)
        .outerjoin(Resident, Resident.id == ActivityParticipant.resident_id)
        .where(ActivityParticipant.activity_id == activity_id)
        .order_by(ActivityParticipant.signed_up_at, ActivityParticipant.id))
    found = []
    for person, resident_name, resident_phone, grid_id in rows:
        phone = resident_phone if person.resident_id else person.phone
        found.append({"id": person.id, "resident_id": person.resident_id, "name": resident_name or person.name,
                      "phone_masked": validation.mask_phone(phone) if phone else "", "grid_id": grid_id,
                      "state": person.state, "walk_in": person.walk_in, "attended": person.attended,
                      "registered": person.resident_id is not None,
                      # typed by the organiser for someone not in the registry, to register them
                      "unregistered_phone": "" if person.resident_id else person.phone})
    return found


def candidates(session: Session, actor: Actor, activity_id: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """Residents to invite: active, in the activity's grids that are also the user's, in one of its
    target groups (any resident when it has none), not yet on its list."""
    activity = load(session, actor, activity_id)
    grid_ids, tags = grids_of(session, activity_id), _aimed_at(session, activity_id)
    mine = sorted(g for g in grid_ids if can(actor, "resident.view", g))
    query = (select(Resident.id, Resident.name, Resident.birth_date, Resident.grid_id)
             .where(Resident.grid_id.in_(mine or [-1]), Resident.deleted_at.is_(None), Resident.status == "active",
                    ~exists().where(ActivityParticipant.activity_id == activity.id,
                                    ActivityParticipant.resident_id == Resident.id)))
    if tags:
        stored = [tag for tag in tags if tag in groups.TAGS]
        conditions = []
        if stored:
            conditions.append(exists().where(resident_tags.c.resident_id == Resident.id, resident_tags.c.tag.in_(stored)))
        if groups.OLDEST_OLD in tags:
            conditions.append(Resident.birth_date <= validation.years_before(clock.now().date(),
                                                                            groups.OLDEST_OLD_AGE))
        query = query.where(or_(*conditions))
    rows = session.execute(query.order_by(Resident.name, Resident.id).limit(limit))
    return [{"id": rid, "name": name, "birth_date": birth, "grid_id": grid} for rid, name, birth, grid in rows]


def _count(session: Session, activity_id: int, state: str) -> int:
    """Those signed up (or waiting) in advance: walk-ins take no seat."""
    return session.scalar(select(func.count(ActivityParticipant.id)).where(
        ActivityParticipant.activity_id == activity_id, ActivityParticipant.state == state,
        ActivityParticipant.walk_in.is_(False))) or 0


# --- sign-ups, waiting list, attendance --------------------------------------------------------------

def _resident_for(session: Session, actor: Actor, resident_id: int) -> Resident:
    resident = session.scalar(select(Resident).where(Resident.id == resident_id, Resident.deleted_at.is_(None)))
    if resident is None or not can(actor, "resident.view", resident.grid_id):
        raise Invalid("resident", "error.activity.resident_not_yours")
    return resident


def sign_up(session: Session, actor: Actor, activity_id: int, resident_id: int, *,
            now: datetime | None = None) -> ActivityParticipant:
    """A resident signed up, or put on the waiting list when the activity is full. Sign-ups close
    when it starts."""
    activity = editable(session, actor, activity_id)
    now = now or clock.now()
    if now >= activity.starts_at:
        raise Invalid("resident", "error.activity.sign_up_closed")
    resident = _resident_for(session, actor, resident_id)
    if session.scalar(select(ActivityParticipant.id).where(ActivityParticipant.activity_id == activity_id,
                                                           ActivityParticipant.resident_id == resident_id)):
        raise Invalid("resident", "error.activity.already_signed_up", name=resident.name)
    session.execute(select(Activity.id).where(Activity.id == activity_id).with_for_update())  # one seat, one taker
    full = activity.capacity is not None and _count(session, activity_id, "signed_up") >= activity.capacity
    person = ActivityParticipant(activity_id=activity_id, community_id=activity.community_id, resident_id=resident_id,
                                 state="waiting" if full else "signed_up", signed_up_at=now)
    session.add(person)
    session.flush()
    audit.record(session, actor, "activity_sign_up", object_type="activity", object_id=activity_id,
                 after={"participant": resident.name, "participant_state": person.state}, now=now)
    return person


def withdraw(session: Session, actor: Actor, activity_id: int, participant_id: int, *,
             now: datetime | None = None) -> None:
    """Off the list; the first one waiting takes the seat."""
    activity = editable(session, actor, activity_id)
    person = session.get(ActivityParticipant, participant_id)
    if person is None or person.activity_id != activity_id or person.state == "withdrawn":
        raise Invalid("participant", "error.activity.not_on_list")
    now = now or clock.now()
    person.state = "withdrawn"
    session.flush()
    _promote_waiting(session, activity)
    name = person.name or session.scalar(select(Resident.name).where(Resident.id == person.resident_id)) or ""
    audit.record(session, actor, "activity_withdraw", object_type="activity", object_id=activity_id,
                 after={"participant": name}, now=now)


def _promote_waiting(session: Session, activity: Activity) -> None:
    seats = None if activity.capacity is None else activity.capacity - _count(session, activity.id, "signed_up")
    waiting = session.scalars(select(ActivityParticipant).where(
        ActivityParticipant.activity_id == activity.id, ActivityParticipant.state == "waiting")
        .order_by(ActivityParticipant.signed_up_at, ActivityParticipant.id)).all()
    for person in waiting if seats is None else waiting[:max(seats, 0)]:
        person.state = "signed_up"
    session.flush()


def _attendance_open(activity: Activity, now: datetime, days: int) -> None:
    if now < activity.starts_at - timedelta(hours=2):
        raise Invalid("attended", "error.activity.not_started")
    if now > activity.ends_at + timedelta(days=days):
        raise Invalid("attended", "error.activity.attendance_closed", days=days)


def walk_in(session: Session, actor: Actor, activity_id: int, *, resident_id: int | None = None, name: str = "",
            phone: str = "", attendance_days: int = ATTENDANCE_DAYS, now: datetime | None = None
            ) -> ActivityParticipant:
    """Someone who came without signing up: a registered resident, or a name and phone (to be
    registered later). Marked as attended."""
    activity = editable(session, actor, activity_id)
    now = now or clock.now()
    _attendance_open(activity, now, attendance_days)
    if resident_id is not None:
        name = _resident_for(session, actor, resident_id).name
        existing = session.scalar(select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id,
                                                                    ActivityParticipant.resident_id == resident_id))
        if existing is not None:  # signed up after all: they came
            existing.attended = True
            return existing
        person = ActivityParticipant(activity_id=activity_id, community_id=activity.community_id,
                                     resident_id=resident_id, walk_in=True, attended=True, signed_up_at=now)
    else:
        person_name, person_phone = collect([lambda: validation.required_text(name, "person_name", 50, prose=False),
                                             lambda: validation.mobile(phone)])
        person = ActivityParticipant(activity_id=activity_id, community_id=activity.community_id, name=person_name,
                                     phone=person_phone, walk_in=True, attended=True, signed_up_at=now)
        name = person_name
    session.add(person)
    session.flush()
    audit.record(session, actor, "activity_walk_in", object_type="activity", object_id=activity_id,
                 after={"participant": name, "phone": person.phone}, now=now)
    return person


def mark_attendance(session: Session, actor: Actor, activity_id: int, attended_ids: set[int], *,
                    attendance_days: int = ATTENDANCE_DAYS, now: datetime | None = None) -> int:
    """Who came, among those signed up or waiting (ticked: came; unticked: did not); walk-ins came
    by definition. Returns how many of the list came."""
    activity = editable(session, actor, activity_id)
    now = now or clock.now()
    _attendance_open(activity, now, attendance_days)
    people = session.scalars(select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id,
                                                               ActivityParticipant.state != "withdrawn")).all()
    unknown = attended_ids - {person.id for person in people}
    if unknown:
        raise Invalid("attended", "error.activity.not_on_list")
    came = 0
    for person in people:
        if not person.walk_in:
            person.attended = person.id in attended_ids
            came += person.attended
    audit.record(session, actor, "activity_attendance", object_type="activity", object_id=activity_id,
                 after={"attended": came}, now=now)
    return came


def record_count(session: Session, actor: Actor, activity_id: int, *, head_count: int | str | None = None,
                 reach: int | str | None = None, attendance_days: int = ATTENDANCE_DAYS,
                 now: datetime | None = None) -> Activity:
    """An open event's head count, or an outreach campaign's reach (not distinct residents)."""
    activity = editable(session, actor, activity_id)
    now = now or clock.now()
    _attendance_open(activity, now, attendance_days)
    counted = collect([
        lambda: None if head_count in (None, "") else validation.whole_number(head_count, "head_count", 0, COUNT_MAX,
                                                                              "error.activity.count"),
        lambda: None if reach in (None, "") else validation.whole_number(reach, "reach", 0, COUNT_MAX,
                                                                         "error.activity.count")])
    before = {"head_count": activity.head_count, "reach": activity.reach}
    activity.head_count, activity.reach = counted
    activity.updated_at = now
    audit.record(session, actor, "activity_count", object_type="activity", object_id=activity_id, before=before,
                 after={"head_count": activity.head_count, "reach": activity.reach}, now=now)
    return activity


def summarise(session: Session, actor: Actor, activity_id: int, expected_version: int, summary: str,
              volunteer_hours: float | str | None, *, now: datetime | None = None) -> Activity:
    """After the activity: what was done and the volunteers' hours (the numbers served come from
    attendance, not from what is typed here)."""
    activity = editable(session, actor, activity_id, expected_version)
    now = now or clock.now()
    if activity.starts_at > now + timedelta(hours=2):
        raise Invalid("activity_summary", "error.activity.not_started")
    text, hours = collect([lambda: validation.limited_text(summary, "activity_summary", SUMMARY_MAX), lambda: _hours(volunteer_hours)])
    before = {"summary": activity.summary, "volunteer_hours": activity.volunteer_hours}
    activity.summary, activity.volunteer_hours, activity.updated_at = text, hours, now
    audit.record(session, actor, "activity_summary", object_type="activity", object_id=activity_id, before=before,
                 after={"summary": text, "volunteer_hours": hours}, now=now)
    return activity


def _hours(value: float | str | None) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    try:
        hours = round(float(value), 1)
    except ValueError:
        raise Invalid("volunteer_hours", "error.activity.hours") from None
    if not 0 <= hours <= 10_000:
        raise Invalid("volunteer_hours", "error.activity.hours")
    return hours


def attended_by(session: Session, actor: Actor, resident_id: int) -> list[dict[str, Any]]:
    """The activities a resident came to, as far as the user sees them, newest first (for the
    resident's timeline). Empty for a user without activities."""
    if not can(actor, "activity.view"):
        return []
    rows = session.execute(
        select(Activity.id, Activity.title, Activity.starts_at, ActivityCategory.name)
        .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
        .join(ActivityCategory, ActivityCategory.id == Activity.category_id)
        .where(ActivityParticipant.resident_id == resident_id, ActivityParticipant.attended.is_(True),
               visible_condition(actor))
        .order_by(Activity.starts_at.desc()))
    return [{"day": starts.date(), "kind": "activity", "activity_id": activity_id, "title": title, "category": kind}
            for activity_id, title, starts, kind in rows]


CALL_LIST_COLUMNS = ("person_name", "phone", "grid", "participant_state")


def call_list(session: Session, actor: Actor, activity_id: int, *, now: datetime | None = None
              ) -> list[list[Any]]:
    """Those signed up or waiting, with their full phones, to call: only residents of the user's own
    grids (the grid worker's and the supervisor's `resident.call`), and walk-ins not registered;
    audited. No group is named in it, so no sensitive target group reaches an organiser from
    another grid."""
    require(actor, "activity.edit")
    load(session, actor, activity_id)
    rows = session.execute(
        select(ActivityParticipant.id, ActivityParticipant.resident_id, ActivityParticipant.name,
               ActivityParticipant.phone, ActivityParticipant.state, Resident.name, Resident.phone, Resident.grid_id,
               Grid.name)
        .outerjoin(Resident, Resident.id == ActivityParticipant.resident_id)
        .outerjoin(Grid, Grid.id == Resident.grid_id)
        .where(ActivityParticipant.activity_id == activity_id, ActivityParticipant.state != "withdrawn")
        .order_by(ActivityParticipant.signed_up_at, ActivityParticipant.id))
    listed = []
    for _pid, resident_id, name, phone, state, resident_name, resident_phone, grid_id, grid in rows:
        if resident_id is not None and not can(actor, "resident.call", grid_id):
            continue  # a resident of another grid: their grid worker calls them
        listed.append([resident_name or name, resident_phone if resident_id else phone, grid or "", state])
    audit.record(session, actor, "activity_call_list", object_type="activity", object_id=activity_id,
                 after={"rows": len(listed)}, now=now)
    return listed


def call_list_file(session: Session, actor: Actor, activity_id: int, fmt: str, language: str) -> tuple[bytes, int]:
    """call_list() as .xlsx or .csv (and how many it lists), headers and states in the user's
    language; phones as text."""
    from core.base.exports import write_table
    from core.base.i18n import translate

    rows = call_list(session, actor, activity_id)
    for row in rows:
        row[3] = translate(language, f"participant_state.{row[3]}")
    return write_table([translate(language, f"field.{column}") for column in CALL_LIST_COLUMNS], rows, fmt,
                       sheet=translate(language, "activities.call_list")), len(rows)
