"""Exact ID lookups by roles that see IDs masked: each door answers at most the limit, and every
lookup leaves one audit row (DESIGN: an exact-ID search by a role without reveal is audited and
rate-limited, it is an oracle)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.base.errors import Invalid
from core.base.spreadsheets import ImportRefused
from core.residents import imports, lookups
from core.residents import service as residents
from core.residents.identity import check_digit
from core.residents.service import Filters, ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.factories import make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
NOW = datetime(2026, 12, 6, 9, 0)
LIMITS = lookups.LookupLimits(per_hour=20, import_per_day=25)
SECRET = make_resident_id("19470718", "013", region="110105")  # registered in grid B, which the worker does not see


def candidates(count: int) -> list[str]:
    """What an attacker enumerates: the digits the mask and birth date hide, check digit made to fit.
    The real number is the 25th."""
    numbers = []
    region = 110001
    while len(numbers) < count:
        first17 = f"{region}19470718013"
        if first17[:6] != SECRET[:6]:
            numbers.append(first17 + check_digit(first17))
        region += 1
    numbers.insert(24, SECRET)
    return numbers[:count]


@pytest.fixture
def world(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        register(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="王秀英", id_number=SECRET, grid_id=world.grid_ids[1], address="和平里9号"))
    return world


def audit_rows(engine, action: str) -> list[dict]:
    with read_session(engine) as session:
        return [json.loads(row.after) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


_CLOCK = [NOW]  # what core.base.clock.now() answers in these tests: the time each step says it is


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The lookup window is measured against the clock: these tests set it, never the wall clock
    (NOW is a fixed day; read against the real time, a lookup noted at NOW fell out of its hour)."""
    from core.base import clock

    _CLOCK[0] = NOW
    monkeypatch.setattr(clock, "now", lambda: _CLOCK[0])


def search_as(engine, actor, number: str, now: datetime = NOW) -> int:
    """The residents screen's search: the lookup noted in its own transaction, then answered."""
    _CLOCK[0] = now
    with write_session(engine) as session:
        lookups.note(session, actor, VAULT, number, field="query", limits=LIMITS, now=now)
    with read_session(engine) as session:
        return residents.count(session, actor, VAULT, Filters(query=number))


def test_the_recovery_script_stops_at_the_limit_with_one_audit_row_per_lookup(engine, world):
    worker = world.actors["worker"]
    answered = []
    with pytest.raises(Invalid) as refused:
        for number in candidates(30):
            search_as(engine, worker, number)
            answered.append(number)
    assert len(answered) == 20 and SECRET not in answered
    assert (refused.value.field, refused.value.key, refused.value.params) == ("query", "error.id_lookup.limit",
                                                                              {"limit": 20})
    rows = audit_rows(engine, "resident_id_lookup")
    assert len(rows) == 20
    assert all(row["id_number"] == "*" * 14 + number[-4:] for row, number in zip(rows, answered, strict=True))


def test_asking_again_for_the_same_number_costs_nothing(engine, world):
    worker = world.actors["worker"]
    for _ in range(30):  # a page rerun asks again; the answer tells nothing new
        search_as(engine, worker, candidates(1)[0])
    assert len(audit_rows(engine, "resident_id_lookup")) == 1


def test_the_limit_is_per_hour(engine, world):
    worker = world.actors["worker"]
    numbers = candidates(30)
    for number in numbers[:20]:
        search_as(engine, worker, number)
    with pytest.raises(Invalid):
        search_as(engine, worker, numbers[20])
    assert search_as(engine, worker, numbers[20], now=NOW + timedelta(minutes=61)) == 0


def test_a_role_that_may_reveal_is_not_counted(engine, world):
    for number in candidates(30):
        search_as(engine, world.actors["supervisor"], number)
    assert audit_rows(engine, "resident_id_lookup") == []


def test_an_exact_search_that_was_not_noted_is_not_answered(engine, world):
    with read_session(engine) as session, pytest.raises(Invalid) as refused:
        residents.search(session, world.actors["worker"], VAULT, Filters(query=SECRET))
    assert (refused.value.field, refused.value.key) == ("query", "error.id_lookup.not_noted")
    with read_session(engine) as session:  # names, pinyin and phone digits are no lookup
        assert residents.count(session, world.actors["worker"], VAULT, Filters(query="王秀英")) == 0


def test_the_duplicate_check_door_is_counted_and_audited_even_when_the_save_is_refused(engine, world):
    worker = world.actors["worker"]
    refusals = []
    for number in candidates(25):
        try:
            with write_session(engine) as session:  # noted as the screen does: its own transaction
                lookups.note(session, worker, VAULT, number, field="id_number", limits=LIMITS, now=NOW)
            with write_session(engine) as session:
                residents.create(session, worker, VAULT, ResidentForm(
                    name="试探", id_number=number, grid_id=world.grid_ids[0], address="和平里1号"), now=NOW,
                    confirm_duplicate=True)
        except Invalid as exc:
            refusals.append((exc.field, exc.key))
    # 20 saved as new residents (nobody had those numbers), then the limit: the 25th, the real one,
    # was never checked, so "registered in another grid" was never said.
    assert refusals == [("id_number", "error.id_lookup.limit")] * 5
    assert len(audit_rows(engine, "resident_id_lookup")) == 20


def test_a_save_whose_lookup_was_not_noted_is_refused_before_the_duplicate_check(engine, world):
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        residents.create(session, world.actors["worker"], VAULT, ResidentForm(
            name="试探", id_number=SECRET, grid_id=world.grid_ids[0], address="和平里1号"))
    assert (refused.value.field, refused.value.key) == ("id_number", "error.id_lookup.not_noted")


def roster(numbers: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "网格", "住址"])
    writer.writerows([f"候选{i}", number, "第一网格", "和平里1号"] for i, number in enumerate(numbers))
    return ("\ufeff" + out.getvalue()).encode()


def import_check(engine, actor, data: bytes, now: datetime = NOW):
    _CLOCK[0] = now
    with write_session(engine) as session:
        return imports.import_residents(session, actor, VAULT, data, "candidates.csv", dry_run=True, now=now,
                                        lookup_limits=LIMITS)


def test_an_import_file_of_candidates_beyond_the_days_allowance_is_refused_whole(engine, world):
    worker = world.actors["worker"]
    with pytest.raises(ImportRefused) as refused:
        import_check(engine, worker, roster(candidates(30)))
    assert (refused.value.key, refused.value.params) == ("error.import.id_lookup_allowance",
                                                         {"numbers": 30, "left": 25, "limit": 25})
    assert audit_rows(engine, "resident_id_lookup_import") == []  # nothing was looked up


def test_an_import_check_is_audited_once_with_what_it_answered_and_checking_again_is_free(engine, world):
    worker = world.actors["worker"]
    data = roster(candidates(25))
    report = import_check(engine, worker, data)
    assert [p.key for p in report.problems] == ["error.import.already_registered"]
    [row] = audit_rows(engine, "resident_id_lookup_import")
    assert (row["numbers"], row["new_today"], row["already_registered"]) == (25, 25, 1)
    assert row["id_numbers"] == ["*" * 14 + SECRET[-4:]]
    import_check(engine, worker, data)  # the same file again: nothing new is learnt
    assert audit_rows(engine, "resident_id_lookup_import")[-1]["new_today"] == 0
    with pytest.raises(ImportRefused):  # one more new number is over the day's 25
        import_check(engine, worker, roster([make_resident_id("19900101", "021")]))
    import_check(engine, worker, roster([make_resident_id("19900101", "021")]), now=NOW + timedelta(days=1, minutes=1))


def test_a_supervisor_import_is_not_counted(engine, world):
    import_check(engine, world.actors["supervisor"], roster(candidates(30)))
    assert audit_rows(engine, "resident_id_lookup_import") == []


def test_an_import_of_people_registered_elsewhere_says_no_more_than_searches_would(engine, world):
    """The reviewer's probe: a dry-run import answering "already registered" for residents of grids
    the worker does not see is the search's oracle; past the search door's limit the whole check
    is refused and shows nothing."""
    elsewhere = [make_resident_id("19500101", f"{n:03d}") for n in range(100, 125)]
    with write_session(engine) as session:
        for number in elsewhere:
            register(session, world.actors["supervisor"], VAULT, ResidentForm(
                name="他处居民", id_number=number, grid_id=world.grid_ids[1], address="和平里9号"),
                confirm_duplicate=True)
    with pytest.raises(ImportRefused) as refused:
        import_check(engine, world.actors["worker"], roster(elsewhere))  # 25 + SECRET's grid: over 20
    assert refused.value.key == "error.import.registered_elsewhere_limit"
    assert audit_rows(engine, "resident_id_lookup_import") == []
    report = import_check(engine, world.actors["worker"], roster(elsewhere[:5]))  # within the limit: answered
    assert [p.key for p in report.problems] == ["error.import.already_registered"] * 5
    search_as(engine, world.actors["worker"], elsewhere[0])  # counted once already: free
    assert len(audit_rows(engine, "resident_id_lookup")) == 0


def test_a_days_limit_holds_across_hours(engine, world):
    worker = world.actors["worker"]
    limits = lookups.LookupLimits(per_hour=20, per_day=30)
    numbers = candidates(40)
    for hour, batch in enumerate((numbers[:20], numbers[20:30])):
        for number in batch:
            with write_session(engine) as session:
                lookups.note(session, worker, VAULT, number, field="query", limits=limits,
                             now=NOW + timedelta(hours=2 * hour))
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        lookups.note(session, worker, VAULT, numbers[30], field="query", limits=limits, now=NOW + timedelta(hours=5))
    assert (refused.value.key, refused.value.params) == ("error.id_lookup.day_limit", {"limit": 30})


def test_two_tabs_at_once_cannot_pass_the_limit(engine, world):
    """Count-then-add under one lock per user: without it, PostgreSQL let 12 of 20 concurrent
    lookups through a limit of 5."""
    import threading

    worker, numbers, refused = world.actors["worker"], candidates(20), []
    limits = lookups.LookupLimits(per_hour=5, per_day=60)
    start = threading.Barrier(len(numbers))

    def look(number):
        start.wait()
        try:
            with write_session(engine) as session:
                lookups.note(session, worker, VAULT, number, field="query", limits=limits, now=NOW)
        except Invalid:
            refused.append(number)

    threads = [threading.Thread(target=look, args=(number,)) for number in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refused) == 15 and len(audit_rows(engine, "resident_id_lookup")) == 5
