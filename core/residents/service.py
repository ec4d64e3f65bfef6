"""The residents registry (居民登记): add, edit, status, search, reveal, households, history.

Workers reach only the residents of their grids; supervisors and admins reach all.
ID numbers are stored encrypted with a keyed hash for lookup; lists show masked values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.crypto import Vault
from core.base.errors import Forbidden, Invalid, InvalidMany, LinliError, NothingChanged, collect
from core.base.groups import CHILD_UNDER, ELDERLY_FROM, OLDEST_OLD, OLDEST_OLD_AGE, RESTRICTED, TAGS, visible_tags
from core.base.paging import Page
from core.base.permissions import Actor, can, require, sees_all_grids
from core.base.records import guarded_flush, load_for_edit, load_visible
from core.base.text import clean, clean_prose
from core.residents import addresses, identity, lookups
from core.residents.pinyin import full_and_initials
from db.models import AuditEvent, Grid, Household, Resident, resident_tags

STATUSES = ("active", "moved_out", "deceased")
# 户籍 status: 户籍人口 (registered here), 常住非户籍 (lives here, registered elsewhere), 流动人口
# (floating); "" while not known. The words a roster or a person may use for each.
HUKOU = ("registered", "non_local", "floating")
HUKOU_WORDS = {"户籍人口": "registered", "户籍": "registered", "本地户籍": "registered", "本地户籍人口": "registered",
               "常住非户籍": "non_local", "常住非户籍人口": "non_local", "非户籍常住": "non_local",
               "非户籍常住人口": "non_local", "流动人口": "floating", "流动": "floating", "外来人口": "floating"}
HEAD_RELATIONS = ("户主", "本人")  # a relation that makes the member the household's 户主 when it has none
RELATION_MAX, ETHNICITY_MAX, NOTES_MAX, ADDRESS_MAX = 20, 20, 500, 200
PAGE_SIZE = 50


class PossibleDuplicate(LinliError):
    """Someone with the same name and birth date exists: confirm before creating."""

    key = "error.resident.possible_duplicate"

    def __init__(self, matches: list[dict[str, Any]]) -> None:
        self.matches = matches
        super().__init__(count=len(matches))


@dataclass
class ResidentForm:
    """What the add/edit form (or an import row) says, as typed."""

    name: str = ""
    id_number: str = ""
    birth_date: str | date | None = None
    sex: str = ""
    phone: str = ""
    grid_id: int | None = None
    address: str = ""
    relation: str = ""
    ethnicity: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    hukou: str = ""


class CleanResident(NamedTuple):  # a tuple: built once per roster row, and cheaper than a dataclass
    name: str
    id_number: identity.IdNumber | None
    birth_date: date
    sex: str
    phone: str
    grid_id: int
    address: addresses.Address
    relation: str
    ethnicity: str
    tags: tuple[str, ...]
    notes: str
    hukou: str = ""


@lru_cache(maxsize=16384)  # relation, ethnicity and notes repeat down a roster
def _limited(value: str | None, field_name: str, limit: int, prose: bool = False) -> str:
    return validation.limited_text(value, field_name, limit, prose=prose)


def _grid_given(grid_id: int | None) -> int:
    if grid_id is None:
        raise Invalid("grid", "error.required")
    return grid_id


@lru_cache(maxsize=64)
def hukou_of(value: str | None) -> str:
    """A 户籍 status as a code: given as one, or as the words a roster uses; "" when not given."""
    text = clean(value)
    if not text or text in HUKOU:
        return text
    if text in HUKOU_WORDS:
        return HUKOU_WORDS[text]
    raise Invalid("hukou", "error.hukou.unknown", value=text)


def _tags(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if OLDEST_OLD in values:
        raise Invalid("tags", "error.tag.automatic", age=OLDEST_OLD_AGE)
    unknown = [tag for tag in values if tag not in TAGS]
    if unknown:
        raise Invalid("tags", "error.tag.unknown", tags="、".join(unknown))
    return tuple(sorted(set(values)))


def _groups_fit_age(tags: tuple[str, ...], birth: date, today: date | None) -> tuple[str, ...]:
    """Refuse a group the resident's age rules out, naming the group (its own message)."""
    if not tags:
        return tags
    age = validation.age_on(birth, today or clock.now().date())
    for tag in tags:
        if age < ELDERLY_FROM.get(tag, 0) or age >= CHILD_UNDER.get(tag, 200):
            raise Invalid("tags", f"error.tag.age.{tag}", age=age)
    return tags


def _tags_of_person(tags: list[str] | tuple[str, ...], id_number: str, birth_date: str | date | None, sex: str,
                    today: date | None) -> tuple[str, ...]:
    """The groups, checked against the age when the birth date is valid (refused otherwise on its own field)."""
    known = _tags(tags)
    try:
        birth = identity.identity(id_number, birth_date, sex, today=today)[1]
    except (Invalid, InvalidMany):
        return known
    return _groups_fit_age(known, birth, today)


def clean_form(form: ResidentForm, *, today: date | None = None) -> CleanResident:
    """Every field checked; all refusals reported together (InvalidMany)."""
    return clean_fields(form.name, form.id_number, form.birth_date, form.sex, form.phone, form.grid_id, form.address,
                        form.relation, form.ethnicity, form.tags, form.notes, today, hukou=form.hukou)


def clean_fields(name: str, id_number: str, birth_date: str | date | None, sex: str, phone: str, grid_id: int | None,
                 address: str, relation: str, ethnicity: str, tags: list[str] | tuple[str, ...], notes: str,
                 today: date | None = None, *, hukou: str = "") -> CleanResident:
    """clean_form on the fields themselves, for an import that checks 100k rows (no form built per row)."""
    try:  # straight through first: a roster is mostly good rows
        name_ok = identity.name(name, field="person_name")
        parsed_id, birth, sex_ok = identity.identity(id_number, birth_date, sex, today=today)
        return CleanResident(
            name_ok, parsed_id, birth, sex_ok, validation.mobile(phone), _grid_given(grid_id),
            addresses.parse(_limited(address, "address", ADDRESS_MAX)), _limited(relation, "relation", RELATION_MAX),
            _limited(ethnicity, "ethnicity", ETHNICITY_MAX), _groups_fit_age(_tags(tags), birth, today),
            _limited(notes, "notes", NOTES_MAX, True), hukou_of(hukou),
        )
    except (Invalid, InvalidMany):
        pass  # check again, field by field, to report every refusal at once
    name_ok, who, phone_ok, grid_ok, address_ok, relation_ok, ethnicity_ok, tags_ok, notes_ok, hukou_ok = collect([
        lambda: identity.name(name, field="person_name"),
        lambda: identity.identity(id_number, birth_date, sex, today=today),
        lambda: validation.mobile(phone),
        lambda: _grid_given(grid_id),
        lambda: addresses.parse(_limited(address, "address", ADDRESS_MAX)),
        lambda: _limited(relation, "relation", RELATION_MAX),
        lambda: _limited(ethnicity, "ethnicity", ETHNICITY_MAX),
        lambda: _tags_of_person(tags, id_number, birth_date, sex, today),
        lambda: _limited(notes, "notes", NOTES_MAX, True),
        lambda: hukou_of(hukou),
    ])
    parsed_id, birth, sex_ok = who
    return CleanResident(name_ok, parsed_id, birth, sex_ok, phone_ok, grid_ok, address_ok, relation_ok, ethnicity_ok,
                         tags_ok, notes_ok, hukou_ok)


def _require_grid(session: Session, actor: Actor, action: str, grid_id: int) -> None:
    if session.get(Grid, grid_id) is None:
        raise Invalid("grid", "error.grid.unknown")
    if not can(actor, action, grid_id):
        raise Invalid("grid", "error.grid.not_yours")


def household_for(session: Session, grid_id: int, address: addresses.Address, now: datetime) -> Household | None:
    if not address.text:
        return None
    found = session.scalar(select(Household).where(Household.grid_id == grid_id, Household.address == address.text))
    if found:
        return found
    household = Household(grid_id=grid_id, address=address.text, compound=address.compound,
                          building=address.building, unit=address.unit, room=address.room, created_at=now)
    try:
        with session.begin_nested():
            session.add(household)
    except IntegrityError:  # PostgreSQL: a roster import or a colleague registered it meanwhile
        return session.scalar(select(Household).where(Household.grid_id == grid_id, Household.address == address.text))
    return household


def possible_duplicates(session: Session, actor: Actor, vault: Vault, data: CleanResident, *,
                        exclude_id: int | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(same ID, same name and birth date) among registered residents, masked.

    The same ID is looked for everywhere (an ID is registered once); the same name and
    birth date only where this user may look, so a worker learns nothing of other grids.
    """
    def found(condition, everywhere: bool) -> list[dict[str, Any]]:  # noqa: ANN001
        query = (select(Resident.id, Resident.name, Resident.id_masked, Resident.birth_date, Resident.grid_id,
                        Grid.name.label("grid"))
                 .join(Grid, Grid.id == Resident.grid_id).where(condition, Resident.deleted_at.is_(None)))
        if not everywhere and not sees_all_grids(actor):
            query = query.where(Resident.grid_id.in_(sorted(actor.grid_ids) or [-1]))
        if exclude_id is not None:
            query = query.where(Resident.id != exclude_id)
        return [dict(row._mapping) for row in session.execute(query.limit(10))]

    same_id = found(Resident.id_hash == vault.lookup_hash(data.id_number.value), True) if data.id_number else []
    same_person = found(and_(Resident.name == data.name, Resident.birth_date == data.birth_date), False)
    return same_id, [m for m in same_person if m["id"] not in {s["id"] for s in same_id}]


def _id_taken(actor: Actor, match: dict[str, Any]) -> Invalid:
    """Name the grid only to someone who may see it."""
    if can(actor, "resident.view", match["grid_id"]):
        return Invalid("id_number", "error.resident.id_taken", grid=match["grid"])
    return Invalid("id_number", "error.resident.id_taken_elsewhere")


def _snapshot(resident: Resident, tags: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {
        "name": resident.name, "sex": resident.sex, "birth_date": resident.birth_date,
        "id_number": resident.id_masked, "phone": resident.phone, "grid_id": resident.grid_id,
        "household_id": resident.household_id, "relation": resident.relation, "ethnicity": resident.ethnicity,
        "hukou": resident.hukou,
        "status": resident.status, "status_date": resident.status_date, "tags": list(tags), "notes": resident.notes,
    }


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return {**before, "tags": sorted(before["tags"])} == {**after, "tags": sorted(after["tags"])}


def _apply(resident: Resident, data: CleanResident, vault: Vault, household: Household | None) -> None:
    pinyin, initials = full_and_initials(data.name)
    resident.name, resident.name_pinyin, resident.name_initials = data.name, pinyin, initials
    resident.sex, resident.birth_date = data.sex, data.birth_date
    if data.id_number:
        resident.id_enc = vault.encrypt(data.id_number.value)
        resident.id_hash = vault.lookup_hash(data.id_number.value)
        resident.id_masked = validation.mask_id(data.id_number.value)
    else:
        resident.id_enc = resident.id_hash = None
        resident.id_masked = ""
    resident.phone, resident.phone_last4 = data.phone, data.phone[-4:]
    resident.grid_id, resident.household_id = data.grid_id, household.id if household else None
    resident.relation, resident.ethnicity, resident.notes = data.relation, data.ethnicity, data.notes
    resident.hukou = data.hukou


def _head_follows(session: Session, actor: Actor, resident: Resident, left_household_id: int | None) -> None:
    """户主 kept true: a member who says 户主/本人 heads a household that has none; one who moves to
    another address no longer heads the household they left."""
    if left_household_id is not None and left_household_id != resident.household_id:
        left = load_visible(session, actor, "resident.edit", Household, left_household_id)
        if left.head_id == resident.id:
            left.head_id = None
    if resident.household_id is None:
        return
    household = load_visible(session, actor, "resident.edit", Household, resident.household_id)
    if household.head_id is None and resident.relation in HEAD_RELATIONS:
        household.head_id = resident.id


def _set_tags(session: Session, resident_id: int, tags: tuple[str, ...]) -> None:
    session.execute(resident_tags.delete().where(resident_tags.c.resident_id == resident_id))
    if tags:
        session.execute(resident_tags.insert(), [{"resident_id": resident_id, "tag": tag} for tag in tags])


def tags_of(session: Session, resident_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {rid: [] for rid in resident_ids}
    if resident_ids:
        rows = session.execute(select(resident_tags.c.resident_id, resident_tags.c.tag)
                               .where(resident_tags.c.resident_id.in_(resident_ids)).order_by(resident_tags.c.tag))
        for rid, tag in rows:
            found[rid].append(tag)
    return found


def create(session: Session, actor: Actor, vault: Vault, form: ResidentForm, *, confirm_duplicate: bool = False,
           now: datetime | None = None) -> Resident:
    require(actor, "resident.edit")
    data = clean_form(form)
    _require_grid(session, actor, "resident.edit", data.grid_id)
    _require_settable(actor, data.grid_id, data.tags)
    if data.id_number:  # the duplicate check below answers an exact lookup
        lookups.require_noted(session, actor, vault.lookup_hash(data.id_number.value), field="id_number")
    same_id, same_person = possible_duplicates(session, actor, vault, data)
    if same_id:
        raise _id_taken(actor, same_id[0])
    if same_person and not confirm_duplicate:
        raise PossibleDuplicate(same_person)
    now = now or clock.now()
    household = household_for(session, data.grid_id, data.address, now)
    resident = Resident(status="active", created_at=now, updated_at=now)
    _apply(resident, data, vault, household)
    session.add(resident)
    session.flush()
    _head_follows(session, actor, resident, None)
    _set_tags(session, resident.id, data.tags)
    audit.record(session, actor, "resident_create", object_type="resident", object_id=resident.id,
                 after=_snapshot(resident, data.tags), now=now)
    return resident


def _load(session: Session, actor: Actor, action: str, resident_id: int) -> Resident:
    return load_visible(session, actor, action, Resident, resident_id)


def update(session: Session, actor: Actor, vault: Vault, resident_id: int, expected_version: int, form: ResidentForm,
           *, now: datetime | None = None) -> Resident:
    require(actor, "resident.edit")
    data = clean_form(form)
    resident = _load(session, actor, "resident.edit", resident_id)
    _require_grid(session, actor, "resident.edit", data.grid_id)
    _require_settable(actor, data.grid_id, data.tags)
    # Groups this user may not see were not on their form: they stay as they are.
    stored = tags_of(session, [resident_id])[resident_id]
    unseen = set(stored) - set(visible_tags(actor, resident.grid_id))
    data = data._replace(tags=tuple(sorted(set(data.tags) | unseen)))
    resident = load_for_edit(session, Resident, resident_id, expected_version)
    if resident.id_hash and not data.id_number and not can(actor, "resident.reveal"):
        # An emptied field would delete the ID for good; a worker corrects it, a supervisor may remove it.
        raise Invalid("id_number", "error.id.cannot_clear")
    if data.id_number and vault.lookup_hash(data.id_number.value) != resident.id_hash:  # a new number: a lookup
        lookups.require_noted(session, actor, vault.lookup_hash(data.id_number.value), field="id_number")
    same_id, _ = possible_duplicates(session, actor, vault, data, exclude_id=resident_id)
    if same_id:
        raise _id_taken(actor, same_id[0])
    now = now or clock.now()
    before = _snapshot(resident, stored)
    before_id = resident.id_hash  # the snapshot holds the masked ID, the same for a fixed middle digit
    left_household_id = resident.household_id
    household = household_for(session, data.grid_id, data.address, now)
    with guarded_flush(session):
        _apply(resident, data, vault, household)
        if _unchanged(before, _snapshot(resident, data.tags)) and resident.id_hash == before_id:
            raise NothingChanged()  # no new version, no audit entry, no "saved" for nothing
        resident.updated_at = now
    _head_follows(session, actor, resident, left_household_id)
    _set_tags(session, resident_id, data.tags)
    audit.record(session, actor, "resident_update", object_type="resident", object_id=resident_id,
                 before=before, after=_snapshot(resident, data.tags), now=now)
    return resident


def change_status(session: Session, actor: Actor, resident_id: int, expected_version: int, status: str,
                  status_date: date | str | None, *, now: datetime | None = None) -> Resident:
    """Moving out or death is a status with a date, never a deletion."""
    require(actor, "resident.edit")
    if status not in STATUSES:
        raise Invalid("status", "error.status.unknown")
    day = validation.parse_date(status_date, "status_date")
    if status != "active" and day is None:
        raise Invalid("status_date", "error.required")
    if day and day > (now or clock.now()).date():
        raise Invalid("status_date", "error.date.future")
    _load(session, actor, "resident.edit", resident_id)
    resident = load_for_edit(session, Resident, resident_id, expected_version)
    before = {"status": resident.status, "status_date": resident.status_date}
    now = now or clock.now()
    with guarded_flush(session):
        resident.status, resident.status_date = status, day if status != "active" else None
        resident.updated_at = now
    audit.record(session, actor, "resident_status", object_type="resident", object_id=resident_id, before=before,
                 after={"status": resident.status, "status_date": resident.status_date}, now=now)
    return resident


REVEALABLE = ("id_number",)  # with a reason; a phone is shown with one tap (phone_number)


def phone_number(session: Session, actor: Actor, resident_id: int, *, now: datetime | None = None) -> str:
    """The full phone, to call: one tap for the resident's grid worker and the supervisor, no
    reason asked, audited; nobody else ever (lists, exports and other roles see it masked)."""
    resident = _load(session, actor, "resident.call", resident_id)
    if resident.phone:
        audit.record(session, actor, "phone_reveal", object_type="resident", object_id=resident_id, now=now)
    return resident.phone


def reveal(session: Session, actor: Actor, vault: Vault, resident_id: int, what: str, reason: str,
           *, now: datetime | None = None) -> str:
    """The full ID number, for a permitted role with a stated reason; audited."""
    require(actor, "resident.reveal")
    if what not in REVEALABLE:
        raise Invalid("field", "error.reveal.unknown_field")
    reason = clean_prose(reason)
    if len(reason) < 2:
        raise Invalid("reason", "error.reveal.reason_required")
    if len(reason) > 200:
        raise Invalid("reason", "error.too_long", max=200)
    resident = _load(session, actor, "resident.reveal", resident_id)
    value = (vault.decrypt(resident.id_enc) if resident.id_enc else "") if what == "id_number" else resident.phone
    audit.record(session, actor, "reveal", object_type="resident", object_id=resident_id,
                 after={"field": what, "reason": reason}, now=now)
    return value


@dataclass(frozen=True)
class Filters:
    query: str = ""
    grid_id: int | None = None
    tag: str = ""
    status: str = ""
    age_min: int | None = None
    age_max: int | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select, actor: Actor, vault: Vault, filters: Filters, today: date) -> Select:
    query = query.where(Resident.deleted_at.is_(None))
    if not sees_all_grids(actor):
        query = query.where(Resident.grid_id.in_(sorted(actor.grid_ids) or [-1]))
    if filters.grid_id is not None:
        query = query.where(Resident.grid_id == filters.grid_id)
    if filters.status:
        query = query.where(Resident.status == filters.status)
    if filters.tag == OLDEST_OLD:
        query = query.where(Resident.birth_date <= validation.years_before(today, OLDEST_OLD_AGE))
    elif filters.tag:
        if TAGS.get(filters.tag) and not can(actor, "resident.sensitive"):
            raise Forbidden(action="resident.sensitive")
        query = query.where(exists().where(resident_tags.c.resident_id == Resident.id, resident_tags.c.tag == filters.tag))
    if filters.age_min is not None:
        query = query.where(Resident.birth_date <= validation.years_before(today, filters.age_min))
    if filters.age_max is not None:
        query = query.where(Resident.birth_date > validation.years_before(today, filters.age_max + 1))
    text = clean(filters.query)
    if text:
        query = query.where(_text_condition(text, vault)[0])
    return query


def _text_condition(text: str, vault: Vault):  # noqa: ANN202
    """(condition, whether it reads the household's address).

    A full ID → its hash; 4 digits → phone suffix or address; latin letters → pinyin or
    initials; anything else → name or address.
    """
    compact = text.replace(" ", "")
    if len(compact) == 18:
        try:
            return Resident.id_hash == vault.lookup_hash(identity.id_number(compact).value), False
        except Invalid:
            pass
    if re.fullmatch(r"[0-9]{4}", compact):
        return or_(Resident.phone_last4 == compact, Household.address.like(f"%{compact}%")), True
    if re.fullmatch(r"[A-Za-z]+", compact):
        pattern = _escape_like(compact.lower()) + "%"
        return or_(Resident.name_pinyin.like(pattern, escape="\\"),
                   Resident.name_initials.like(pattern, escape="\\")), False
    # Names as stored (张 伟 finds 张伟, 阿依古丽.买买提 finds 阿依古丽·买买提); addresses as typed.
    # ilike: LIKE ignores the case of latin letters on SQLite but not on PostgreSQL ("b座" / "B座").
    name_pattern = f"%{_escape_like(identity.name_form(text))}%"
    pattern = f"%{_escape_like(text)}%"
    return or_(Resident.name.ilike(name_pattern, escape="\\"), Household.address.ilike(pattern, escape="\\")), True


def _require_noted_search(session: Session, actor: Actor, vault: Vault, query: str | None) -> None:
    """A search for a full ID number is an exact lookup: answered only once noted (lookups.note)."""
    number = lookups.exact_id(query)
    if number:
        lookups.require_noted(session, actor, vault.lookup_hash(number), field="query")


def count(session: Session, actor: Actor, vault: Vault, filters: Filters, *, today: date | None = None) -> int:
    require(actor, "resident.view")
    _require_noted_search(session, actor, vault, filters.query)
    base = select(func.count(Resident.id)).select_from(Resident)
    if clean(filters.query) and _text_condition(clean(filters.query), vault)[1]:
        base = base.outerjoin(Household, Household.id == Resident.household_id)  # only when the address is searched
    return session.scalar(_filtered(base, actor, vault, filters, today or clock.now().date())) or 0


def count_by_community(session: Session, actor: Actor, filters: Filters, *, today: date | None = None
                       ) -> dict[int, int]:
    """count() per community of the actor's grids, in one query (no text search): the 街道's
    overview counts every community the way each counts itself."""
    require(actor, "resident.view")
    base = select(Grid.community_id, func.count(Resident.id)).join(Grid, Grid.id == Resident.grid_id)
    query = _filtered(base, actor, None, replace(filters, query=""), today or clock.now().date())  # type: ignore[arg-type]
    return dict(session.execute(query.group_by(Grid.community_id)).tuples().all())


def count_by_community_and_tag(session: Session, actor: Actor, filters: Filters, tags: list[str], *,
                               today: date | None = None) -> dict[str, dict[int, int]]:
    """count_by_community() of each of `tags` (filters.tag aside), in one query: tag → community → count."""
    require(actor, "resident.view")
    if any(TAGS.get(tag) for tag in tags) and not can(actor, "resident.sensitive"):
        raise Forbidden(action="resident.sensitive")
    base = (select(resident_tags.c.tag, Grid.community_id, func.count(Resident.id))
            .join(Grid, Grid.id == Resident.grid_id)
            .join(resident_tags, resident_tags.c.resident_id == Resident.id)
            .where(resident_tags.c.tag.in_(tags)))
    query = _filtered(base, actor, None, replace(filters, query="", tag=""),  # type: ignore[arg-type]
                      today or clock.now().date())
    counted: dict[str, dict[int, int]] = {tag: {} for tag in tags}
    for tag, community_id, count in session.execute(query.group_by(resident_tags.c.tag, Grid.community_id)):
        counted[tag][community_id] = count
    return counted


def search(session: Session, actor: Actor, vault: Vault, filters: Filters, *, page: int = 1,
           page_size: int = PAGE_SIZE, today: date | None = None, total: int | None = None) -> Page:
    """One page of residents, newest first; filtering, counting and paging in SQL.

    Pass `total` when the caller has counted already (to size its page picker)."""
    require(actor, "resident.view")
    _require_noted_search(session, actor, vault, filters.query)
    today = today or clock.now().date()
    if total is None:
        total = count(session, actor, vault, filters, today=today)
    columns = select(
        Resident.id, Resident.name, Resident.sex, Resident.birth_date, Resident.id_masked, Resident.phone,
        Resident.status, Resident.status_date, Resident.grid_id, Resident.version, Resident.created_at,
        Grid.name.label("grid"), Household.address,
    ).join(Grid, Grid.id == Resident.grid_id).outerjoin(Household, Household.id == Resident.household_id)
    query = (_filtered(columns, actor, vault, filters, today)
             .order_by(Resident.created_at.desc(), Resident.id.desc())
             .limit(page_size).offset(max(page - 1, 0) * page_size))
    rows = [dict(row._mapping) for row in session.execute(query)]
    visible = set(visible_tags(actor))
    tags = tags_of(session, [row["id"] for row in rows])
    for row in rows:
        row["age"] = validation.age_on(row["birth_date"], today)
        row["phone_masked"] = validation.mask_phone(row.pop("phone")) if row["phone"] else ""
        row["tags"] = _shown_tags(tags[row["id"]], visible, row["birth_date"], today)
    return Page(rows, total)


def filter_tags(actor: Actor) -> list[str]:
    """The groups a list may be filtered by: the visible stored ones and 高龄老人 (from age)."""
    return [*visible_tags(actor), OLDEST_OLD]


def _shown_tags(stored: list[str], visible: set[str], birth: date, today: date) -> list[str]:
    shown = [tag for tag in stored if tag in visible]
    return shown + [OLDEST_OLD] if validation.age_on(birth, today) >= OLDEST_OLD_AGE else shown


def _require_settable(actor: Actor, grid_id: int, tags: tuple[str, ...]) -> None:
    hidden = set(tags) - set(visible_tags(actor, grid_id))
    if hidden:
        raise Invalid("tags", "error.tag.sensitive_not_yours")


def detail(session: Session, actor: Actor, resident_id: int, *, today: date | None = None) -> dict[str, Any]:
    """One resident as the detail screen shows it: masked, with household members and tags."""
    require(actor, "resident.view")
    resident = _load(session, actor, "resident.view", resident_id)
    today = today or clock.now().date()
    visible = set(visible_tags(actor, resident.grid_id))
    household = resident.household
    members = []
    if household is not None:
        for member in session.scalars(select(Resident).where(Resident.household_id == household.id,
                                                             Resident.deleted_at.is_(None)).order_by(Resident.birth_date)):
            members.append({"id": member.id, "name": member.name, "relation": member.relation,
                            "age": validation.age_on(member.birth_date, today), "status": member.status,
                            "is_head": member.id == household.head_id})
    return {
        "id": resident.id, "version": resident.version, "name": resident.name, "sex": resident.sex,
        "birth_date": resident.birth_date, "age": validation.age_on(resident.birth_date, today),
        "id_masked": resident.id_masked, "has_id": resident.id_enc is not None,
        "phone_masked": validation.mask_phone(resident.phone) if resident.phone else "",
        "grid_id": resident.grid_id, "grid": resident.grid.name, "address": household.address if household else "",
        "relation": resident.relation, "ethnicity": resident.ethnicity, "hukou": resident.hukou,
        "household_id": household.id if household else None,
        "head": next((m["name"] for m in members if m["is_head"]), ""), "status": resident.status,
        "status_date": resident.status_date, "notes": resident.notes,
        "tags": _shown_tags(tags_of(session, [resident.id])[resident.id], visible, resident.birth_date, today),
        "members": members,
    }


def set_head(session: Session, actor: Actor, household_id: int, resident_id: int, *,
             now: datetime | None = None) -> Household:
    """Make a member the household's 户主 (one of its live members, never a name typed in)."""
    require(actor, "resident.edit")
    household = load_visible(session, actor, "resident.edit", Household, household_id)
    member = load_visible(session, actor, "resident.edit", Resident, resident_id)
    if member.household_id != household_id:
        raise Invalid("head", "error.household.head_not_member")
    if member.status != "active":
        raise Invalid("head", "error.household.head_not_active")
    if household.head_id == resident_id:
        raise NothingChanged()
    previous = session.scalar(select(Resident.name).where(Resident.id == household.head_id)) or ""
    household.head_id = resident_id
    audit.record(session, actor, "household_head", object_type="resident", object_id=resident_id,
                 before={"head": previous}, after={"head": member.name}, now=now)
    return household


def restricted_seen(session: Session, actor: Actor, resident_id: int) -> set[str]:
    """The 重点人员 groups of the resident this user sees (a read: most openings need no write)."""
    resident = _load(session, actor, "resident.view", resident_id)
    return set(tags_of(session, [resident_id])[resident_id]) & RESTRICTED & set(visible_tags(actor, resident.grid_id))


def note_opened(session: Session, actor: Actor, resident_id: int, *, now: datetime | None = None) -> bool:
    """Opening the detail of a resident in a 重点人员 group (社区矫正, 安置帮教, 严重精神障碍, 吸毒人员)
    is audited, once per opening (the screen calls this when a detail opens, not on every rerun).
    True when it was recorded."""
    seen = restricted_seen(session, actor, resident_id)
    if not seen:
        return False
    audit.record(session, actor, "resident_restricted_view", object_type="resident", object_id=resident_id,
                 after={"tags": sorted(seen)}, now=now)
    return True


def edit_form(session: Session, actor: Actor, vault: Vault, resident_id: int) -> tuple[ResidentForm, int]:
    """The form to edit a resident, with the version it was loaded at.

    The ID number and phone go into the form masked; leaving a field as loaded keeps the
    stored value (see keep_hidden_values), typing a new one replaces it.
    """
    resident = _load(session, actor, "resident.edit", resident_id)
    household = resident.household
    form = ResidentForm(
        name=resident.name, id_number=resident.id_masked, birth_date=resident.birth_date,
        sex={"M": "男", "F": "女"}[resident.sex], phone=validation.mask_phone(resident.phone) if resident.phone else "",
        grid_id=resident.grid_id,
        address=household.address if household else "", relation=resident.relation, ethnicity=resident.ethnicity,
        hukou=resident.hukou,
        tags=[tag for tag in tags_of(session, [resident_id])[resident_id]
              if tag in visible_tags(actor, resident.grid_id)],  # the others stay as they are (update)
        notes=resident.notes,
    )
    return form, resident.version


def keep_hidden_values(session: Session, actor: Actor, vault: Vault, resident_id: int,
                       form: ResidentForm) -> ResidentForm:
    """Fields still showing the masked value they were loaded with keep the stored value."""
    resident = _load(session, actor, "resident.edit", resident_id)
    if resident.id_enc and clean(form.id_number) == resident.id_masked:
        form.id_number = vault.decrypt(resident.id_enc)
    if resident.phone and clean(form.phone) == validation.mask_phone(resident.phone):
        form.phone = resident.phone
    return form


def history(session: Session, actor: Actor, resident_id: int, limit: int = 100) -> list[dict[str, Any]]:
    _load(session, actor, "resident.view", resident_id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "resident",
                                                      AuditEvent.object_id == str(resident_id))
                             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [{"at": e.at, "user": e.actor_username, "action": e.action, "before": e.before or "", "after": e.after or ""}
            for e in events]


def grid_choices(session: Session, actor: Actor) -> dict[int, str]:
    """The grids this user may register residents in: id → "社区 / 网格"."""
    require(actor, "resident.view")
    query = select(Grid.id, Grid.name, Grid.community_id).order_by(Grid.community_id, Grid.id)
    if not sees_all_grids(actor):
        query = query.where(Grid.id.in_(sorted(actor.grid_ids) or [-1]))
    return {grid_id: name for grid_id, name, _ in session.execute(query)}


EXPORT_COLUMNS = ("person_name", "sex", "birth_date", "age", "id_number", "phone", "grid", "address", "relation",
                  "ethnicity", "tags", "status", "status_date", "notes", "hukou")


def export_rows(session: Session, actor: Actor, vault: Vault, filters: Filters, *, full: bool = False,
                today: date | None = None, now: datetime | None = None) -> list[list[Any]]:
    """The filtered list for export, in EXPORT_COLUMNS order: masked unless `full` (and allowed); audited."""
    require(actor, "resident.export")
    if full:
        require(actor, "resident.export_full")
    _require_noted_search(session, actor, vault, filters.query)
    today = today or clock.now().date()
    columns = select(
        Resident.id, Resident.name, Resident.sex, Resident.birth_date, Resident.id_masked, Resident.id_enc,
        Resident.phone, Resident.status, Resident.status_date, Resident.relation, Resident.ethnicity, Resident.notes,
        Resident.hukou, Grid.name.label("grid"), Household.address,
    ).join(Grid, Grid.id == Resident.grid_id).outerjoin(Household, Household.id == Resident.household_id)
    query = _filtered(columns, actor, vault, filters, today).order_by(Resident.created_at.desc(), Resident.id.desc())
    records = [row._mapping for row in session.execute(query)]
    visible = set(visible_tags(actor))
    tags: dict[int, list[str]] = {}
    ids = [r["id"] for r in records]
    for start in range(0, len(ids), 900):
        tags.update(tags_of(session, ids[start:start + 900]))
    rows = []
    for r in records:
        id_text = (vault.decrypt(r["id_enc"]) if r["id_enc"] else "") if full else r["id_masked"]
        phone = r["phone"] if full else (validation.mask_phone(r["phone"]) if r["phone"] else "")
        rows.append([r["name"], r["sex"], r["birth_date"], validation.age_on(r["birth_date"], today), id_text, phone,
                     r["grid"], r["address"] or "", r["relation"], r["ethnicity"],
                     _shown_tags(tags.get(r["id"], []), visible, r["birth_date"], today), r["status"], r["status_date"], r["notes"],
                     r["hukou"]])
    audit.record(session, actor, "export", object_type="residents", object_id=len(rows),
                 after={"full": full, "rows": len(rows), "query": _masked_query(filters.query), "grid_id": filters.grid_id,
                        "tag": filters.tag, "status": filters.status, "age_min": filters.age_min,
                        "age_max": filters.age_max}, now=now)
    return rows


# Digits with what people type between groups of an ID or phone ("1101 0519 4503 0304 22",
# "110105.19450303.042X", "138-1234-5678").
_GAP = r"[\s\-./_,，、:：;；]*"
_NUMBER_AS_TYPED = re.compile(rf"[0-9](?:{_GAP}[0-9])*(?:{_GAP}[Xx])?")


def _masked_query(text: str) -> str:
    """A search as the audit may keep it: numbers of 7 digits or more (IDs, phones) masked,
    however they were spaced."""
    def masked(match: re.Match[str]) -> str:
        compact = re.sub(_GAP, "", match.group())
        return validation.mask_id(compact) if len(compact) >= 7 else match.group()

    return _NUMBER_AS_TYPED.sub(masked, clean(text))


def export_file(session: Session, actor: Actor, vault: Vault, filters: Filters, fmt: str, language: str, *,
                full: bool = False) -> bytes:
    """The filtered list as .xlsx or .csv, headers and codes in the user's language."""
    from core.base.exports import write_table
    from core.base.i18n import translate

    def label(key: str) -> str:
        return translate(language, key)

    headers = [label(f"field.{column}") for column in EXPORT_COLUMNS]
    rows = export_rows(session, actor, vault, filters, full=full)
    for row in rows:
        row[1] = label(f"sex.{row[1]}")
        row[10] = label("common.list_separator").join(label(f"tag.{tag}") for tag in row[10])
        row[11] = label(f"status.{row[11]}")
        row[14] = label(f"hukou.{row[14]}") if row[14] else ""
    return write_table(headers, rows, fmt, sheet=label("residents.title"))
