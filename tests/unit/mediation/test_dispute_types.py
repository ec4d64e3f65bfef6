"""Dispute types per community: the shared 司法部 list kept by the system administrator, each
community's own types, and shared types a community no longer offers — on both databases."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.base.errors import Forbidden, Invalid, InvalidMany
from core.base.permissions import Actor
from core.mediation import dispute_types, judicial_office
from core.mediation import service as mediations
from core.office import users
from db.engine import read_session, write_session
from db.models import AuditEvent, DisputeType, DisputeTypeOptOut, MediationCase
from tests.factories import PASSWORD, ROOT, make_world

TODAY = date(2026, 6, 20)


def _staff_of_other(engine, world):  # noqa: ANN001, ANN202
    with write_session(engine) as session:
        made = {}
        for role in ("admin", "worker"):
            account = users.create_user(session, None, username=f"other-{role}", display_name=f"安定门{role}", role=role,
                                        community_id=world.other_community_id,
                                        grid_ids=[world.other_grid_id] if role == "worker" else [],
                                        password=PASSWORD, must_change_password=False)
            made[role] = users.actor_of(account.user)
    return made


def _shared(session, name: str) -> int:  # noqa: ANN001
    return session.scalar(select(DisputeType.id).where(DisputeType.community_id.is_(None), DisputeType.name == name))


def _register(session, worker: Actor, type_id: int, grid_id: int) -> MediationCase:  # noqa: ANN001
    return mediations.register(session, worker, mediations.CaseInput(
        intake_date=TODAY, source="application", type_id=type_id, grid_id=grid_id, facts="楼上装修噪音",
        parties=[mediations.PartyInput(name="甲"), mediations.PartyInput(side="respondent", name="乙")]),
        now=datetime(2026, 6, 20, 9))


def _rows(engine) -> tuple[int, int, int]:  # noqa: ANN001
    with read_session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (DisputeType, DisputeTypeOptOut, AuditEvent))


def test_a_community_adds_its_own_type_which_no_other_community_sees(engine):
    world = make_world(engine)
    other = _staff_of_other(engine, world)
    admin, worker = world.actors["admin"], world.actors["worker"]
    with write_session(engine) as session:
        noise = dispute_types.save(session, admin, name="噪音扰民").id
    with read_session(engine) as session:
        assert dispute_types.offered(session, worker)[noise] == "噪音扰民"
        assert "邻里" in dispute_types.offered(session, worker).values()
        assert noise not in dispute_types.offered(session, other["worker"])
        listed = {kind.name: kind for kind in dispute_types.listing(session, admin)}
        assert not listed["噪音扰民"].shared and listed["邻里"].shared
        assert "噪音扰民" not in {kind.name for kind in dispute_types.listing(session, other["admin"])}
    # The other community may have a type of the same name, its own.
    with write_session(engine) as session:
        theirs = dispute_types.save(session, other["admin"], name="噪音扰民").id
    assert theirs != noise
    # A case of the other community cannot take this community's type.
    before = _rows(engine)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            _register(session, other["worker"], noise, world.other_grid_id)
    assert [error.field for error in refused.value.errors] == ["type"]
    assert _rows(engine) == before


def test_a_name_is_used_once_among_the_types_a_community_sees(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    with write_session(engine) as session:
        dispute_types.save(session, admin, name="噪音扰民")
    before = _rows(engine)
    for name, key in (("邻里", "error.dispute_type.duplicate"), (" 噪音扰民 ", "error.dispute_type.duplicate"),
                      ("", "error.required"), ("纠" * 31, "error.too_long")):
        with pytest.raises(Invalid) as refused:
            with write_session(engine) as session:
                dispute_types.save(session, admin, name=name)
        assert (refused.value.field, refused.value.key) == ("name", key)
    # The shared list is the system administrator's: a community's admin cannot rename a shared type.
    with read_session(engine) as session:
        shared = session.get(DisputeType, _shared(session, "邻里"))
        version = shared.version
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            dispute_types.save(session, admin, name="邻里关系", type_id=shared.id, expected_version=version)
    assert refused.value.key == "error.dispute_type.shared"
    assert _rows(engine) == before
    # Nor does the system administrator give the shared list a name a community already uses.
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            dispute_types.save(session, ROOT, name="噪音扰民")
    assert refused.value.key == "error.dispute_type.duplicate"
    assert _rows(engine) == before
    for role in ("supervisor", "worker", "trainer"):
        with pytest.raises(Forbidden):
            with write_session(engine) as session:
                dispute_types.save(session, world.actors[role], name="网络纠纷")


def test_a_community_stops_offering_a_shared_type_and_its_cases_keep_it(engine):
    world = make_world(engine)
    other = _staff_of_other(engine, world)
    admin, worker = world.actors["admin"], world.actors["worker"]
    with write_session(engine) as session:
        rural = _shared(session, "山林土地")
        kept = _register(session, worker, rural, world.grid_ids[0]).id
        dispute_types.set_offered(session, admin, rural, offered=False)
    with read_session(engine) as session:
        assert rural not in dispute_types.offered(session, worker)
        assert rural in dispute_types.offered(session, other["worker"])  # other communities still use it
        assert not next(kind for kind in dispute_types.listing(session, admin) if kind.id == rural).active
        assert session.get(MediationCase, kept).type_id == rural
        # The 司法所 table still counts the case under its type in the month it was received.
        table = judicial_office.table(session, world.actors["supervisor"], TODAY.replace(day=1), TODAY.replace(day=1))
        assert next(line for line in table["rows"] if line["type"] == "山林土地")["received"] == 1
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "dispute_type_offer"))
        assert audit.community_id == world.community_id
    before = _rows(engine)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            _register(session, worker, rural, world.grid_ids[0])
    assert [error.field for error in refused.value.errors] == ["type"]
    assert _rows(engine) == before
    with write_session(engine) as session:
        dispute_types.set_offered(session, admin, rural, offered=True)
        assert _register(session, worker, rural, world.grid_ids[0]).type_id == rural


def test_the_system_administrator_keeps_the_shared_list_for_every_community(engine):
    world = make_world(engine)
    other = _staff_of_other(engine, world)
    with write_session(engine) as session:
        online = dispute_types.save(session, ROOT, name="网络纠纷")
    with read_session(engine) as session:
        assert "网络纠纷" in dispute_types.offered(session, world.actors["worker"]).values()
        assert "网络纠纷" in dispute_types.offered(session, other["worker"]).values()
        assert all(not kind.shared for kind in dispute_types.listing(session, ROOT))  # the list it keeps
        assert {kind.name for kind in dispute_types.listing(session, ROOT)} >= {"邻里", "网络纠纷"}
    with write_session(engine) as session:
        dispute_types.save(session, ROOT, name="网络纠纷", type_id=online.id, expected_version=online.version,
                           active=False)
    with read_session(engine) as session:
        assert "网络纠纷" not in dispute_types.offered(session, world.actors["worker"]).values()
        assert "网络纠纷" not in dispute_types.offered(session, other["worker"]).values()
        # A retired shared type leaves a community's list: it cannot choose to use it.
        assert "网络纠纷" not in {kind.name for kind in dispute_types.listing(session, world.actors["admin"])}
    with pytest.raises(Invalid):
        with write_session(engine) as session:
            dispute_types.set_offered(session, world.actors["admin"], online.id + 1000, offered=False)


def test_a_streets_combined_table_counts_same_named_own_types_in_one_line(engine):
    world = make_world(engine)
    other = _staff_of_other(engine, world)
    with write_session(engine) as session:
        ours = dispute_types.save(session, world.actors["admin"], name="噪音扰民").id
        theirs = dispute_types.save(session, other["admin"], name="噪音扰民").id
        _register(session, world.actors["worker"], ours, world.grid_ids[0])
        _register(session, other["worker"], theirs, world.other_grid_id)
    every_grid = frozenset([*world.grid_ids, world.other_grid_id])
    district = Actor(id=0, username="street", role="supervisor", community_id=None, grid_ids=every_grid)
    month = TODAY.replace(day=1)
    with read_session(engine) as session:
        combined = [line for line in judicial_office.table(session, district, month, month)["rows"]
                    if line["type"] == "噪音扰民"]
        home = judicial_office.table(session, world.actors["supervisor"], month, month)["rows"]
    assert [line["received"] for line in combined] == [2]
    assert next(line for line in home if line["type"] == "噪音扰民")["received"] == 1
