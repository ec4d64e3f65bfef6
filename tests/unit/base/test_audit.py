"""The audit trail: append-only, masked, readable, filtered and paged in SQL, and who reads it."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.base import audit
from core.base.audit import AuditFilter
from core.base.errors import Forbidden
from db.engine import read_session, write_session
from tests.factories import ROOT, make_resident_id, make_world, register


def test_audit_trail_is_append_only(engine):
    make_world(engine)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with write_session(engine) as session:
                session.execute(text(statement))


def test_audit_masks_sensitive_values(engine):
    with write_session(engine) as session:
        audit.record(session, ROOT, "user_update", after={"id_number": "11010519491231002X", "phone": "13812345678",
                                                           "password": "hunter2"})
    with read_session(engine) as session:
        row = audit.list_events(session, ROOT, AuditFilter()).rows[0]
    assert "**************002X" in row["after"] and "138****5678" in row["after"]  # an ID keeps only its last 4
    assert "hunter2" not in row["after"] and "11010519491231002X" not in row["after"]


def test_audit_rows_read_as_words_with_the_case_number(engine):
    from core.mediation import service as mediations
    from core.mediation.service import CaseInput, PartyInput
    from db.models import DisputeType

    world = make_world(engine)
    worker = world.actors["worker"]
    with write_session(engine) as session:
        kind = session.scalar(select(DisputeType.id).where(DisputeType.name == "邻里"))
        case = mediations.register(session, worker, CaseInput(
            intake_date=date.today(), source="application", type_id=kind, grid_id=world.grid_ids[0],
            facts="楼上漏水", parties=[PartyInput(side="applicant", name="张三"),
                                       PartyInput(side="respondent", name="李四")]))
        audit.record(session, worker, "case_transition", object_type="case", object_id=case.id,
                     before={"state": "followed_up"}, after={"state": "closed", "active": False, "tags": ["dibao"]})
    with read_session(engine) as session:
        row = audit.list_events(session, world.actors["supervisor"], AuditFilter(action="case_transition")).rows[0]
        seen_by_admin = audit.list_events(session, world.actors["admin"], AuditFilter(action="case_transition")).rows[0]
    assert audit.object_label(row, "zh-CN") == f"案件 {case.number}"
    assert audit.readable(row["before"], "zh-CN") == "状态：已回访"
    assert audit.readable(row["after"], "zh-CN") == "启用：否；状态：已结案；人员类别：低保"
    # PIPL arts. 28, 31: the admin reads the trail without the sensitive groups
    assert audit.readable(seen_by_admin["after"], "zh-CN") == "启用：否；状态：已结案；人员类别：—"
    assert "; State: Closed; " in audit.readable(row["after"], "en")
    assert audit.readable("not json", "zh-CN") == "not json" and audit.readable("", "zh-CN") == ""
    assert audit.readable('{"status": "present"}', "zh-CN") == "状态：出席"  # a check-in's mark
    assert audit.readable('{"language": "en"}', "zh-CN") == "语言：English"
    named = {"object_type": "user", "object_id": "worker1", "case_number": None}
    assert audit.object_label(named, "zh-CN") == "用户 worker1"
    counted = {"object_type": "residents", "object_id": "25", "case_number": None}
    assert audit.object_label(counted, "zh-CN") == "居民名单"  # 25 is the rows exported, not an id


def test_audit_filters_and_pages_in_sql(engine):
    world = make_world(engine)
    start = datetime(2026, 10, 1, 9, 0)
    with write_session(engine) as session:
        for day in range(60):
            for who in ("worker1", "trainer1"):
                audit.record(session, None, "login", actor_username=who, now=start + timedelta(days=day),
                             community_id=world.community_id)
    reader = world.actors["supervisor"]
    october = AuditFilter(username="Worker1", action="login", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
    with read_session(engine) as session:
        first = audit.list_events(session, reader, october, page=1, page_size=20)
        second = audit.list_events(session, reader, october, page=2, page_size=20)
    assert first.total == 31
    assert len(first.rows) == 20 and len(second.rows) == 11
    assert first.rows[0]["at"] == datetime(2026, 10, 31, 9, 0)  # newest first
    assert {row["user"] for row in first.rows + second.rows} == {"worker1"}


def test_workers_and_trainers_cannot_read_the_audit_trail(engine):
    world = make_world(engine)
    for role in ("worker", "trainer"):
        with pytest.raises(Forbidden):
            with read_session(engine) as session:
                audit.list_events(session, world.actors[role], AuditFilter())


def test_every_audited_action_is_listed_for_the_audit_filter_and_labelled():
    """An action written by core but missing from ACTIONS could not be chosen on the audit screen."""
    import re
    from pathlib import Path

    from core.base import audit
    from core.base.i18n import LANGUAGES, translate

    core_dir = Path(audit.__file__).parents[1]
    written = {m for path in core_dir.rglob("*.py")
               for m in re.findall(r'audit\.record(?:_on)?\(\s*(?:session|connection),\s*[^,()]+,\s*"([a-z_]+)"', path.read_text())}
    assert written and written <= set(audit.ACTIONS), written - set(audit.ACTIONS)
    for language in LANGUAGES:
        assert all(translate(language, f"audit.action.{a}") != f"audit.action.{a}" for a in audit.ACTIONS)


def test_a_resident_registration_reads_with_grid_and_address_names(engine):
    from core.residents.service import ResidentForm
    from tests.factories import vault_for_tests

    world = make_world(engine)
    with write_session(engine) as session:
        register(session, world.actors["worker"], vault_for_tests(), ResidentForm(
            name="张伟", grid_id=world.grid_ids[0], birth_date="1980-01-01", sex="男", address="和平里小区3号楼2单元301"))
    with read_session(engine) as session:
        row = next(r for r in audit.list_events(session, world.actors["admin"], audit.AuditFilter()).rows
                   if r["action"] == "resident_create")
    shown = audit.readable(row["after"], "zh-CN", row["names"], row["object_type"])
    assert "姓名：张伟" in shown and "网格：第一网格" in shown and "地址：和平里小区3号楼2单元301" in shown
    assert "_id" not in shown and "名称" not in shown


def test_every_key_an_audit_row_is_written_with_reads_as_words():
    """The audit screen names each value by its field: a key without a label showed as "new_today：25"."""
    import re
    from pathlib import Path

    from core.base.i18n import LANGUAGES, translate

    core_dir = Path(audit.__file__).parents[1]
    written = set()
    for path in core_dir.rglob("*.py"):
        for call in re.findall(r"audit\.record(?:_on)?\((.*?)\)\n", path.read_text(), flags=re.S):
            for block in re.findall(r"(?:before|after)=\{([^{}]*)\}", call):
                written.update(re.findall(r'"([a-z_]+)":', block))
    assert written and "new_today" in written
    for language in LANGUAGES:
        missing = sorted(key for key in written if translate(language, f"field.{key}") == f"field.{key}")
        assert missing == [], (language, missing)


def test_each_community_reads_its_own_trail_and_the_system_administrator_no_residents(engine):
    """An admin or supervisor of a community reads the events of their community's accounts
    (and what the system administrator did to their community); the system administrator reads
    the installation's own events and accounts, communities and grids, never a resident's."""
    from core.office import communities, users
    from core.residents.service import ResidentForm
    from tests.factories import PASSWORD, vault_for_tests

    world = make_world(engine)
    with write_session(engine) as session:
        other_admin = users.actor_of(users.create_user(
            session, ROOT, username="admin2", display_name="安定门管理员", role="admin",
            community_id=world.other_community_id, password=PASSWORD, must_change_password=False).user)
        communities.create_grid(session, other_admin, community_id=world.other_community_id, name="外二网格")
        register(session, world.actors["worker"], vault_for_tests(),
                 ResidentForm(name="王芳", id_number=make_resident_id("19500101", "022"), grid_id=world.grid_ids[0],
                              address="和平里小区3号楼2单元302"))

    def trail(actor):
        with read_session(engine) as session:
            return {(row["action"], row["user"]) for row in audit.list_events(session, actor, AuditFilter()).rows}

    home = trail(world.actors["admin"])
    assert ("resident_create", "worker1") in home
    assert ("user_create", "system") in home  # the accounts given to this community
    assert not any(user in {"admin2"} for _, user in home)
    assert trail(world.actors["supervisor"]) == home
    other = trail(other_admin)
    assert ("grid_create", "admin2") in other and ("user_create", "tester") in other  # made by the sysadmin
    assert not any(user in {"worker1", "admin1"} for _, user in other)
    installation = trail(ROOT)
    assert ("grid_create", "admin2") in installation and ("user_create", "tester") in installation
    assert ("community_create", "tester") in installation
    assert ("resident_create", "worker1") not in installation


def test_redaction_reaches_every_person_however_many_are_gone(engine, monkeypatch):
    """Years of residents moved away are more IDs than one statement may carry (PostgreSQL takes
    65,535 parameters): the ids go in chunks, and every old event is still forgotten once."""
    monkeypatch.setattr(audit, "_CHUNK", 2)
    now = datetime(2026, 12, 7, 2, 0)
    with write_session(engine) as session:
        for resident_id in range(1, 6):
            audit.record(session, ROOT, "resident_update", object_type="resident", object_id=str(resident_id),
                         before={"name": f"居民{resident_id}"}, after={"name": "改名"}, now=now - timedelta(days=200))
    with write_session(engine) as session:
        assert audit.redact(session, "resident", [1, 2, 3, 4, 5, 6], now=now) == 5
    with write_session(engine) as session:
        assert audit.redact(session, "resident", [1, 2, 3, 4, 5, 6], now=now) == 0  # once only
    with read_session(engine) as session:
        kept = session.scalars(text("SELECT before FROM audit_events WHERE action = 'resident_update'")).all()
    assert len(kept) == 5 and not any("居民" in before for before in kept)


def test_the_one_change_the_trail_allows_is_forgetting_the_values_of_an_event_six_months_old(engine):
    """网络安全法 art. 21 keeps logs six months; after that, and only through audit.redact, an
    event's values may be forgotten once. Anything else is still refused by the database."""
    now = datetime(2026, 12, 7, 2, 0)
    with write_session(engine) as session:
        for at in (now - timedelta(days=200), now - timedelta(days=30)):
            audit.record(session, ROOT, "resident_update", object_type="resident", object_id="7",
                         before={"name": "钱大爷", "phone": "13900001111", "tags": ["disabled"], "grid_id": 1,
                                 "status_date": "2023-06-30", "hukou": "registered"},
                         after={"name": "钱建国"}, now=at)
    with write_session(engine) as session:
        assert audit.redact(session, "resident", [7], now=now) == 1  # the recent one waits
    with read_session(engine) as session:
        rows = session.execute(text("SELECT before, after, redacted_at FROM audit_events "
                                    "WHERE action = 'resident_update' ORDER BY at")).all()
        logged = session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'audit_redact'"))
    assert "钱大爷" not in rows[0][0] and "（已匿名）" in rows[0][0] and '"name"' in rows[0][1]
    assert rows[0][2] is not None and "钱大爷" in rows[1][0] and logged == 1
    with read_session(engine) as session:  # and the trail still reads as words
        shown = audit.readable(rows[0][0], "zh-CN")
    assert "名称：（已匿名）" in shown and "人员类别：（已匿名）" in shown and "状态日期：（已匿名）" in shown
    for statement in (  # a second redaction, a recent event, another column: all refused
            "UPDATE audit_events SET before = 'x', redacted_at = CURRENT_TIMESTAMP WHERE redacted_at IS NOT NULL",
            "UPDATE audit_events SET before = 'x', redacted_at = CURRENT_TIMESTAMP WHERE action = 'audit_redact'",
            "UPDATE audit_events SET action = 'x', redacted_at = CURRENT_TIMESTAMP WHERE redacted_at IS NULL"):
        with pytest.raises(DBAPIError, match="append-only"):
            with write_session(engine) as session:
                session.execute(text(statement))
