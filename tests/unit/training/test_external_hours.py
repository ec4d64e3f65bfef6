"""Hours earned elsewhere (外部学时): claimed with a certificate file, approved or refused by a
supervisor with a reason, and — once approved — counted in their category's quotas
(社会工作者继续教育办法, 民发〔2009〕123号: continuing education need not be the employer's own)."""

import stat
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core.base import stored_files
from core.base.errors import Forbidden, Invalid, InvalidMany, NotFound, StaleEdit
from core.training import categories, external
from core.training import service as training
from db.engine import read_session, write_session
from db.models import AuditEvent, ExternalHours, StaffQualification, User
from tests import evidence_files
from tests.factories import make_world

NOW = datetime(2026, 6, 30, 10, 0)
ANNUAL, OTHER = categories.SEEDED_IDS["annual"], categories.SEEDED_IDS["other"]


@pytest.fixture
def world(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        session.execute(update(User).values(created_at=datetime(2020, 1, 1)))
        session.add(StaffQualification(user_id=world.actors["worker"].id, level="assistant",
                                       registered_on=date(2024, 3, 1)))
    return world


@pytest.fixture
def files(tmp_path):
    """The files folder: a fresh one beside the test's database."""
    return tmp_path / "files"


def claim(engine, world, files, *, who="worker", hours="12", category=categories.SOCIAL_WORK,
          completed_on=date(2026, 5, 20), content=None, file_name="结业证书.pdf", **changes):
    data = external.ClaimInput(title="社区治理网络课程", organiser="省社工协会", category_id=category,
                               completed_on=completed_on, hours=hours, file_name=file_name,
                               content=evidence_files.PDF if content is None else content)
    for name, value in changes.items():
        setattr(data, name, value)
    with write_session(engine) as session:
        return external.submit_claim(session, world.actors[who], data, files, now=NOW).id


def decide(engine, world, claim_id, *, approve=True, reason="", who="supervisor"):
    with write_session(engine) as session:
        external.decide(session, world.actors[who], claim_id, approve=approve, reason=reason, now=NOW)


def hours(engine, world, kind, who="worker one"):
    with read_session(engine) as session:
        rows = training.compliance(session, world.actors["supervisor"], today=NOW.date())
    return next(r for r in rows if r["name"] == who and r["quota_kind"] == kind)["hours"]


def test_approved_hours_count_in_their_category_and_pending_or_refused_do_not(engine, world, files):
    counted = claim(engine, world, files, hours="12")
    refused = claim(engine, world, files, hours="30")
    claim(engine, world, files, hours="40")  # still pending
    assert hours(engine, world, "social_work") == 0
    decide(engine, world, counted)
    decide(engine, world, refused, approve=False, reason="证书与课程名称不符")
    assert hours(engine, world, "social_work") == 12.0
    assert hours(engine, world, "local") == 12.0  # 社会工作专业继续教育 counts toward both


def test_a_claim_counts_only_toward_what_its_category_counts(engine, world, files):
    decide(engine, world, claim(engine, world, files, hours="8", category=ANNUAL))
    decide(engine, world, claim(engine, world, files, hours="5", category=OTHER))
    assert hours(engine, world, "social_work") == 0
    assert hours(engine, world, "local") == 8.0


def test_hours_count_in_the_period_of_the_day_they_were_completed(engine, world, files):
    """The 助理社会工作师 registered 2024-03-01: the period runs to 2027-02-28; a course completed
    the day before it began belongs to the previous period, the period's first day to this one."""
    decide(engine, world, claim(engine, world, files, hours="6", completed_on=date(2024, 2, 29)))
    decide(engine, world, claim(engine, world, files, hours="7", completed_on=date(2024, 3, 1)))
    assert hours(engine, world, "social_work") == 7.0


def test_the_claimant_cannot_approve_their_own_claim(engine, world, files):
    mine = claim(engine, world, files, who="supervisor")
    with pytest.raises(Invalid) as refused:
        decide(engine, world, mine, who="supervisor")
    assert refused.value.field == "claim"
    decide(engine, world, mine, who="admin")


def test_only_supervisors_and_admins_decide(engine, world, files):
    mine = claim(engine, world, files)
    for role in ("worker", "trainer"):
        with pytest.raises(Forbidden):
            decide(engine, world, mine, who=role)


def test_a_refusal_needs_a_reason_and_the_decision_is_audited(engine, world, files):
    mine = claim(engine, world, files)
    with pytest.raises(Invalid) as refused:
        decide(engine, world, mine, approve=False, reason="   ")
    assert refused.value.field == "reason"
    decide(engine, world, mine, approve=False, reason="证书编号无法核验")
    with read_session(engine) as session:
        row = session.get(ExternalHours, mine)
        assert (row.status, row.reason, row.decided_by) == ("refused", "证书编号无法核验",
                                                            world.actors["supervisor"].id)
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "external_hours")))
    assert actions == ["external_hours_submit", "external_hours_decide"]


def test_a_decided_claim_is_not_decided_again(engine, world, files):
    mine = claim(engine, world, files)
    decide(engine, world, mine)
    with pytest.raises(StaleEdit):
        decide(engine, world, mine, approve=False, reason="重复")


def test_the_file_is_kept_private_and_served_only_to_the_claimant_and_reviewers(engine, world, files):
    mine = claim(engine, world, files, content=evidence_files.image("PNG"), file_name="C:\\扫描\\证书.png")
    stored = list(files.iterdir())
    assert len(stored) == 1 and stat.S_IMODE(stored[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files.stat().st_mode) == 0o700
    with read_session(engine) as session:
        for role in ("worker", "supervisor", "admin"):
            content, name, mime = external.certificate_file(session, world.actors[role], mine, files)
            assert (content, name, mime) == (evidence_files.image("PNG"), "证书.png", "image/png")
        with pytest.raises(Forbidden):
            external.certificate_file(session, world.actors["trainer"], mine, files)
    stored[0].write_bytes(b"changed on disk")
    with read_session(engine) as session:
        assert external.certificate_file(session, world.actors["supervisor"], mine, files) is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "  "}, "title"),
    ({"organiser": ""}, "organiser"),
    ({"category": None}, "category"),
    ({"hours": "0"}, "hours"),
    ({"hours": "abc"}, "hours"),
    ({"hours": "201"}, "hours"),
    ({"completed_on": NOW.date() + timedelta(days=1)}, "completed_on"),
    ({"completed_on": "2026-13-01"}, "completed_on"),
    ({"completed_on": None}, "completed_on"),
    ({"content": b""}, "file"),
    ({"content": b"PK\x03\x04 a zip renamed", "file_name": "证书.pdf"}, "file"),
    ({"content": evidence_files.PDF, "file_name": "证书.png"}, "file"),  # the name says PNG, the bytes PDF
    ({"content": evidence_files.PDF[:-8]}, "file"),  # cut short
    ({"content": evidence_files.PDF + b"\0" * stored_files.MAX_BYTES}, "file"),
    ({"content": evidence_files.png_claiming(100_000, 100_000), "file_name": "bomb.png"}, "file"),
    ({"content": evidence_files.image("PNG")[:60], "file_name": "short.png"}, "file"),
])
def test_bad_claims_are_refused_naming_the_field_and_keep_nothing(engine, world, files, changes, field):
    with pytest.raises((Invalid, InvalidMany)) as refused:
        claim(engine, world, files, **changes)
    fields = [e.field for e in getattr(refused.value, "errors", [refused.value])]
    assert fields == [field]
    assert not files.exists()
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ExternalHours)) == 0


def test_a_jpeg_is_accepted(engine, world, files):
    mine = claim(engine, world, files, content=evidence_files.image("JPEG"), file_name="证书.JPG")
    with read_session(engine) as session:
        assert session.get(ExternalHours, mine).file_kind == "jpeg"


def test_a_failed_save_takes_the_file_back(engine, world, files, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the audit row")
    monkeypatch.setattr(external.audit, "record", broken)
    with pytest.raises(RuntimeError):
        claim(engine, world, files)
    assert not list(files.iterdir())


def test_my_claims_and_the_review_list(engine, world, files):
    first = claim(engine, world, files)
    claim(engine, world, files, who="supervisor")
    decide(engine, world, first, approve=False, reason="学时与证书不符")
    with read_session(engine) as session:
        mine = external.my_claims(session, world.actors["worker"])
        pending = external.claims_to_review(session, world.actors["admin"])
        with pytest.raises(Forbidden):
            external.claims_to_review(session, world.actors["worker"])
    assert [(c["status"], c["reason"], c["decided_by"]) for c in mine] == [("refused", "学时与证书不符", "supervisor one")]
    assert [c["person"] for c in pending] == ["supervisor one"]


def test_a_supervisor_reviews_only_the_claims_of_their_communitys_staff(engine, world, files):
    """Several communities: another community's claims are neither listed, nor opened, nor decided."""
    from core.office import users
    from tests.factories import PASSWORD

    with write_session(engine) as session:
        account = users.create_user(session, None, username="other.sup", display_name="安定门主管", role="supervisor",
                                    community_id=world.other_community_id, password=PASSWORD,
                                    must_change_password=False)
        session.flush()
        other = users.actor_of(session.get(User, account.user.id))
    mine = claim(engine, world, files)
    with read_session(engine) as session:
        assert external.claims_to_review(session, other) == []
        assert [c["id"] for c in external.claims_to_review(session, world.actors["supervisor"])] == [mine]
        with pytest.raises(NotFound):
            external.certificate_file(session, other, mine, files)
    with write_session(engine) as session, pytest.raises(NotFound):
        external.decide(session, other, mine, approve=True, now=NOW)
