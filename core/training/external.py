"""Hours earned elsewhere (外部学时): an online course, 学历教育, another organiser's training.

社会工作者继续教育办法 (民发〔2009〕123号) asks for continuing education, not for it to be
taken at the employer; hours from other organisers count once the office has checked the proof.
A staff member claims the hours with a certificate file (core.base.stored_files); a supervisor —
never the claimant — approves or refuses with a reason, audited. Approved hours
count toward the quotas of their category (core.training.categories) on the day the training was
completed, exactly as a course's hours count on the day it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.base import audit, clock, stored_files
from core.base.errors import Invalid, NotFound, StaleEdit, collect
from core.base.permissions import Actor, require, sees_all_grids
from core.base.validation import past_or_today, required_text
from core.training import categories
from core.training.service import positive_hours
from db.models import CourseCategory, ExternalHours, User

STATUSES = ("pending", "approved", "refused")
MAX_HOURS = 200.0  # one claim: a semester of 学历教育 is about this; more is a typing slip
EARLIEST = date(2000, 1, 1)
REASON_MAX = 200


@dataclass
class ClaimInput:
    title: str = ""
    organiser: str = ""
    category_id: int | None = None
    completed_on: date | str | None = None
    hours: float | str | None = None
    file_name: str = ""
    content: bytes = b""


def _completed_on(value: date | str | None, today: date) -> date:
    day = past_or_today(value, "completed_on", today)
    if day < EARLIEST:
        raise Invalid("completed_on", "error.date.too_early", earliest=EARLIEST)
    return day


def submit_claim(session: Session, actor: Actor, data: ClaimInput, files_dir: Path, *,
                 now: datetime | None = None) -> ExternalHours:
    """A staff member claims hours for themself. Every field is checked before the file is kept;
    the file is written last, and removed again if the record cannot be flushed."""
    require(actor, "training.view_own")
    now = now or clock.now()
    title, organiser, category_id, hours, kind, completed_on = collect([
        lambda: required_text(data.title, "title", 100, prose=False),
        lambda: required_text(data.organiser, "organiser", 100, prose=False),
        lambda: categories.active_category(session, data.category_id),
        lambda: positive_hours(data.hours, "hours", MAX_HOURS),
        lambda: stored_files.check_evidence(data.content, data.file_name or ""),
        lambda: _completed_on(data.completed_on, now.date())])
    kept = stored_files.store(files_dir, data.content, data.file_name, kind)
    try:
        claim = ExternalHours(user_id=actor.id, category_id=category_id, title=title, organiser=organiser,
                              completed_on=completed_on, hours=hours, file_name=kept.original_name, stored_as=kept.stored_as,
                              file_kind=kept.kind, file_size=kept.size, file_sha256=kept.sha256, status="pending",
                              reason="", submitted_at=now)
        session.add(claim)
        session.flush()
        audit.record(session, actor, "external_hours_submit", object_type="external_hours", object_id=claim.id,
                     after={"title": claim.title, "hours": claim.hours, "completed_on": claim.completed_on}, now=now)
    except BaseException:
        stored_files.remove(files_dir, kept.stored_as)
        raise
    return claim


def _as_dict(claim: ExternalHours, person: str, category: str, decider: str | None) -> dict[str, Any]:
    return {"id": claim.id, "user_id": claim.user_id, "person": person, "title": claim.title,
            "organiser": claim.organiser, "category": category, "completed_on": claim.completed_on,
            "hours": claim.hours, "file_name": claim.file_name, "file_kind": claim.file_kind,
            "file_size": claim.file_size, "status": claim.status, "reason": claim.reason,
            "submitted_at": claim.submitted_at, "decided_by": decider, "decided_at": claim.decided_at,
            "version": claim.version}


def _in_community(session: Session, actor: Actor, claim: ExternalHours) -> None:
    """A reviewer sees the claims of their community's staff; another community's is not found."""
    if not sees_all_grids(actor) and session.get(User, claim.user_id).community_id != actor.community_id:
        raise NotFound(object="external_hours", id=claim.id)


def _listing(session: Session, *conditions: Any, community_of: Actor | None = None) -> list[dict[str, Any]]:
    claimant, decider = User.__table__.alias("claimant"), User.__table__.alias("decider")
    if community_of is not None and not sees_all_grids(community_of):
        conditions = (*conditions, claimant.c.community_id == community_of.community_id)
    rows = session.execute(
        select(ExternalHours, claimant.c.display_name, CourseCategory.name, decider.c.display_name)
        .join(claimant, claimant.c.id == ExternalHours.user_id)
        .join(CourseCategory, CourseCategory.id == ExternalHours.category_id)
        .outerjoin(decider, decider.c.id == ExternalHours.decided_by)
        .where(*conditions).order_by(ExternalHours.submitted_at.desc(), ExternalHours.id.desc()))
    return [_as_dict(claim, person, category, decided_by) for claim, person, category, decided_by in rows]


def my_claims(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "training.view_own")
    return _listing(session, ExternalHours.user_id == actor.id)


def claims_to_review(session: Session, actor: Actor, *, status: str = "pending", limit: int = 200
                     ) -> list[dict[str, Any]]:
    """Claims in `status` by the staff of the actor's community, newest first, with who made them
    (a supervisor's review list)."""
    require(actor, "training.approve")
    if status not in STATUSES:
        raise Invalid("status", "error.external.status")
    return _listing(session, ExternalHours.status == status, community_of=actor)[:limit]


def _claim(session: Session, claim_id: int) -> ExternalHours:
    claim = session.get(ExternalHours, claim_id)
    if claim is None:
        raise NotFound(object="external_hours", id=claim_id)
    return claim


def decide(session: Session, actor: Actor, claim_id: int, *, approve: bool, reason: str = "",
           version: int | None = None, now: datetime | None = None) -> ExternalHours:
    """Approve or refuse a pending claim (a refusal says why). Nobody decides their own claim;
    a claim decided already, or changed since `version` was read, is refused as stale."""
    require(actor, "training.approve")
    claim = _claim(session, claim_id)
    _in_community(session, actor, claim)
    if claim.user_id == actor.id:
        raise Invalid("claim", "error.external.own_claim")
    if claim.status != "pending" or (version is not None and claim.version != version):
        raise StaleEdit()
    why = (reason or "").strip()
    if not approve:
        why = required_text(reason, "reason", REASON_MAX)
    now = now or clock.now()
    before = {"status": claim.status}
    claim.status = "approved" if approve else "refused"
    claim.reason, claim.decided_by, claim.decided_at = why[:REASON_MAX], actor.id, now
    session.flush()
    audit.record(session, actor, "external_hours_decide", object_type="external_hours", object_id=claim.id,
                 before=before, after={"status": claim.status, "reason": claim.reason, "hours": claim.hours}, now=now)
    return claim


def certificate_file(session: Session, actor: Actor, claim_id: int, files_dir: Path
                     ) -> tuple[bytes, str, str] | None:
    """(bytes, file name, mime type) of a claim's certificate, for the claimant and for those who
    review claims; None when the file is missing or no longer the one uploaded."""
    claim = _claim(session, claim_id)
    require(actor, "training.view_own" if claim.user_id == actor.id else "training.approve")
    if claim.user_id != actor.id:
        _in_community(session, actor, claim)
    content = stored_files.read(files_dir, claim.stored_as, claim.file_sha256)
    if content is None:
        return None
    return content, claim.file_name, stored_files.mime_of(claim.file_kind)
