"""An activity's photos on both databases: the bounds of every upload, no location kept, 0600
files, a guardian's consent for minors (个人信息保护法 arts. 28, 31), and who may add or see them."""

import io
import stat
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.activities import photos
from core.base.errors import Invalid, InvalidMany, NotFound
from db.engine import read_session, write_session
from db.models import ActivityPhoto, AuditEvent
from tests import evidence_files
from tests.factories import another_worker, make_world
from tests.unit.activities.test_service import STARTS, plan

ON_THE_DAY = STARTS + timedelta(hours=1)


def phone_photo(size=(40, 30)) -> bytes:
    """A JPEG as a phone writes it: taken sideways (orientation 6), with its GPS position and camera."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Xiaomi"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def written(engine):
    with read_session(engine) as session:
        return (session.scalar(select(func.count()).select_from(ActivityPhoto)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.fixture
def files(tmp_path):
    return tmp_path / "files"  # the database may live in files itself


@pytest.fixture
def activity(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    return world, worker, plan(engine, worker, world.grid_ids[0])


def test_a_phone_photo_is_kept_upright_without_its_location_in_a_private_file(engine, activity, files):
    _world, worker, activity_id = activity
    original = phone_photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the position is there to begin with
    with write_session(engine) as session:
        photos.add(session, worker, activity_id, photos.PhotoInput(original, "IMG_2041.jpg"), files, now=ON_THE_DAY)
    with read_session(engine) as session:
        [row] = photos.listing(session, worker, activity_id)
        data, name, mime = photos.content(session, worker, activity_id, row["id"], files)
    kept = Image.open(io.BytesIO(data))
    assert (name, mime, row["width"], row["height"]) == ("IMG_2041.jpg", "image/jpeg", 30, 40)  # turned upright
    assert kept.size == (30, 40)
    assert not kept.getexif() and b"Xiaomi" not in data  # no EXIF at all: no position, no camera
    [file] = list(files.iterdir())
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert written(engine)[0] == 1


@pytest.mark.parametrize(("content", "name", "key"), [
    (evidence_files.PDF, "合影.pdf", "error.photo.kind"),
    (evidence_files.image("PNG", (4001, 10)), "横幅.png", "error.photo.too_wide"),
    (evidence_files.png_claiming(7000, 7000), "炸弹.png", "error.file.too_many_pixels"),
    (b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "大.jpg", "error.file.too_big"),
    (evidence_files.image("JPEG"), "合影.png", "error.file.kind"),
    (b"", "空.jpg", "error.photo.empty"),
])
def test_a_photo_out_of_bounds_is_refused_naming_the_photo_and_nothing_is_kept(engine, activity, files, content,
                                                                                 name, key):
    _world, worker, activity_id = activity
    before = written(engine)
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        photos.add(session, worker, activity_id, photos.PhotoInput(content, name), files, now=ON_THE_DAY)
    assert [(e.field, e.key) for e in refused.value.errors] == [("photo", key)]
    assert written(engine) == before
    assert not files.exists() or list(files.iterdir()) == []


def test_a_photo_showing_minors_needs_the_guardians_consent_pipl_arts_28_31(engine, activity, files):
    _world, worker, activity_id = activity
    before = written(engine)
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        photos.add(session, worker, activity_id, photos.PhotoInput(phone_photo(), "小朋友.jpg", shows_minors=True,
                                                                   guardian_consent="  "), files, now=ON_THE_DAY)
    assert [(e.field, e.key) for e in refused.value.errors] == [("guardian_consent", "error.photo.guardian_consent")]
    assert written(engine) == before and not files.exists() or list(files.iterdir()) == []
    with write_session(engine) as session:
        photos.add(session, worker, activity_id, photos.PhotoInput(
            phone_photo(), "小朋友.jpg", shows_minors=True, guardian_consent="王小明之母张丽现场签字同意"),
            files, now=ON_THE_DAY)
    with read_session(engine) as session:
        [row] = photos.listing(session, worker, activity_id)
        audit_after = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "activity_photo_add")).one()
    assert (row["shows_minors"], row["guardian_consent"]) == (True, "王小明之母张丽现场签字同意")
    assert "王小明之母张丽现场签字同意" in str(audit_after)


def test_photos_wait_for_the_day_and_belong_to_those_who_see_the_activity(engine, activity, files):
    world, worker, activity_id = activity
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        photos.add(session, worker, activity_id, photos.PhotoInput(phone_photo(), "a.jpg"), files,
                   now=STARTS - timedelta(days=1))
    assert (refused.value.field, refused.value.key) == ("photo", "error.activity.not_started")
    with write_session(engine) as session:
        photo_id = photos.add(session, worker, activity_id, photos.PhotoInput(phone_photo(), "a.jpg"), files,
                              now=ON_THE_DAY).id
    stranger = another_worker(engine, world)  # grid 2: neither the activity's grid nor its organiser
    with read_session(engine) as session:
        with pytest.raises(NotFound):
            photos.listing(session, stranger, activity_id)
        with pytest.raises(NotFound):
            photos.content(session, stranger, activity_id, photo_id, files)
        assert len(photos.listing(session, world.actors["supervisor"], activity_id)) == 1
    with write_session(engine) as session, pytest.raises(NotFound):
        photos.remove(session, stranger, activity_id, photo_id, files)


def test_removing_a_photo_removes_its_file_and_is_audited(engine, activity, files):
    _world, worker, activity_id = activity
    with write_session(engine) as session:
        photo_id = photos.add(session, worker, activity_id, photos.PhotoInput(evidence_files.image("PNG"), "合影.png"),
                              files, now=ON_THE_DAY).id
    with write_session(engine) as session:
        photos.remove(session, worker, activity_id, photo_id, files, now=ON_THE_DAY)
    assert not files.exists() or list(files.iterdir()) == []
    with read_session(engine) as session:
        assert photos.listing(session, worker, activity_id) == []
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "activity_photo_remove")) == 1
