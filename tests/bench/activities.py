"""Community activities at 100 activities / 2k attendances and at 5,000 / 200k, over the same two
years and the same 5,000 residents in ten grids: the list the screen shows (the last 30 days and
what is to come) and the quarter's figures, big against small and each against its bare SQL."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import distinct, func, insert, select

from core.activities import figures
from core.activities import service as activities
from core.office import communities, users
from db.engine import read_session, write_session
from db.models import (
    Activity,
    ActivityCategory,
    ActivityParticipant,
    Resident,
    activity_grids,
    activity_groups,
    activity_organisers,
    resident_tags,
)
from tests.bench.residents import _fresh_database
from tests.bench.satisfaction import _medians
from tests.factories import PASSWORD, ROOT

RESIDENTS, GRIDS, DAYS, REPEATS = 5_000, 10, 730, 5


def _office(folder: Path, count: int, per_activity: int):  # noqa: ANN201
    """`count` activities over the last two years (a few to come), `per_activity` attendances each."""
    _url, engine, world = _fresh_database(folder, f"activities-{count}.db")
    rng = random.Random(count)
    now = datetime.now()
    with write_session(engine) as session:
        grid_ids = [world.grid_ids[0], *(communities.create_grid(session, ROOT, community_id=world.community_id,
                                                                  name=f"网格{n}").id for n in range(1, GRIDS))]
        supervisor_id = users.create_user(session, None, username="act.zhuren", display_name="主管", role="supervisor",
                                          community_id=world.community_id, password=PASSWORD,
                                          must_change_password=False).user.id
        kinds = list(session.scalars(select(ActivityCategory.id)))
    with write_session(engine) as session:
        people, tags = [], []
        for number in range(RESIDENTS):
            people.append({"id": number + 1, "grid_id": grid_ids[number % GRIDS], "name": f"居民{number}", "sex": "F",
                           "birth_date": date(rng.randint(1930, 2015), 1, 1), "status": "active",
                           "created_at": now - timedelta(days=900), "updated_at": now, "version": 1})
            if number % 4 == 0:
                tags.append({"resident_id": number + 1, "tag": "elderly_alone"})
        session.execute(insert(Resident), people)
        session.execute(insert(resident_tags), tags)
        rows, grids, aimed, organisers, came = [], [], [], [], []
        for number in range(count):
            starts = datetime.combine(date.today() - timedelta(days=rng.randint(-14, DAYS)), time(9))
            grid_index = rng.randrange(GRIDS)
            rows.append({"id": number + 1, "community_id": world.community_id, "title": f"活动{number}",
                         "category_id": rng.choice(kinds), "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                         "created_by": supervisor_id, "created_at": now, "updated_at": now, "version": 1})
            grids.append({"activity_id": number + 1, "grid_id": grid_ids[grid_index]})
            aimed.append({"activity_id": number + 1, "tag": "elderly_alone"})
            organisers.append({"activity_id": number + 1, "user_id": supervisor_id})
            for resident in rng.sample(range(grid_index + 1, RESIDENTS + 1, GRIDS), per_activity):
                came.append({"activity_id": number + 1, "community_id": world.community_id, "resident_id": resident,
                             "state": "signed_up", "attended": starts < now, "signed_up_at": starts, "version": 1})
        session.execute(insert(Activity), rows)
        session.execute(insert(activity_grids), grids)
        session.execute(insert(activity_groups), aimed)
        session.execute(insert(activity_organisers), organisers)
        for start in range(0, len(came), 50_000):
            session.execute(insert(ActivityParticipant), came[start:start + 50_000])
    with read_session(engine) as session:
        supervisor = users.actor_of(users.get_user(session, supervisor_id))
    return engine, supervisor


def _screen_list(engine, supervisor) -> int:  # noqa: ANN001
    """What the screen reads: how many there are since 30 days ago, and the first page of them."""
    since = datetime.combine(date.today() - timedelta(days=30), time.min)
    with read_session(engine) as session:
        activities.listing_count(session, supervisor, since=since)
        return len(activities.listing(session, supervisor, since=since, limit=50))


def _whole_window(engine, supervisor) -> int:  # noqa: ANN001
    with read_session(engine) as session:
        return len(activities.listing(session, supervisor,
                                      since=datetime.combine(date.today() - timedelta(days=30), time.min)))


def _quarter(engine, supervisor) -> None:  # noqa: ANN001
    first, last = figures.quarter_of(date.today())
    with read_session(engine) as session:
        figures.figures(session, supervisor, first, last, coverage_groups=figures.aimed_groups(session, supervisor,
                                                                                             first, last))


def _quarter_rerun(engine, supervisor) -> None:  # noqa: ANN001
    """What the screen does on a rerun: read the audit mark, find the figures kept for it."""
    from ui.activities import cached

    cached.range_figures(engine, supervisor, *figures.quarter_of(date.today()))


def _bare_quarter(engine) -> None:  # noqa: ANN001
    """The quarter's reads with nothing around them: held per category, distinct residents who came,
    and those of the group among them."""
    first, last = figures.quarter_of(date.today())
    start, end = datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)
    in_range = (Activity.starts_at >= start, Activity.starts_at < end)
    with read_session(engine) as session:
        session.execute(select(Activity.category_id, func.count()).where(*in_range).group_by(Activity.category_id)).all()
        came = (select(ActivityParticipant.resident_id).join(Activity, Activity.id == ActivityParticipant.activity_id)
                .where(*in_range, ActivityParticipant.attended.is_(True)))
        rows = came.subquery()
        session.scalar(select(func.count(distinct(rows.c.resident_id))))
        session.scalar(select(func.count()).select_from(resident_tags).where(
            resident_tags.c.tag == "elderly_alone", resident_tags.c.resident_id.in_(came)))


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-activities-"))
    small = _office(folder, 100, 20)
    big = _office(folder, 5_000, 40)
    sizes = {"small": "100 activities / 2k attendances", "big": "5,000 activities / 200k attendances"}
    one, many = _medians(lambda: _screen_list(*small), lambda: _screen_list(*big), REPEATS)
    emit(f"activities list, the page shown (count + first 50), {sizes['big']} vs {sizes['small']}", many, one, "s",
         "<= 1.5x")
    one, many = _medians(lambda: _whole_window(*small), lambda: _whole_window(*big), REPEATS)
    shown = _whole_window(*small), _whole_window(*big)  # the window holds 50x more activities at the big size
    emit(f"activities list, the whole 30-day window unpaged ({shown[1]} vs {shown[0]} activities), "
         f"{sizes['big']} vs {sizes['small']}", many, one, "s", "(paged above)")
    one, many = _medians(lambda: _quarter(*small), lambda: _quarter(*big), REPEATS)
    emit(f"the quarter's activity figures, {sizes['big']} vs {sizes['small']}", many, one, "s", "<= 1.5x")
    bare, many = _medians(lambda: _bare_quarter(big[0]), lambda: _quarter(*big), REPEATS)
    emit(f"the quarter's activity figures vs their bare SQL, {sizes['big']}", many, bare, "s", "<= 3x")
    rerun, many = _medians(lambda: _quarter_rerun(*big), lambda: _quarter(*big), REPEATS)
    emit(f"the quarter's activity figures on a rerun with nothing new written (kept by audit mark) vs computed, "
         f"{sizes['big']}", rerun, many, "s", "< 1x")
