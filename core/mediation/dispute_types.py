"""Dispute types (纠纷类型): the installation's shared list and each community's own.

The shared list holds the 司法部 人民调解 statistics categories and is kept by the system
administrator. A community's admin adds types of its own (seen only by that community) and may
stop offering a shared type for the community's new cases. A retired or no longer offered type
stays on the cases that have it, and in the statistics of the months those cases count in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from core.base import audit
from core.base.errors import Invalid
from core.base.permissions import Actor, require
from core.base.records import guarded_flush, load_for_edit
from core.base.text import clean
from db.models import DisputeType, DisputeTypeOptOut

MAX_NAME = 30


@dataclass(frozen=True)
class Kind:
    """One row of the dispute types screen, as the actor's community sees it."""

    id: int
    name: str
    shared: bool  # from the installation's list; the community cannot rename it
    active: bool  # for a shared type seen by a community: offered to its new cases
    version: int


def _opted_out(community_id: int) -> ColumnElement[bool]:
    return exists().where(DisputeTypeOptOut.community_id == community_id, DisputeTypeOptOut.type_id == DisputeType.id)


def visible(community_id: int | None) -> ColumnElement[bool]:
    """The types a community's cases and statistics may name: shared ones and its own."""
    if community_id is None:
        return DisputeType.community_id.is_(None)
    return or_(DisputeType.community_id.is_(None), DisputeType.community_id == community_id)


def offered_clause(community_id: int | None) -> ColumnElement[bool]:
    """The types a new case of the community may take."""
    if community_id is None:
        return DisputeType.community_id.is_(None) & DisputeType.active.is_(True)
    return (visible(community_id) & DisputeType.active.is_(True)
            & or_(DisputeType.community_id.is_not(None), ~_opted_out(community_id)))


def offered(session: Session, actor: Actor) -> dict[int, str]:
    """Type id -> name of what the actor's community offers a new case (and the case list's filter)."""
    require(actor, "mediation.view")
    return dict(session.execute(select(DisputeType.id, DisputeType.name).where(offered_clause(actor.community_id))
                                .order_by(DisputeType.community_id.is_not(None), DisputeType.sort_order,
                                          DisputeType.id)).all())


def is_offered(session: Session, actor: Actor, type_id: int | None) -> bool:
    return type_id is not None and session.scalar(
        select(DisputeType.id).where(DisputeType.id == type_id, offered_clause(actor.community_id))) is not None


def listing(session: Session, actor: Actor) -> list[Kind]:
    """The screen's list: for the system administrator the shared list; for a community's admin the
    shared types in use (offered or not) then the community's own, retired ones included."""
    require(actor, "mediation.types")
    community = actor.community_id
    not_offered = _opted_out(community) if community is not None else false()
    in_use = visible(community) if community is None else or_(
        DisputeType.community_id == community, DisputeType.community_id.is_(None) & DisputeType.active.is_(True))
    rows = session.execute(select(DisputeType, not_offered).where(in_use)
                           .order_by(DisputeType.community_id.is_not(None), DisputeType.sort_order, DisputeType.id))
    return [Kind(id=kind.id, name=kind.name, shared=kind.community_id is None and community is not None,
                 active=kind.active and not opted_out, version=kind.version)
            for kind, opted_out in rows]


def save(session: Session, actor: Actor, *, name: str, type_id: int | None = None,
         expected_version: int | None = None, active: bool = True, now: datetime | None = None) -> DisputeType:
    """Add a type, or rename or retire one: the system administrator keeps the shared list, a
    community's admin its own types. A name is used once among the types a community sees."""
    require(actor, "mediation.types")
    community = actor.community_id
    text = clean(name)
    if not text:
        raise Invalid("name", "error.required")
    if len(text) > MAX_NAME:
        raise Invalid("name", "error.too_long", max=MAX_NAME)
    kind = None
    if type_id is not None:
        kind = load_for_edit(session, DisputeType, type_id, expected_version if expected_version is not None else -1)
        if kind.community_id != community:
            raise Invalid("name", "error.dispute_type.shared" if kind.community_id is None
                          else "error.dispute_type.unknown")
    # The shared list is seen by every community: its names are checked against all of theirs.
    clash_in = visible(community) if community is not None else true()
    clash = session.scalar(select(DisputeType.id).where(DisputeType.name == text, clash_in,
                                                         DisputeType.id != (type_id or 0)).limit(1))
    if clash is not None:
        raise Invalid("name", "error.dispute_type.duplicate", name=text)
    if kind is None:
        last = session.scalar(select(func.max(DisputeType.sort_order)).where(visible(community))) or 0
        kind = DisputeType(name=text, active=active, community_id=community, sort_order=last + 1)
        session.add(kind)
        session.flush()
        audit.record(session, actor, "dispute_type_save", object_type="dispute_type", object_id=kind.id,
                     after={"name": text, "active": active}, now=now)
        return kind
    before = {"name": kind.name, "active": kind.active}
    with guarded_flush(session):
        kind.name, kind.active = text, active
    audit.record(session, actor, "dispute_type_save", object_type="dispute_type", object_id=kind.id,
                 before=before, after={"name": text, "active": active}, now=now)
    return kind


def set_offered(session: Session, actor: Actor, type_id: int, offered: bool, *, now: datetime | None = None) -> None:
    """A community's admin stops (or starts again) offering a shared type to its new cases."""
    require(actor, "mediation.types")
    community = actor.community_id
    kind = session.get(DisputeType, type_id)
    if community is None or kind is None or kind.community_id is not None:
        raise Invalid("type", "error.dispute_type.unknown")
    was = session.get(DisputeTypeOptOut, (community, type_id)) is None
    if was == offered:
        return
    if offered:
        session.execute(delete(DisputeTypeOptOut).where(DisputeTypeOptOut.community_id == community,
                                                        DisputeTypeOptOut.type_id == type_id))
    else:
        session.add(DisputeTypeOptOut(community_id=community, type_id=type_id))
    session.flush()
    audit.record(session, actor, "dispute_type_offer", object_type="dispute_type", object_id=type_id,
                 before={"offered": was}, after={"offered": offered}, now=now)
