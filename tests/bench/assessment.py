"""绩效概览 at 10 workers with 3 months of data and at 200 workers with 3 years: the last three
whole months' overview (rows, grid totals, the change against the three before), big against
small, and against its bare SQL."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update

from core.assessment import overview
from core.mediation.service import add_months
from core.office import communities, users
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from db.models import (
    Activity,
    ActivityCategory,
    ActivityParticipant,
    Agreement,
    DisputeType,
    GridAssignment,
    Household,
    MediationCase,
    Rating,
    RatingMonthSummary,
    Resident,
    Visit,
    activity_grids,
    activity_organisers,
    resident_tags,
)
from tests.bench.residents import _fresh_database
from tests.bench.satisfaction import _medians
from tests.factories import PASSWORD, ROOT

PER_GRID = 50  # residents of a worker's grid in the bench (a third in a care group)
CASES, ACTIVITIES, RATINGS, CAME = 3, 2, 10, 8  # per worker and month
REPEATS = 3
TAGS = ("elderly_alone", "disabled", "dibao", "", "", "")


def _office(folder: Path, workers: int, months: int):  # noqa: ANN201
    """A community of `workers` workers, a grid each, and `months` months of their work, in bulk."""
    _url, engine, world = _fresh_database(folder, f"assessment-{workers}-{months}.db")
    rng = random.Random(workers * 1000 + months)
    today = date.today()
    now = datetime.now()
    since = add_months(today.replace(day=1), -months)
    with write_session(engine) as session:
        grid_ids = [world.grid_ids[0], world.grid_ids[1], *(
            communities.create_grid(session, ROOT, community_id=world.community_id, name=f"网格{number}").id
            for number in range(3, workers + 1))][:workers]
        staff = [users.create_user(session, None, username=f"bench.wgy{number}", display_name=f"网格员{number:03d}",
                                   role="worker", community_id=world.community_id, grid_ids=[grid_id],
                                   password=PASSWORD, must_change_password=False).user.id
                 for number, grid_id in enumerate(grid_ids)]
        session.execute(update(GridAssignment).values(starts_on=since))
        kinds = list(session.scalars(select(DisputeType.id)))
        category = session.scalar(select(ActivityCategory.id))
    households, people, tags, seen, cases, agreements = [], [], [], [], [], []
    activities, grids_of, organisers, came, ratings = [], [], [], [], []
    for index, (worker, grid_id) in enumerate(zip(staff, grid_ids, strict=True)):
        residents = range(index * PER_GRID + 1, (index + 1) * PER_GRID + 1)
        for number in residents:
            households.append({"id": number, "grid_id": grid_id, "compound": "幸福里", "building": f"{number}号楼",
                               "unit": "1单元", "room": "101", "address": f"幸福里{number}号楼", "created_at": now,
                               "version": 1})
            people.append({"id": number, "grid_id": grid_id, "household_id": number, "name": f"居民{number}", "sex": "F",
                           "birth_date": date(1950, 1, 1), "status": "active",
                           "created_at": datetime.combine(since, time.min) - timedelta(days=30), "updated_at": now,
                           "version": 1})
            if tag := rng.choice(TAGS):
                tags.append({"resident_id": number, "tag": tag})
        for month in range(months):
            first = add_months(since, month)
            for number in residents:
                seen.append({"community_id": world.community_id, "resident_id": number, "grid_id": grid_id,
                             "visitor_id": worker, "method": "home", "visited_on": first + timedelta(days=rng.randint(0, 27)),
                             "created_at": now, "version": 1})
            for _ in range(CASES):
                intake = first + timedelta(days=rng.randint(0, 27))
                case_id = len(cases) + 1
                settled = rng.random() < 0.7
                cases.append({"id": case_id, "number": f"{intake.year}-{case_id:06d}", "year": intake.year,
                              "intake_date": intake, "source": "application", "type_id": rng.choice(kinds),
                              "grid_id": grid_id, "mediator_id": worker, "facts": "邻里纠纷",
                              "state": "agreed" if settled else "in_mediation", "amount_claimed_fen": 0,
                              "due_date": add_months(intake, 1), "extended": False,
                              "concluded_on": intake + timedelta(days=12) if settled else None, "created_by": worker,
                              "created_at": datetime.combine(intake, time(9)), "updated_at": now, "version": 1})
                if settled:
                    agreements.append({"case_id": case_id, "agreed_on": intake + timedelta(days=12), "written": True,
                                       "terms": "协议", "created_at": datetime.combine(intake + timedelta(days=12), time(16))})
            for _ in range(ACTIVITIES):
                activity_id = len(activities) + 1
                starts = datetime.combine(first + timedelta(days=rng.randint(0, 27)), time(9))
                activities.append({"id": activity_id, "community_id": world.community_id, "title": "健康讲座",
                                   "category_id": category, "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                   "created_by": worker, "created_at": now, "updated_at": now, "version": 1})
                grids_of.append({"activity_id": activity_id, "grid_id": grid_id})
                organisers.append({"activity_id": activity_id, "user_id": worker})
                came += [{"activity_id": activity_id, "community_id": world.community_id, "resident_id": resident,
                          "attended": True, "signed_up_at": starts} for resident in rng.sample(list(residents), CAME)]
            for _ in range(RATINGS):
                day = first + timedelta(days=rng.randint(0, 27))
                ratings.append({"score": rng.choice((5, 5, 4, 4, 3, 2)), "comment": "", "category": "service",
                                "grid_id": grid_id, "worker_id": worker, "rated_on": day, "channel": "resident_qr",
                                "created_at": now, "updated_at": now, "version": 1})
    with write_session(engine) as session:
        for model, rows in ((Household, households), (Resident, people), (resident_tags, tags), (Visit, seen),
                            (MediationCase, cases), (Agreement, agreements), (Activity, activities),
                            (activity_grids, grids_of), (activity_organisers, organisers),
                            (ActivityParticipant, came), (Rating, ratings)):
            for start in range(0, len(rows), 50_000):
                if rows:
                    session.execute(insert(model), rows[start:start + 50_000])
        satisfaction.rebuild_summary(session)
    supervisor = world.actors["supervisor"]
    return engine, supervisor, {"visits": len(seen), "cases": len(cases), "attendances": len(came)}


def _period() -> overview.Period:
    month = date.today().replace(day=1)
    return overview.period_of(add_months(month, -3), add_months(month, -1))


def _overview(engine, supervisor) -> None:  # noqa: ANN001
    with read_session(engine) as session:
        overview.overview(session, supervisor, _period())


def _bare(engine) -> None:  # noqa: ANN001
    """The same period and the one before, read with nothing around them: cases taken in and
    agreements per mediator, the residents and visits the visits owed come from, residents served
    per organiser, ratings per worker."""
    for period in (_period(), _period().previous()):
        start, end = period.first, period.last
        with read_session(engine) as session:
            session.execute(select(MediationCase.mediator_id, func.count()).where(
                MediationCase.intake_date.between(start, end)).group_by(MediationCase.mediator_id)).all()
            session.execute(select(MediationCase.mediator_id, func.count()).join(
                Agreement, Agreement.case_id == MediationCase.id).where(Agreement.agreed_on.between(start, end))
                .group_by(MediationCase.mediator_id)).all()
            # what the visits owed are worked out from: the residents in a care group, and their
            # visits from a quarter before the period to its end (the last one before it, those in it)
            session.execute(select(Resident.id, Resident.grid_id, Resident.birth_date, resident_tags.c.tag)
                            .join(resident_tags, resident_tags.c.resident_id == Resident.id)
                            .where(Resident.deleted_at.is_(None))).all()
            session.execute(select(Visit.resident_id, Visit.visited_on)
                            .where(Visit.visited_on.between(start - timedelta(days=92), end))).all()
            session.execute(select(activity_organisers.c.user_id, func.count(func.distinct(ActivityParticipant.resident_id)))
                            .join(Activity, Activity.id == activity_organisers.c.activity_id)
                            .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
                            .where(Activity.starts_at >= datetime.combine(start, time.min),
                                   Activity.starts_at <= datetime.combine(end, time.max))
                            .group_by(activity_organisers.c.user_id)).all()
            session.execute(select(RatingMonthSummary.worker_id, func.sum(RatingMonthSummary.count))
                            .where(RatingMonthSummary.month.between(start, end))
                            .group_by(RatingMonthSummary.worker_id)).all()


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-assessment-"))
    small_engine, small_supervisor, small_size = _office(folder, 10, 3)
    big_engine, big_supervisor, big_size = _office(folder, 200, 36)
    sizes = {"small": f"10 workers / 3 months ({small_size['visits']:,} visits, {small_size['cases']:,} cases)",
             "big": f"200 workers / 3 years ({big_size['visits']:,} visits, {big_size['cases']:,} cases)"}
    one, many = _medians(lambda: _overview(small_engine, small_supervisor),
                         lambda: _overview(big_engine, big_supervisor), REPEATS)
    emit(f"绩效概览, the last three months, {sizes['big']} vs {sizes['small']}", many, one, "s", "<= 2x")
    emit(f"绩效概览 per worker row, {sizes['big']} vs {sizes['small']}", 1000 * many / 200, 1000 * one / 10, "ms",
         "<= 2x")
    bare, many = _medians(lambda: _bare(big_engine), lambda: _overview(big_engine, big_supervisor), REPEATS)
    emit(f"绩效概览 vs its bare SQL, {sizes['big']}", many, bare, "s", "<= 3x")
