"""The administrator's terminal commands and the demo seed."""

import sqlite3
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from core import cli, demo
from core.base import backups, clock
from core.office import communities, users
from db.engine import make_engine, read_session, write_session
from db.models import (
    Agreement,
    AuditEvent,
    CaseParty,
    CasePrevention,
    Community,
    Course,
    DisputeScreening,
    Grid,
    MediationCase,
    Rating,
    Resident,
    User,
)
from tests.factories import ROOT


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_migrate_creates_the_first_administrator_once(sqlite_url, capsys):
    assert cli.main(["migrate"]) == 0
    first = capsys.readouterr().out
    assert "user name:          admin" in first and "one-time password:" in first
    assert cli.main(["migrate"]) == 0
    assert "one-time password" not in capsys.readouterr().out
    with read_session(make_engine(sqlite_url)) as session:
        admin = users.find_by_username(session, "admin")
        assert admin.role == "sysadmin" and admin.community_id is None and admin.must_change_password


def test_create_user_reset_and_unlock(sqlite_url, capsys):
    assert cli.main(["create-user", "Wang.Li", "--role", "worker", "--name", "王力"]) == 2
    assert "choose a community" in capsys.readouterr().err  # every account but the system administrator's has one
    with write_session(make_engine(sqlite_url)) as session:
        communities.create_community(session, ROOT, name="和平里社区")
    assert cli.main(["create-user", "Wang.Li", "--role", "worker", "--name", "王力"]) == 0
    assert "one-time password" in capsys.readouterr().out
    assert cli.main(["create-user", "wang.li", "--role", "worker"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert cli.main(["reset-password", "WANG.LI"]) == 0
    assert cli.main(["reset-password", "nobody"]) == 2
    assert cli.main(["unlock", "wang.li"]) == 0
    with read_session(make_engine(sqlite_url)) as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert {"user_create", "password_reset", "unlock"} <= set(actions)


def test_check_refuses_a_short_cookie_key(monkeypatch, capsys):
    monkeypatch.setenv("LINLI_COOKIE_KEY", "short")
    assert cli.main(["check"]) == 1
    assert "cookie_key" in capsys.readouterr().err


def test_backup_is_consistent_while_someone_writes(sqlite_url, tmp_path):
    cli.main(["migrate"])
    engine = make_engine(sqlite_url)
    with write_session(engine) as session:
        office = communities.create_community(session, ROOT, name="和平里社区").id
    stop = threading.Event()
    written = []

    def keep_writing():
        while not stop.is_set():
            with write_session(engine) as session:
                users.create_user(session, None, username=f"clerk{len(written)}", display_name="忙", role="worker",
                                  community_id=office, password="Writer12345")
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "copy.db"
        assert cli.main(["backup", "--output", str(target)]) == 0
    finally:
        stop.set()
        writer.join()
    assert written, "the writer never wrote: the backup was not taken under load"
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM users").fetchone()[0] >= 1
    copy.close()


def test_demo_seed_has_every_role_and_a_street_of_three_communities_and_is_repeatable(engine, monkeypatch, tmp_path):
    from datetime import datetime

    from tests.factories import vault_for_tests

    # Early in the morning: today's case steps (15:00) and ratings (8–19 h) would lie ahead.
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), datetime.min.time()).replace(hour=8))
    accounts = demo.seed(engine, vault_for_tests(), files_dir=tmp_path / "files")
    assert {a.role for a in accounts} == {"sysadmin", "admin", "supervisor", "worker", "trainer", "street"}
    small = sum(count for _name, _grids, count, _prefix, _names in demo.SMALL_COMMUNITIES)
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Grid)) == 4 + 3  # 和平里 4, 安定门 2, 青年湖 1
        assert session.scalar(select(func.count()).select_from(Community)) == 3
        history = session.scalar(select(func.count()).select_from(AuditEvent))
        worker = users.find_by_username(session, "li.wgy")
        assert users.passwords.verify(next(a.password for a in accounts if a.username == "li.wgy"), worker.password_hash)
        assert not worker.must_change_password and len(worker.grids) == 1
        assert session.scalar(select(func.count()).select_from(Resident)) == demo.RESIDENTS + small
        states = set(session.scalars(select(MediationCase.state)))
        assert session.scalar(select(func.count()).select_from(MediationCase)) == 70 + 5 + 6  # showcase, small ones
        assert {"received", "in_mediation", "agreed", "closed"} <= states
        # What the law asks, to be seen: an organisation, a guardian, a round 2, an oral one, 司法确认.
        assert session.scalar(select(func.count()).select_from(CaseParty).where(CaseParty.kind == "organisation"))
        assert session.scalar(select(func.count()).select_from(CaseParty).where(CaseParty.agent_kind == "guardian"))
        assert session.scalar(select(func.count()).select_from(Agreement).where(Agreement.round == 2))
        assert session.scalar(select(func.count()).select_from(Agreement).where(Agreement.declined_written))
        assert session.scalar(select(func.count()).select_from(Agreement).where(Agreement.judicial_result == "confirmed"))
        assert session.scalar(select(func.count()).select_from(CasePrevention)) == 2
        assert session.scalar(select(func.count()).select_from(MediationCase).where(MediationCase.risk_level == "high"))
        assert session.scalar(select(func.count()).select_from(MediationCase).where(MediationCase.repeat_warning != ""))
        assert session.scalar(select(func.count()).select_from(DisputeScreening)) == 90  # a year, three grids
        assert session.scalar(select(func.count()).select_from(Course)) == 10
        # Care visits: last month's coverage has visits on time, late and missed; most tiers are
        # confirmed, some wait for the supervisor; a hospital stay is on today's round.
        from datetime import timedelta

        from core.visits import plans
        from core.visits import service as visits
        from db.models import MajorChange, VisitPlan

        supervisor = users.actor_of(users.find_by_username(session, "wang.zhuren"))
        last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
        figures = visits.coverage(session, supervisor, last_month)["total"].figures
        assert figures["on_time"] and figures["late"] and figures["missed"], figures
        planned = plans.planned(session, supervisor, date.today())
        assert 0 < session.scalar(select(func.count()).select_from(VisitPlan)) < len(planned)
        assert session.scalar(select(func.count()).select_from(MajorChange)) == 1
        rounds = [visits.my_round(session, users.actor_of(users.find_by_username(session, name)))
                  for name in ("li.wgy", "zhang.wgy", "liu.wgy")]
        assert any(item.obligation.kind == "major" for found in rounds for item in found)
        # A year of activities: most held with attendance, two cancelled, the next weeks open.
        from db.models import Activity, ActivityParticipant

        held = session.scalar(select(func.count()).select_from(Activity).where(Activity.starts_at <= clock.now()))
        assert held > 80 and session.scalar(select(func.min(Activity.starts_at))) < clock.now() - timedelta(days=330)
        assert session.scalar(select(func.count()).select_from(Activity).where(Activity.status == "cancelled")) == 2
        assert session.scalar(select(func.count()).select_from(Activity).where(Activity.starts_at > clock.now()))
        assert session.scalar(select(func.count()).select_from(ActivityParticipant)
                              .where(ActivityParticipant.attended.is_(True))) > 200
        # 绩效概览 of last month: each worker answers for their grids' visits and their cases
        from core.assessment import overview

        rows = overview.overview(session, supervisor, overview.period_of(last_month, last_month)).workers
        assert len(rows) == 4 and all(row.figures["visits_due"] for row in rows)
        # last year's 年度考核: every worker signed off, one objection waiting for its answer
        from core.assessment import cycle

        done = cycle.workers_of(session, supervisor, date.today().year - 1)
        assert [row["signed_off"] for row in done] == [True] * 4 and sum(row["objection"] for row in done) == 1
        assert sum(row.figures["cases_received"] for row in rows) and sum(row.figures["activities_organised"]
                                                                            for row in rows)
        # residents rated many of them on the follow-up calls; the last three held have a photo
        rated = session.scalar(select(func.count(func.distinct(Rating.activity_id))))
        assert 20 < rated < held
        assert len(list((tmp_path / "files").iterdir())) >= 3
                # Nothing happens later today than now (the audit showed 15:00 at 14:08).
        assert session.scalar(select(func.max(AuditEvent.at))) <= clock.now()
        assert session.scalar(select(func.max(Rating.created_at))) <= clock.now()
    again = demo.seed(engine, vault_for_tests())
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == len(demo.STAFF) + 2 * 2
        assert session.scalar(select(func.count()).select_from(Grid)) == 4 + 3
        assert session.scalar(select(func.count()).select_from(AuditEvent)) < history + 30  # no second history
        assert session.scalar(select(func.count()).select_from(Resident)) == demo.RESIDENTS + small
    assert {a.password for a in again} != {a.password for a in accounts}


def test_import_residents_on_a_fresh_database(sqlite_url, tmp_path, capsys):
    from tests.unit.residents.test_imports import BAD, GOOD, csv_bytes

    roster = tmp_path / "花名册.csv"
    roster.write_bytes(csv_bytes(GOOD + BAD, "gbk"))
    report = tmp_path / "report.csv"
    assert cli.main(["import-residents", str(roster), "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "rows read:  8" in out and "imported:   0" in out and "grids not found: 第一网格, 第二网格, 第九网格" in out
    assert report.read_text(encoding="utf-8-sig").splitlines()[0] == "line,field,reason"

    assert cli.main(["import-residents", str(roster), "--create-grids", "--partial", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "imported:   3" in out and "refused:    5 lines" in out
    assert "grids created: 第一网格, 第二网格, 第九网格" in out
    assert "身份证号: 应为 18 位，现为 15 位" in out
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["5", "6", "7", "8", "9"]
    with read_session(make_engine(sqlite_url)) as session:
        assert session.scalar(select(func.count()).select_from(Grid)) == 3
        assert session.scalar(select(func.count()).select_from(Resident)) == 3


def keys_recorded(url: str) -> None:
    """The database as the app leaves it on first start: migrated, its ID keys' check value kept."""
    from core.base import keys
    from tests.factories import vault_for_tests

    engine = make_engine(url)
    cli.main(["migrate"])
    with write_session(engine) as session:
        keys.check_database_key(session, vault_for_tests())
    engine.dispose()


def test_a_key_mismatch_is_one_line_and_exit_3_not_a_traceback(sqlite_url, tmp_path, monkeypatch, capsys):
    keys_recorded(sqlite_url)
    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,身份证号\n张三,\n", encoding="utf-8")
    monkeypatch.setenv("LINLI_ID_ENCRYPTION_KEY", "another-key-than-the-one-this-database-was-written-with")
    capsys.readouterr()
    assert cli.main(["import-residents", str(roster)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("refused: ") and "restore them from your backup" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_full_disk_is_one_line_and_exit_4(sqlite_url, monkeypatch, capsys):
    cli.main(["migrate"])

    def full(source, target):  # noqa: ANN001 - what sqlite3 raises when the disk fills during a backup
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(backups, "copy_sqlite", full)
    capsys.readouterr()
    assert cli.main(["backup"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("failed: the disk is full") and len(err.strip().splitlines()) == 1


def test_init_after_the_secrets_were_lost_refuses_new_id_keys_and_check_says_why(sqlite_url, monkeypatch, capsys):
    from core.base import settings as settings_module

    keys_recorded(sqlite_url)
    for name in ("LINLI_ID_ENCRYPTION_KEY", "LINLI_ID_HASH_KEY", "LINLI_COOKIE_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setattr(settings_module, "read_secrets_file", lambda path=None: {})  # the file is gone
    written = []
    monkeypatch.setattr(settings_module, "write_default_secrets",
                        lambda only=("cookie_key", "id_encryption_key", "id_hash_key"): written.append(only) or list(only))
    capsys.readouterr()
    assert cli.main(["init"]) == 3
    out = capsys.readouterr()
    assert written == [("cookie_key",)]  # a new cookie key only logs everyone out; new ID keys would lose every ID
    assert "REFUSED" in out.err and "Restore that file from your backup" in out.err
    assert cli.main(["check"]) == 1
    assert "missing from the settings" in capsys.readouterr().err


def test_check_compares_the_id_keys_with_the_database(sqlite_url, monkeypatch, capsys):
    keys_recorded(sqlite_url)
    capsys.readouterr()
    assert cli.main(["check"]) == 0
    monkeypatch.setenv("LINLI_ID_HASH_KEY", "a-hash-key-this-database-never-saw-" + "x" * 20)
    assert cli.main(["check"]) == 1
    assert "id_hash_key is not the key this database's ID numbers were indexed with" in capsys.readouterr().err


def test_check_does_not_create_a_database_that_is_not_there(sqlite_url, tmp_path):
    assert cli.main(["check"]) == 0
    assert not (tmp_path / "cli.db").exists()


def test_init_writes_no_id_keys_to_the_file_for_a_database_that_holds_ids_even_with_keys_in_the_env(
        sqlite_url, monkeypatch, capsys):
    """The keys may come from the environment today; the secrets file must not gain other ones."""
    from core.base import settings as settings_module

    keys_recorded(sqlite_url)
    monkeypatch.setattr(settings_module, "read_secrets_file", lambda path=None: {})
    written = []
    monkeypatch.setattr(settings_module, "write_default_secrets",
                        lambda only=("cookie_key", "id_encryption_key", "id_hash_key"): written.append(only) or [])
    assert cli.main(["init"]) == 0
    assert written == [("cookie_key",)]


def test_the_system_administrator_sets_an_installation_quota_at_the_terminal(sqlite_url, capsys):
    """The 社工 quotas hold for every community: set at the terminal, refused when out of range."""
    assert cli.main(["set-quota", "social_worker", "--years", "3", "--hours", "90"]) == 0
    assert "quota social_worker: 90 hours per 3 year(s)" in capsys.readouterr().out
    assert cli.main(["set-quota", "senior", "--years", "0", "--hours", "x"]) == 2
    assert "refused" in capsys.readouterr().err
    from core.training import service as training

    with read_session(make_engine(sqlite_url)) as session:
        assert training.quotas(session)["social_worker"].hours == 90.0
