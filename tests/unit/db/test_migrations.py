"""The schema exists only through migrations, and they run both ways on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from db import migrate
from db.engine import make_engine, read_session
from db.models import Base

TABLES = {"communities", "grids", "users", "user_grids", "auth_sessions", "login_attempts", "audit_events",
          "app_meta", "households", "residents", "resident_tags", "dispute_types", "case_counters", "cases",
          "case_parties", "case_sessions", "agreements", "follow_ups", "case_state_changes", "courses",
          "course_participants", "attendance", "certificates", "staff_qualifications", "quota_settings",
          "ratings", "survey_tokens", "rating_month_summary", "id_lookups", "case_preventions", "dispute_screenings",
          "dispute_type_opt_outs", "visit_frequencies", "visit_plans", "major_changes", "visits",
          "activity_categories", "activities", "activity_grids", "activity_groups", "activity_organisers",
          "activity_participants", "activity_photos", "grid_assignments"}


def test_upgrade_downgrade_upgrade(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
        assert migrate.current_revision(engine) == migrate.head_revision()

        migrate.downgrade(engine)
        assert not TABLES & set(inspect(engine).get_table_names())
        assert migrate.current_revision(engine) is None

        migrate.upgrade(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Index and constraint naming aside, no table or column may differ.
    def kind(difference):
        return difference[0][0] if isinstance(difference, list) else difference[0]

    structural = [d for d in differences
                  if kind(d) in ("add_table", "remove_table", "add_column", "remove_column", "modify_type", "modify_nullable")]
    assert structural == []


def test_every_editable_table_has_a_version_column(engine):
    inspector = inspect(engine)
    for table in ("communities", "grids", "users", "households", "residents"):
        assert "version" in {c["name"] for c in inspector.get_columns(table)}, table


def a_community_and_grid(connection) -> None:  # noqa: ANN001
    """Community 1 with grid 1, written as an older schema has them."""
    connection.execute(text("INSERT INTO communities (id, name, address, created_at, version) "
                            "VALUES (1, '和平里社区', '', '2026-01-01 00:00:00', 1)"))
    connection.execute(text("INSERT INTO grids (id, community_id, name, description, created_at, version) "
                            "VALUES (1, 1, '第一网格', '', '2026-01-01 00:00:00', 1)"))


def test_stored_id_masks_keep_only_their_last_4_after_the_upgrade(fresh_database_url):
    """0008: a mask written as 110***********0131 becomes **************0131, no key needed."""
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0007")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            for number, masked in ((1, "110***********0131"), (2, "")):
                connection.execute(text(
                    "INSERT INTO residents (id, grid_id, name, name_pinyin, name_initials, sex, birth_date, id_masked, "
                    "phone, phone_last4, relation, ethnicity, status, notes, created_at, updated_at, version) VALUES "
                    f"({number}, 1, '王秀英', '', '', 'F', '1947-07-18', '{masked}', '', '', '', '', 'active', '', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            masks = connection.execute(text("SELECT id_masked FROM residents ORDER BY id")).scalars().all()
        assert masks == ["**************0131", ""]
    finally:
        engine.dispose()


def test_going_back_below_0009_refuses_to_lose_a_re_mediated_cases_earlier_agreement(fresh_database_url):
    import pytest

    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            a_community_and_grid(connection)
            connection.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active, "
                                    "must_change_password, language, created_at, version) VALUES (1, 'w', 'w', 'x', "
                                    "'worker', true, false, 'zh-CN', '2026-01-01 00:00:00', 1)"))
            connection.execute(text(
                "INSERT INTO cases (id, number, year, intake_date, source, type_id, grid_id, mediator_id, facts, state, "
                "amount_claimed_fen, due_date, extended, created_by, created_at, updated_at, version) VALUES (1, "
                "'2026-0001', 2026, '2026-09-01', 'application', 1, 1, 1, '漏水', 'agreed', 0, '2026-10-01', false, 1, "
                "'2026-09-01 00:00:00', '2026-09-01 00:00:00', 1)"))
            for number, superseded in ((1, "'2026-10-02 00:00:00'"), (2, "NULL")):
                connection.execute(text(
                    "INSERT INTO agreements (case_id, round, superseded_at, agreed_on, written, terms, amount_fen, "
                    f"created_at) VALUES (1, {number}, {superseded}, '2026-09-10', true, '赔偿', 0, '2026-09-10 00:00:00')"))
        with pytest.raises(Exception, match="superseded agreements would be lost"):
            migrate.downgrade(engine, "0008")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM agreements")).scalar() == 2
    finally:
        engine.dispose()


def test_staff_without_a_community_join_the_only_one(fresh_database_url):
    """0019: with a supervisor now bound to their community, one left without would see nothing;
    on a single-community installation they join it. An admin without one stays installation-wide
    (until 0020)."""
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0018")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            for number, role in enumerate(("admin", "supervisor", "worker", "trainer"), start=1):
                connection.execute(text(
                    "INSERT INTO users (id, username, display_name, password_hash, role, active, must_change_password, "
                    f"language, created_at, version) VALUES ({number}, '{role}', '{role}', 'x', '{role}', true, false, "
                    "'zh-CN', '2026-01-01 00:00:00', 1)"))
        migrate.upgrade(engine, "0019")
        with engine.connect() as connection:
            bound = dict(connection.execute(text("SELECT role, community_id FROM users")).all())
        assert bound == {"admin": None, "supervisor": 1, "worker": 1, "trainer": 1}
    finally:
        engine.dispose()


def _user(connection, username: str, role: str, community: int | None = None) -> None:  # noqa: ANN001
    connection.execute(text(
        "INSERT INTO users (username, display_name, password_hash, role, community_id, active, must_change_password, "
        "language, created_at, version) VALUES (:name, :name, 'x', :role, :community, true, false, 'zh-CN', "
        "'2026-01-01 00:00:00', 1)"), {"name": username, "role": role, "community": community})


def test_the_upgrade_makes_the_admin_the_communitys_and_adds_a_system_administrator(fresh_database_url):
    """0020 on a one-community office: its admin becomes the community's admin (they kept seeing
    residents), a system administrator waits for its one-time password (the CLI prints it once),
    and every past audit event is filed under the community of the account that made it."""
    from core.office import bootstrap

    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0019")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            _user(connection, "admin", "admin")
            _user(connection, "wang", "worker", 1)
            ids = dict(connection.execute(text("SELECT username, id FROM users")).all())
            for actor_id, name, action in ((ids["admin"], "admin", "login"), (ids["wang"], "wang", "login"),
                                           (None, "wang", "login_failed"), (None, "nobody", "login_failed")):
                connection.execute(text(
                    "INSERT INTO audit_events (at, actor_id, actor_username, action, object_type, object_id) "
                    "VALUES ('2026-11-01 09:00:00', :actor, :name, :action, 'user', :name)"),
                    {"actor": actor_id, "name": name, "action": action})
        migrate.upgrade(engine)
        with engine.connect() as connection:
            accounts = {name: (role, community, pending) for name, role, community, pending in connection.execute(text(
                "SELECT username, role, community_id, password_hash = '!pending' FROM users"))}
            filed = connection.execute(text("SELECT actor_username, action, community_id FROM audit_events "
                                            "ORDER BY id")).all()
        assert accounts["admin"] == ("admin", 1, False) and accounts["wang"] == ("worker", 1, False)
        assert accounts["sysadmin"] == ("sysadmin", None, True)
        assert [tuple(row) for row in filed] == [("admin", "login", 1), ("wang", "login", 1),
                                                 ("wang", "login_failed", 1), ("nobody", "login_failed", None)]
        with pytest.raises(Exception, match="append-only"):  # the trigger is back
            with engine.begin() as connection:
                connection.execute(text("UPDATE audit_events SET community_id = 2"))
        given = bootstrap.prepare(engine)
        assert given is not None and given[0] == "sysadmin"
        assert bootstrap.prepare(engine) is None  # printed once
        from core.office import users

        with read_session(engine) as session:
            sysadmin = users.find_by_username(session, "sysadmin")
            assert users.passwords.verify(given[1], sysadmin.password_hash) and sysadmin.must_change_password
    finally:
        engine.dispose()


def test_with_several_communities_the_installation_admin_becomes_the_system_administrator(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0019")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            connection.execute(text("INSERT INTO communities (id, name, address, created_at, version) "
                                    "VALUES (2, '安定门社区', '', '2026-01-01 00:00:00', 1)"))
            _user(connection, "root", "admin")
            _user(connection, "second", "admin")
            _user(connection, "local", "admin", 2)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            accounts = dict(connection.execute(text("SELECT username, role FROM users")).all())
        assert accounts == {"root": "sysadmin", "second": "admin", "local": "admin"}  # no second sysadmin made
        migrate.downgrade(engine, "0019")
        with engine.connect() as connection:
            assert dict(connection.execute(text("SELECT username, role FROM users")).all())["root"] == "admin"
    finally:
        engine.dispose()


def test_with_one_community_its_changes_to_the_dispute_types_become_its_own(fresh_database_url):
    """0023: a type its admin added is the community's own; a 司法部 type it retired stays in the
    shared list, not offered by the community (and retired again on the way back)."""
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0022")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            connection.execute(text("INSERT INTO dispute_types (id, name, sort_order, active, version) "
                                    "VALUES (16, '网络纠纷', 15, :yes, 1)"), {"yes": True})
            connection.execute(text("UPDATE dispute_types SET active = :no WHERE name = '山林土地'"), {"no": False})
        migrate.upgrade(engine)
        with engine.connect() as connection:
            kinds = {name: (community, bool(active)) for name, community, active in connection.execute(
                text("SELECT name, community_id, active FROM dispute_types"))}
            opted_out = connection.execute(text("SELECT dispute_type_opt_outs.community_id, dispute_types.name FROM dispute_type_opt_outs "
                                                "JOIN dispute_types ON dispute_types.id = type_id")).all()
        assert kinds["网络纠纷"] == (1, True) and kinds["山林土地"] == (None, True) and kinds["邻里"] == (None, True)
        assert [tuple(row) for row in opted_out] == [(1, "山林土地")]
        migrate.downgrade(engine, "0022")
        with engine.connect() as connection:
            active = dict(connection.execute(text("SELECT name, active FROM dispute_types")).all())
        assert not active["山林土地"] and active["网络纠纷"] and active["邻里"]
    finally:
        engine.dispose()


def test_each_household_gets_the_member_who_says_huzhu_as_its_head(fresh_database_url):
    """0025: 户主 was free text in 与户主关系; the first live member saying 户主 or 本人 heads the
    household, a household with none has no head, and every resident's 户籍 is not yet known."""
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0024")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            for household in (1, 2):
                connection.execute(text("INSERT INTO households (id, grid_id, compound, building, unit, room, address, "
                                        "created_at, version) VALUES (:id, 1, '', '', '', '', :address, "
                                        "'2026-01-01 00:00:00', 1)"), {"id": household, "address": f"{household}号楼"})
            for resident, household, relation in ((1, 1, "配偶"), (2, 1, "户主"), (3, 1, "本人"), (4, 2, "子女")):
                connection.execute(text(
                    "INSERT INTO residents (id, grid_id, household_id, name, name_pinyin, name_initials, sex, "
                    "birth_date, id_masked, phone, phone_last4, relation, ethnicity, status, notes, created_at, "
                    "updated_at, version) VALUES (:id, 1, :household, :name, '', '', 'F', '1970-01-01', '', '', '', "
                    ":relation, '', 'active', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"),
                    {"id": resident, "household": household, "name": f"居民{resident}", "relation": relation})
        migrate.upgrade(engine)
        with engine.connect() as connection:
            heads = dict(connection.execute(text("SELECT id, head_id FROM households")).all())
            hukou = set(connection.execute(text("SELECT hukou FROM residents")).scalars())
        assert heads == {1: 2, 2: None} and hukou == {""}
        migrate.downgrade(engine, "0024")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM residents")).scalar() == 4
    finally:
        engine.dispose()


def test_each_workers_grids_are_held_since_their_account_was_made(fresh_database_url):
    """0028: the grids a worker holds become assignments from the day the account was made;
    a supervisor answers for no grid."""
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine, "0027")
        with engine.begin() as connection:
            a_community_and_grid(connection)
            _user(connection, "wgy.li", "worker", 1)
            _user(connection, "zhuren", "supervisor", 1)
            connection.execute(text("INSERT INTO user_grids (user_id, grid_id) SELECT id, 1 FROM users"))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            held = connection.execute(text(
                "SELECT u.username, a.grid_id, a.starts_on, a.ends_on FROM grid_assignments a "
                "JOIN users u ON u.id = a.user_id")).all()
        assert [(name, grid, str(start)[:10], end) for name, grid, start, end in held] == [
            ("wgy.li", 1, "2026-01-01", None)]
        migrate.downgrade(engine, "0027")
    finally:
        engine.dispose()


def _rows(engine) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Every row of every table but Alembic's, sorted, as plain tuples keyed by column name."""
    rows = {}
    with engine.connect() as connection:
        for table in sorted(set(inspect(engine).get_table_names()) - {"alembic_version"}):
            result = connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608 - names from the schema
            columns = list(result.keys())
            rows[table] = sorted((tuple(zip(columns, (str(v) for v in row), strict=True)) for row in result),
                                 key=repr)
    return rows


def test_the_demo_database_upgrades_to_several_communities_with_every_row_accounted_for(fresh_database_url,
                                                                                       monkeypatch):
    """The demo (a 街道 of three communities) as it stood before 0020, upgraded: every row of every
    table is still there with the same values; the users differ only in the role 0020 gives back
    (the first admin without a community is the system administrator again), each audit event
    only in the community it is now filed under (the one of the account that made it), and each
    course in its new columns (0021: its trainer's community, not open to all)."""
    from datetime import date, datetime

    from core import demo
    from core.base import clock
    from tests.factories import vault_for_tests

    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), datetime.min.time()).replace(hour=8))
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        demo.seed(engine, vault_for_tests())
        migrate.downgrade(engine, "0019")
        before = _rows(engine)
        migrate.upgrade(engine)
        after = _rows(engine)
        assert set(before) <= set(after)
        # tables added since are empty, but for what a migration seeds (0026: activity categories;
        # 0028: each worker's grids, held since their account was made)
        assert not [table for table in set(after) - set(before) - {"activity_categories", "grid_assignments"}
                    if after[table]]
        assert len(after["grid_assignments"]) == len([row for row in after["user_grids"]
                                                      if dict(row)["user_id"] in {dict(u)["id"] for u in after["users"]
                                                                                  if dict(u)["role"] == "worker"}])

        def without(rows: list[tuple], *names: str) -> list[tuple]:
            return sorted((tuple(pair for pair in row if pair[0] not in names) for row in rows), key=repr)

        for table in before:  # the same rows, with the same values in every column they had
            if table in ("users", "audit_events"):
                continue
            new_columns = {name for name, _ in after[table][0]} - {name for name, _ in before[table][0]} \
                if after[table] else set()
            assert without(after[table], *new_columns) == before[table], table

        assert without(after["users"], "role") == without(before["users"], "role")
        roles = {dict(row)["username"]: dict(row)["role"] for row in after["users"]}
        assert roles["sysadmin"] == "sysadmin" and roles["admin"] == "admin"
        assert without(after["audit_events"], "community_id", "redacted_at") == before["audit_events"]  # 0032: none yet
        community_of = {dict(row)["id"]: dict(row)["community_id"] for row in after["users"]}
        filed = [dict(row) for row in after["audit_events"]]
        assert all(event["community_id"] == community_of.get(event["actor_id"], "None")
                   for event in filed if event["actor_id"] != "None")
        courses = [dict(row) for row in after["courses"]]  # 0021: a course is its trainer's community's
        assert courses and all(course["community_id"] == community_of[course["trainer_id"]] for course in courses)
    finally:
        engine.dispose()
