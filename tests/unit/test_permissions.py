import pytest

from core.errors import Forbidden
from core.permissions import ACTIONS, ROLES, Actor, can, require

EXPECTED = {
    "admin": {"home.view", "profile.edit", "user.manage", "community.manage", "audit.view"},
    "supervisor": {"home.view", "profile.edit", "audit.view"},
    "worker": {"home.view", "profile.edit"},
    "trainer": {"home.view", "profile.edit"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_role_action_matrix(role, action):
    user = Actor(id=1, username="u", role=role)
    assert can(user, action) is (action in EXPECTED[role])


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_nobody_logged_out_can_do_anything(action):
    assert not can(None, action)
    with pytest.raises(Forbidden):
        require(None, action)


def test_unknown_role_and_action_are_refused():
    assert not can(Actor(id=1, username="u", role="root"), "user.manage")
    assert not can(Actor(id=1, username="u", role="admin"), "launch.rockets")


def test_one_time_password_holder_may_only_change_it():
    admin = Actor(id=1, username="u", role="admin", must_change_password=True)
    assert can(admin, "profile.edit", admin)
    assert not can(admin, "user.manage")
    assert not can(admin, "home.view")


def test_own_profile_only():
    me = Actor(id=1, username="u", role="worker")
    assert can(me, "profile.edit", me)
    assert not can(me, "profile.edit", Actor(id=2, username="v", role="worker"))
