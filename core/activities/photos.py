"""Photos of an activity (optional attachments): checked, stripped of their metadata, kept as files.

A photo is read with the bounds of every upload (core.base.stored_files: ≤ 5 MB counted before
anything reads it, PNG or JPEG by its first bytes, its size read from the header before any pixel
is decoded) and, being a photo, at most MAX_SIDE pixels a side. It is then decoded once and
written again without its metadata: EXIF (GPS position, camera, time), XMP and PNG text go; the
EXIF orientation is applied to the pixels first, so the photo still stands the right way up. The
new file is kept under the files folder (0600, backed up with the database by `backup`).

A photo showing minors needs the guardian's consent, recorded with it (who agreed and how):
a minor's image is personal information, and under 14 sensitive personal information that may
be processed only with a parent's or guardian's consent (个人信息保护法 arts. 28, 31); Linli asks
it for every minor (未成年人保护法 art. 2: under 18), as offices do for photos they publish.

Who: those who may edit the activity add and remove photos; those who see it see them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activities import service
from core.base import audit, clock, stored_files, validation
from core.base.errors import Invalid, collect
from core.base.permissions import Actor
from db.models import ActivityPhoto

MAX_SIDE = 4000  # pixels, either side: a phone photo scaled for a report, not a 50-megapixel original
CONSENT_MAX = 200
PHOTOS_MAX = 30  # a photo album of one activity, not its every shot
KINDS = ("png", "jpeg")
KIND_EXTENSIONS = ("png", "jpg", "jpeg")


@dataclass(frozen=True)
class PhotoInput:
    content: bytes
    file_name: str
    shows_minors: bool = False
    guardian_consent: str = ""  # e.g. "张丽（王小明之母）现场口头同意，签字表存档"


def without_metadata(content: bytes, kind: str) -> tuple[bytes, int, int]:
    """The photo written again from its pixels alone, upright: no EXIF (so no location), no XMP,
    no text chunks; the colour profile is kept. Returns (bytes, width, height)."""
    with Image.open(io.BytesIO(content)) as original:
        profile = original.info.get("icc_profile")
        upright = ImageOps.exif_transpose(original)
        if kind == "jpeg" and upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        options = {"icc_profile": profile} if profile else {}
        if kind == "jpeg":
            upright.save(out, "JPEG", quality=90, optimize=True, **options)
        else:
            upright.save(out, "PNG", optimize=True, **options)
        return out.getvalue(), upright.width, upright.height


def _checked_photo(content: bytes, file_name: str) -> str:
    if not content:
        raise Invalid("photo", "error.photo.empty")
    kind = stored_files.check_evidence(content, file_name, "photo")
    if kind not in KINDS:
        raise Invalid("photo", "error.photo.kind")
    with Image.open(io.BytesIO(content)) as image:  # the header again: no pixels yet
        if max(image.size) > MAX_SIDE:
            raise Invalid("photo", "error.photo.too_wide", max=MAX_SIDE, width=image.width, height=image.height)
    return kind


def _consent(shows_minors: bool, text: str) -> str:
    """The guardian's consent, required for a photo showing minors (个人信息保护法 arts. 28, 31)."""
    consent = validation.limited_text(text, "guardian_consent", CONSENT_MAX)
    if shows_minors and not consent:
        raise Invalid("guardian_consent", "error.photo.guardian_consent")
    return consent if shows_minors else ""


def add(session: Session, actor: Actor, activity_id: int, photo: PhotoInput, files_dir: Path, *,
        now: datetime | None = None) -> ActivityPhoto:
    """Every field checked before the file is written; the file is removed again if the record
    cannot be flushed."""
    activity = service.editable(session, actor, activity_id)
    now = now or clock.now()
    if now < activity.starts_at - timedelta(hours=2):
        raise Invalid("photo", "error.activity.not_started")
    kind, consent = collect([lambda: _checked_photo(photo.content, photo.file_name),
                             lambda: _consent(photo.shows_minors, photo.guardian_consent)])
    held = session.scalar(select(ActivityPhoto.id).where(ActivityPhoto.activity_id == activity_id)
                          .offset(PHOTOS_MAX - 1).limit(1))
    if held is not None:
        raise Invalid("photo", "error.photo.too_many", max=PHOTOS_MAX)
    clean, width, height = without_metadata(photo.content, kind)
    if len(clean) > stored_files.MAX_BYTES:  # written again, a PNG can come out larger
        raise Invalid("photo", "error.file.too_big", mb=stored_files.MAX_BYTES // (1024 * 1024))
    kept = stored_files.store(files_dir, clean, photo.file_name, kind)
    try:
        row = ActivityPhoto(activity_id=activity_id, community_id=activity.community_id, stored_as=kept.stored_as,
                            original_name=kept.original_name, kind=kind, size=kept.size, sha256=kept.sha256,
                            width=width, height=height, shows_minors=photo.shows_minors, guardian_consent=consent,
                            uploaded_by=actor.id, uploaded_at=now)
        session.add(row)
        session.flush()
        audit.record(session, actor, "activity_photo_add", object_type="activity", object_id=activity_id,
                     after={"file": kept.original_name, "shows_minors": photo.shows_minors,
                            "guardian_consent": consent}, now=now)
    except BaseException:
        stored_files.remove(files_dir, kept.stored_as)
        raise
    return row


def listing(session: Session, actor: Actor, activity_id: int) -> list[dict]:
    """The activity's photos, oldest first, for those who see the activity."""
    service.load(session, actor, activity_id)
    rows = session.scalars(select(ActivityPhoto).where(ActivityPhoto.activity_id == activity_id)
                           .order_by(ActivityPhoto.uploaded_at, ActivityPhoto.id))
    return [{"id": row.id, "name": row.original_name, "kind": row.kind, "size": row.size, "width": row.width,
             "height": row.height, "shows_minors": row.shows_minors, "guardian_consent": row.guardian_consent,
             "uploaded_at": row.uploaded_at} for row in rows]


def _photo(session: Session, activity_id: int, photo_id: int) -> ActivityPhoto:
    row = session.scalar(select(ActivityPhoto).where(ActivityPhoto.id == photo_id,
                                                     ActivityPhoto.activity_id == activity_id))
    if row is None:
        raise Invalid("photo", "error.photo.not_found")
    return row


def content(session: Session, actor: Actor, activity_id: int, photo_id: int, files_dir: Path
            ) -> tuple[bytes, str, str] | None:
    """(bytes, file name, mime type); None when the file is missing or no longer the one kept."""
    service.load(session, actor, activity_id)
    row = _photo(session, activity_id, photo_id)
    data = stored_files.read(files_dir, row.stored_as, row.sha256)
    return None if data is None else (data, row.original_name, stored_files.mime_of(row.kind))


def remove(session: Session, actor: Actor, activity_id: int, photo_id: int, files_dir: Path, *,
           now: datetime | None = None) -> None:
    """The record, audited, then the file (should the commit still fail, the photo is listed as
    missing rather than its file lingering with no record)."""
    service.editable(session, actor, activity_id)
    row = _photo(session, activity_id, photo_id)
    stored_as, name = row.stored_as, row.original_name
    session.delete(row)
    session.flush()
    audit.record(session, actor, "activity_photo_remove", object_type="activity", object_id=activity_id,
                 before={"file": name}, now=now)
    stored_files.remove(files_dir, stored_as)
