"""Small builders for test data, going through core services like the app does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from core.base.permissions import Actor
from core.office import communities, users
from db.engine import read_session, write_session
from db.models import AuditEvent, User

PASSWORD = "Secret123"
ROOT = Actor(id=0, username="tester", role="sysadmin")


@dataclass(frozen=True)
class World:
    community_id: int
    other_community_id: int
    grid_ids: list[int]
    other_grid_id: int
    actors: dict[str, Actor]


def make_world(engine: Engine) -> World:
    """One community with two grids, another with one, and one user per role (password PASSWORD)."""
    with write_session(engine) as session:
        home = communities.create_community(session, ROOT, name="和平里社区")
        grid_a = communities.create_grid(session, ROOT, community_id=home.id, name="第一网格")
        grid_b = communities.create_grid(session, ROOT, community_id=home.id, name="第二网格")
        other = communities.create_community(session, ROOT, name="安定门社区")
        grid_x = communities.create_grid(session, ROOT, community_id=other.id, name="外网格")
        actors = {}
        for role in ("admin", "supervisor", "worker", "trainer"):
            account = users.create_user(session, None, username=f"{role}1", display_name=f"{role} one", role=role,
                                        community_id=home.id, grid_ids=[grid_a.id] if role == "worker" else [],
                                        password=PASSWORD, must_change_password=False)
            actors[role] = users.actor_of(account.user)
    return World(home.id, other.id, [grid_a.id, grid_b.id], grid_x.id, actors)


def count(engine: Engine, model: type) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def snapshot_counts(engine: Engine) -> tuple[int, int]:
    """(users, audit events): what a refused write must leave unchanged."""
    return count(engine, User), count(engine, AuditEvent)


def vault_for_tests():
    """The vault of the test run's keys (tests/conftest.py sets them in the environment)."""
    from core.base import keys, settings

    return keys.vault_of(settings.load(secrets={}))


def make_resident_id(born: str = "19800101", seq: str = "001", region: str = "110105") -> str:
    from core.residents.identity import check_digit

    first17 = region + born + seq
    return first17 + check_digit(first17)


def register(session, actor: Actor, vault, form, **options):  # noqa: ANN001, ANN201
    """residents.create as the screens call it: the ID number's exact lookup noted first
    (core.residents.lookups; a no-op for roles that may reveal IDs)."""
    from core.residents import lookups
    from core.residents import service as residents

    lookups.note(session, actor, vault, form.id_number, field="id_number")
    return residents.create(session, actor, vault, form, **options)


def save(session, actor: Actor, vault, resident_id: int, version: int, form, **options):  # noqa: ANN001, ANN201
    """residents.update as the screens call it, the lookup of a new ID number noted first."""
    from core.residents import lookups
    from core.residents import service as residents

    lookups.note(session, actor, vault, form.id_number, field="id_number")
    return residents.update(session, actor, vault, resident_id, version, form, **options)


def another_worker(engine: Engine, world: World, *, username: str = "worker2") -> Actor:
    """A worker of the home community's second grid (a colleague of worker1, not of grid 1)."""
    with write_session(engine) as session:
        account = users.create_user(session, None, username=username, display_name="worker two", role="worker",
                                    community_id=world.community_id, grid_ids=[world.grid_ids[1]],
                                    password=PASSWORD, must_change_password=False)
        return users.actor_of(account.user)
