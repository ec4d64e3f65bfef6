"""Communities and grids: unique names, the office's order, stale renames, who manages them."""

import pytest

from core.base.errors import Forbidden, Invalid, StaleEdit
from core.office import communities
from db.engine import read_session, write_session
from db.models import Community
from tests.factories import ROOT, count, make_world


def test_community_and_grid_names_are_unique_and_required(engine):
    world = make_world(engine)
    before = count(engine, Community)
    for name, key in (("和平里社区", "error.community.duplicate"), ("", "error.required"), ("社" * 101, "error.too_long")):
        with pytest.raises(Invalid) as refused:
            with write_session(engine) as session:
                communities.create_community(session, ROOT, name=name)
        assert (refused.value.field, refused.value.key) == ("name", key)
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            communities.create_grid(session, ROOT, community_id=world.community_id, name=" 第一网格 ")
    assert refused.value.key == "error.grid.duplicate"
    assert count(engine, Community) == before


def test_same_grid_name_in_two_communities_is_fine(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        grid = communities.create_grid(session, ROOT, community_id=world.other_community_id, name="第一网格")
    assert grid.community_id == world.other_community_id


def test_grids_are_listed_in_the_order_the_office_created_them(engine):
    """第一、第二、第三、第四, not 第一、第三、第二、第四 (二 sorts after 三 by code point)."""
    from core.office import users
    from core.residents import service as residents

    with write_session(engine) as session:
        home = communities.create_community(session, ROOT, name="和平里社区")
        made = [communities.create_grid(session, ROOT, community_id=home.id, name=name).id
                for name in ("第一网格", "第二网格", "第三网格", "第四网格")]
    order = ["第一网格", "第二网格", "第三网格", "第四网格"]
    with read_session(engine) as session:
        listed = next(c for c in communities.list_communities(session, ROOT) if c.id == home.id)
        assert [grid.name for grid in listed.grids] == order
    with write_session(engine) as session:
        account = users.create_user(session, ROOT, username="grid.worker", display_name="w", role="worker",
                                    community_id=home.id, grid_ids=list(reversed(made)), password="Passw0rd-long",
                                    must_change_password=False)
    with read_session(engine) as session:
        worker = users.get_user(session, account.user.id)
        assert [grid.name for grid in worker.grids] == order
        assert list(residents.grid_choices(session, users.actor_of(worker)).values()) == order


def test_rename_from_a_stale_version_is_refused(engine):
    world = make_world(engine)
    with read_session(engine) as session:
        version = session.get(Community, world.community_id).version
    with write_session(engine) as session:
        communities.update_community(session, ROOT, world.community_id, version, name="新名字")
    with pytest.raises(StaleEdit):
        with write_session(engine) as session:
            communities.update_community(session, ROOT, world.community_id, version, name="另一个名字")
    with read_session(engine) as session:
        assert session.get(Community, world.community_id).name == "新名字"


def test_only_admin_manages_communities(engine):
    world = make_world(engine)
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            communities.create_community(session, world.actors["supervisor"], name="x")
