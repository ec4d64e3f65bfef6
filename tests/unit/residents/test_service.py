"""The residents registry on both databases: rules, scope, search, privacy."""

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from core.base import keys
from core.base.crypto import KeyMismatch, Vault
from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.residents import service as residents
from core.residents.service import Filters, ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent, Household, Resident
from tests.factories import make_resident_id, make_world, register, save, vault_for_tests

VAULT = vault_for_tests()
ZHANG_ID = make_resident_id("19800101", "011")


def add(engine, actor, **fields):
    values = {"name": "张伟", "id_number": ZHANG_ID, "phone": "13812345678", "address": "和平里小区3号楼2单元301",
              "relation": "户主", "tags": ["unemployed"]}
    values.update(fields)
    with write_session(engine) as session:
        return register(session, actor, VAULT, ResidentForm(**values)).id


def world_and_worker(engine):
    world = make_world(engine)
    return world, world.actors["worker"], world.grid_ids[0]


def counts(engine):
    with read_session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Resident)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


def test_create_derives_birth_and_sex_and_encrypts_the_id(engine):
    world, worker, grid = world_and_worker(engine)
    resident_id = add(engine, worker, grid_id=grid)
    with read_session(engine) as session:
        resident = session.get(Resident, resident_id)
        assert (resident.birth_date, resident.sex) == (date(1980, 1, 1), "M")
        assert resident.id_masked == "**************" + ZHANG_ID[-4:]
        assert ZHANG_ID not in (resident.id_enc or "") and VAULT.decrypt(resident.id_enc) == ZHANG_ID
        assert (resident.name_pinyin, resident.name_initials) == ("zhangwei", "zw")
        household = session.get(Household, resident.household_id)
        assert (household.compound, household.building, household.unit, household.room) == ("和平里小区", "3号楼", "2单元", "301")


def test_notes_keep_chinese_punctuation_while_the_name_is_folded(engine):
    world, worker, grid = world_and_worker(engine)
    resident_id = add(engine, worker, grid_id=grid, name="张伟\u3000", notes="门禁卡：已补办（11月），腿脚不便")
    with read_session(engine) as session:
        resident = session.get(Resident, resident_id)
        assert (resident.name, resident.notes) == ("张伟", "门禁卡：已补办（11月），腿脚不便")


def test_same_id_is_refused_even_in_another_grid(engine):
    world, worker, grid = world_and_worker(engine)
    add(engine, worker, grid_id=grid)
    before = counts(engine)
    with pytest.raises(Invalid) as refused:
        add(engine, world.actors["supervisor"], grid_id=world.grid_ids[1], name="张伟伟")
    assert refused.value.field == "id_number" and refused.value.key == "error.resident.id_taken"
    assert counts(engine) == before


def test_same_name_and_birth_date_asks_for_confirmation(engine):
    world, worker, grid = world_and_worker(engine)
    add(engine, worker, grid_id=grid, id_number="", birth_date="1980-01-01", sex="男")
    with pytest.raises(residents.PossibleDuplicate) as warned:
        add(engine, worker, grid_id=grid, id_number="", birth_date="1980-01-01", sex="男", phone="")
    assert warned.value.matches[0]["name"] == "张伟"
    with write_session(engine) as session:
        register(session, worker, VAULT, ResidentForm(name="张伟", birth_date="1980-01-01", sex="男", grid_id=grid),
                         confirm_duplicate=True)


def test_bad_form_reports_every_field_and_writes_nothing(engine):
    world, worker, grid = world_and_worker(engine)
    before = counts(engine)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            register(session, worker, VAULT, ResidentForm(name="", id_number="110105198001010", phone="123",
                                                                   grid_id=None, tags=["vip"]))
    assert {e.field for e in refused.value.errors} == {"person_name", "id_number", "phone", "grid", "tags"}
    assert counts(engine) == before


def test_worker_cannot_register_into_or_open_another_grid(engine):
    world, worker, grid = world_and_worker(engine)
    with pytest.raises(Invalid) as refused:
        add(engine, worker, grid_id=world.grid_ids[1])
    assert refused.value.key == "error.grid.not_yours"
    other = add(engine, world.actors["supervisor"], grid_id=world.grid_ids[1])
    with pytest.raises(Forbidden):
        with read_session(engine) as session:
            residents.detail(session, worker, other)
    with read_session(engine) as session:
        assert residents.search(session, worker, VAULT, Filters()).total == 0
        assert residents.search(session, world.actors["supervisor"], VAULT, Filters()).total == 1
    with pytest.raises(Forbidden):
        with read_session(engine) as session:
            residents.search(session, world.actors["trainer"], VAULT, Filters())


@pytest.fixture
def registry(engine):
    world, worker, grid = world_and_worker(engine)
    people = [
        ("张伟", make_resident_id("19800101", "011"), "13812345678", "和平里小区3号楼2单元301", ["unemployed"]),
        ("曾小明", make_resident_id("20150606", "021"), "13900001111", "和平里小区5号楼1单元101", ["left_behind_child"]),
        ("李_娜", make_resident_id("19700707", "022"), "", "幸福家园1栋1单元1%", ["dibao"]),
        ("王芳", make_resident_id("19450303", "042"), "13700002222", "和平里小区3号楼2单元301", ["disabled"]),
    ]
    for name, id_number, phone, address, tags in people:
        add(engine, worker, grid_id=grid, name=name, id_number=id_number, phone=phone, address=address, tags=tags)
    return world, worker


def names(engine, actor, **filters):
    with read_session(engine) as session:
        return [row["name"] for row in residents.search(session, actor, VAULT, Filters(**filters)).rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zhangwei", ["张伟"]), ("zw", ["张伟"]), ("ZW", ["张伟"]), ("zengxm", []), ("zxm", ["曾小明"]),
        ("zeng", ["曾小明"]), ("1111", ["曾小明"]), ("张", ["张伟"]), ("3号楼", ["王芳", "张伟"]),
        ("_", ["李_娜"]), ("%", ["李_娜"]), (make_resident_id("19450303", "042"), ["王芳"]),
        (make_resident_id("19450303", "042").lower()[:-1] + make_resident_id("19450303", "042")[-1], ["王芳"]),
    ],
)
def test_search(engine, registry, query, expected):
    world, worker = registry
    assert sorted(names(engine, worker, query=query)) == sorted(expected)


@pytest.mark.parametrize("query", ["张 伟", "张\u3000伟", " 张伟 ", "阿依古丽.买买提", "阿依古丽•买买提", "阿依古丽 · 买买提",
                                   "b座", "万科城b座"])
def test_search_finds_names_as_stored_and_addresses_in_any_case(engine, registry, query):
    world, worker = registry
    add(engine, worker, grid_id=world.grid_ids[0], name="阿依古丽·买买提", id_number="", birth_date="1990-01-01",
        sex="女", phone="", address="万科城B座wanke 1201")
    expected = ["张伟"] if "张" in query else ["阿依古丽·买买提"]
    assert names(engine, worker, query=query) == expected


def test_invisible_characters_do_not_make_a_second_person(engine, registry):
    world, worker = registry
    add(engine, worker, grid_id=world.grid_ids[0], name="赵\u200b云\ufeff", id_number="", birth_date="1990-01-01",
        sex="男", phone="")
    assert names(engine, worker, query="赵云") == ["赵云"] and names(engine, worker, query="zhaoyun") == ["赵云"]
    with pytest.raises(residents.PossibleDuplicate):  # the same person typed with a soft hyphen
        add(engine, worker, grid_id=world.grid_ids[0], name="赵\u00ad云", id_number="", birth_date="1990-01-01",
            sex="男", phone="")


def test_filters_tag_status_age_and_newest_first(engine, registry):
    world, worker = registry
    assert names(engine, worker) == ["王芳", "李_娜", "曾小明", "张伟"]
    assert names(engine, worker, tag="disabled") == ["王芳"]
    assert names(engine, worker, age_min=60) == ["王芳"]
    assert names(engine, worker, age_max=17) == ["曾小明"]
    assert names(engine, worker, age_min=40, age_max=59) == ["李_娜", "张伟"]


def test_status_change_keeps_the_resident(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        wang = session.scalar(select(Resident).where(Resident.name == "王芳"))
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            residents.change_status(session, worker, wang.id, wang.version, "deceased", None)
    assert refused.value.field == "status_date"
    with write_session(engine) as session:
        residents.change_status(session, worker, wang.id, wang.version, "deceased", "2026-11-01")
    assert names(engine, worker, status="deceased") == ["王芳"]
    assert "王芳" in names(engine, worker)


def test_stale_update_is_refused_and_the_first_kept(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        zhang = session.scalar(select(Resident).where(Resident.name == "张伟"))
        form, version = residents.edit_form(session, worker, VAULT, zhang.id)
    form.notes = "first"
    with write_session(engine) as session:
        save(session, worker, VAULT, zhang.id, version, residents.keep_hidden_values(session, worker, VAULT, zhang.id, form))
    form.notes = "second"
    with pytest.raises(StaleEdit):
        with write_session(engine) as session:
            save(session, worker, VAULT, zhang.id, version, residents.keep_hidden_values(session, worker, VAULT, zhang.id, form))
    with read_session(engine) as session:
        kept = session.get(Resident, zhang.id)
        assert kept.notes == "first" and VAULT.decrypt(kept.id_enc) == make_resident_id("19800101", "011")


def test_reveal_needs_a_permitted_role_and_a_reason_and_is_audited(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        zhang_id = session.scalar(select(Resident.id).where(Resident.name == "张伟"))
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            residents.reveal(session, worker, VAULT, zhang_id, "id_number", "需要核对")
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            residents.reveal(session, world.actors["supervisor"], VAULT, zhang_id, "id_number", " ")
    assert refused.value.field == "reason"
    with write_session(engine) as session:
        full = residents.reveal(session, world.actors["supervisor"], VAULT, zhang_id, "id_number", "办理低保核对")
    assert full == make_resident_id("19800101", "011")
    with read_session(engine) as session:
        reveals = session.scalars(select(AuditEvent).where(AuditEvent.action == "reveal")).all()
    assert len(reveals) == 1 and "办理低保核对" in reveals[0].after and full not in reveals[0].after


def test_detail_lists_household_members_and_history(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        zhang_id = session.scalar(select(Resident.id).where(Resident.name == "张伟"))
        shown = residents.detail(session, worker, zhang_id)
        events = residents.history(session, worker, zhang_id)
    assert sorted(m["name"] for m in shown["members"]) == ["张伟", "王芳"]
    assert shown["phone_masked"] == "138****5678" and shown["id_masked"].startswith("**************")
    assert [e["action"] for e in events] == ["resident_create"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_database_file_holds_no_plaintext_id(engine, registry, tmp_path):
    engine.dispose()  # checkpoint the WAL into the file
    raw = (tmp_path / "linli.db").read_bytes()
    for id_number in (make_resident_id("19800101", "011"), make_resident_id("19450303", "042")):
        assert id_number.encode() not in raw


def test_start_up_refuses_a_key_that_does_not_match_the_database(engine):
    with write_session(engine) as session:
        keys.check_database_key(session, VAULT)
    with write_session(engine) as session:
        keys.check_database_key(session, VAULT)  # same key: fine
    with pytest.raises(KeyMismatch):
        with read_session(engine) as session:
            keys.check_database_key(session, Vault("another-key-entirely-0123456789abcdef", VAULT.hash_key))


def test_a_worker_learns_nothing_of_other_grids_from_duplicate_checks(engine):
    world, worker, grid = world_and_worker(engine)
    add(engine, world.actors["supervisor"], grid_id=world.grid_ids[1], name="外人", id_number="",
        birth_date="1970-01-01", sex="女", phone="")
    # Same name and birth date in another grid: no warning naming them.
    add(engine, worker, grid_id=grid, name="外人", id_number="", birth_date="1970-01-01", sex="女", phone="")
    other_id = make_resident_id("19650505", "072")
    add(engine, world.actors["supervisor"], grid_id=world.grid_ids[1], name="甲", id_number=other_id, phone="")
    with pytest.raises(Invalid) as refused:
        add(engine, worker, grid_id=grid, name="乙", id_number=other_id, phone="")
    assert refused.value.key == "error.resident.id_taken_elsewhere" and refused.value.params == {}


def spaced(number: str, sizes: tuple[int, ...], gap: str = " ") -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(number[start:start + size])
        start += size
    return gap.join(parts)


@pytest.mark.parametrize("typed", [lambda n: n, lambda n: spaced(n, (4, 4, 4, 4, 2)), lambda n: spaced(n, (6, 8, 4)),
                                   lambda n: spaced(n, (6, 8, 4), "-"), lambda n: spaced(n, (6, 12), "\u3000"),
                                   lambda n: spaced(n, (6, 8, 4), "."), lambda n: spaced(n, (6, 8, 4), "，")],
                         ids=["whole", "fours", "region-birth-rest", "hyphens", "ideographic-space", "dots", "commas"])
def test_export_audit_never_keeps_a_full_number_typed_into_the_search(engine, registry, typed):
    world, worker = registry
    wanted = make_resident_id("19450303", "042")
    query = typed(wanted)
    with write_session(engine) as session:
        residents.export_rows(session, world.actors["supervisor"], VAULT, Filters(query=query))
    with read_session(engine) as session:
        exported = json.loads(session.scalar(select(AuditEvent.after).where(AuditEvent.action == "export")))
    kept = re.sub(r"[\s-]", "", exported["query"])
    assert kept == "**************" + wanted[-4:]  # only the last 4: region and birth date gone


def test_an_invalid_18_digit_search_counts_without_multiplying_rows(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        almost = make_resident_id("19450303", "042")[:-1] + "0"
        assert residents.count(session, worker, VAULT, Filters(query=almost)) == 0
        assert residents.count(session, worker, VAULT, Filters(query="3号楼")) == 2


def test_a_stale_status_change_is_refused(engine, registry):
    world, worker = registry
    with read_session(engine) as session:
        zhang = session.scalar(select(Resident).where(Resident.name == "张伟"))
    with write_session(engine) as session:
        residents.change_status(session, worker, zhang.id, zhang.version, "moved_out", "2026-11-01")
    with pytest.raises(StaleEdit):
        with write_session(engine) as session:
            residents.change_status(session, worker, zhang.id, zhang.version, "deceased", "2026-11-02")


def test_an_address_the_parser_cannot_split_is_kept_whole(engine):
    world, worker, grid = world_and_worker(engine)
    long_address = "很长的" * 20 + "小区3号楼"
    resident_id = add(engine, worker, grid_id=grid, address=long_address)
    with read_session(engine) as session:
        household = session.get(Household, session.get(Resident, resident_id).household_id)
    assert household.address == long_address and household.compound == ""


def test_the_id_lookup_hash_is_hmac_sha256_with_the_derived_key():
    # Stored hashes must never change meaning: the fast path is checked against the standard library.
    import hashlib
    import hmac

    from core.base.crypto import _key_bytes

    key = _key_bytes("hash:" + VAULT.hash_key)
    for value in ("11010519491231002X", make_resident_id("19800101", "011"), "", "身份证"):
        assert VAULT.lookup_hash(value) == hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    assert VAULT.lookup_hash("a") != Vault(VAULT.encryption_key, "another-hash-key-0123456789").lookup_hash("a")


def test_saving_the_same_values_writes_nothing_but_a_fixed_middle_digit_is_a_change(engine):
    world, worker, grid = world_and_worker(engine)
    resident_id = add(engine, worker, grid_id=grid)
    with write_session(engine) as session:
        form, version = residents.edit_form(session, worker, VAULT, resident_id)
        form = residents.keep_hidden_values(session, worker, VAULT, resident_id, form)
    with pytest.raises(residents.NothingChanged), write_session(engine) as session:
        save(session, worker, VAULT, resident_id, version, form)
    with read_session(engine) as session:
        assert session.get(Resident, resident_id).version == version
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "resident_update")) == 0
    # Another district, the same check digit: the masked ID (the snapshot's) is the same.
    fixed = next(number for number in (make_resident_id("19800101", "011", region=f"1101{d:02d}") for d in range(1, 99))
                 if number != ZHANG_ID and number[-1] == ZHANG_ID[-1])
    form.id_number = fixed
    with write_session(engine) as session:
        save(session, worker, VAULT, resident_id, version, form)
    with read_session(engine) as session:
        assert VAULT.decrypt(session.get(Resident, resident_id).id_enc) == fixed


def test_a_latin_name_keeps_its_space_and_is_found_typed_either_way(engine, registry):
    world, worker = registry
    add(engine, worker, grid_id=world.grid_ids[0], name="John  Smith", id_number="", birth_date="1990-01-01",
        sex="男", phone="")
    assert names(engine, worker, query="John Smith") == ["John Smith"]
    assert names(engine, worker, query="johnsm") == ["John Smith"]


def test_the_export_audit_keeps_the_age_range_too(engine, registry):
    world, worker = registry
    with write_session(engine) as session:
        rows = residents.export_rows(session, worker, VAULT, Filters(age_min=60, age_max=90))
    with read_session(engine) as session:
        exported = json.loads(session.scalar(select(AuditEvent.after).where(AuditEvent.action == "export")))
    assert len(rows) == 1 and (exported["age_min"], exported["age_max"]) == (60, 90)


def test_a_worker_cannot_empty_a_registered_id_but_a_supervisor_can(engine):
    world, worker, grid = world_and_worker(engine)
    resident_id = add(engine, worker, grid_id=grid)
    for actor, refused in ((worker, True), (world.actors["supervisor"], False)):
        with write_session(engine) as session:
            form, version = residents.edit_form(session, actor, VAULT, resident_id)
            form = residents.keep_hidden_values(session, actor, VAULT, resident_id, form)
            form.id_number, form.birth_date, form.sex = "", "1980-01-01", "男"  # without an ID, these are typed
        if refused:
            with pytest.raises(Invalid) as error, write_session(engine) as session:
                save(session, actor, VAULT, resident_id, version, form)
            assert (error.value.field, error.value.key) == ("id_number", "error.id.cannot_clear")
        else:
            with write_session(engine) as session:
                save(session, actor, VAULT, resident_id, version, form)
    with read_session(engine) as session:
        assert session.get(Resident, resident_id).id_hash is None  # removed by the supervisor only
