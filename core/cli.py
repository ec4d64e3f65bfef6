"""Linli at a terminal: `python -m core.cli COMMAND` (or `make` targets that call it).

Commands: init, migrate, check, create-user, reset-password, unlock, backup, seed-demo.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.base import backups, config_check, file_safety, keys, spreadsheets
from core.base import settings as settings_module
from core.base.errors import InvalidMany, LinliError
from core.base.i18n import translate
from core.office import bootstrap, users
from db import migrate
from db.engine import database_trouble, is_sqlite, make_engine, read_session, write_session
from db.models import Community, Grid


def _message(error: LinliError, language: str = "en") -> str:
    if isinstance(error, InvalidMany):
        return "; ".join(_message(each, language) for each in error.errors)
    reason = translate(language, error.key, **error.params)
    field = getattr(error, "field", None)
    return translate(language, "error.field_reason", field=translate(language, f"field.{field}"), reason=reason) if field else reason


def _settings(args: argparse.Namespace) -> settings_module.Settings:
    loaded = settings_module.load()
    if getattr(args, "database_url", None):
        loaded = settings_module.Settings(**{**loaded.__dict__, "database_url": args.database_url})
    return loaded


def _existing_engine(url: str) -> Engine | None:
    """The database if it is there already; a SQLite file that does not exist is not created."""
    if is_sqlite(url):
        path = make_url(url).database or ""
        if not path or path == ":memory:" or not Path(path.removeprefix("file:")).exists():
            return None
    return make_engine(url)


def cmd_init(args: argparse.Namespace) -> int:
    """Create .streamlit/secrets.toml with fresh keys if it is missing, then migrate.

    New ID keys are never written for a database that holds ID numbers already: they could not
    read them. Then only a missing cookie key is generated (it only logs everyone out)."""
    settings = _settings(args)
    existing = _existing_engine(settings.database_url)
    holds_ids = existing is not None and keys.holds_encrypted_ids(existing)
    if existing is not None:
        existing.dispose()
    if holds_ids:  # whatever provides the ID keys today, init never writes new ones for this database
        written = settings_module.write_default_secrets(only=("cookie_key",))
        if written:
            print(f"wrote a fresh cookie_key to {settings_module.SECRETS_FILE} (everyone logs in again)")
    if holds_ids and not (settings.id_encryption_key and settings.id_hash_key):
        print(f"REFUSED: {_safe_url(settings.database_url)} holds ID numbers encrypted with id_encryption_key and "
              f"id_hash_key, which are missing from {settings_module.SECRETS_FILE} and the environment. Restore that "
              "file from your backup (it is backed up with the database). New keys were not written: they would "
              "make every stored ID number unreadable.", file=sys.stderr)
        return 3
    written = [] if holds_ids else settings_module.write_default_secrets()
    if written:
        print(f"wrote fresh {', '.join(written)} to {settings_module.SECRETS_FILE} (keep it private, back it up)")
    migrated = cmd_migrate(args)
    for change in file_safety.tighten(_settings(args).database_url):
        print(f"made private: {change}")
    return migrated


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    admin = bootstrap.prepare(engine)
    print(f"database at revision {migrate.current_revision(engine)}: {_safe_url(settings.database_url)}")
    if admin:
        print(bootstrap.admin_banner(*admin))
    return 0


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def cmd_check(args: argparse.Namespace) -> int:
    """Refuse a weak configuration and say why."""
    settings = _settings(args)
    problems = settings_module.problems(settings) + config_check.problems(config_check.read_config_file())
    existing = _existing_engine(settings.database_url)
    if existing is not None:
        mismatch = keys.mismatch(existing, settings)
        existing.dispose()
        if mismatch:
            problems.append(f"{mismatch}: restore .streamlit/secrets.toml (or LINLI_ID_ENCRYPTION_KEY and "
                            "LINLI_ID_HASH_KEY) from the backup made with this database; the server would refuse")
    for problem in problems:
        print(f"REFUSED: {problem}", file=sys.stderr)
    for warning in file_safety.too_open(settings.database_url):
        print(f"WARNING: {warning}", file=sys.stderr)
    if not problems:
        print("configuration OK")
    return 1 if problems else 0


def _community_named(session, name: str | None) -> int | None:  # noqa: ANN001
    """The community --community names; without it, the installation's only one."""
    if name:
        found = session.scalar(select(Community.id).where(Community.name == name.strip()))
        if found is None:
            raise LinliError("error.community.unknown")
        return found
    known = session.scalars(select(Community.id).limit(2)).all()
    if len(known) != 1:
        raise LinliError("error.community.required")
    return known[0]


def _any_community(session) -> bool:  # noqa: ANN001
    return session.scalar(select(Community.id).limit(1)) is not None


def _grid_ids(session, community: int | None) -> list[int]:  # noqa: ANN001
    return list(session.scalars(select(Grid.id).where(Grid.community_id == community))) if community else []


def cmd_create_user(args: argparse.Namespace) -> int:
    engine = make_engine(_settings(args).database_url)
    migrate.upgrade(engine)
    try:
        with write_session(engine) as session:
            community = _community_named(session, args.community)
            account = users.create_user(session, None, username=args.username, display_name=args.name or args.username,
                                        role=args.role, community_id=community)
    except LinliError as exc:
        print(f"refused: {_message(exc)}", file=sys.stderr)
        return 2
    print(f"created {account.user.username} ({account.user.role}); one-time password: {account.one_time_password}")
    return 0


def _user_id(session, username: str) -> int | None:  # noqa: ANN001
    user = users.find_by_username(session, username)
    return user.id if user else None


def cmd_reset_password(args: argparse.Namespace) -> int:
    engine = make_engine(_settings(args).database_url)
    with write_session(engine) as session:
        user_id = _user_id(session, args.username)
        if user_id is None:
            print(f"no user named {args.username}", file=sys.stderr)
            return 2
        secret = users.reset_password(session, None, user_id)
    print(f"{args.username}: one-time password {secret} (all sessions ended; must be changed at login)")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    engine = make_engine(_settings(args).database_url)
    with write_session(engine) as session:
        had_lock = users.unlock(session, None, args.username)
    print(f"{args.username}: {'unlocked' if had_lock else 'was not locked'}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database while the app keeps running (SQLite's online backup, or
    pg_dump's custom format) with the uploaded files beside it; then the oldest beyond the
    setting backups_keep (or --keep) are removed (core.base.backups)."""
    settings = _settings(args)
    target = Path(args.output) if args.output else None
    try:
        written = backups.backup(settings, target.parent if target else file_safety.BACKUPS, target=target)
    except backups.BackupError as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 2
    print(f"backup written to {written}")
    copies = written.with_name(f"{written.stem}-files")
    if copies.is_dir():
        print(f"{sum(1 for _ in copies.iterdir())} evidence files copied to {copies}")
    keep = args.keep if args.keep is not None else settings.backups_keep
    for old in backups.prune(written.parent, keep):
        print(f"removed the older backup {old}")
    return 0


def cmd_anonymise(args: argparse.Namespace) -> int:
    """Residents who moved out or died more than retention_years ago, anonymised (or, with
    --dry-run, listed by id, grid, status and its date: no name is printed)."""
    from core.residents import retention

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    if args.dry_run:
        with read_session(engine) as session:
            found = retention.due(session, settings.retention_years)
        for item in found:
            print(f"resident {item.resident_id} (grid {item.grid_id}): {item.status} on {item.status_date}")
        print(f"{len(found)} residents would be anonymised (moved out or died {settings.retention_years} or more "
              "years ago); nothing was changed")
        return 0
    with write_session(engine) as session:
        found = retention.anonymise(session, settings.retention_years)
    print(f"{len(found)} residents anonymised (moved out or died {settings.retention_years} or more years ago)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """A backup into the configured (empty) database, with its files; refused with other keys."""
    try:
        backups.restore(_settings(args), Path(args.backup))
    except backups.BackupError as exc:
        print(f"{exc}" if str(exc).startswith("refused") else f"failed: {exc}", file=sys.stderr)
        return 2
    print(f"restored {args.backup}; start Linli (make run) and log in as before")
    return 0


def cmd_import_residents(args: argparse.Namespace) -> int:
    """Import a roster (.xlsx or .csv); prints a summary, writes the refusals to --report."""
    from collections import Counter

    from core.base.permissions import Actor
    from core.residents import imports

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    vault = keys.vault_of(settings)
    path = Path(args.file)
    if not path.exists():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    language = args.lang

    def say(key: str, **params: object) -> str:
        return translate(language, key, **params)

    try:
        with write_session(engine) as session:
            keys.check_database_key(session, vault)
            # The import acts as the supervisor of the community it fills (the only one, or
            # --community): whoever holds the server's keys registers every group and is not a
            # counted ID lookup. On a new database the first grid it creates makes the community too.
            community = None if args.community is None and not _any_community(session) else _community_named(
                session, args.community)
            actor = Actor(id=0, username="cli", role="supervisor", community_id=community,
                          grid_ids=frozenset(_grid_ids(session, community)))
            report = imports.import_residents(session, actor, vault, path.read_bytes(), path.name,
                                              dry_run=args.dry_run, allow_partial=args.partial,
                                              create_grids=args.create_grids)
    except LinliError as exc:
        print(f"refused: {_message(exc, language)}", file=sys.stderr)
        return 2
    print(f"rows read:  {report.rows_read}")
    print(f"imported:   {report.imported}{' (dry run: nothing written)' if args.dry_run else ''}")
    print(f"refused:    {report.refused_lines} lines")
    first = {}
    for problem in report.problems:
        first.setdefault((problem.field, problem.key), problem)
    for (field, key), count in Counter((p.field, p.key) for p in report.problems).most_common():
        example = first[(field, key)]
        print(f"  {count:>6}  {say('field.' + field)}: {say(key, **example.params)} (e.g. line {example.line})")
    if report.unknown_grids:
        print(f"grids not found: {', '.join(report.unknown_grids)}" + ("" if args.create_grids else " (use --create-grids)"))
    if report.created_grids:
        print(f"grids created: {', '.join(report.created_grids)}")
    if report.problems and not report.written and not args.dry_run:
        print("nothing was imported: fix the lines in the report, or use --partial to import the good rows")
    if args.report:
        Path(args.report).write_bytes(spreadsheets.report_csv(report, say))
        print(f"report written to {args.report}")
    return 0 if report.written or args.dry_run else 1


def cmd_set_quota(args: argparse.Namespace) -> int:
    """The installation's quota of a level (the 社工 levels, or the default local quota "none"),
    as the system administrator sets it; a community's own local quota is set on its screen."""
    from core.base.permissions import Actor
    from core.training import service as training

    engine = make_engine(_settings(args).database_url)
    migrate.upgrade(engine)
    try:
        with write_session(engine) as session:
            training.set_quota(session, Actor(id=0, username="cli", role="sysadmin"), args.level,
                               period_years=args.years, hours=args.hours, first_year=args.first_year)
    except LinliError as exc:
        print(f"refused: {_message(exc)}", file=sys.stderr)
        return 2
    print(f"quota {args.level}: {args.hours} hours per {args.years} year(s)")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from core import demo

    settings_module.write_default_secrets()
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    vault = keys.vault_of(settings)
    with write_session(engine) as session:
        keys.check_database_key(session, vault)
    accounts = demo.seed(engine, vault, files_dir=Path(settings.files_dir))
    print(demo.accounts_banner(accounts))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="linli", description="Linli administration at the terminal")
    root.add_argument("--database-url", help="overrides DATABASE_URL and secrets.toml")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create secrets if missing, migrate, create the first administrator").set_defaults(func=cmd_init)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    commands.add_parser("check", help="refuse a weak configuration, saying why").set_defaults(func=cmd_check)
    create = commands.add_parser("create-user", help="create an account with a one-time password")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=("admin", "supervisor", "worker", "trainer"))
    create.add_argument("--community", help="the community's name (needed when there are several)")
    create.add_argument("--name", help="display name")
    create.set_defaults(func=cmd_create_user)
    reset = commands.add_parser("reset-password", help="give an account a new one-time password")
    reset.add_argument("username")
    reset.set_defaults(func=cmd_reset_password)
    unlock = commands.add_parser("unlock", help="clear a login lock")
    unlock.add_argument("username")
    unlock.set_defaults(func=cmd_unlock)
    backup = commands.add_parser("backup", help="consistent online backup of the database and the uploaded files")
    backup.add_argument("--output", help="file to write (default backups/linli-DATE.db or .dump)")
    backup.add_argument("--keep", type=int, help="backups to keep in its folder (default: setting backups_keep)")
    backup.set_defaults(func=cmd_backup)
    anonymise = commands.add_parser("anonymise", help="anonymise residents gone longer than retention_years")
    anonymise.add_argument("--dry-run", action="store_true", help="list who would be, change nothing")
    anonymise.set_defaults(func=cmd_anonymise)
    restore = commands.add_parser("restore", help="a backup into the configured, empty database")
    restore.add_argument("backup", help="a linli-….db or linli-….dump file")
    restore.set_defaults(func=cmd_restore)
    commands.add_parser("seed-demo", help="fill the database with synthetic demo data").set_defaults(func=cmd_seed_demo)
    quota = commands.add_parser("set-quota", help="the installation's training quota of a level")
    quota.add_argument("level", choices=("assistant", "social_worker", "senior", "none"))
    quota.add_argument("--years", required=True, help="period in years")
    quota.add_argument("--hours", required=True, help="hours per period")
    quota.add_argument("--first-year", help="for none: the year its periods count from")
    quota.set_defaults(func=cmd_set_quota)
    roster = commands.add_parser("import-residents", help="import a roster (.xlsx, or .csv in UTF-8/GBK)")
    roster.add_argument("--community", help="the community's name (needed when there are several)")
    roster.add_argument("file")
    roster.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    roster.add_argument("--create-grids", action="store_true", help="create grids the file names that do not exist")
    roster.add_argument("--partial", action="store_true", help="import the good rows even if some are refused")
    roster.add_argument("--report", help="write the refused lines to this CSV (line, field, reason)")
    roster.add_argument("--lang", default="zh-CN", choices=("zh-CN", "en"), help="language of the report")
    roster.set_defaults(func=cmd_import_residents)
    return root


_TROUBLE = {
    "disk_full": "the disk is full: free some space where the database and backups live, then run this again "
                 "(what this command was writing was not kept)",
    "read_only": "the database cannot be written (a read-only file or folder, or another account owns it): "
                 "give the account that runs Linli write access to the data folder",
    "locked": "the database stayed locked by another writer: run this again in a moment",
    "unavailable": "the database cannot be opened or reached: check DATABASE_URL, the data folder, or that "
                   "PostgreSQL is running",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. What commonly goes wrong underneath is said in one line with what to do,
    and a non-zero exit code (3: keys, 4: the database or disk), never as a traceback."""
    file_safety.private_umask()  # databases, backups and reports written from here: Linli's account only
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except keys.KeyMismatch as exc:
        print(f"refused: {exc}: the ID keys in .streamlit/secrets.toml (or LINLI_ID_ENCRYPTION_KEY, "
              "LINLI_ID_HASH_KEY) are not those this database was written with; restore them from your backup",
              file=sys.stderr)
        return 3
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        trouble = database_trouble(exc)
        if trouble is None and not isinstance(exc, OSError):
            raise
        reason = _TROUBLE[trouble] if trouble else f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})"
        print(f"failed: {reason}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
