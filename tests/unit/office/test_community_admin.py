"""An admin of a community manages that community's accounts and grids only; the installation's
administrator (an admin of no community) creates communities and manages everyone."""

import pytest

from core.base.errors import Forbidden, InvalidMany, NotFound
from core.office import communities, users
from db.engine import read_session, write_session
from db.models import User
from tests.factories import PASSWORD, ROOT, make_world


@pytest.fixture
def world(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        users.create_user(session, None, username="other.worker", display_name="安定门网格员", role="worker",
                          community_id=world.other_community_id, grid_ids=[world.other_grid_id], password=PASSWORD,
                          must_change_password=False)
    return world


def other_worker(session) -> User:  # noqa: ANN001
    return users.find_by_username(session, "other.worker")


def test_a_communitys_admin_lists_and_changes_only_its_accounts(engine, world):
    admin = world.actors["admin"]
    with read_session(engine) as session:
        listed = {u.username for u in users.list_users(session, admin)}
        everyone = {u.username for u in users.list_users(session, ROOT)}
    assert "other.worker" not in listed and "worker1" in listed
    assert "other.worker" in everyone
    with write_session(engine) as session:
        foreign = other_worker(session)
        with pytest.raises(NotFound):
            users.reset_password(session, admin, foreign.id)
        with pytest.raises(NotFound):
            users.update_user(session, admin, foreign.id, foreign.version, display_name="改名", role="worker",
                              community_id=world.community_id, grid_ids=[], active=False)
        with pytest.raises(NotFound):
            users.unlock(session, admin, "other.worker")


@pytest.mark.parametrize("community", ["other", None])
def test_a_communitys_admin_gives_accounts_only_to_its_community(engine, world, community):
    community_id = world.other_community_id if community else None
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        users.create_user(session, world.actors["admin"], username="new.one", display_name="新人", role="worker",
                          community_id=community_id)
    assert [e.field for e in refused.value.errors] == ["community"]
    with read_session(engine) as session:
        assert users.find_by_username(session, "new.one") is None


def test_communities_are_created_by_the_installations_administrator(engine, world):
    admin = world.actors["admin"]
    with write_session(engine) as session:
        with pytest.raises(Forbidden):
            communities.create_community(session, admin, name="新社区")
        with pytest.raises(Forbidden):
            communities.create_grid(session, admin, community_id=world.other_community_id, name="越界网格")
        own = communities.create_grid(session, admin, community_id=world.community_id, name="第三网格")
        created = communities.create_community(session, ROOT, name="新社区")
    with read_session(engine) as session:
        seen = [c.name for c in communities.list_communities(session, admin)]
        assert seen == ["和平里社区"]
        assert {c.name for c in communities.list_communities(session, ROOT)} == {"和平里社区", "安定门社区", "新社区"}
        assert own.id and created.id
