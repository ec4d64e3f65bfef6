"""Training benchmarks: the compliance page at 50,000 attendance rows vs 5,000 (500 staff both),
and a 60-person roster save vs a raw bulk insert of 60 rows on a copy of the same database."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from core.training import categories
from core.training import service as training
from db.engine import make_engine, read_session, write_session
from db.models import Attendance, Certificate, Course, StaffQualification, User
from tests.bench.apps import logged_in_app
from tests.bench.residents import _fresh_database

STAFF = 500
ROSTER = 60
TOPICS = ("调解", "政策法规", "心理健康", "社区治理", "安全应急", "信息化")
LEVELS = ("assistant", "social_worker", "senior")


def _seed(engine, world, attendance_rows: int, seed: int) -> None:  # noqa: ANN001
    """500 staff (the world's four plus bulk ones), a third of them qualified with registration
    dates spread over ten years, courses over the last three years, and some certificates.
    Written in bulk: the bench measures reading and saving, not seeding."""
    rng = random.Random(seed)
    now = datetime.now().replace(microsecond=0)
    today = now.date()
    trainer = world.actors["trainer"]
    with write_session(engine) as session:
        password_hash = session.scalar(select(User.password_hash).where(User.id == trainer.id))
        session.execute(insert(User), [
            {"username": f"staff{index:04d}", "display_name": f"员工{index:04d}", "role": "worker",
             "password_hash": password_hash, "must_change_password": False, "active": True, "language": "zh-CN",
             "created_at": now, "version": 1}
            for index in range(STAFF - len(world.actors))])
        staff = list(session.scalars(select(User.id).order_by(User.id)))
        session.execute(insert(StaffQualification), [
            {"user_id": uid, "level": rng.choice(LEVELS), "version": 1,
             "registered_on": today - timedelta(days=rng.randint(30, 3650))}
            for uid in rng.sample(staff, STAFF // 3)])
        session.execute(insert(Certificate), [
            {"user_id": rng.choice(staff), "name": "社会工作者职业水平证书", "number": f"C{index:06d}",
             "issued_on": (issued := today - timedelta(days=rng.randint(100, 2000))),
             "expires_on": issued + timedelta(days=rng.randint(700, 2400)), "version": 1}
            for index in range(STAFF // 2)])
        per_course = 25
        courses, attendance = [], []
        for course_id in range(1, attendance_rows // per_course + 1):
            starts = datetime.combine(today - timedelta(days=rng.randint(0, 3 * 365)),
                                      datetime.min.time()) + timedelta(hours=rng.choice((9, 14)))
            hours = float(rng.choice((2, 3, 4, 6)))
            courses.append({"id": course_id, "title": f"课程{course_id}", "topic": rng.choice(TOPICS),
                            "provider": "区社工协会", "trainer_id": trainer.id, "place": "活动室", "starts_at": starts,
                            "ends_at": starts + timedelta(hours=hours), "credit_hours": hours,
                            "mandatory": rng.random() < 0.3, "created_at": starts - timedelta(days=7),
                            # what its hours count toward: most professional education, some not
                            "category_id": rng.choices(list(categories.SEEDED_IDS.values()), weights=(5, 1, 3, 1))[0],
                            "version": 1, "roster_version": 1})
            for uid in rng.sample(staff, per_course):
                status = rng.choices(training.STATUSES, weights=(80, 8, 7, 5))[0]
                attendance.append({"course_id": course_id, "user_id": uid, "status": status,
                                   "hours": 0.0 if status in ("excused", "absent") else hours,
                                   "recorded_by": trainer.id, "recorded_at": starts + timedelta(hours=hours),
                                   "course_starts_at": starts, "version": 1})
        session.execute(insert(Course), courses)
        session.execute(insert(Attendance), attendance)


def _quota_lines(url: str) -> int:
    """The compliance page lists one line per quota: community staff have the office's, the
    qualified the 社工 one (core.training.service.compliance)."""
    engine = make_engine(url)
    with read_session(engine) as session:
        community = session.scalar(select(func.count()).select_from(User).where(
            User.active.is_(True), User.role.in_(training.COMMUNITY_ROLES)))
        qualified = session.scalar(select(func.count()).select_from(StaffQualification))
    engine.dispose()
    return community + qualified


def _logged_in_compliance(url: str):  # noqa: ANN202
    at = logged_in_app(url, "compliance")
    assert len(at.dataframe[0].value) == _quota_lines(url), len(at.dataframe[0].value)
    return at


def _paired_median_reruns(small_url: str, big_url: str, runs: int = 21) -> tuple[float, float, int]:
    """Median AppTest rerun of the compliance page on each database, the two alternating so that
    both meet the same load on this shared machine. The app reads DATABASE_URL on every run."""
    apps = {small_url: _logged_in_compliance(small_url), big_url: _logged_in_compliance(big_url)}
    samples: dict[str, list[float]] = {small_url: [], big_url: []}
    for _ in range(runs):
        for url, at in apps.items():
            os.environ["DATABASE_URL"] = url
            start = time.perf_counter()
            at.run()
            samples[url].append(time.perf_counter() - start)
            assert not at.exception, at.exception
    chart_bytes = max((len(chart.proto.SerializeToString()) for chart in apps[big_url].get("vega_lite_chart")),
                      default=0)
    return statistics.median(samples[small_url]), statistics.median(samples[big_url]), chart_bytes


def compliance_page(emit, small_url: str, big_url: str) -> None:  # noqa: ANN001
    small, big, chart_bytes = _paired_median_reruns(small_url, big_url)
    emit("compliance_rerun_50k_vs_5k", big, small, "s", "ratio <= 1.5",
         baseline_is="the same AppTest rerun at 5,000 attendance rows (500 staff both), reruns alternating",
         staff=STAFF)
    emit("compliance_chart_bytes", float(chart_bytes), 10_000.0, "bytes", "value <= 10000 (ratio <= 1)",
         baseline_is="the 10 KB limit per chart")


def _roster_courses(engine, world, count: int) -> list[int]:  # noqa: ANN001
    """`count` new courses, each expecting the same 60 staff, created through core."""
    with read_session(engine) as session:
        people = list(session.scalars(select(User.id).where(User.username.like("staff%")).order_by(User.id)
                                      .limit(ROSTER)))
    ids = []
    starts = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=9)
    for index in range(count):
        with write_session(engine) as session:
            ids.append(training.create_course(session, world.actors["trainer"], training.CourseInput(
            category_id=categories.SOCIAL_WORK, title=f"名册保存{index}", topic="调解", starts_at=starts, ends_at=starts + timedelta(hours=3),
                credit_hours=3, participant_ids=people)).id)
    return ids


def roster_save(emit, folder: Path, engine, world, repeats: int = 41) -> None:  # noqa: ANN001
    trainer = world.actors["trainer"]
    course_ids = _roster_courses(engine, world, repeats)
    with engine.connect() as connection:  # everything in the main file before it is copied
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = folder / "raw-copy.db"
    shutil.copyfile(engine.url.database, copy)

    loaded = []
    for course_id in course_ids:
        with read_session(engine) as session:
            rows, version = training.load_roster(session, trainer, course_id)
        entries = [training.RosterEntry(r["user_id"], "late" if i % 10 == 0 else "present",
                                        2.5 if i % 10 == 0 else 3.0) for i, r in enumerate(rows)]  # rows start unmarked
        assert len(entries) == ROSTER
        loaded.append((course_id, version, entries))

    # Baseline: the same 60 rows per course into the same table of the copied file, through
    # sqlite3.executemany and one commit, with the app's connection pragmas. Saves and raw
    # inserts alternate so that both meet the same load on this shared machine.
    raw = sqlite3.connect(copy, isolation_level=None)
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA foreign_keys=ON")
    recorded_at = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
    starts_at = datetime.combine(date.today(), datetime.min.time()).replace(hour=9).strftime("%Y-%m-%d %H:%M:%S.%f")
    saves, raws, save_cpu, raw_cpu = [], [], [], []
    for course_id, version, entries in loaded:
        start, cpu = time.perf_counter(), time.thread_time()
        with write_session(engine) as session:
            training.save_roster(session, trainer, course_id, version, entries)
        saves.append(time.perf_counter() - start)
        save_cpu.append(time.thread_time() - cpu)

        values = [(course_id, e.user_id, e.status, float(e.hours), trainer.id, recorded_at, 1, starts_at)
                  for e in entries]
        start, cpu = time.perf_counter(), time.thread_time()
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany("INSERT INTO attendance (course_id, user_id, status, hours, recorded_by, recorded_at, version,"
                        " course_starts_at) VALUES (?,?,?,?,?,?,?,?)", values)
        raw.execute("COMMIT")
        raws.append(time.perf_counter() - start)
        raw_cpu.append(time.thread_time() - cpu)
    raw.close()
    with read_session(engine) as session:
        saved = session.scalar(select(func.count()).select_from(Attendance).where(Attendance.course_id.in_(course_ids)))
    assert saved == ROSTER * repeats, saved
    emit("roster_save_60_vs_raw_insert", statistics.median(saves), statistics.median(raws), "s", "ratio <= 3",
         baseline_is="sqlite3.executemany of 60 attendance rows + one commit on a copy of the same database",
         repeats=repeats,
         # CPU time of this thread (SQLite runs in it): on a loaded machine, wall time also counts
         # the waits for a core, which hit the longer of the two more often.
         cpu_ratio=round(statistics.median(save_cpu) / statistics.median(raw_cpu), 2))


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-training-"))
    small_url, small_engine, small_world = _fresh_database(folder, "small.db")
    _seed(small_engine, small_world, 5_000, seed=5)
    big_url, big_engine, big_world = _fresh_database(folder, "big.db")
    _seed(big_engine, big_world, 50_000, seed=50)
    # Roster saves first, while no AppTest holds the database: they add 60 rows per save.
    roster_save(emit, folder, big_engine, big_world)
    compliance_page(emit, small_url, big_url)


if __name__ == "__main__":
    from tests.bench import run

    for name, value in run.bench_keys().items():  # the app refuses to start without its keys
        os.environ.setdefault(name, value)
    run_all(run.emit)
