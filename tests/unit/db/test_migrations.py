"""The schema exists only through migrations, and they run both ways on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from db import migrate
from db.engine import make_engine
from db.models import Base

TABLES = {"communities", "grids", "users", "user_grids", "auth_sessions", "login_attempts", "audit_events",
          "app_meta", "households", "residents", "resident_tags", "dispute_types", "case_counters", "cases",
          "case_parties", "case_sessions", "agreements", "follow_ups", "case_state_changes", "courses",
          "course_participants", "attendance", "certificates", "staff_qualifications", "quota_settings",
          "ratings", "survey_tokens", "rating_month_summary", "id_lookups", "case_preventions", "dispute_screenings"}


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
    on a single-community installation they join it. An admin without one stays installation-wide."""
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
        migrate.upgrade(engine)
        with engine.connect() as connection:
            bound = dict(connection.execute(text("SELECT role, community_id FROM users")).all())
        assert bound == {"admin": None, "supervisor": 1, "worker": 1, "trainer": 1}
    finally:
        engine.dispose()
