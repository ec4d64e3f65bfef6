"""Roles, the acting user, and the one permission question: can(user, action, resource)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.base.errors import Forbidden

# sysadmin: the one administrator of the installation (communities and their accounts; no
# residents' data). street (街道干部): every community's figures, no residents' data. Every other
# role belongs to one community.
ROLES = ("sysadmin", "admin", "supervisor", "worker", "trainer", "street")
COMMUNITY_ROLES = ("admin", "supervisor", "worker", "trainer")
INSTALLATION_ROLES = ("sysadmin", "street")  # no community


@dataclass(frozen=True)
class Actor:
    """Who is acting: what services need of a logged-in user, detached from the ORM."""

    id: int
    username: str
    role: str
    display_name: str = ""
    community_id: int | None = None
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    language: str = "zh-CN"
    must_change_password: bool = False


# Which roles may do what. Scope (which grids) is decided by _in_scope below.
_RESIDENTS_REGISTRY = {"resident.view", "resident.edit", "resident.import", "resident.export"}
# The resident's grid worker and the supervisor only (grid-scoped): sensitive groups and visit
# health findings (PIPL arts. 28, 31); a phone number shown with one tap, to call (audited).
_RESIDENTS_CARE = {"resident.sensitive", "resident.call"}
_RESIDENTS_WORK = _RESIDENTS_REGISTRY | _RESIDENTS_CARE
# Revealing a full ID number (with a reason), exporting IDs and phones unmasked.
_RESIDENTS_OVERSIGHT = {"resident.reveal", "resident.export_full"}
_MEDIATION_WORK = {"mediation.view", "mediation.edit"}
# Reopening a closed case, statistics of the whole office, editing the dispute types.
_MEDIATION_OVERSIGHT = {"mediation.reopen", "mediation.statistics"}
_TRAINING_OWN = {"training.view_own"}  # my record, check-in, claiming hours earned elsewhere
# Everyone's compliance; approving or refusing hours someone earned elsewhere.
_TRAINING_OVERSIGHT = {"training.view_all", "training.approve"}
# Recording ratings (visits, phone surveys) and issuing QR survey codes, in one's own grids.
_SATISFACTION_WORK = {"satisfaction.record", "satisfaction.issue_token"}
# Charts, the low-ratings list, deleting any rating, the monthly report.
_SATISFACTION_OVERSIGHT = {"satisfaction.view", "satisfaction.moderate", "report.monthly"}
# The round and recording visits (and major changes) in one's own grids.
_VISITS_WORK = {"visit.view", "visit.record"}
# Deciding residents' tiers, the month's coverage of every grid.
_VISITS_OVERSIGHT = {"visit.plan", "visit.coverage"}
# Community activities: plan, sign residents up, take attendance (scope: core.activities).
_ACTIVITIES = {"activity.view", "activity.edit"}
# 绩效概览: a worker's own row (assessment.view); a supervisor's every row (assessment.view_all).
_ASSESSMENT_OWN = {"assessment.view"}
# The annual assessment (core.assessment.cycle): a worker's summary, peer scores and objection;
# the supervisor's residents' forms, score, sign-off and answer; the admin's scheme.
_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    # training.targets: the installation's quotas, at the terminal (core.cli set-quota);
    # mediation.types: the shared dispute types (names of categories, no case).
    "sysadmin": frozenset({"home.view", "profile.edit", "user.manage", "community.manage", "audit.view",
                           "training.targets", "mediation.types"}),
    # The admin manages accounts and settings; sees residents without their sensitive groups,
    # phones or visits (a plan or a round tells who is disabled or 低保).
    "admin": frozenset({"home.view", "profile.edit", "user.manage", "community.manage", "audit.view",
                        *_RESIDENTS_REGISTRY, "resident.create_grids", *_MEDIATION_WORK, *_MEDIATION_OVERSIGHT,
                        "mediation.types", *_TRAINING_OWN, "training.manage", *_TRAINING_OVERSIGHT, "training.targets",
                        *_SATISFACTION_WORK, *_SATISFACTION_OVERSIGHT, "visit.settings", "activity.settings",
                        "assessment.settings"}),
    "supervisor": frozenset({"home.view", "profile.edit", "audit.view", *_RESIDENTS_WORK, *_RESIDENTS_OVERSIGHT,
                             "resident.create_grids",
                             *_MEDIATION_WORK, *_MEDIATION_OVERSIGHT, *_TRAINING_OWN, *_TRAINING_OVERSIGHT,
                             *_SATISFACTION_WORK, *_SATISFACTION_OVERSIGHT, *_VISITS_WORK, *_VISITS_OVERSIGHT,
                             *_ACTIVITIES, *_ASSESSMENT_OWN, "assessment.view_all", "assessment.manage",
                             "assessment.annual"}),
    "worker": frozenset({"home.view", "profile.edit", *_RESIDENTS_WORK, *_MEDIATION_WORK, *_TRAINING_OWN,
                         *_SATISFACTION_WORK, *_VISITS_WORK, *_ACTIVITIES, *_ASSESSMENT_OWN, "assessment.self",
                         "assessment.annual"}),
    "trainer": frozenset({"home.view", "profile.edit", *_TRAINING_OWN, "training.manage"}),
    # Figures of every community side by side and combined (core.reporting.street), nothing else.
    "street": frozenset({"home.view", "profile.edit", "street.view", "assessment.view", "assessment.view_all"}),
}
# Roles that see every grid of their community; the others see only their own grids.
_ALL_GRIDS = frozenset({"admin", "supervisor"})
ACTIONS = frozenset().union(*_ROLE_ACTIONS.values())


def can(user: Actor | None, action: str, resource: Any = None) -> bool:
    if user is None or action not in _ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    if user.must_change_password and action != "profile.edit":
        return False
    return _in_scope(user, action, resource)


def require(user: Actor | None, action: str, resource: Any = None) -> Actor:
    if not can(user, action, resource):
        raise Forbidden(action=action)
    assert user is not None
    return user


def community_view(actor: Actor, community_id: int | None, grid_ids: frozenset[int]) -> Actor:
    """The community (or, community None, the grids given) as its supervisor's figures see it, for
    figures about the community that the actor itself may not open row by row (the 街道's
    overview, a worker's own row of 绩效概览 computed with everyone's). Never handed to a function
    that returns residents, cases or ratings."""
    return Actor(id=actor.id, username=actor.username, role="supervisor", display_name=actor.display_name,
                 community_id=community_id, grid_ids=grid_ids, language=actor.language)


def sees_all_grids(user: Actor) -> bool:
    """Unfiltered by community: only the installation's system administrator, who has no action
    on residents, cases or ratings, so for those reads nobody is unfiltered. A supervisor or an
    admin of a community sees every grid *of that community*: core.office.users.actor_of gives
    them its grids, and every scoped read filters by them."""
    return user.role == "sysadmin"


def sees_whole_community(user: Actor) -> bool:
    """Every grid of their community (supervisors, admins), not only grids assigned to them."""
    return user.role in _ALL_GRIDS


def _in_scope(user: Actor, action: str, resource: Any) -> bool:
    if resource is None:
        return True
    if action == "profile.edit":
        return getattr(resource, "id", resource) == user.id
    if action.startswith(("resident.", "satisfaction.", "visit.")):
        grid_id = getattr(resource, "grid_id", resource)
        return sees_all_grids(user) or grid_id in user.grid_ids
    if action.startswith("mediation."):
        # A case: its grid is the worker's, or the worker mediates it.
        return (sees_all_grids(user) or getattr(resource, "grid_id", None) in user.grid_ids
                or getattr(resource, "mediator_id", None) == user.id)
    return True
