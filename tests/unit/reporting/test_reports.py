"""The monthly workbook and the dashboard's key figures, checked against a known month."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from core.base.errors import Forbidden
from core.base.i18n import translate
from core.mediation import agreements, dispute_types
from core.mediation import service as mediations
from core.office import users
from core.reporting import reports
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.training import categories
from core.training import service as training
from db.engine import read_session, write_session
from db.models import Rating
from tests.factories import PASSWORD, make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
MAY = datetime(2026, 5, 10, 9)
JUNE = datetime(2026, 6, 20, 9)
JUNE_VISIT = [5, 4, 4, 3, 1, 2]  # enough to show
JUNE_SAFETY = [5, 5]  # too few
COURSE_HOURS = 24  # the annual target of staff without a qualification


@pytest.fixture
def month(engine):
    """A community's May and June: residents, cases, a course and ratings."""
    world = make_world(engine)
    supervisor, worker, trainer = (world.actors[r] for r in ("supervisor", "worker", "trainer"))
    grid = world.grid_ids[0]
    with write_session(engine) as session:
        def person(seq, tags, now):
            return register(session, worker, VAULT, residents.ResidentForm(
                name=f"居民{seq}", id_number=make_resident_id("19500101", f"{seq:03d}"), grid_id=grid,
                address=f"和平里小区{seq}号楼", tags=tags), now=now)

        person(1, ["elderly_alone"], MAY)
        person(2, ["elderly_alone", "dibao"], MAY)
        moved = person(3, ["disabled"], MAY)
        session.flush()
        residents.change_status(session, worker, moved.id, moved.version, "moved_out", "2026-06-10", now=JUNE)
        person(4, ["elderly_alone"], datetime(2026, 6, 3, 9))
        users.create_user(session, None, username="formula", display_name="=SUM(A1)", role="worker",
                          community_id=world.community_id, password=PASSWORD, must_change_password=False)

        kind = next(iter(dispute_types.offered(session, world.actors["worker"])))

        def case(intake):
            at = datetime.combine(intake, datetime.min.time()).replace(hour=9)
            return mediations.register(session, worker, mediations.CaseInput(
                intake_date=intake, source="application", type_id=kind, grid_id=grid, facts="噪音扰民",
                parties=[mediations.PartyInput(name="王大爷"),
                                                  mediations.PartyInput(side="respondent", name="装修队")]), now=at)

        case(date(2026, 4, 1))  # still received, overdue since 1 May
        case(date(2026, 6, 2))
        agreed = case(date(2026, 6, 5))
        session.flush()
        mediations.transition(session, worker, agreed.id, agreed.version, "start", now=datetime(2026, 6, 6, 9))
        session.flush()
        agreements.record_agreement(session, worker, agreed.id, agreed.version, agreements.AgreementInput(
            agreed_on="2026-06-08", responsibilities="装修队未按规定时间施工", terms="道歉并限时施工", amount="300",
            performance_deadline="2026-06-30", performance_manner="现金", performance_place="居委会"),
            now=datetime(2026, 6, 8, 9))

        course = training.create_course(session, trainer, training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="调解实务", topic="调解", starts_at=datetime(2026, 6, 1, 9), ends_at=datetime(2026, 6, 4, 17),
            credit_hours=COURSE_HOURS, participant_ids=[worker.id]), now=MAY)
        training.save_roster(session, trainer, course.id, 0, [training.RosterEntry(worker.id, "present",
                                                                                   COURSE_HOURS)], now=JUNE)
        for category, scores in (("visit", JUNE_VISIT), ("safety", JUNE_SAFETY)):
            for score in scores:
                satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
                    score=score, category=category, grid_id=grid, rated_on="2026-06-12"), now=JUNE)
    return world


def sheet_rows(book, name):
    return [[cell for cell in row if cell is not None] for row in book[name].iter_rows(values_only=True)]


def tables(rows):
    """A sheet's rows below its heading (title, community, month, as of, made, rule) and the blank line."""
    return rows[rows.index([]) + 1:]


def lookup(rows, label):
    """The cells after the first cell `label`, in the first row that starts with it."""
    return next(tuple(row[1:]) for row in rows if row and row[0] == label)


def test_the_monthly_workbook_holds_the_months_figures(engine, month):
    supervisor = month.actors["supervisor"]
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, supervisor, date(2026, 6, 1), language="en", today=date(2026, 6, 30))
    book = openpyxl.load_workbook(io.BytesIO(data))

    def t(key):
        return translate("en", key)

    assert book.sheetnames == [t("report.sheet.residents"), t("report.sheet.mediation"), t("report.sheet.judicial"),
                               t("report.sheet.training"), t("report.sheet.satisfaction"), t("report.sheet.visits"),
                               t("report.sheet.activities")]
    bureau = tables(sheet_rows(book, t("report.sheet.judicial")))  # June's table for the 司法所, by dispute type
    assert bureau[0][:3] == [t("judicial.type"), t("judicial.figure.received"), t("judicial.figure.settled")]
    total = next(row for row in bureau if row and row[0] == t("judicial.total"))
    assert total[1:3] == [2, 1]
    people = sheet_rows(book, t("report.sheet.residents"))
    assert lookup(people, t("report.all_residents"))[0] == 3  # one of four moved out on 10 June
    assert lookup(people, t("tag.elderly_alone"))[0] == 3
    assert lookup(people, t("tag.dibao"))[0] == 1
    assert lookup(people, t("tag.disabled"))[0] == 0

    cases = sheet_rows(book, t("report.sheet.mediation"))
    assert lookup(cases, t("report.cases_received"))[0] == 2
    assert lookup(cases, t("report.cases_agreed"))[0] == 1
    assert lookup(cases, t("report.success_rate"))[0] == 1
    assert lookup(cases, t("report.amount_agreed"))[0] == 300

    staff = sheet_rows(book, t("report.sheet.training"))
    assert lookup(staff, t("report.staff"))[0] == 3  # the workers and the supervisor: admin and trainer have no quota
    assert lookup(staff, t("report.compliant"))[0] == 1
    assert lookup(staff, t("report.compliance_rate"))[0] == pytest.approx(1 / 3)
    rate_cell = next(row[1] for row in book[t("report.sheet.training")].iter_rows()
                     if row[0].value == t("report.compliance_rate"))
    assert rate_cell.number_format == "0.0%"  # 33.3%, as the screen says it, not 0.333
    worker_line = lookup(staff, month.actors["worker"].display_name)
    assert worker_line[3:] == (COURSE_HOURS, 11.9, COURSE_HOURS, 0, t("compliance.pace.met"))  # 181 of 365 days: 11.9 h
    assert lookup(staff, "'=SUM(A1)") is not None  # a name that looks like a formula stays text

    ratings = sheet_rows(book, t("report.sheet.satisfaction"))
    every = JUNE_VISIT + JUNE_SAFETY
    overall = lookup(ratings, t("report.all_ratings"))
    assert overall[:2] == (len(every), round(sum(every) / len(every), 2))
    assert overall[2] < overall[1] < overall[3]  # the mean's 95% interval around it
    assert overall[4] == round(sum(s >= 4 for s in every) / len(every), 4)
    # Safety has too few ratings; visit would give it away (all − visit = safety), so it is hidden too.
    assert lookup(ratings, t("satisfaction.category.safety")) == (len(JUNE_SAFETY), *[t("satisfaction.too_few")] * 6)
    assert lookup(ratings, t("satisfaction.category.visit")) == (len(JUNE_VISIT), *[t("satisfaction.protected")] * 6)
    assert lookup(ratings, t("satisfaction.independence.third_party"))[0] == len(every)


def test_the_workbook_counts_the_months_visits_without_naming_a_resident(engine, month):
    """June (as of 30 June): 居民1, 2 and 4 each owe their quarter's visit, due on 30 June (joined in
    May and June); 居民1 was visited on 12 June, on time. 居民3 (disabled, 76: monthly) was due on 10
    June, the day he moved out: he had left the plan."""
    from core.visits import service as visits
    from db.models import Resident

    with write_session(engine) as session:
        first = session.scalar(select(Resident.id).where(Resident.name == "居民1"))
        visits.record(session, month.actors["worker"], visits.VisitInput(resident_id=first, visited_on="2026-06-12"),
                      now=JUNE)
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, month.actors["supervisor"], date(2026, 6, 1), today=date(2026, 7, 2))
    rows = tables(sheet_rows(openpyxl.load_workbook(io.BytesIO(data)), "走访"))
    # due, on time, late, missed, open, never visited, on time share
    assert lookup(rows, "全部网格") == (3, 1, 0, 0, 2, 2, 1)
    assert lookup(rows, "第一网格") == (3, 1, 0, 0, 2, 2, 1)
    assert lookup(rows, "worker one") == (3, 1, 0, 0, 2, 2, 1)
    assert not [cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith("居民")]


def test_no_cell_is_a_formula(engine, month):
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, month.actors["supervisor"], date(2026, 6, 1), today=date(2026, 6, 30))
        admins = reports.monthly_workbook(session, month.actors["admin"], date(2026, 6, 1), today=date(2026, 6, 30))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["居民", "调解", "司法所报表", "培训", "满意度", "走访", "社区活动"]
    # the admin's has no visits (they tell who is in a care group) and no sensitive group's count
    admins_book = openpyxl.load_workbook(io.BytesIO(admins))
    assert admins_book.sheetnames == ["居民", "调解", "司法所报表", "培训", "满意度"]
    assert "低保" not in repr([cell.value for row in admins_book["居民"].iter_rows() for cell in row])
    types = {cell.data_type for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert types <= {"s", "n", "d"}  # text, numbers and dates; never a formula ("f")


@pytest.mark.parametrize("role", ["worker", "trainer"])
def test_only_supervisors_and_admins_download_it(engine, month, role):
    with read_session(engine) as session, pytest.raises(Forbidden):
        reports.monthly_workbook(session, month.actors[role], date(2026, 6, 1))


def test_dashboard_figures_with_change_since_last_month(engine, month):
    from core.visits import service as visits
    from db.models import Resident

    with write_session(engine) as session:
        first = session.scalar(select(Resident.id).where(Resident.name == "居民1"))
        visits.record(session, month.actors["worker"], visits.VisitInput(resident_id=first, visited_on="2026-06-12"),
                      now=JUNE)
    with read_session(engine) as session:
        figures = reports.dashboard_figures(session, month.actors["supervisor"], date(2026, 6, 20))
    by_key = {(f.key, f.params.get("tag")): f for f in figures}
    residents_now = by_key["dashboard.residents", None]
    assert (residents_now.value, residents_now.previous, residents_now.change) == (3, 3, 0)
    elderly = by_key["dashboard.residents_tag", "elderly_alone"]
    # Tags keep no history: last month's count would have been today's tags; not compared.
    assert (elderly.value, elderly.previous, elderly.change, elderly.basis) == (3, None, None, "no_history")
    open_cases, overdue = by_key["dashboard.cases_open", None], by_key["dashboard.cases_overdue", None]
    assert (open_cases.value, open_cases.previous) == (2, 1)
    assert (overdue.value, overdue.previous) == (1, 1)
    compliance = by_key["dashboard.training_compliance", None]
    # community staff only (the admin and trainer have no quota): the worker met it, two others
    # behind; on 31 May, before the June course, all three were behind
    assert compliance.value == pytest.approx(1 / 3, abs=0.0001) and compliance.previous == 0.0
    assert compliance.basis == "month_end"
    every = JUNE_VISIT + JUNE_SAFETY
    count = by_key["dashboard.satisfaction_count", None]
    assert (count.value, count.change, count.basis, count.params) == (
        len(every), len(every), "same_days", {"days": 20, "previous_days": 20})
    assert by_key["dashboard.satisfaction_mean", None].value == round(sum(every) / len(every), 2)
    assert by_key["dashboard.satisfaction_mean", None].previous is None  # no ratings in May
    # June so far: one visit known, on time (the others' quarter runs to 30 June); May: none known
    on_time = by_key["dashboard.visits_on_time", None]
    assert (on_time.value, on_time.previous, on_time.unit) == (1.0, None, "percent")
    assert {f.link for f in figures} == {"residents", "cases", "compliance", "satisfaction", "visit-coverage",
                                         "activities"}


def test_a_worker_dashboard_holds_only_what_the_worker_may_see(engine, month):
    with read_session(engine) as session:
        figures = reports.dashboard_figures(session, month.actors["worker"], date(2026, 6, 20))
        trainer = reports.dashboard_figures(session, month.actors["trainer"], date(2026, 6, 20))
    assert {f.link for f in figures} == {"residents", "activities"}
    assert trainer == []


def rate(engine, world, days, scores):
    with write_session(engine) as session:
        for day in days:
            for score in scores:
                satisfaction.record_rating(session, world.actors["supervisor"], satisfaction.RatingInput(
                    score=score, category="visit", grid_id=world.grid_ids[0], rated_on=day),
                    now=datetime.combine(day, datetime.min.time()).replace(hour=18))


def test_the_dashboard_compares_the_month_to_date_with_the_same_days_of_last_month(engine):
    """6 days of June against 1–6 May, not against all of May: 5 ratings each, no change."""
    world = make_world(engine)
    rate(engine, world, [date(2026, 5, 3), date(2026, 5, 25)], [5, 4, 4, 3, 2])
    rate(engine, world, [date(2026, 6, 2)], [5, 5, 4, 4, 1])
    with read_session(engine) as session:
        figures = {f.key: f for f in reports.dashboard_figures(session, world.actors["supervisor"], date(2026, 6, 6))}
        march = {f.key: f for f in reports.dashboard_figures(session, world.actors["supervisor"], date(2026, 3, 31))}
    count, mean = figures["dashboard.satisfaction_count"], figures["dashboard.satisfaction_mean"]
    assert (count.value, count.previous, count.change) == (5, 5, 0)
    assert (mean.value, mean.previous) == (3.8, 3.6)
    assert count.params == {"days": 6, "previous_days": 6}
    assert march["dashboard.satisfaction_count"].params == {"days": 31, "previous_days": 28}  # all of February


def test_a_deleted_rating_leaves_the_month_to_date_and_every_grid_counts(engine):
    world = make_world(engine)
    rate(engine, world, [date(2026, 6, 2)], [5, 5, 4, 4, 1, 3])
    with write_session(engine) as session:
        satisfaction.record_rating(session, world.actors["admin"], satisfaction.RatingInput(
            score=1, category="visit", grid_id=world.grid_ids[1], rated_on=date(2026, 6, 3)),
            now=datetime(2026, 6, 3, 18))
        gone = session.scalar(select(Rating).where(Rating.score == 3))
        satisfaction.delete_rating(session, world.actors["supervisor"], gone.id, gone.version,
                                   now=datetime(2026, 6, 4, 9))
    with read_session(engine) as session:
        figures = satisfaction.days_overview(session, world.actors["admin"], date(2026, 6, 1), date(2026, 6, 6))
        before = satisfaction.days_overview(session, world.actors["admin"], date(2026, 6, 1), date(2026, 6, 2))
    assert (figures["count"], figures["mean"], before["count"]) == (6, round(20 / 6, 2), 5)


def test_each_sheet_says_what_it_is_and_a_past_month_stays_as_of_its_last_day(engine, month, tmp_path):
    """June's workbook made on 6 December: as of 30 June; a December course and hours earned
    elsewhere completed in July are not credited to June; tag rows say they count today's tags."""
    from core.training import external
    from tests import evidence_files

    worker, trainer, supervisor = (month.actors[r] for r in ("worker", "trainer", "supervisor"))
    with write_session(engine) as session:
        later = training.create_course(session, trainer, training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="年终复训", topic="调解", starts_at=datetime(2026, 12, 2, 9),
            ends_at=datetime(2026, 12, 2, 12), credit_hours=3, participant_ids=[month.actors["admin"].id]),
            now=datetime(2026, 11, 1, 9))
        training.save_roster(session, trainer, later.id, 0, [training.RosterEntry(supervisor.id, "present", None)],
                             now=datetime(2026, 12, 2, 12))
        claim = external.submit_claim(session, supervisor, external.ClaimInput(
            title="网络课程", organiser="省社工协会", category_id=categories.SOCIAL_WORK, completed_on=date(2026, 7, 3),
            hours=30, file_name="c.pdf", content=evidence_files.PDF), tmp_path, now=datetime(2026, 7, 5, 9))
        external.decide(session, month.actors["admin"], claim.id, approve=True, now=datetime(2026, 7, 6, 9))
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, supervisor, date(2026, 6, 1), language="zh-CN",
                                        made_at=datetime(2026, 12, 6, 10, 30))
    book = openpyxl.load_workbook(io.BytesIO(data))
    for name in book.sheetnames:
        rows = sheet_rows(book, name)
        assert rows[0] == [f"2026-06 月度工作报表 · {name}"]
        assert lookup(rows, "社区") == ("和平里社区",)  # a supervisor's own community, not the other
        assert lookup(rows, "月份") == ("2026-06-01 至 2026-06-30",)
        assert lookup(rows, "数据截至")[0].date() == date(2026, 6, 30)
        assert lookup(rows, "生成时间") == ("2026-12-06 10:30",)
        assert lookup(rows, "统计口径")[0]
    assert "少于 5 条" in lookup(sheet_rows(book, "满意度"), "统计口径")[0]
    people = sheet_rows(book, "居民")
    assert lookup(people, "独居老人")[1] == "按下载日 2026-12-06 的标签"
    assert lookup(people, "全部居民")[1] == "截至 2026-06-30"
    staff = sheet_rows(book, "培训")
    assert lookup(staff, supervisor.display_name)[3] == 0  # neither the December course nor July's 30 h


def test_the_activities_sheet_counts_residents_once_and_people_counted_apart(engine, month):
    from core.activities import service as activities
    from db.models import ActivityCategory, Resident

    worker = month.actors["worker"]
    with write_session(engine) as session:
        kinds = dict(session.execute(select(ActivityCategory.name, ActivityCategory.id)).tuples().all())
        alone = list(session.scalars(select(Resident.id).where(Resident.name.in_(["居民1", "居民2"]))))
        for day in (5, 19):
            starts = datetime(2026, 6, day, 9)
            activity = activities.create(session, worker, activities.ActivityInput(
                title="独居老人午餐会", category_id=kinds["老年人关怀"], starts_at=starts,
                ends_at=starts + timedelta(hours=2), grid_ids=[month.grid_ids[0]], target_groups=["elderly_alone"]),
                now=datetime(2026, 6, 1, 9))
            listed = {activities.sign_up(session, worker, activity.id, rid, now=datetime(2026, 6, 1, 10)).id
                      for rid in alone}
            activities.mark_attendance(session, worker, activity.id, listed, now=starts)
        square = activities.create(session, worker, activities.ActivityInput(
            title="反诈宣传", category_id=kinds["政策宣传"], topic="反诈", open_event=True,
            starts_at=datetime(2026, 6, 10, 9), ends_at=datetime(2026, 6, 10, 11), grid_ids=[month.grid_ids[0]]),
            now=datetime(2026, 6, 1, 9))
        activities.record_count(session, worker, square.id, head_count=60, reach=150, now=datetime(2026, 6, 10, 10))
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, month.actors["supervisor"], date(2026, 6, 1), today=date(2026, 6, 30))
    rows = {row[0]: row[1:] for row in sheet_rows(openpyxl.load_workbook(io.BytesIO(data)), "社区活动") if row}
    assert rows["已开展活动"][0] == 3 and rows["  老年人关怀"][0] == 2 and rows["  政策宣传"][0] == 1
    assert rows["服务居民（人）"][0] == 2  # the same two came twice: counted once
    assert (rows["到场人数"][0], rows["宣传覆盖（人次）"][0]) == (60, 150)  # people counted, apart
    assert rows["独居老人"][:2] == [2, 3]  # 居民1 and 居民2 of the three 独居老人 (居民4 did not come)
