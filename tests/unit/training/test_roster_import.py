"""Roster upload on both databases: line-numbered refusals, nothing written on failure, merge."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from core.base.errors import StaleEdit
from core.base.spreadsheets import ImportRefused, report_csv
from core.training import roster_import
from core.training import service as training
from db.engine import read_session, write_session
from db.models import Attendance, AuditEvent
from tests.factories import count
from tests.unit.training.test_service import course, make_world


def as_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[list[object]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    book.close()
    return out.getvalue()


def setup(engine):
    world = make_world(engine)
    trainer = world.actors["trainer"]
    people = {r: world.actors[r].id for r in ("worker", "supervisor", "admin")}
    row = course(engine, trainer, datetime(2026, 11, 20, 9, 0), hours=3.0, participants=people.values())
    with read_session(engine) as session:
        _, version = training.load_roster(session, trainer, row.id)
    return world, trainer, people, row, version


def saved(engine) -> dict[int, tuple[str, float]]:
    with read_session(engine) as session:
        return {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}


def upload(engine, trainer, course_id, version, data, filename="roster.csv", **options):
    with write_session(engine) as session:
        return roster_import.import_roster(session, trainer, course_id, version, data, filename, **options)


def test_a_good_file_saves_its_lines_and_keeps_the_people_it_does_not_name(engine):
    world, trainer, people, row, version = setup(engine)
    data = as_csv([["用户名", "姓名", "出勤", "学时"],
                   ["WORKER1", "", "迟到", "2.5"],          # user names are case-insensitive
                   ["", "supervisor one", "请假", ""],      # excused: no hours whatever the file says
                   ["", "", "", ""]])                       # blank lines are skipped, not refused
    report = upload(engine, trainer, row.id, version, data)
    assert report.written and report.problems == [] and report.rows_read == 2
    assert saved(engine) == {people["worker"]: ("late", 2.5), people["supervisor"]: ("excused", 0.0)}
    assert report.version == version + 1  # admin one, expected but not in the file, is not credited

    report = upload(engine, trainer, row.id, version + 1, as_csv([["姓名", "出勤"], ["admin one", "缺席"]]))
    assert saved(engine) == {people["worker"]: ("late", 2.5), people["supervisor"]: ("excused", 0.0),
                             people["admin"]: ("absent", 0.0)}  # earlier marks kept


@pytest.mark.parametrize("fmt", ["csv-gbk", "xlsx"])
def test_bad_lines_are_reported_with_their_line_numbers_and_nothing_is_written(engine, fmt):
    world, trainer, people, row, version = setup(engine)
    rows = [["姓名", "出勤", "学时"],
            ["worker one", "出席", "3"],      # 2: good
            ["无此人", "出席", "3"],          # 3: not on the staff list
            ["admin one", "出席", "-1"],      # 4: negative hours
            ["admin one", "出席", "0"],       # 5: zero hours for present
            ["supervisor one", "出席", "9"],  # 6: more than the course's 3 hours
            ["supervisor one", "睡觉", "3"],  # 7: unknown status
            ["worker one", "迟到", "2"],      # 8: same person as line 2
            ["trainer one", "", "3"],         # 9: status missing
            ["admin one", "出席", "nan"]]     # 10: not a number
    data = as_csv(rows, "gbk") if fmt == "csv-gbk" else as_xlsx(rows)
    before = count(engine, AuditEvent)
    report = upload(engine, trainer, row.id, version, data, "roster." + fmt.split("-")[0])
    assert not report.written
    assert [(p.line, p.field, p.key) for p in report.problems] == [
        (3, "person_name", "error.roster_import.unknown_person"),
        (4, "hours", "error.hours.range"),
        (5, "hours", "error.hours.zero_for_present"),
        (6, "hours", "error.hours.range"),
        (7, "status", "error.roster_import.status"),
        (8, "person_name", "error.roster_import.duplicate_in_file"),
        (9, "status", "error.required"),
        (10, "hours", "error.hours.format"),
    ]
    assert report.refused_lines == 8
    assert saved(engine) == {} and count(engine, AuditEvent) == before
    lines = report_csv(report.as_report(), lambda key, **params: key).decode("utf-8-sig").splitlines()
    assert lines[0] == "line,field,reason" and lines[1].startswith("3,field.person_name,")


def test_a_name_two_staff_share_must_be_given_as_a_user_name(engine):
    from core.office import users

    world, trainer, people, row, version = setup(engine)
    with write_session(engine) as session:
        users.create_user(session, None, username="worker2", display_name="worker one", role="worker",
                          community_id=world.community_id, password="Secret123", must_change_password=False)
    report = upload(engine, trainer, row.id, version, as_csv([["姓名", "出勤"], ["worker one", "出席"]]))
    assert [(p.line, p.key) for p in report.problems] == [(2, "error.roster_import.ambiguous_name")]
    report = upload(engine, trainer, row.id, version, as_csv([["用户名", "出勤"], ["worker2", "出席"]]))
    assert report.written and saved(engine)[report.entries[0]["user_id"]] == ("present", 3.0)


def test_a_stale_roster_is_refused_and_the_other_save_is_kept(engine):
    world, trainer, people, row, version = setup(engine)
    with write_session(engine) as session:
        training.save_roster(session, world.actors["admin"], row.id, version,
                             [training.RosterEntry(people["admin"], "absent", 0)])
    with pytest.raises(StaleEdit):
        upload(engine, trainer, row.id, version, as_csv([["姓名", "出勤"], ["worker one", "出席"]]))
    assert saved(engine) == {people["admin"]: ("absent", 0.0)}


def test_a_dry_run_checks_without_writing_and_files_without_the_needed_columns_are_refused(engine):
    world, trainer, people, row, version = setup(engine)
    report = upload(engine, trainer, row.id, version, as_csv([["姓名", "出勤"], ["worker one", "出席"]]), dry_run=True)
    assert report.entries and not report.written and saved(engine) == {}
    with pytest.raises(ImportRefused) as no_status:
        upload(engine, trainer, row.id, version, as_csv([["姓名", "学时"], ["worker one", "3"]]))
    assert no_status.value.key == "error.roster_import.no_status_column"
    with pytest.raises(ImportRefused) as no_person:
        upload(engine, trainer, row.id, version, as_csv([["出勤"], ["出席"]]))
    assert no_person.value.key == "error.roster_import.no_person_column"


def test_only_trainers_and_admins_upload_rosters(engine):
    from core.base.errors import Forbidden

    world, trainer, people, row, version = setup(engine)
    for role in ("worker", "supervisor"):
        with pytest.raises(Forbidden):
            upload(engine, world.actors[role], row.id, version, as_csv([["姓名", "出勤"], ["worker one", "出席"]]))
    assert saved(engine) == {}


def test_the_template_lists_the_roster_and_uploads_back_unchanged(engine):
    world, trainer, people, row, version = setup(engine)
    with read_session(engine) as session:
        template = roster_import.template_csv(session, trainer, row.id)
    lines = template.decode("utf-8-sig").splitlines()
    assert lines[0] == "用户名,姓名,出勤,学时" and "worker1,worker one,," in lines  # nobody marked yet
    report = upload(engine, trainer, row.id, version, template)  # uploaded unchanged: still nobody marked
    assert saved(engine) == {} and not report.written
    filled = template.decode("utf-8-sig").replace("worker1,worker one,,", "worker1,worker one,出席,").encode("utf-8")
    report = upload(engine, trainer, row.id, version, filled)  # the hours left empty: the course's
    assert report.written and saved(engine) == {people["worker"]: ("present", 3.0)}
