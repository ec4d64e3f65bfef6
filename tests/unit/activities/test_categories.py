"""Activity categories on both databases: the shared defaults, a community's own added and
retired by its admin, names taken refused, and another community untouched."""

import pytest
from sqlalchemy import func, select

from core.activities import categories
from core.activities import service as activities
from core.base.errors import Forbidden, Invalid, NotFound
from core.base.permissions import Actor
from db.engine import read_session, write_session
from db.models import ActivityCategory
from tests.factories import make_world
from tests.unit.activities.test_service import plan

DEFAULTS = ["文化活动", "志愿服务", "健康讲座", "心理健康支持", "政策宣传", "老年人关怀", "儿童托管"]


def test_the_admin_adds_and_retires_the_communitys_own_and_the_shared_list_stays(engine):
    world = make_world(engine)
    admin, worker = world.actors["admin"], world.actors["worker"]
    with write_session(engine) as session:
        assert [row["name"] for row in categories.listing(session, admin)] == DEFAULTS
        own = categories.add(session, admin, "邻里节").id
        with pytest.raises(Invalid) as refused:
            categories.add(session, admin, "健康讲座")
        assert (refused.value.field, refused.value.key) == ("category_name", "error.activity.category_taken")
        with pytest.raises(Invalid) as refused:
            categories.add(session, admin, " ")
        assert refused.value.key == "error.required"
        with pytest.raises(NotFound):  # the shared list is not the community's to retire
            categories.set_active(session, admin, session.scalar(select(ActivityCategory.id)), False)
        with pytest.raises(Forbidden):
            categories.add(session, worker, "读书会")
    with read_session(engine) as session:
        assert list(activities.categories(session, worker).values()) == [*DEFAULTS, "邻里节"]
    held = plan(engine, worker, world.grid_ids[0], title="邻里节百家宴", category_id=own, target_groups=[])
    with write_session(engine) as session:
        categories.set_active(session, admin, own, False)
    with read_session(engine) as session:
        assert "邻里节" not in activities.categories(session, worker).values()  # no new activity takes it
        assert activities.detail(session, worker, held)["category_id"] == own  # the one held keeps it
    other_admin = Actor(id=999, username="x", role="admin", community_id=world.other_community_id)
    with read_session(engine) as session:
        assert [row["name"] for row in categories.listing(session, other_admin)] == DEFAULTS
        assert session.scalar(select(func.count()).select_from(ActivityCategory)) == len(DEFAULTS) + 1
