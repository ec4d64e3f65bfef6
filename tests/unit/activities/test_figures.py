"""Activity figures on both databases: held per category, distinct residents served, head counts
and reach apart, and the share of a group reached."""

from datetime import date, datetime, timedelta

from core.activities import figures
from core.activities import service as activities
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from tests.factories import make_resident_id, make_world, register, vault_for_tests
from tests.unit.activities.test_service import category, plan

VAULT = vault_for_tests()
NOW = datetime(2026, 12, 20, 18, 0)


def test_residents_served_are_distinct_and_counts_stay_apart(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    with write_session(engine) as session:
        alone = [register(session, worker, VAULT, ResidentForm(
            name=f"独居{i}", id_number=make_resident_id("19450101", f"{700 + i:03d}"), grid_id=world.grid_ids[0],
            address=f"和平里小区{i}号楼", tags=["elderly_alone"])).id for i in range(4)]
        register(session, worker, VAULT, ResidentForm(name="青年", id_number=make_resident_id("19950101", "777"),
                                                      grid_id=world.grid_ids[0], tags=["unemployed"]))
    starts = [datetime(2026, 12, day, 9) for day in (2, 9)]
    talks = [plan(engine, worker, world.grid_ids[0], title=f"健康讲座{i}", starts_at=s, ends_at=s + timedelta(hours=1),
                  category_id=category(engine, "健康讲座"), capacity=None) for i, s in enumerate(starts)]
    square = plan(engine, worker, world.grid_ids[0], title="反诈宣传", category_id=category(engine, "政策宣传"),
                  topic="反诈", open_event=True, starts_at=datetime(2026, 12, 5, 9), ends_at=datetime(2026, 12, 5, 11),
                  target_groups=[])
    later = plan(engine, worker, world.grid_ids[0], title="元旦联欢", starts_at=datetime(2027, 1, 1, 9),
                 ends_at=datetime(2027, 1, 1, 11))
    with write_session(engine) as session:
        for talk, start in zip(talks, starts, strict=True):
            for resident_id in alone[:2]:  # the same two came twice
                activities.sign_up(session, worker, talk, resident_id, now=start - timedelta(days=1))
            on_the_day = start + timedelta(minutes=10)
            listed = {p["id"] for p in activities.participants(session, worker, talk)}
            activities.mark_attendance(session, worker, talk, listed, now=on_the_day)
            activities.walk_in(session, worker, talk, name="路人", phone="", now=on_the_day)
        activities.record_count(session, worker, square, head_count=80, reach=200, now=datetime(2026, 12, 5, 10))
    with read_session(engine) as session:
        found = figures.figures(session, worker, date(2026, 12, 1), date(2026, 12, 31), now=NOW)
    assert (found.held, found.by_category) == (3, {"健康讲座": 2, "政策宣传": 1})  # 元旦联欢 is next year
    assert (found.residents_served, found.unregistered_walk_ins) == (2, 2)  # distinct, and walk-ins apart
    assert (found.head_count, found.reach) == (80, 200)
    assert found.coverage["elderly_alone"] == (2, 4)
    assert figures.share(*found.coverage["elderly_alone"]) == 0.5
    assert found.coverage["unemployed"] == (0, 1)
    with read_session(engine) as session:  # the supervisor sees the same, and January's party in January
        january = figures.figures(session, world.actors["supervisor"], date(2027, 1, 1), date(2027, 1, 31),
                                  now=datetime(2027, 1, 2, 9), coverage_groups=["elderly_alone"])
    assert (january.held, january.residents_served, list(january.coverage)) == (1, 0, ["elderly_alone"])
    assert later


def test_quarters():
    assert figures.quarter_of(date(2026, 11, 15)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert figures.quarter_of(date(2026, 2, 28)) == (date(2026, 1, 1), date(2026, 3, 31))
