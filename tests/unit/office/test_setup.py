"""The system administrator and the setup steps of a new installation or community."""

import pytest

from core.base.errors import Invalid
from core.office import communities, setup, users
from db.engine import read_session, write_session
from tests.factories import PASSWORD, ROOT, make_world, snapshot_counts


def _steps(engine, actor) -> dict[str, bool]:  # noqa: ANN001
    with read_session(engine) as session:
        return {step.key: step.done for step in setup.steps(session, actor)}


def test_a_community_admin_sees_the_steps_left_until_residents_are_registered(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        fresh = communities.create_community(session, ROOT, name="新风社区")
        admin = users.actor_of(users.create_user(session, ROOT, username="fresh.admin", display_name="新风",
                                                 role="admin", community_id=fresh.id, password=PASSWORD,
                                                 must_change_password=False).user)
    assert _steps(engine, admin) == {"setup.grids": False, "setup.colleagues": False, "setup.residents": False}
    assert _steps(engine, world.actors["admin"]) == {"setup.grids": True, "setup.colleagues": True,
                                                     "setup.residents": False}
    assert _steps(engine, world.actors["worker"]) == {}  # only administrators set things up


def test_the_system_administrator_is_told_which_communities_lack_an_admin(engine):
    make_world(engine)  # 和平里社区 has admin1; 安定门社区 has no admin
    with read_session(engine) as session:
        found = setup.steps(session, ROOT)
        overview = {row["name"]: (row["grids"], row["admins"]) for row in setup.communities_overview(session, ROOT)}
    assert [(s.key, s.done, s.params) for s in found] == [
        ("setup.community", True, {}), ("setup.community_admin_missing", False, {"communities": "安定门社区"})]
    assert overview == {"和平里社区": (2, ["admin one"]), "安定门社区": (1, [])}


def test_there_is_one_system_administrator_and_every_other_account_has_a_community(engine):
    world = make_world(engine)
    before = snapshot_counts(engine)
    with write_session(engine) as session:
        users.create_user(session, None, username="sys", display_name="系统", role="sysadmin", password=PASSWORD)
    refusals = {}
    for label, kwargs, actor in (
            ("second", {"role": "sysadmin"}, None),
            ("by a screen", {"role": "sysadmin"}, ROOT),
            ("no community", {"role": "worker"}, ROOT),
            ("sysadmin in a community", {"role": "sysadmin", "community_id": world.community_id}, None)):
        with pytest.raises(Invalid) as refused:
            with write_session(engine) as session:
                users.create_user(session, actor, username="extra", display_name="多余", password=PASSWORD, **kwargs)
        refusals[label] = (refused.value.field, refused.value.key)
    assert refusals == {"second": ("role", "error.role.one_sysadmin"),
                        "by a screen": ("role", "error.role.one_sysadmin"),
                        "no community": ("community", "error.community.required"),
                        "sysadmin in a community": ("role", "error.role.one_sysadmin")}
    assert snapshot_counts(engine)[0] == before[0] + 1  # only the first system administrator
    with read_session(engine) as session:
        worker = users.find_by_username(session, "worker1")
        version = worker.version
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            users.update_user(session, ROOT, worker.id, version, display_name="w", role="sysadmin",
                              community_id=None, grid_ids=[], active=True)
    assert refused.value.key == "error.role.one_sysadmin"
