"""Roster import: encodings, numeric IDs, line numbers, all-or-nothing, grids, scope."""

import csv
import io
from datetime import date, timedelta

import pytest
import xlsxwriter
from sqlalchemy import func, select

from core.base import spreadsheets
from core.base.errors import Invalid
from core.base.gc_pause import collector_paused
from core.base.i18n import translate
from core.base.spreadsheets import ImportRefused
from core.residents import identity, imports
from db.engine import read_session, write_session
from db.models import Grid, Household, Resident, resident_tags
from tests.factories import make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
HEADER = ["姓名", "性别", "身份证号", "出生日期", "联系电话", "住址", "网格", "人员类别", "备注"]
GOOD = [
    ["张伟", "男", make_resident_id("19800101", "011"), "", "138 1234 5678", "和平里小区3号楼2单元301", "第一网格", "失业人员", ""],
    ["王芳", "女", make_resident_id("19450303", "042"), "1945-03-03", "", "和平里小区3号楼2单元301", "第一网格", "残疾人、低保", "轮椅"],
    ["曾小明", "", make_resident_id("20150606", "021"), "", "+86 139-0000-1111", "和平里小区5号楼1单元101", "第二网格", "留守儿童", ""],
]
BAD = [
    ["李四", "男", "110105198001010", "", "", "", "第一网格", "", ""],  # line 5: 15 digits
    ["", "女", make_resident_id("19900101", "022"), "", "", "", "第一网格", "", ""],  # line 6: no name
    ["赵六", "男", make_resident_id("19700707", "031"), "", "12345", "", "第九网格", "", ""],  # line 7: phone, grid
    ["钱七", "男", make_resident_id("19800101", "011"), "", "", "", "第一网格", "", ""],  # line 8: same ID as line 2
    ["孙八", "男", make_resident_id("19600606", "051"), "", "", "", "第一网格", "贵宾", ""],  # line 9: unknown group
]
EXPECTED_BAD = {(5, "id_number"), (6, "person_name"), (7, "phone"), (7, "grid"), (8, "id_number"), (9, "tags")}


def csv_bytes(rows, encoding):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, numeric_ids=False):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if c == 2 and numeric_ids and value:
                sheet.write_number(r, c, float(value[:17]))  # what Excel does to a long number
            else:
                sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def run(engine, actor, data, filename, **options):
    with write_session(engine) as session:
        return imports.import_residents(session, actor, VAULT, data, filename, **options)


def resident_count(engine):
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(Resident))


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("roster.csv", csv_bytes(GOOD + BAD, "gbk")),
        ("roster.csv", csv_bytes(GOOD + BAD, "utf-8-sig")),
        ("roster.csv", csv_bytes(GOOD + BAD, "utf-8")),
        ("roster.xlsx", xlsx_bytes(GOOD + BAD)),
    ],
    ids=["gbk-csv", "utf8-bom-csv", "utf8-csv", "xlsx"],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_written(engine, filename, data):
    world = make_world(engine)
    report = run(engine, world.actors["supervisor"], data, filename)
    assert report.rows_read == 8
    assert {(p.line, p.field) for p in report.problems} == EXPECTED_BAD
    assert report.refused_lines == 5 and report.imported == 0 and not report.written
    assert report.unknown_grids == ["第九网格"]
    assert resident_count(engine) == 0


def test_only_good_rows_when_asked(engine):
    world = make_world(engine)
    report = run(engine, world.actors["supervisor"], csv_bytes(GOOD + BAD, "gbk"), "roster.csv", allow_partial=True)
    assert report.imported == 3 and report.written
    with read_session(engine) as session:
        wang = session.scalar(select(Resident).where(Resident.name == "王芳"))
        assert VAULT.decrypt(wang.id_enc) == make_resident_id("19450303", "042")
        tags = set(session.scalars(select(resident_tags.c.tag).where(resident_tags.c.resident_id == wang.id)))
        assert tags == {"disabled", "dibao"}
        zhang = session.scalar(select(Resident).where(Resident.name == "张伟"))
        assert zhang.phone == "13812345678" and zhang.household_id == wang.household_id
        assert session.scalar(select(func.count()).select_from(Household)) == 2


def test_all_good_file_imports_in_one_go_and_a_second_run_refuses_every_row(engine):
    world = make_world(engine)
    assert run(engine, world.actors["supervisor"], xlsx_bytes(GOOD), "roster.xlsx").imported == 3
    again = run(engine, world.actors["supervisor"], xlsx_bytes(GOOD), "roster.xlsx")
    assert [(p.line, p.key) for p in again.problems] == [(2, "error.import.already_registered"),
                                                         (3, "error.import.already_registered"),
                                                         (4, "error.import.already_registered")]
    assert resident_count(engine) == 3


def test_a_line_with_a_bad_id_and_an_unreadable_birth_date_reports_both(engine):
    world = make_world(engine)
    bad = ["李四", "男", "110105198001010", "1980年13月45日", "", "", "第一网格", "", ""]
    report = run(engine, world.actors["supervisor"], csv_bytes([bad], "utf-8"), "roster.csv")
    assert [(p.line, p.field) for p in report.problems] == [(2, "id_number"), (2, "birth_date")]
    assert report.refused_lines == 1 and resident_count(engine) == 0


def test_ids_stored_as_numbers_are_refused_line_by_line(engine):
    world = make_world(engine)
    report = run(engine, world.actors["supervisor"], xlsx_bytes(GOOD, numeric_ids=True), "roster.xlsx")
    assert [(p.line, p.field, p.key) for p in report.problems] == [
        (line, "id_number", "error.import.id_is_number") for line in (2, 3, 4)]
    assert resident_count(engine) == 0


def test_unknown_grids_are_created_only_when_asked(engine):
    world = make_world(engine)
    rows = [["周九", "男", make_resident_id("19910909", "061"), "", "", "", "新网格", "", ""]]
    assert run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv").problems[0].key == "error.grid.unknown_named"
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", create_grids=True)
    assert report.created_grids == ["新网格"] and report.imported == 1
    with read_session(engine) as session:
        assert session.scalar(select(Grid).where(Grid.name == "新网格")) is not None


def test_a_worker_imports_only_into_their_own_grids(engine):
    world = make_world(engine)
    report = run(engine, world.actors["worker"], csv_bytes(GOOD, "utf-8"), "r.csv", allow_partial=True)
    assert [(p.line, p.key) for p in report.problems] == [(4, "error.grid.not_yours")]
    assert report.imported == 2
    with pytest.raises(Invalid) as refused:  # creating grids is for admins and supervisors
        run(engine, world.actors["worker"], csv_bytes(GOOD, "utf-8"), "r.csv", create_grids=True)
    assert refused.value.key == "error.forbidden"


def test_rows_without_a_grid_go_only_to_a_grid_of_ones_own(engine):
    world = make_world(engine)
    rows = [[cell if index != 6 else "" for index, cell in enumerate(row)] for row in GOOD]
    other = run(engine, world.actors["worker"], csv_bytes(rows, "utf-8"), "r.csv", default_grid_id=world.grid_ids[1])
    assert {p.key for p in other.problems} == {"error.grid.not_yours"}
    missing = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", default_grid_id=987654)
    assert {p.key for p in missing.problems} == {"error.grid.unknown"}
    assert run(engine, world.actors["worker"], csv_bytes(rows, "utf-8"), "r.csv",
               default_grid_id=world.grid_ids[0]).imported == 3


def test_dry_run_previews_without_writing(engine):
    world = make_world(engine)
    report = run(engine, world.actors["supervisor"], csv_bytes(GOOD, "utf-8"), "r.csv", dry_run=True)
    assert [row["name"] for row in report.preview] == ["张伟", "王芳", "曾小明"]
    assert report.preview[0]["id_number"].startswith("**************")
    assert resident_count(engine) == 0


@pytest.mark.parametrize(
    ("filename", "data", "key"),
    [
        ("roster.csv", b"\xff\xff\xfe\x00garbage\x81", "error.import.encoding"),
        ("roster.pdf", b"%PDF", "error.import.file_type"),
        ("roster.xlsx", b"not a workbook", "error.import.not_a_workbook"),
        ("roster.csv", "电话,住址\n1,2\n".encode(), "error.import.no_name_column"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(engine, filename, data, key):
    world = make_world(engine)
    with pytest.raises(ImportRefused) as refused:
        run(engine, world.actors["supervisor"], data, filename)
    assert refused.value.key == key


def test_report_csv_names_line_field_and_reason(engine):
    world = make_world(engine)
    report = run(engine, world.actors["supervisor"], csv_bytes(GOOD + BAD, "gbk"), "roster.csv")
    text = spreadsheets.report_csv(report, lambda key, **p: translate("zh-CN", key, **p)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["line", "field", "reason"]
    assert ["5", "身份证号", "应为 18 位，现为 15 位（15 位旧号码请换成 18 位）"] in rows
    assert ["8", "身份证号", "与第 2 行的身份证号重复"] in rows
    assert len(rows) == 1 + len(EXPECTED_BAD)


def test_a_roster_of_refused_rows_leaves_no_garbage_for_the_paused_collector(engine):
    # The import runs with the cycle collector paused: a refusal must not leave a reference
    # cycle per row behind (100k such rows once held ~0.5 GB until the import ended).
    import gc

    world = make_world(engine)
    rows = [[f"某{i}", "男", "1101051980010100", "", "12345", "", "第一网格", "", ""] for i in range(3000)]
    gc.collect()
    with collector_paused():  # held past the import's own pause, so that no automatic pass hides the cycles
        report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "bad.csv", dry_run=True)
        garbage = gc.collect()
    assert report.refused_lines == 3000
    assert garbage < 300, garbage  # was ~10 objects per refused row


def test_an_id_registered_meanwhile_on_postgresql_is_reported_not_a_crash(pg_url):
    # On PostgreSQL nothing stops a colleague from registering an ID while a first roster is being
    # imported; the import must report that line, as it does for IDs registered before it began.
    from core.residents.service import ResidentForm
    from db.engine import make_engine
    from tests.conftest import _truncate_all

    engine = make_engine(pg_url)
    try:
        world = make_world(engine)
        born = [date(1940, 1, 1) + timedelta(days=7 * i) for i in range(2500)]
        ids = [make_resident_id(f"{day:%Y%m%d}", f"{101 + i % 9:03d}") for i, day in enumerate(born)]
        assert len(set(ids)) == 2500
        rows = [[f"居民{i}", "", id_number, "", "", "", "第一网格", "", ""] for i, id_number in enumerate(ids)]
        registered_meanwhile = ids[-1]  # in the second block of rows

        def colleague_registers(fraction, stage):
            if stage != "done" and fraction < 0.9 and resident_count(engine) == 0:
                with write_session(engine) as session:
                    register(session, world.actors["supervisor"], VAULT, ResidentForm(
                        name="别人", id_number=registered_meanwhile, grid_id=world.grid_ids[0]))

        report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", allow_partial=True,
                     progress=colleague_registers)
        assert [(p.line, p.key) for p in report.problems] == [(2501, "error.import.already_registered")]
        assert report.imported == 2499
    finally:
        _truncate_all(engine)
        engine.dispose()


def without_id(name, born, grid="第一网格", sex="女"):
    return [name, sex, "", born, "", "幸福家园2栋101", grid, "", ""]


def test_rows_without_an_id_are_not_imported_twice(engine):
    """Without an ID, a person is their name and birth date, as for the add form's warning."""
    world = make_world(engine)
    rows = [without_id("刘敏", "1960-05-05"), without_id("刘敏", "1960-05-05"), without_id("刘敏", "1961-05-05"),
            GOOD[0], without_id("张伟", "1980-01-01")]  # line 6: the same as line 5, which has an ID
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", allow_partial=True)
    assert [(p.line, p.field, p.key, p.params) for p in report.problems] == [
        (3, "person_name", "error.import.same_person_in_file", {"line": 2}),
        (6, "person_name", "error.import.same_person_in_file", {"line": 5})]
    assert report.imported == 3

    again = run(engine, world.actors["supervisor"], csv_bytes(rows[:1] + [without_id("刘敏", "1962-05-05")], "utf-8"), "r.csv")
    assert [(p.line, p.key) for p in again.problems] == [(2, "error.import.same_person_registered")]
    assert not again.written and resident_count(engine) == 3


def test_a_worker_importing_without_ids_learns_nothing_of_other_grids(engine):
    world = make_world(engine)
    run(engine, world.actors["supervisor"], csv_bytes([without_id("刘敏", "1960-05-05", grid="第二网格")], "utf-8"), "r.csv")
    report = run(engine, world.actors["worker"], csv_bytes([without_id("刘敏", "1960-05-05")], "utf-8"), "r.csv")
    assert report.problems == [] and report.imported == 1


def an_id_ending_in_000() -> str:
    """A valid ID number whose last three characters are 000 (sequence x00, check digit 0)."""
    for day in range(1, 29):
        for first in "0123456789":
            number = make_resident_id(f"198001{day:02d}", first + "00")
            if number.endswith("000"):
                return number
    raise AssertionError("none found")


def test_ids_of_a_column_excel_cut_to_15_digits_are_refused_with_advice(engine):
    """Saved as CSV, a cut column is text ending in 000; the 1 in 11 that pass the check digit
    must not be stored as someone's ID."""
    world = make_world(engine)
    whole = [make_resident_id(f"1980{month:02d}{day:02d}", "123") for month in (1, 2, 3) for day in range(1, 29)]
    cut = [number[:15] + "000" for number in whole]
    rows = [[f"居民{i}", "", number, "", "", "", "第一网格", "", ""] for i, number in enumerate(cut)]
    passing = [line for line, number in enumerate(cut, start=2) if identity.check_digit(number[:17]) == number[-1]]
    assert passing  # some cut numbers pass the check digit: those are the danger
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", allow_partial=True)
    assert [p.line for p in report.problems if p.key == "error.import.id_truncated"] == passing
    assert report.refused_lines == len(rows) and resident_count(engine) == 0


def test_a_real_id_ending_in_000_among_others_is_imported(engine):
    world = make_world(engine)
    real = an_id_ending_in_000()
    rows = [["吴刚", "", real, "", "", "", "第一网格", "", ""]] + [
        [f"居民{i}", "", make_resident_id(f"1980{i + 1:02d}01", "011"), "", "", "", "第一网格", "", ""] for i in range(11)]
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv")
    assert report.problems == [] and report.imported == 12


def test_a_grid_name_too_long_to_create_is_refused_in_the_check_as_in_the_import(engine):
    world = make_world(engine)
    rows = [["周九", "男", make_resident_id("19910909", "061"), "", "", "", "网" * 101, "", ""]]
    for dry_run in (True, False):
        report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", create_grids=True,
                     dry_run=dry_run)
        assert [(p.line, p.field, p.key) for p in report.problems] == [(2, "grid", "error.too_long")]
        assert report.created_grids == [] and report.unknown_grids == []
    assert resident_count(engine) == 0


def test_a_household_registered_meanwhile_on_postgresql_is_joined_not_a_crash(pg_url):
    # A colleague registers someone at an address that a later block of the roster also names.
    from core.residents.service import ResidentForm
    from db.engine import make_engine
    from tests.conftest import _truncate_all

    engine = make_engine(pg_url)
    try:
        world = make_world(engine)
        rows = [[f"居民{i}", "", make_resident_id(f"{date(1950, 1, 1) + timedelta(days=i):%Y%m%d}", "011"), "", "",
                 f"和平里小区{i}号楼101", "第一网格", "", ""] for i in range(2500)]
        shared = rows[-1][5]  # in the second block

        def colleague_registers(fraction, stage):
            if stage != "done" and fraction < 0.9 and resident_count(engine) == 0:
                with write_session(engine) as session:
                    register(session, world.actors["supervisor"], VAULT, ResidentForm(
                        name="别人", grid_id=world.grid_ids[0], birth_date="1970-01-01", sex="男", address=shared))

        report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", progress=colleague_registers)
        assert report.problems == [] and report.imported == 2500
        with read_session(engine) as session:
            homes = dict(session.execute(select(Resident.name, Resident.household_id)
                                         .where(Resident.name.in_(["别人", "居民2499"]))).all())
        assert homes["别人"] == homes["居民2499"] is not None
    finally:
        _truncate_all(engine)
        engine.dispose()


def test_a_household_an_import_is_writing_is_joined_by_a_colleague_on_postgresql(pg_url):
    # The other order: the import wrote the household first and has not committed; the
    # colleague's save waits for it, then joins the household instead of failing.
    import threading

    from sqlalchemy import insert, text

    from core.residents.service import ResidentForm
    from db.engine import make_engine
    from tests.conftest import _truncate_all

    engine = make_engine(pg_url)
    try:
        world = make_world(engine)
        importing = engine.connect()
        transaction = importing.begin()
        household_id = importing.execute(insert(Household).values(
            grid_id=world.grid_ids[0], address="幸福家园9栋1单元101", created_at=date(2026, 1, 1), version=1)
            .returning(Household.id)).scalar_one()
        saved = {}

        def colleague():
            with write_session(engine) as session:
                saved["household"] = register(session, world.actors["supervisor"], VAULT, ResidentForm(
                    name="别人", grid_id=world.grid_ids[0], birth_date="1970-01-01", sex="男",
                    address="幸福家园9栋1单元101")).household_id

        thread = threading.Thread(target=colleague)
        thread.start()
        with engine.connect() as watcher:  # until the colleague's insert waits on the import's row
            for _ in range(200):
                if watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar():
                    break
                threading.Event().wait(0.05)
            else:
                raise AssertionError("the colleague's save never waited")
        transaction.commit()
        importing.close()
        thread.join(timeout=30)
        assert saved == {"household": household_id}
    finally:
        _truncate_all(engine)
        engine.dispose()


def test_a_birth_month_column_of_a_workbook_is_read_as_a_year_and_a_month(engine):
    """出生年月 as offices keep it: a date formatted 1980年10月 (day 1), or 1980.10 typed as a number."""
    from datetime import datetime

    world = make_world(engine)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    month_format = book.add_format({"num_format": "yyyy年m月"})
    sheet.write_row(0, 0, ["姓名", "身份证号", "出生年月", "网格"])
    rows = [("甲", make_resident_id("19801015", "011"), datetime(1980, 10, 1)),  # line 2
            ("乙", make_resident_id("19801016", "011"), 1980.1),  # 1980.10 typed; the ID says October
            ("丙", make_resident_id("19800116", "011"), 1980.1),  # 1980.1 typed; the ID says January
            ("丁", make_resident_id("19801216", "011"), 1980.12),
            ("庚", make_resident_id("19800216", "011"), 1980.2),  # February, not month 20
            ("辛", make_resident_id("19800516", "011"), 1980.05),
            ("戊", make_resident_id("19801017", "011"), datetime(1980, 11, 1)),  # line 8: not the ID's month
            ("己", make_resident_id("19800517", "011"), 1980.1)]  # line 9: neither January nor October
    for line, (name, id_number, born) in enumerate(rows, start=1):
        sheet.write_string(line, 0, name)
        sheet.write_string(line, 1, id_number)
        if isinstance(born, datetime):
            sheet.write_datetime(line, 2, born, month_format)
        else:
            sheet.write_number(line, 2, born)
        sheet.write_string(line, 3, "第一网格")
    book.close()
    report = run(engine, world.actors["supervisor"], out.getvalue(), "roster.xlsx", allow_partial=True)
    assert [(p.line, p.field, p.key) for p in report.problems] == [
        (8, "birth_date", "error.id.birth_mismatch"), (9, "birth_date", "error.id.birth_mismatch")]
    assert report.imported == 6


def test_a_birth_month_column_keeps_a_whole_date_for_a_row_without_an_id(engine):
    from datetime import datetime

    world = make_world(engine)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "性别", "出生年月", "网格"])
    for line, (name, born) in enumerate([("甲", datetime(1950, 3, 1)), ("乙", datetime(1950, 3, 17))], start=1):
        sheet.write_row(line, 0, [name, "女"])
        sheet.write_datetime(line, 2, born, book.add_format({"num_format": "yyyy年m月"}))
        sheet.write_string(line, 3, "第一网格")
    book.close()
    report = run(engine, world.actors["supervisor"], out.getvalue(), "roster.xlsx")
    assert report.problems == [] and report.imported == 2
    with read_session(engine) as session:
        assert sorted(session.scalars(select(Resident.birth_date))) == [date(1950, 3, 1), date(1950, 3, 17)]


def test_the_same_person_with_and_without_an_id_is_caught_in_either_order(engine):
    world = make_world(engine)
    with_id = ["张伟", "", make_resident_id("19800101", "011"), "", "", "", "第一网格", "", ""]
    rows = [without_id("张伟", "1980-01-01", sex="男"), with_id]  # the ID-less line first this time
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", allow_partial=True)
    assert [(p.line, p.key, p.params) for p in report.problems] == [
        (3, "error.import.same_person_as_line_without_id", {"line": 2})]
    again = run(engine, world.actors["supervisor"], csv_bytes([with_id], "utf-8"), "r.csv")  # registered without an ID
    assert [(p.line, p.key) for p in again.problems] == [(2, "error.import.same_person_registered_without_id")]
    assert resident_count(engine) == 1


def test_only_id_shaped_cells_count_towards_an_excel_cut_column(engine):
    world = make_world(engine)
    whole = [make_resident_id(f"1980{month:02d}{day:02d}", "123") for month in (1, 2, 3) for day in range(1, 29)]
    passing = [number[:15] + "000" for number in whole
               if identity.check_digit(number[:15] + "00") == "0"][:3]  # cut, and passing the check digit
    assert passing
    rows = [[f"居民{i}", "", number, "", "", "", "第一网格", "", ""] for i, number in enumerate(passing)]
    rows += [[f"无证{i}", "女", "无", "1990-01-01", "", "", "第一网格", "", ""] for i in range(40)]
    report = run(engine, world.actors["supervisor"], csv_bytes(rows, "utf-8"), "r.csv", allow_partial=True)
    assert [p.line for p in report.problems if p.key == "error.import.id_truncated"] == [2, 3, 4][:len(passing)]
