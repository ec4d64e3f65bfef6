import pytest

from core.base.errors import Forbidden
from core.base.permissions import ACTIONS, ROLES, Actor, can, require

REGISTRY = {"resident.view", "resident.edit", "resident.import", "resident.export"}
# Sensitive groups and visit health findings (PIPL arts. 28, 31), a phone shown to call: the
# resident's grid worker and the supervisor only.
CARE = {"resident.sensitive", "resident.call"}
RESIDENT_WORK = REGISTRY | CARE
OVERSIGHT = {"resident.reveal", "resident.export_full", "resident.create_grids"}
MEDIATION = {"mediation.view", "mediation.edit"}
MEDIATION_OVERSIGHT = {"mediation.reopen", "mediation.statistics"}
SATISFACTION = {"satisfaction.record", "satisfaction.issue_token"}
SATISFACTION_OVERSIGHT = {"satisfaction.view", "satisfaction.moderate", "report.monthly"}
VISITS = {"visit.view", "visit.record"}
VISITS_OVERSIGHT = {"visit.plan", "visit.coverage"}
ACTIVITIES = {"activity.view", "activity.edit"}
# 绩效概览: a worker their own row; a supervisor every row of the community.
ASSESSMENT = {"assessment.view"}
EXPECTED = {
    # The installation's administrator: communities and their accounts, the installation's trail;
    # nothing about residents, cases, ratings or training.
    "sysadmin": {"home.view", "profile.edit", "user.manage", "community.manage", "audit.view", "training.targets",
                 "mediation.types"},
    "admin": {"home.view", "profile.edit", "user.manage", "community.manage", "audit.view", "mediation.types",
              "training.view_own", "training.manage", "training.view_all", "training.approve",
              "training.targets", "visit.settings", "activity.settings", "resident.create_grids",
              "assessment.settings"}
    # Accounts and settings; residents without their sensitive groups, phones, full IDs or visits.
    | REGISTRY | MEDIATION | MEDIATION_OVERSIGHT | SATISFACTION | SATISFACTION_OVERSIGHT,
    "supervisor": {"home.view", "profile.edit", "audit.view", "training.view_own", "training.view_all",
                   "training.approve"}
    | RESIDENT_WORK | OVERSIGHT | MEDIATION | MEDIATION_OVERSIGHT | SATISFACTION | SATISFACTION_OVERSIGHT
    | VISITS | VISITS_OVERSIGHT | ACTIVITIES | ASSESSMENT | {"assessment.view_all", "assessment.manage",
                                                            "assessment.annual"},
    "worker": {"home.view", "profile.edit", "training.view_own"} | RESIDENT_WORK | MEDIATION | SATISFACTION | VISITS
    | ACTIVITIES | ASSESSMENT | {"assessment.self", "assessment.annual"},
    "trainer": {"home.view", "profile.edit", "training.view_own", "training.manage"},
    # 街道干部: the communities' figures, side by side and combined; no resident, case or rating.
    # and every worker's row of 绩效概览, a community at a time
    "street": {"home.view", "profile.edit", "street.view", "assessment.view", "assessment.view_all"},
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


def test_sensitive_data_and_the_phone_belong_to_the_grid_worker_and_the_supervisor():
    worker = Actor(id=1, username="w", role="worker", community_id=1, grid_ids=frozenset({3}))
    supervisor = Actor(id=2, username="s", role="supervisor", community_id=1, grid_ids=frozenset({3, 4}))
    admin = Actor(id=3, username="a", role="admin", community_id=1, grid_ids=frozenset({3, 4}))
    for action in ("resident.sensitive", "resident.call"):
        assert can(worker, action, 3) and not can(worker, action, 4)  # 4: a grid where they only mediate
        assert can(supervisor, action, 4)
        assert not can(admin, action, 3) and not can(admin, action)


def test_workers_reach_only_residents_of_their_grids():
    worker = Actor(id=1, username="w", role="worker", grid_ids=frozenset({3}))
    supervisor = Actor(id=2, username="s", role="supervisor", community_id=1, grid_ids=frozenset({3, 4}))
    assert can(worker, "resident.view", 3) and not can(worker, "resident.view", 4)
    assert can(supervisor, "resident.edit", 4)
    assert not can(supervisor, "resident.view", 5)  # a grid of another community
    assert not can(Actor(id=3, username="t", role="trainer"), "resident.view", 3)
