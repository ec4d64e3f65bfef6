"""Residents screens through the real app: list, search, add, reveal, import; privacy and scope."""

import html
import re
from datetime import date

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from core.residents import lookups
from core.residents import service as residents
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent, Resident
from tests import hostile_sheets
from tests.app.conftest import login, new_app, open_url, texts
from tests.factories import make_resident_id, make_world, register, save, vault_for_tests
from tests.unit.residents.test_imports import BAD, GOOD, csv_bytes
from ui.residents.list import TABLE_KEY

VAULT = vault_for_tests()
MINE = make_resident_id("19800101", "011")
OTHERS = make_resident_id("19700707", "022")
ANY_FULL_ID = re.compile(r"\d{17}[\dX]")


def seed(app_world):
    world = app_world.world
    with write_session(app_world.engine) as session:
        register(session, world.actors["worker"], VAULT, ResidentForm(
            name="张伟", id_number=MINE, phone="13812345678", grid_id=world.grid_ids[0],
            address="和平里小区3号楼2单元301", tags=["unemployed"]))
        register(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="外网格人", id_number=OTHERS, grid_id=world.grid_ids[1]))


def everything_rendered(at) -> str:
    """Every text the screen holds, tables included."""
    parts = [texts(at)] + [frame.value.to_csv() for frame in at.dataframe]
    parts += [str(w.value) for w in at.text_input] + [str(c.value) for c in at.code]
    return "\n".join(parts)


def rows_shown(at):
    return list(at.dataframe[0].value["姓名"]) if at.dataframe else []


def pick_first_row(at, row: int = 0) -> None:
    """A click on a row of the residents table now shown."""
    at.session_state[at.session_state[TABLE_KEY]] = {"selection": {"rows": [row], "columns": []}}


def worker_opens_the_first_resident(app_world):
    """The seeded registry, the worker's residents page with its first row opened: (app, resident id)."""
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    return at, int(next(k for k in at.session_state if str(k).startswith("resident_version_")).split("_")[-1])


def test_worker_sees_only_their_grid_and_never_a_full_id(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    assert rows_shown(at) == ["张伟"]
    pick_first_row(at)  # open the details
    at.run()
    assert "同户成员" in [tab.label for tab in at.tabs]  # details, household and the edit form are drawn
    shown = everything_rendered(at)
    assert not ANY_FULL_ID.search(shown) and "13812345678" not in shown
    assert "**************" + MINE[-4:] in shown and "138****5678" in shown


def test_editing_without_touching_the_masked_fields_keeps_id_and_phone(app_world):
    at, resident_id = worker_opens_the_first_resident(app_world)
    next(w for w in at.text_area if w.key.startswith(f"edit_{resident_id}_v")).input("腿脚不便")
    at.button(key=f"save_resident_{resident_id}").click().run()
    assert "已保存 张伟" in texts(at)
    with read_session(app_world.engine) as session:
        saved = session.get(Resident, int(resident_id))
        assert saved.notes == "腿脚不便" and saved.phone == "13812345678"
        assert VAULT.decrypt(saved.id_enc) == MINE


def test_worker_search_by_pinyin_and_cannot_find_another_grid(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    at.text_input(key="residents_query").input("zw").run()
    assert rows_shown(at) == ["张伟"]
    at.text_input(key="residents_query").input(OTHERS).run()
    assert rows_shown(at) == [] and "没有符合条件的居民" in texts(at)



def id_lookups_audited(app_world) -> int:
    with read_session(app_world.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "resident_id_lookup")) or 0


def test_full_id_searches_stop_at_the_hours_limit_and_each_is_audited(app_world, monkeypatch):
    monkeypatch.setenv("LINLI_ID_LOOKUPS_PER_HOUR", "3")
    seed(app_world)  # the worker registered MINE: its duplicate check was the first lookup
    at = open_url(login(new_app(), "worker1"), "residents")
    for number, found in ((MINE, ["张伟"]), (OTHERS, []), (make_resident_id("19900101", "033"), [])):
        at.text_input(key="residents_query").input(number).run()
        assert rows_shown(at) == found and not at.error
    at.text_input(key="residents_query").input(make_resident_id("19900101", "044")).run()
    assert "已达上限" in at.error[0].value and rows_shown(at) == []
    assert id_lookups_audited(app_world) == 3
    at.text_input(key="residents_query").input("zw").run()  # names, pinyin and phones search as before
    assert rows_shown(at) == ["张伟"]


def test_a_new_resident_past_the_limit_is_refused_beside_the_id_and_nothing_written(app_world, monkeypatch):
    monkeypatch.setenv("LINLI_ID_LOOKUPS_PER_HOUR", "1")
    with write_session(app_world.engine) as session:  # the hour's one lookup, spent on a search
        lookups.note(session, app_world.world.actors["worker"], VAULT, OTHERS, field="query")
    errors = refusals_of_a_new_resident(app_world, id=make_resident_id("19900101", "055"))
    assert errors and errors[0].startswith("身份证号：您在最近一小时内已按 1 个不同的身份证号精确查找，已达上限")

def test_supervisor_reveals_with_a_reason_and_it_is_audited(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "supervisor1"), "residents")
    at.text_input(key="residents_query").input("张伟").run()
    pick_first_row(at)  # a click on the row
    at.run()
    reveal_form = [w for w in at.text_input if w.label == "查看理由"]
    assert reveal_form, "the supervisor sees the reveal form"
    reveal_form[0].input("核对低保材料")
    [b for b in at.button if b.label == "查看完整身份证号"][0].click().run()
    assert f"身份证号：{MINE}" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reveal")) == 1


def test_worker_has_no_reveal_form(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    assert "同户成员" in [tab.label for tab in at.tabs]
    assert not [w for w in at.text_input if w.label == "查看理由"]


def test_add_a_resident_from_the_id_alone(app_world):
    at = open_url(login(new_app(), "worker1"), "resident-new")
    new_id = make_resident_id("19560214", "032")
    at.text_input(key="new_resident_name").input("李秀兰")
    at.text_input(key="new_resident_id").input(new_id.lower()).run()
    assert "出生日期 1956-02-14 · 女" in texts(at)
    at.text_input(key="new_resident_address").input("和平里小区7号楼1单元502")
    at.button(key="resident_new_submit").click().run()
    assert "已登记 李秀兰" in texts(at)
    with read_session(app_world.engine) as session:
        added = session.scalar(select(Resident).where(Resident.name == "李秀兰"))
        assert added.sex == "F" and VAULT.decrypt(added.id_enc) == new_id


def refusals_of_a_new_resident(app_world, **typed: str) -> list[str]:
    """The worker's new-resident form sent with 王五, a 15-digit ID and `typed` (field key → text):
    the refusals shown, once it is certain that nothing was written."""
    at = open_url(login(new_app(), "worker1"), "resident-new")
    for field, text in {"name": "王五", "id": "110105198001010", **typed}.items():
        at.text_input(key=f"new_resident_{field}").input(text)
    at.button(key="resident_new_submit").click().run()
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 0
    return [e.value for e in at.error]


def test_bad_resident_input_is_refused_beside_the_field_and_nothing_written(app_world):
    errors = refusals_of_a_new_resident(app_world, phone="12345")
    assert any(e.startswith("身份证号：应为 18 位") for e in errors)
    assert any(e.startswith("联系电话：应为 11 位手机号") for e in errors)


def test_a_bad_id_number_and_an_unreadable_birth_date_are_refused_together(app_world):
    errors = refusals_of_a_new_resident(app_world, birth="1980-02-30")
    assert any(e.startswith("身份证号：应为 18 位") for e in errors)
    assert any(e.startswith("出生日期：") for e in errors)  # not only after the ID is corrected


def test_the_special_groups_choice_offers_no_english_select_all(app_world):
    at = open_url(login(new_app(), "supervisor1"), "resident-new")
    groups = at.multiselect(key="new_resident_tags")
    assert len(groups.options) == 14 and groups.proto.select_all == 0  # Streamlit's "Select all", in English


def worker_warned_of_a_duplicate(app_world):
    """The worker's new-resident form, submitted with the seeded 张伟's name and birth date."""
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "resident-new")
    at.text_input(key="new_resident_name").input("张伟")
    at.text_input(key="new_resident_birth").input("1980-01-01")
    at.selectbox(key="new_resident_sex").select("男")
    at.button(key="resident_new_submit").click().run()
    assert "已有 1 位同名且出生日期相同的居民" in texts(at)
    return at


def test_possible_duplicate_is_shown_before_creating(app_world):
    at = worker_warned_of_a_duplicate(app_world)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 2  # nothing created yet
    at.checkbox(key="resident_new_confirm").check()
    at.button(key="resident_new_submit").click().run()
    assert "已登记 张伟" in texts(at)
    assert at.text_input(key="new_resident_name").value == "" and not at.checkbox  # empty, no old warning


def test_a_duplicate_warning_goes_when_the_person_typed_changes(app_world):
    at = worker_warned_of_a_duplicate(app_world)
    at.text_input(key="new_resident_name").input("赵六").run()
    assert "同名且出生日期相同" not in texts(at) and not at.checkbox
    at.button(key="resident_new_submit").click().run()
    assert "已登记 赵六" in texts(at)


def test_a_stale_edit_saved_twice_never_undoes_the_other_change(app_world):
    at, resident_id = worker_opens_the_first_resident(app_world)
    with read_session(app_world.engine) as session:
        form, version = residents.edit_form(session, app_world.world.actors["supervisor"], VAULT, resident_id)
    form.ethnicity = "回族"
    with write_session(app_world.engine) as session:  # someone else saves first
        save(session, app_world.world.actors["supervisor"], VAULT, resident_id, version,
                         residents.keep_hidden_values(session, app_world.world.actors["supervisor"], VAULT,
                                                      resident_id, form))
    notes = next(w for w in at.text_area if w.key.startswith(f"edit_{resident_id}_v"))
    notes.input("我的修改")
    at.button(key=f"save_resident_{resident_id}").click().run()
    # Refused, and the form shows their change at once, not the stale values a second Save would keep.
    assert any("有人在您打开后修改了这条记录" in e.value for e in at.error)
    assert next(w for w in at.text_input if w.label == "民族").value == "回族"
    at.button(key=f"save_resident_{resident_id}").click().run()  # nothing of mine re-entered yet
    assert "没有修改，无需保存。" in [i.value for i in at.info] and not at.success
    next(w for w in at.text_area if w.label == "备注").input("我的修改")
    at.button(key=f"save_resident_{resident_id}").click().run()
    assert "已保存" in texts(at)
    with read_session(app_world.engine) as session:
        saved = session.get(Resident, resident_id)
        assert (saved.ethnicity, saved.notes, saved.version) == ("回族", "我的修改", 3)


def test_import_screen_reports_bad_lines_and_writes_nothing_until_fixed(app_world):
    at = open_url(login(new_app(), "supervisor1"), "resident-import")
    at.file_uploader(key="import_file").upload("roster.csv", csv_bytes(GOOD + BAD, "gbk"), "text/csv").run()
    at.button(key="import_go").click().run()
    assert "共 8 行，其中 5 行有问题，未导入任何数据" in texts(at)
    lines = sorted(set(at.dataframe[0].value["行号"]))
    assert lines == [5, 6, 7, 8, 9]
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 0
    at.checkbox(key="import_partial").check()
    at.button(key="import_go").click().run()
    assert "已导入 3 人；5 行未导入" in texts(at)



@pytest.mark.parametrize(("declared", "words"), [(True, "第一个工作表范围为 1,048,576 行 × 16,384 列，最多读取 200,000 行 × 60 列"),
                                                 (False, "读取该工作簿需要超过 3,072 MB 内存")])
def test_a_sheet_reaching_the_last_cell_is_refused_with_the_limit_and_the_screen_goes_on(app_world, declared, words):
    at = open_url(login(new_app(), "worker1"), "resident-import")
    at.file_uploader(key="import_file").upload("roster.xlsx", hostile_sheets.corner(declared=declared),
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    at.button(key="import_check").click().run()
    assert not at.exception and words in "".join(e.value for e in at.error)
    at.file_uploader(key="import_file").upload("roster.csv", csv_bytes(GOOD, "gbk"), "text/csv").run()
    at.button(key="import_check").click().run()
    assert "共 3 行：" in texts(at) and not at.error  # the next file reads as usual

def test_a_check_reports_what_an_import_would_do_and_names_columns_as_the_screens_do(app_world):
    at = open_url(login(new_app(), "supervisor1"), "resident-import")
    rows = [row[:6] + ["第九网格"] + row[7:] for row in GOOD]
    at.checkbox(key="import_create_grids").check()
    at.file_uploader(key="import_file").upload("roster.csv", csv_bytes(rows + BAD, "gbk"), "text/csv").run()
    at.button(key="import_check").click().run()
    shown = texts(at)
    assert "共 8 行：3 行可以导入，5 行有问题。" in shown and "未导入任何数据" not in shown  # a check, not a failure
    assert "导入时将新建网格：第九网格" in shown and "网格不存在" not in shown
    assert "姓名 ← 姓名" in shown and "名称" not in shown
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 0


def uploader_styles(at) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def test_import_file_picker_reads_in_the_session_language(app_world):
    at = open_url(login(new_app(), "supervisor1"), "resident-import")
    style = next(body for body in uploader_styles(at) if ".st-key-import_file " in body)
    assert '"选择文件"' in style and '"单个文件不超过 20 MB · XLSX、CSV"' in style
    at.sidebar.selectbox(key="language_switch_user").select("en").run()
    assert at.title[0].value == "Import a residents roster"
    assert not any("st-key-import_file" in body for body in uploader_styles(at))  # Streamlit's own English


def history_table(at):
    return next(frame.value for frame in at.dataframe if "字段" in frame.value.columns)


def test_history_tab_reads_field_by_field_with_masked_values(app_world):
    seed(app_world)
    worker = app_world.world.actors["worker"]
    with write_session(app_world.engine) as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.name == "张伟"))
        form, version = residents.edit_form(session, worker, VAULT, resident_id)
        form.ethnicity, form.phone, form.tags = "回族", "13900001111", ["unemployed", "veteran"]
        save(session, worker, VAULT, resident_id, version,
                         residents.keep_hidden_values(session, worker, VAULT, resident_id, form))
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    table = history_table(at)
    edit = table[table["操作"] == "修改居民"]
    assert [tuple(row) for row in edit[["字段", "修改前", "修改后"]].itertuples(index=False)] == [
        ("联系电话", "138****5678", "139****1111"),
        ("民族", "", "回族"),
        ("人员类别", "失业人员", "失业人员、退役军人"),
    ]
    created = table[table["操作"] == "登记居民"]
    assert "网格" in set(created["字段"]) and "第一网格" in set(created["修改后"])
    assert not ANY_FULL_ID.search(table.to_csv()) and "13900001111" not in table.to_csv()
    assert "{" not in table.to_csv()  # no raw JSON left


def test_after_a_save_the_details_and_history_show_it_at_once(app_world):
    at, resident_id = worker_opens_the_first_resident(app_world)
    next(w for w in at.text_input if w.label == "民族").input("回族")
    at.button(key=f"save_resident_{resident_id}").click().run()
    assert "已保存 张伟。" in texts(at)
    assert "**民族**：回族" in texts(at)  # the details tab, drawn above the form
    assert ("民族", "", "回族") in {tuple(r) for r in history_table(at)[["字段", "修改前", "修改后"]].itertuples(index=False)}
    at.run()
    assert "已保存 张伟。" not in texts(at)  # the notice is shown once

    next(w for w in at.selectbox if w.label == "状态" and w.value == "active").select("moved_out")
    next(b for b in at.button if b.label == "保存" and b.key != f"save_resident_{resident_id}").click().run()
    assert "状态已更新。" in texts(at)
    assert "**状态**：迁出" in texts(at)


def test_export_options_are_drawn_once_the_panel_is_opened_and_the_export_is_audited(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    assert [e.label for e in at.expander] == ["导出"]
    assert "export_prepare" not in [b.key for b in at.button]  # collapsed: nothing drawn inside
    at.session_state["export_open"] = True  # what a click on the expander sends
    at.run()
    at.button(key="export_prepare").click().run()
    assert at.get("download_button")[0].label == "下载（1 人）"  # the worker's grid only
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 1

    at.text_input(key="residents_query").input("没有这个人").run()  # nothing matches: nothing to export
    assert "export_prepare" not in [b.key for b in at.button] and "无可导出" in texts(at)


def test_an_age_range_upside_down_says_so(app_world):
    seed(app_world)
    at = open_url(login(new_app(), "worker1"), "residents")
    at.number_input(key="residents_age_min").set_value(60)
    at.number_input(key="residents_age_max").set_value(50).run()
    assert [w.value for w in at.warning] == ["最小年龄 60 大于最大年龄 50，没有居民符合。"]


def test_the_list_count_follows_every_write_and_each_users_scope(app_world):
    # The count is kept between reruns (per audit high-water mark): it must still move with a
    # write made elsewhere, and never be shared between a worker's scope and a supervisor's.
    seed(app_world)
    boss = open_url(login(new_app(), "supervisor1"), "residents")
    assert "共 2 条" in texts(boss)
    worker = open_url(login(new_app(), "worker1"), "residents")
    assert "共 1 条" in texts(worker)
    world = app_world.world
    with write_session(app_world.engine) as session:
        register(session, world.actors["worker"], VAULT, ResidentForm(
            name="李娜", id_number=make_resident_id("19900202", "031"), grid_id=world.grid_ids[0]))
    assert "共 3 条" in texts(boss.run()) and "共 2 条" in texts(worker.run())
    with write_session(app_world.engine) as session:  # in the other grid: only the supervisor's count moves
        register(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="赵敏", id_number=make_resident_id("19910303", "041"), grid_id=world.grid_ids[1]))
    assert "共 4 条" in texts(boss.run()) and "共 2 条" in texts(worker.run())


def test_two_databases_at_the_same_audit_mark_keep_their_own_counts(tmp_path):
    # st.cache_data is shared by the process: the kept count must belong to its database.
    from core.base import audit
    from core.residents import imports
    from db import migrate
    from db.engine import make_engine
    from ui.residents.list import counted

    def database(name, write):
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        migrate.upgrade(engine)
        world = make_world(engine)
        with write_session(engine) as session:
            write(session, world)
        return engine, world

    one, world_one = database("one.db", lambda session, world: register(
        session, world.actors["supervisor"], VAULT, ResidentForm(name="甲", id_number=MINE, grid_id=world.grid_ids[0])))
    two, world_two = database("two.db", lambda session, world: imports.import_residents(
        session, world.actors["supervisor"], VAULT, csv_bytes(GOOD, "utf-8-sig"), "r.csv"))  # 3 rows, one audit row
    with read_session(one) as first, read_session(two) as second:
        assert audit.high_water(first) == audit.high_water(second)
        assert counted(first, world_one.actors["supervisor"], one, VAULT, residents.Filters()) == 1
        assert counted(second, world_two.actors["supervisor"], two, VAULT, residents.Filters()) == 3


def test_the_panel_shows_notes_and_names_as_typed_not_as_markdown(app_world):
    notes = "门禁 ![x](http://attacker.example/p.png) 补贴 $300，另 $200 *已核实*"
    with write_session(app_world.engine) as session:
        register(session, app_world.world.actors["worker"], VAULT, ResidentForm(
            name="张_伟", grid_id=app_world.world.grid_ids[0], birth_date="1950-01-01", sex="男", notes=notes))
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    rendered = [html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").render(m.value))).strip()
                for m in [*at.markdown, *at.subheader]]
    assert "备注：" + notes in rendered
    assert any(text.startswith("张_伟 · 男") for text in rendered)
    assert all("\\$" in m.value for m in at.markdown if "$300" in m.value)  # no formula in Streamlit's markdown


def test_a_new_search_opens_nobody_until_a_row_is_picked(app_world):
    seed(app_world)
    with write_session(app_world.engine) as session:
        register(session, app_world.world.actors["worker"], VAULT, ResidentForm(
            name="李娜", grid_id=app_world.world.grid_ids[0], birth_date="1990-01-01", sex="女"))
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    assert at.subheader[0].value.startswith("李娜")
    at.text_input(key="residents_query").input("张伟").run()  # 张伟 is now in the row 李娜 was in
    assert rows_shown(at) == ["张伟"]
    assert not any(header.value.startswith("张伟") for header in at.subheader)  # nobody opened unasked
    pick_first_row(at)
    at.run()
    assert at.subheader[0].value.startswith("张伟")


def test_a_resident_opened_again_starts_from_the_latest_save(app_world):
    at, resident_id = worker_opens_the_first_resident(app_world)
    at.session_state[at.session_state[TABLE_KEY]] = {"selection": {"rows": [], "columns": []}}  # closed
    at.run()
    worker = app_world.world.actors["worker"]
    with write_session(app_world.engine) as session:  # a colleague saves meanwhile
        form, version = residents.edit_form(session, worker, VAULT, resident_id)
        form.ethnicity = "回族"
        save(session, worker, VAULT, resident_id, version,
                         residents.keep_hidden_values(session, worker, VAULT, resident_id, form))
    pick_first_row(at)
    at.run()
    assert not at.warning  # no "someone changed it" for a panel opened after their save
    next(w for w in at.text_area if w.label == "备注").input("已走访")
    at.button(key=f"save_resident_{resident_id}").click().run()
    assert not at.error
    with read_session(app_world.engine) as session:
        saved = session.get(Resident, resident_id)
        assert (saved.ethnicity, saved.notes) == ("回族", "已走访")


def test_a_move_out_years_ago_is_saved_on_its_own_day(app_world):
    at, resident_id = worker_opens_the_first_resident(app_world)
    field = next(d for d in at.date_input if d.label == "状态日期")
    assert field.proto.min == "1980-01-01"  # any day since the resident's birth, not only the last ten years
    [*(s for s in at.selectbox if s.label == "状态")][-1].select("moved_out")  # the form's, after the filter
    field.set_value(date(2012, 3, 1))
    at.button(key=f"FormSubmitter:status_{resident_id}-保存").click().run()
    assert not at.error
    with read_session(app_world.engine) as session:
        saved = session.get(Resident, resident_id)
        assert (saved.status, saved.status_date) == ("moved_out", date(2012, 3, 1))


def test_a_status_dated_before_a_corrected_birth_date_still_opens(app_world):
    worker = app_world.world.actors["worker"]
    with write_session(app_world.engine) as session:
        resident = register(session, worker, VAULT, ResidentForm(
            name="李娜", grid_id=app_world.world.grid_ids[0], birth_date="1980-01-01", sex="女"))
        moved = residents.change_status(session, worker, resident.id, resident.version, "moved_out", "2000-01-01")
        form, version = residents.edit_form(session, worker, VAULT, resident.id)
        form.birth_date = "2005-01-01"  # the birth date corrected afterwards
        save(session, worker, VAULT, resident.id, moved.version, form)
    at = open_url(login(new_app(), "worker1"), "residents")
    pick_first_row(at)
    at.run()
    assert not at.exception and at.subheader[0].value.startswith("李娜")
    assert next(d for d in at.date_input if d.label == "状态日期").value == date(2000, 1, 1)


def test_a_residents_page_shows_visits_changes_and_cases_on_one_timeline(app_world):
    """Newest first: a major change recorded on the page, a case they are a party to, a visit."""
    from datetime import timedelta

    from core.mediation import dispute_types
    from core.mediation import service as mediations
    from core.mediation.service import CaseInput, PartyInput
    from core.visits import service as visits
    from db.models import MajorChange

    seed(app_world)
    world = app_world.world
    with read_session(app_world.engine) as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.name == "张伟"))
        kind = next(iter(dispute_types.offered(session, world.actors["worker"])))
    with write_session(app_world.engine) as session:
        visits.record(session, world.actors["worker"], visits.VisitInput(
            resident_id=resident_id, visited_on=date.today() - timedelta(days=3), method="phone_video", health="poor",
            hazards=("gas",), notes="腿脚不便"))
        case = mediations.register(session, world.actors["worker"], CaseInput(
            intake_date=date.today() - timedelta(days=1), source="application", type_id=kind,
            grid_id=world.grid_ids[0], facts="噪音",
            parties=[PartyInput(resident_id=resident_id), PartyInput(side="respondent", name="楼上")]))
    at = open_url(login(new_app(), "worker1"), "residents")
    at.text_input(key="residents_query").input("张伟").run()
    pick_first_row(at)
    at.run()
    at.button(key=f"FormSubmitter:major_change_{resident_id}-登记重大变化").click().run()
    assert "已登记，24 小时内应走访。" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(MajorChange.kind)) == "hospital"
    at.run()
    frame = next(frame.value for frame in at.dataframe if "事项" in frame.value.columns)
    assert list(frame["事项"]) == ["住院（24小时内走访）", "调解案件", "电话/视频探访"]
    assert list(frame["情况"])[1] == f"{case.number}（婚姻，申请人，受理）"
    assert list(frame["情况"])[2] == "健康状况：较差、安全隐患：燃气、腿脚不便"
