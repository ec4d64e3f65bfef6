"""Which hours count toward which quota (社会工作者继续教育办法: professional continuing education
toward the 社工's 72 h / 90 h per registration period; the office's own quota by its own rule),
and pace: on track, behind, met; the previous period met or short; mandatory courses missed."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core.base.errors import Forbidden, Invalid, InvalidMany
from core.training import categories
from core.training import service as training
from core.training.service import CourseInput, RosterEntry
from db.engine import read_session, write_session
from db.models import CourseCategory, QuotaSetting, StaffQualification, User
from tests.factories import make_world

OTHER, ANNUAL = categories.SEEDED_IDS["other"], categories.SEEDED_IDS["annual"]


def given(engine, world, starts: datetime, hours: float, category: int, status="present", *, who="worker",
          mandatory=False, expected=()):
    trainer = world.actors["trainer"]
    with write_session(engine) as session:
        row = training.create_course(session, trainer, CourseInput(
            category_id=category, title=f"课程{starts:%m%d}", topic="业务", starts_at=starts,
            ends_at=starts + timedelta(hours=max(hours, 1)), credit_hours=hours, mandatory=mandatory,
            participant_ids=[world.actors[w].id for w in expected]), now=starts - timedelta(days=3))
        if status:
            training.save_roster(session, trainer, row.id, 0, [RosterEntry(world.actors[who].id, status, None)])
    return row


def standing(engine, world, kind, who="worker one", today=date(2026, 6, 30)):
    with read_session(engine) as session:
        rows = training.compliance(session, world.actors["supervisor"], today=today)
    return next(r for r in rows if r["name"] == who and r["quota_kind"] == kind)


@pytest.fixture
def world(engine):
    world = make_world(engine)
    with write_session(engine) as session:  # everyone on staff since 2020, the worker a 助理社会工作师 since 2024-03-01
        session.execute(update(User).values(created_at=datetime(2020, 1, 1)))
        session.add(StaffQualification(user_id=world.actors["worker"].id, level="assistant",
                                       registered_on=date(2024, 3, 1)))
    return world


def test_only_professional_education_counts_toward_the_social_work_quota(engine, world):
    """社会工作者继续教育办法: the 72 h are professional continuing education; a 3 h 应急演练 (其他)
    counts toward neither quota, 年度业务培训 toward the office's only."""
    given(engine, world, datetime(2026, 3, 2, 9), 6, categories.SOCIAL_WORK)
    given(engine, world, datetime(2026, 4, 2, 9), 3, OTHER)  # 应急演练
    given(engine, world, datetime(2026, 5, 2, 9), 4, ANNUAL)
    assert standing(engine, world, "social_work")["hours"] == 6.0
    assert standing(engine, world, "local")["hours"] == 10.0


def test_a_category_changed_by_the_admin_changes_what_counts(engine, world):
    given(engine, world, datetime(2026, 4, 2, 9), 3, OTHER)
    with write_session(engine) as session:
        categories.change_category(session, world.actors["admin"], OTHER, categories.CategoryInput(
            name="其他", counts_local=True))
    assert standing(engine, world, "local")["hours"] == 3.0


def test_pace_is_hours_against_the_share_of_the_period_elapsed(engine, world):
    # 24 h a calendar year (the local quota): by 30 June, 181 of 365 days, 11.9 h are expected.
    given(engine, world, datetime(2026, 2, 2, 9), 6, ANNUAL)
    behind = standing(engine, world, "local")
    assert (behind["status"], behind["expected"], behind["hours"]) == ("behind", 11.9, 6.0)
    given(engine, world, datetime(2026, 6, 1, 9), 6, ANNUAL)
    assert standing(engine, world, "local")["status"] == "on_track"
    given(engine, world, datetime(2026, 6, 2, 9), 12, ANNUAL)
    assert standing(engine, world, "local")["status"] == "met"
    # A worker years from their deadline is not "short": the 社工 period runs to 2027-02-28.
    social = standing(engine, world, "social_work")
    assert (social["status"], social["period_end"], social["shortfall"]) == ("behind", date(2027, 2, 28), 72.0)


def test_the_local_quota_honours_its_period_length(engine, world):
    """72 h per 3 years stays 72 h per 3 years (it became 72 h a year)."""
    with write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "none", period_years=3, hours=72)
    given(engine, world, datetime(2026, 5, 2, 9), 12, ANNUAL)
    row = standing(engine, world, "local", today=date(2027, 6, 30))
    assert (row["period_start"], row["period_end"], row["quota"], row["hours"]) == (
        date(2026, 1, 1), date(2028, 12, 31), 72.0, 12.0)
    assert row["status"] == "behind"  # 18 of 36 months gone: 36 h expected
    assert training.local_period_on(3, 2026, date(2029, 1, 1)) == (date(2029, 1, 1), date(2031, 12, 31))
    assert training.local_period_on(3, 2026, date(2025, 12, 31)) == (date(2023, 1, 1), date(2025, 12, 31))


def test_the_admin_sets_the_year_the_local_periods_count_from(engine, world):
    """A 3-year local quota first counted from 2025 runs 2025–2027: June 2027 is its last year."""
    with write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "none", period_years=3, hours=72, first_year="2025")
    row = standing(engine, world, "local", today=date(2027, 6, 30))
    assert (row["period_start"], row["period_end"]) == (date(2025, 1, 1), date(2027, 12, 31))
    with pytest.raises(InvalidMany) as refused, write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "none", period_years=0, hours="x", first_year="二〇二五")
    assert [e.field for e in refused.value.errors] == ["period_years", "hours", "first_year"]
    with read_session(engine) as session:
        assert training.quotas(session, world.community_id)["none"].first_year == 2025


def test_a_period_that_ended_under_quota_is_short(engine, world):
    given(engine, world, datetime(2025, 5, 2, 9), 10, ANNUAL)
    row = standing(engine, world, "local", today=date(2026, 1, 5))
    assert (row["previous_period_end"], row["previous_hours"], row["previous_status"]) == (
        date(2025, 12, 31), 10.0, "short")


def test_admins_and_trainers_without_a_qualification_have_no_quota(engine, world):
    with read_session(engine) as session:
        names = {r["name"] for r in training.compliance(session, world.actors["supervisor"], today=date(2026, 6, 30))}
    assert names == {"worker one", "supervisor one"}


def test_missed_mandatory_courses_are_listed(engine, world):
    given(engine, world, datetime(2026, 3, 2, 9), 3, ANNUAL, status=None, mandatory=True, expected=("worker",))
    given(engine, world, datetime(2026, 4, 2, 9), 3, ANNUAL, status="excused", mandatory=True, expected=("worker",))
    given(engine, world, datetime(2026, 5, 2, 9), 3, ANNUAL, mandatory=True, expected=("worker",))
    given(engine, world, datetime(2026, 7, 2, 9), 3, ANNUAL, status=None, mandatory=True, expected=("worker",))
    missed = standing(engine, world, "local")["missed"]
    assert [m["starts_at"] for m in missed] == [datetime(2026, 3, 2, 9)]  # not excused, attended or still to come


def test_only_an_admin_changes_categories_and_a_taken_name_is_refused_with_nothing_written(engine, world):
    with pytest.raises(Forbidden), write_session(engine) as session:
        categories.add_category(session, world.actors["trainer"], categories.CategoryInput(name="党建学习"))
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        categories.add_category(session, world.actors["admin"], categories.CategoryInput(name=" 岗前培训 "))
    assert (refused.value.field, refused.value.key) == ("name", "error.course.category_taken")
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CourseCategory)) == 4
    with pytest.raises(InvalidMany) as refused, write_session(engine) as session:
        training.create_course(session, world.actors["trainer"], CourseInput(
            title="课", topic="课", starts_at=datetime(2026, 3, 2, 9), ends_at=datetime(2026, 3, 2, 12), credit_hours=3))
    assert [e.field for e in refused.value.errors] == ["category"]


def test_a_retired_category_keeps_its_hours_but_takes_no_new_course(engine, world):
    given(engine, world, datetime(2026, 3, 2, 9), 6, categories.SOCIAL_WORK)
    with write_session(engine) as session:
        categories.change_category(session, world.actors["admin"], categories.SOCIAL_WORK, categories.CategoryInput(
            name="社会工作专业继续教育", counts_social_work=True, counts_local=True, active=False))
    assert standing(engine, world, "social_work")["hours"] == 6.0
    with pytest.raises(Invalid), write_session(engine) as session:
        categories.active_category(session, categories.SOCIAL_WORK)
    with write_session(engine) as session:  # put back for the other tests on PostgreSQL (reference data stays)
        categories.change_category(session, world.actors["admin"], categories.SOCIAL_WORK, categories.CategoryInput(
            name="社会工作专业继续教育", counts_social_work=True, counts_local=True, active=True))


@pytest.fixture(autouse=True)
def seeded_categories_restored(engine):
    """Categories and quotas are reference data kept between PostgreSQL tests: put them back."""
    yield
    with write_session(engine) as session:
        for row in (categories.CategoryInput("社会工作专业继续教育", True, True), categories.CategoryInput("岗前培训", False, True),
                    categories.CategoryInput("年度业务培训", False, True), categories.CategoryInput("其他", False, False)):
            category = session.scalar(select(CourseCategory).where(CourseCategory.name == row.name))
            category.counts_social_work, category.counts_local, category.active = (
                row.counts_social_work, row.counts_local, True)
        session.execute(update(QuotaSetting).where(QuotaSetting.level == "none")
                        .values(period_years=1, hours=24, first_year=2026))


def test_the_demo_has_categories_a_worker_behind_pace_and_an_approved_certificate(engine, tmp_path):
    from core import demo
    from core.office import users
    from core.training import external
    from tests.factories import vault_for_tests

    demo.seed(engine, vault_for_tests(), files_dir=tmp_path / "files")
    with read_session(engine) as session:
        supervisor = session.scalar(select(User).where(User.role == "supervisor"))
        rows = training.compliance(session, users.actor_of(supervisor))
        used = set(session.scalars(select(func.distinct(CourseCategory.id)).join(
            training.Course, training.Course.category_id == CourseCategory.id)))
    assert {categories.SOCIAL_WORK, ANNUAL, OTHER} <= used
    assert any(r["status"] == "behind" and r["missed"] for r in rows)
    with read_session(engine) as session:
        approved = external.claims_to_review(session, users.actor_of(supervisor), status="approved")
        pending = external.claims_to_review(session, users.actor_of(supervisor))
        scan = external.certificate_file(session, users.actor_of(supervisor), approved[0]["id"], tmp_path / "files")
    assert [c["person"] for c in approved] == ["张建国"] and [c["person"] for c in pending] == ["李秀英"]
    assert scan is not None and scan[2] == "image/png"


def test_a_communitys_own_local_quota_holds_for_its_staff_only_and_the_law_for_everyone(engine, world):
    """The admin of 和平里 sets its own annual quota: 和平里's staff are measured by it, another
    community's by the installation's. The 社工 quotas (社会工作者继续教育办法) are the law's:
    with several communities an admin of one is refused, and the system administrator sets them."""
    from core.base.permissions import Actor
    from core.office import users
    from tests.factories import PASSWORD, ROOT

    with write_session(engine) as session:
        stranger = users.create_user(session, None, username="other.worker", display_name="安定门网格员",
                                     role="worker", community_id=world.other_community_id, password=PASSWORD,
                                     must_change_password=False).user
        default = training.quotas(session)["none"].hours
        training.set_quota(session, world.actors["admin"], "none", period_years=1, hours=default + 30)
    with read_session(engine) as session:
        rows = training.standings_by_community(session, Actor(id=0, username="jd", role="street"),
                                               today=date(2026, 6, 30))
        local = {row["name"]: row["quota"] for group in rows.values() for row in group if row["quota_kind"] == "local"}
        assert training.quotas(session, world.community_id)["none"].own
        assert not training.quotas(session, world.other_community_id)["none"].own
    assert local["worker one"] == default + 30 and local[stranger.display_name] == default
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        training.set_quota(session, world.actors["admin"], "social_worker", period_years=3, hours=100)
    assert (refused.value.field, refused.value.key) == ("level", "error.quota.installation_wide")
    with write_session(engine) as session:
        before = training.quotas(session)["social_worker"]
        training.set_quota(session, ROOT, "social_worker", period_years=before.period_years, hours=before.hours)
