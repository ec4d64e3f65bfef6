"""Accounts: bad input refused with the field named and nothing written; stale saves refused."""

import pytest
from sqlalchemy import select

from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.office import users
from db.engine import read_session, write_session
from db.models import AuditEvent, AuthSession, User
from tests.factories import PASSWORD, make_world, snapshot_counts


def fields_of(error):
    return {e.field for e in error.errors} if isinstance(error, InvalidMany) else {error.field}


def test_create_normalises_the_username_and_audits(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        account = users.create_user(session, world.actors["admin"], username="  Ｚhang.Wei ", display_name=" 张伟 ",
                                    role="worker", community_id=world.community_id, grid_ids=world.grid_ids)
    assert account.user.username == "zhang.wei"
    assert account.user.display_name == "张伟"
    assert account.user.must_change_password
    with read_session(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_create")
                                .order_by(AuditEvent.id.desc())).first()
        assert event.actor_username == "admin1"
        assert "password" not in (event.after or "")


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"username": ""}, "username", "error.required"),
        ({"username": "   "}, "username", "error.required"),
        ({"username": "ab"}, "username", "error.too_short"),
        ({"username": "x" * 33}, "username", "error.too_long"),
        ({"username": "张伟伟"}, "username", "error.username.characters"),
        ({"username": "WORKER1"}, "username", "error.username.taken"),
        ({"display_name": ""}, "display_name", "error.required"),
        ({"display_name": "名" * 51}, "display_name", "error.too_long"),
        ({"role": "root"}, "role", "error.role.unknown"),
        ({"grid_ids": "other"}, "grids", "error.grid.other_community"),
        ({"grid_ids": [987654]}, "grids", "error.grid.unknown"),
        ({"community_id": 987654}, "community", "error.community.unknown"),
        ({"password": "a1" * 37}, "password", "error.password.too_long"),
        ({"password": "weak"}, "password", "error.password.too_short"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(engine, changes, field, key):
    world = make_world(engine)
    values = {"username": "new.user", "display_name": "新用户", "role": "worker",
              "community_id": world.community_id, "grid_ids": [world.grid_ids[0]], "password": None}
    values.update(changes)
    if values["grid_ids"] == "other":
        values["grid_ids"] = [world.other_grid_id]
    before = snapshot_counts(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused:
        with write_session(engine) as session:
            users.create_user(session, world.actors["admin"], **values)
    assert field in fields_of(refused.value)
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert key in {e.key for e in errors}
    assert snapshot_counts(engine) == before


def test_every_bad_field_is_reported_at_once(engine):
    world = make_world(engine)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            users.create_user(session, world.actors["admin"], username="", display_name="", role="root")
    # and the community: a community's admin gives accounts to their community only
    assert fields_of(refused.value) == {"username", "display_name", "role", "community"}


def test_only_admins_manage_users(engine):
    world = make_world(engine)
    for role in ("supervisor", "worker", "trainer"):
        with pytest.raises(Forbidden):
            with write_session(engine) as session:
                users.create_user(session, world.actors[role], username="sneaky", display_name="x", role="admin")


def test_second_save_from_the_same_version_is_refused_and_the_first_survives(engine):
    world = make_world(engine)
    admin, target = world.actors["admin"], world.actors["worker"]
    with read_session(engine) as session:
        loaded_version = users.get_user(session, target.id).version
    common = {"role": "worker", "community_id": world.community_id, "active": True}

    with write_session(engine) as first:
        users.update_user(first, admin, target.id, loaded_version, display_name="First edit",
                          grid_ids=world.grid_ids, **common)
    with pytest.raises(StaleEdit):
        with write_session(engine) as second:
            users.update_user(second, admin, target.id, loaded_version, display_name="Second edit",
                              grid_ids=[], **common)
    with read_session(engine) as session:
        saved = users.get_user(session, target.id)
        assert saved.display_name == "First edit"
        assert sorted(g.id for g in saved.grids) == sorted(world.grid_ids)
        assert saved.version == loaded_version + 1


def test_a_change_of_grids_alone_bumps_the_version(engine):
    world = make_world(engine)
    target = world.actors["worker"]
    with read_session(engine) as session:
        user = users.get_user(session, target.id)
        version, name = user.version, user.display_name
    with write_session(engine) as session:
        saved = users.update_user(session, world.actors["admin"], target.id, version, display_name=name,
                                  role="worker", community_id=world.community_id, grid_ids=world.grid_ids, active=True)
    assert saved.version == version + 1


def test_admin_cannot_disable_or_demote_themselves(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    with read_session(engine) as session:
        version = users.get_user(session, admin.id).version
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            users.update_user(session, admin, admin.id, version, display_name="x", role="worker",
                              community_id=world.community_id, grid_ids=[], active=True)
    assert refused.value.field == "role"


def _open_session(engine, actor, token_exp=1.0e12):
    with write_session(engine) as session:
        session.add(AuthSession(user_id=actor.id, token_exp=token_exp, created_at=users.clock.now(),
                                expires_at=users.clock.now().replace(year=2099)))


def _open_sessions(engine, user_id):
    with read_session(engine) as session:
        return session.scalars(select(AuthSession).where(AuthSession.user_id == user_id,
                                                         AuthSession.revoked_at.is_(None))).all()


def test_disabling_an_account_ends_its_sessions(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _open_session(engine, worker)
    with read_session(engine) as session:
        version = users.get_user(session, worker.id).version
    with write_session(engine) as session:
        users.update_user(session, world.actors["admin"], worker.id, version, display_name="w", role="worker",
                          community_id=world.community_id, grid_ids=[], active=False)
    assert _open_sessions(engine, worker.id) == []


def test_reset_password_gives_a_one_time_password_and_ends_sessions(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _open_session(engine, worker)
    with write_session(engine) as session:
        secret = users.reset_password(session, world.actors["admin"], worker.id)
    with read_session(engine) as session:
        user = users.get_user(session, worker.id)
        assert user.must_change_password
        assert users.passwords.verify(secret, user.password_hash)
    assert _open_sessions(engine, worker.id) == []


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [
        ("wrong-one1", "NewSecret456", "NewSecret456", "current_password"),
        (PASSWORD, "NewSecret456", "NewSecret457", "confirm_password"),
        (PASSWORD, "short1", "short1", "new_password"),
        (PASSWORD, "长" * 24 + "a1", "长" * 24 + "a1", "new_password"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password"),
    ],
)
def test_change_own_password_refusals(engine, current, new, confirm, field):
    world = make_world(engine)
    before = snapshot_counts(engine)
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            users.change_own_password(session, world.actors["worker"], current=current, new=new, confirm=confirm)
    assert refused.value.field == field
    assert snapshot_counts(engine) == before


def test_change_own_password_ends_every_session(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _open_session(engine, worker, 1.0e12)
    _open_session(engine, worker, 1.1e12)
    with write_session(engine) as session:
        users.change_own_password(session, worker, current=PASSWORD, new="NewSecret456", confirm="NewSecret456")
    assert _open_sessions(engine, worker.id) == []
    with read_session(engine) as session:
        assert not users.get_user(session, worker.id).must_change_password


def test_set_language_is_remembered(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        users.set_language(session, world.actors["worker"], "en")
    with read_session(engine) as session:
        assert session.get(User, world.actors["worker"].id).language == "en"
    with pytest.raises(Invalid):
        with write_session(engine) as session:
            users.set_language(session, world.actors["worker"], "fr")


def test_a_save_racing_past_the_version_check_is_still_refused_by_the_database(engine):
    """Both sessions pass the in-code check; the UPDATE ... WHERE version = n catches the second."""
    world = make_world(engine)
    admin, target = world.actors["admin"], world.actors["worker"]
    common = {"role": "worker", "community_id": world.community_id, "active": True, "grid_ids": []}
    with read_session(engine) as session:
        version = users.get_user(session, target.id).version
    with pytest.raises(StaleEdit):
        with write_session(engine) as slow:
            slow_user = users.get_user(slow, target.id)  # the slow editor loaded the row at `version`
            if engine.dialect.name == "sqlite":
                # SQLite's BEGIN IMMEDIATE would make the racing writer wait; bump it on this connection.
                slow.execute(User.__table__.update().where(User.id == target.id).values(version=version + 1,
                                                                                          display_name="Racer"))
            else:
                with write_session(engine) as racer:
                    users.update_user(racer, admin, target.id, version, display_name="Racer", **common)
            slow_user.display_name = "Slow"
            with users.guarded_flush(slow):
                pass
    # PostgreSQL: the racer's committed save survives. SQLite: the bump shared the refused
    # transaction, so nothing of it was written.
    expected = "Racer" if engine.dialect.name == "postgresql" else "worker one"
    with read_session(engine) as session:
        assert users.get_user(session, target.id).display_name == expected
