"""A resident's history as rows a person can read: changed fields only, old → new, names for ids."""

from datetime import date

import pytest

from core.base.errors import Forbidden
from core.residents import history as resident_history
from core.residents import service as residents
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from tests.factories import make_resident_id, make_world, register, save, vault_for_tests

VAULT = vault_for_tests()


def registered(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    with write_session(engine) as session:
        resident = register(session, worker, VAULT, ResidentForm(
            name="张伟", id_number=make_resident_id("19800101", "011"), phone="13812345678",
            grid_id=world.grid_ids[0], address="和平里小区3号楼2单元301", tags=["unemployed"]))
    return world, worker, resident.id


def edit(engine, actor, resident_id, **changes):
    with write_session(engine) as session:
        form, version = residents.edit_form(session, actor, VAULT, resident_id)
        for name, value in changes.items():
            setattr(form, name, value)
        save(session, actor, VAULT, resident_id, version,
                         residents.keep_hidden_values(session, actor, VAULT, resident_id, form))


def test_an_edit_lists_only_the_fields_it_changed_with_old_and_new(engine):
    world, worker, resident_id = registered(engine)
    edit(engine, worker, resident_id, ethnicity="回族", phone="13900001111", address="幸福家园1栋1单元101",
         tags=["unemployed", "veteran"])
    with read_session(engine) as session:
        rows = resident_history.changes(session, worker, resident_id)
    update = [(row.field, row.before, row.after) for row in rows if row.action == "resident_update"]
    assert update == [
        ("phone", "138****5678", "139****1111"),  # masked, as the audit trail stores it
        ("address", "和平里小区3号楼2单元301", "幸福家园1栋1单元101"),  # the household, by its address
        ("ethnicity", None, "回族"),
        ("tags", ["unemployed"], ["unemployed", "veteran"]),
    ]
    assert rows[0].action == "resident_update"  # newest first


def test_registration_lists_the_values_given_and_the_grid_by_name(engine):
    world, worker, resident_id = registered(engine)
    with read_session(engine) as session:
        rows = resident_history.changes(session, worker, resident_id)
    created = {row.field: row.after for row in rows if row.action == "resident_create"}
    assert created["grid"] == "第一网格" and created["name"] == "张伟" and created["sex"] == "M"
    assert created["id_number"] == "**************" + make_resident_id("19800101", "011")[-4:]
    assert "notes" not in created  # nothing was given, so nothing is listed
    assert all(row.before is None for row in rows)


def test_a_status_change_and_a_reveal_read_as_fields(engine):
    world, worker, resident_id = registered(engine)
    supervisor = world.actors["supervisor"]
    with write_session(engine) as session:
        version = session.get(residents.Resident, resident_id).version
        residents.change_status(session, worker, resident_id, version, "moved_out", date(2024, 5, 1))
        residents.reveal(session, supervisor, VAULT, resident_id, "id_number", "回访核对")
        residents.phone_number(session, worker, resident_id)
    with read_session(engine) as session:
        rows = resident_history.changes(session, worker, resident_id)
    by_action = {}
    for row in rows:
        by_action.setdefault(row.action, []).append((row.field, row.before, row.after))
    assert by_action["resident_status"] == [("status", "active", "moved_out"), ("status_date", None, "2024-05-01")]
    assert by_action["reveal"] == [("field", None, "id_number"), ("reason", None, "回访核对")]
    assert by_action["phone_reveal"] == [("", None, None)]  # who looked, and when: no value kept


def test_a_worker_cannot_read_the_history_of_another_grid(engine):
    world, worker, _ = registered(engine)
    with write_session(engine) as session:
        other = register(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="外网格人", id_number=make_resident_id("19700707", "022"), grid_id=world.grid_ids[1])).id
    with read_session(engine) as session, pytest.raises(Forbidden):
        resident_history.changes(session, worker, other)


def test_an_id_masked_the_old_way_in_the_audit_trail_reads_with_todays_mask(engine):
    """Audit rows are append-only: one written before migration 0008 keeps 110***********0131, which
    beside the birth date leaves 3 digits to guess. The history reads it with today's mask."""
    from datetime import datetime

    from db.models import AuditEvent

    world, worker, resident_id = registered(engine)
    with write_session(engine) as session:
        session.add(AuditEvent(at=datetime(2026, 11, 1), actor_id=worker.id, actor_username=worker.username,
                               action="resident_update", object_type="resident", object_id=str(resident_id),
                               before='{"id_number": "110***********0131"}', after='{"id_number": "110***********0422"}'))
    with read_session(engine) as session:
        seen = [c for c in resident_history.changes(session, worker, resident_id) if c.field == "id_number"]
    old = next(change for change in seen if change.after and change.after.endswith("0422"))
    assert (old.before, old.after) == ("**************0131", "**************0422")
