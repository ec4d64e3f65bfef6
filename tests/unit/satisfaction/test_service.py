"""Satisfaction: recording, the summary kept on write, suppression, and the figures charts read."""

import random
import statistics
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.mediation import agreements, dispute_types
from core.mediation import service as mediations
from core.office import users
from core.satisfaction import service as satisfaction
from core.satisfaction.service import RatingFilters, RatingInput
from db.engine import read_session, write_session
from db.models import AuditEvent, Rating, RatingMonthSummary, User
from tests.factories import count, make_world

NOW = datetime(2026, 6, 15, 10, 0)
TODAY = NOW.date()
# The fixture: April in grid A (visit, the worker concerned, rated by the supervisor's visits) has
# enough ratings to show; May in grid B (service, nobody concerned) has too few; June has none.
APRIL = [5, 4, 4, 3, 1]
MAY = [5, 2]
RANGE = RatingFilters(first_month=date(2026, 3, 1), last_month=date(2026, 6, 30))


@pytest.fixture
def world(engine):
    return make_world(engine)


def rate(engine, actor, **fields):
    values = {"score": 4, "category": "visit", "rated_on": "2026-06-01", "channel": "visit"} | fields
    with write_session(engine) as session:
        return satisfaction.record_rating(session, actor, RatingInput(**values), now=NOW)


def seed_known(engine, world):
    supervisor, worker = world.actors["supervisor"], world.actors["worker"]
    grid_a, grid_b = world.grid_ids
    for day, score in enumerate(APRIL, start=1):
        rate(engine, supervisor, score=score, grid_id=grid_a, worker_id=worker.id, rated_on=date(2026, 4, day))
    for day, score in enumerate(MAY, start=1):
        rate(engine, supervisor, score=score, grid_id=grid_b, category="service", channel="phone_survey",
             rated_on=date(2026, 5, day))


def summary_rows(engine):
    with read_session(engine) as session:
        return sorted(tuple(getattr(row, c.name) for c in RatingMonthSummary.__table__.columns)
                      for row in session.scalars(select(RatingMonthSummary)))


def rebuilt_rows(engine):
    with write_session(engine) as session:
        satisfaction.rebuild_summary(session)
    return summary_rows(engine)


def csat(scores):
    return round(sum(1 for s in scores if s >= 4) / len(scores), 4)


# --- figures from known scores ---------------------------------------------------------------------

def test_monthly_trend_mean_csat_counts_and_empty_months(engine, world):
    seed_known(engine, world)
    with read_session(engine) as session:
        trend = satisfaction.monthly_trend(session, world.actors["supervisor"], RANGE, today=TODAY)
    assert [row["month"] for row in trend] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    march, april, may, june = trend
    assert (march["count"], march["mean"], march["too_few"]) == (0, None, False)
    assert (may["count"], may["mean"], may["csat"], may["too_few"]) == (len(MAY), None, None, True)
    assert june["count"] == 0
    # May alone hidden beside the range's total would be the total minus April: April hides too.
    assert (april["count"], april["mean"], april["too_few"], april["protected"]) == (len(APRIL), None, False, True)
    with read_session(engine) as session:
        (april,) = satisfaction.monthly_trend(session, world.actors["supervisor"], RatingFilters(
            first_month=date(2026, 4, 1), last_month=date(2026, 4, 1)), today=TODAY)
    assert (april["month"], april["count"], april["mean"], april["csat"], april["too_few"]) == (
        "2026-04", len(APRIL), round(statistics.mean(APRIL), 2), csat(APRIL), False)


def test_overview_distribution_heat_map_and_workers(engine, world):
    seed_known(engine, world)
    supervisor, worker = world.actors["supervisor"], world.actors["worker"]
    every = APRIL + MAY
    with read_session(engine) as session:
        figures = satisfaction.page_figures(session, supervisor, RANGE, today=TODAY)
    overview = figures.overview
    assert (overview["count"], overview["mean"], overview["csat"], overview["too_few"]) == (
        len(every), round(statistics.mean(every), 2), csat(every), False)
    assert [row["count"] for row in figures.distribution] == [every.count(k) for k in range(1, 6)]
    assert sum(row["share"] for row in figures.distribution) == pytest.approx(1, abs=0.001)
    cells = {(row["grid_id"], row["category"]): row for row in figures.heat_map}
    grid_a, grid_b = world.grid_ids
    assert set(cells) == {(grid_a, "visit"), (grid_b, "service")}
    assert cells[grid_b, "service"]["too_few"] and cells[grid_b, "service"]["mean"] is None
    # Shown beside the overall 3.14, April's 3.40 would give May's two ratings away (22 − 17 = 5):
    # it is hidden too, its count kept.
    assert cells[grid_a, "visit"]["protected"] and cells[grid_a, "visit"]["mean"] is None
    assert cells[grid_a, "visit"]["count"] == len(APRIL)
    workers = {row["worker_id"]: row for row in figures.workers}
    assert workers[worker.id]["count"] == len(APRIL) and workers[worker.id]["name"] == worker.display_name
    assert workers[0]["count"] == len(MAY) and workers[0]["csat"] is None and workers[worker.id]["protected"]


def test_a_group_under_five_shows_no_distribution(engine, world):
    seed_known(engine, world)
    may_only = RatingFilters(first_month=date(2026, 5, 1), last_month=date(2026, 5, 1))
    with read_session(engine) as session:
        rows = satisfaction.score_distribution(session, world.actors["supervisor"], may_only, today=TODAY)
        overview = satisfaction.overview(session, world.actors["supervisor"], may_only, today=TODAY)
    assert all(row["count"] is None and row["share"] is None and row["too_few"] for row in rows)
    assert overview["count"] == len(MAY) and overview["mean"] is None and overview["too_few"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"grid_id": "a"}, APRIL), ({"category": "service"}, MAY), ({"channel": "phone_survey"}, MAY),
    ({"worker_id": "worker"}, APRIL), ({"worker_id": 0}, MAY), ({"independence": "third_party"}, APRIL + MAY),
    ({"independence": "self"}, []),
    ({"first_month": date(2026, 5, 1)}, MAY), ({"last_month": date(2026, 4, 30)}, APRIL),
])
def test_filters_narrow_the_figures(engine, world, filters, expected):
    seed_known(engine, world)
    values = {"first_month": RANGE.first_month, "last_month": RANGE.last_month} | filters
    if values.get("grid_id") == "a":
        values["grid_id"] = world.grid_ids[0]
    if values.get("worker_id") == "worker":
        values["worker_id"] = world.actors["worker"].id
    with read_session(engine) as session:
        overview = satisfaction.overview(session, world.actors["supervisor"], RatingFilters(**values), today=TODAY)
    assert overview["count"] == len(expected)


def test_a_range_ending_before_it_starts_is_refused(engine, world):
    reversed_range = RatingFilters(first_month=date(2026, 5, 1), last_month=date(2026, 4, 1))
    with read_session(engine) as session:
        for call in (satisfaction.page_figures, satisfaction.low_ratings, satisfaction.monthly_trend):
            with pytest.raises(Invalid) as refused:
                call(session, world.actors["supervisor"], reversed_range, today=TODAY)
            assert refused.value.field == "last_month" and refused.value.key == "error.date_range.reversed"


def test_default_range_is_the_last_twelve_months():
    assert satisfaction.month_range(RatingFilters(), TODAY) == (date(2025, 7, 1), date(2026, 6, 1))


# --- the summary agrees with a full recomputation ---------------------------------------------------

def test_summary_equals_recomputation_after_inserts_edits_and_deletions(engine, world):
    rng = random.Random(6)
    supervisor, worker = world.actors["supervisor"], world.actors["worker"]
    live: list[Rating] = []
    for _ in range(40):
        roll = rng.random()
        if roll < 0.6 or not live:
            actor = rng.choice((supervisor, worker))
            grid = world.grid_ids[0] if actor is worker else rng.choice(world.grid_ids)
            live.append(rate(engine, actor, score=rng.randint(1, 5), grid_id=grid,
                             category=rng.choice(satisfaction.CATEGORIES),
                             channel=rng.choice(satisfaction.STAFF_CHANNELS),
                             worker_id=rng.choice((None, supervisor.id if actor is worker else worker.id)),
                             rated_on=date(2026, rng.randint(1, 6), rng.randint(1, 14))))
        elif roll < 0.85:
            rating = rng.choice(live)
            with write_session(engine) as session:
                edited = satisfaction.edit_rating(session, supervisor, rating.id, rating.version, RatingInput(
                    score=rng.randint(1, 5), category=rng.choice(satisfaction.CATEGORIES),
                    grid_id=rng.choice(world.grid_ids), worker_id=rng.choice((None, worker.id, world.actors["admin"].id)),
                    rated_on=date(2026, rng.randint(1, 6), 2)), now=NOW)
            live[live.index(rating)] = edited
        else:
            rating = live.pop(rng.randrange(len(live)))
            with write_session(engine) as session:
                satisfaction.delete_rating(session, supervisor, rating.id, rating.version, now=NOW)
    maintained = summary_rows(engine)
    assert maintained and maintained == rebuilt_rows(engine)
    assert sum(row[6] for row in maintained) == len(live)  # the count column
    # A worker's rating moved onto that worker by an edit becomes self-entered: independence follows.
    assert {row[5] for row in maintained} == {"third_party", "self"}


def test_a_deleted_rating_leaves_every_figure(engine, world):
    supervisor = world.actors["supervisor"]
    ratings = [rate(engine, supervisor, score=1, grid_id=world.grid_ids[0]) for _ in range(5)]
    with write_session(engine) as session:
        satisfaction.delete_rating(session, supervisor, ratings[0].id, ratings[0].version, now=NOW)
    with read_session(engine) as session:
        this_month = RatingFilters(first_month=TODAY, last_month=TODAY)
        assert satisfaction.overview(session, supervisor, this_month, today=TODAY)["count"] == 4
        low = satisfaction.low_ratings(session, supervisor, this_month, today=TODAY)
    assert ratings[0].id not in {row["id"] for row in low} and len(low) == 4


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field", "key"), [
    ({"score": "abc"}, "score", "error.score.range"),
    ({"score": 0}, "score", "error.score.range"),
    ({"score": 6}, "score", "error.score.range"),
    ({"score": 3.5}, "score", "error.score.range"),
    ({"score": "3.5"}, "score", "error.score.range"),
    ({"score": None}, "score", "error.required"),
    ({"comment": "长" * 501}, "comment", "error.too_long"),
    ({"rated_on": "2026-06-16"}, "rated_on", "error.date.future"),
    ({"rated_on": "2026-02-30"}, "rated_on", "error.date.invalid"),
    ({"category": "weather"}, "category", "error.satisfaction.category"),
    ({"grid_id": 9999}, "grid", "error.grid.unknown"),
    ({"grid_id": "other"}, "grid", "error.grid.not_yours"),
    ({"worker_id": 9999}, "worker", "error.satisfaction.worker"),
    ({"worker_id": "me"}, "worker", "error.satisfaction.rate_self"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(engine, world, fields, field, key):
    if fields.get("grid_id") == "other":
        fields["grid_id"] = world.grid_ids[1]  # not the worker's grid
    if fields.get("worker_id") == "me":
        fields["worker_id"] = world.actors["worker"].id  # a worker rating their own visit
    audit_before = count(engine, AuditEvent)
    with pytest.raises(InvalidMany) as refused:
        rate(engine, world.actors["worker"], **({"grid_id": world.grid_ids[0]} | fields))
    assert [(e.field, e.key) for e in refused.value.errors] == [(field, key)]
    assert count(engine, Rating) == 0 and summary_rows(engine) == [] and count(engine, AuditEvent) == audit_before


def test_a_comment_of_500_characters_after_cleaning_is_accepted(engine, world):
    rating = rate(engine, world.actors["worker"], grid_id=world.grid_ids[0], comment="  " + "好" * 500 + "  ")
    assert len(rating.comment) == 500


def test_staff_may_not_record_a_residents_channel(engine, world):
    with pytest.raises(Invalid) as refused:
        rate(engine, world.actors["supervisor"], grid_id=world.grid_ids[0], channel="resident_qr")
    assert refused.value.field == "channel" and count(engine, Rating) == 0


def test_an_edit_from_a_stale_form_is_refused(engine, world):
    rating = rate(engine, world.actors["worker"], grid_id=world.grid_ids[0])
    edit = RatingInput(score=2, category="visit", grid_id=world.grid_ids[0], rated_on="2026-06-01")
    with write_session(engine) as session:
        satisfaction.edit_rating(session, world.actors["supervisor"], rating.id, rating.version, edit, now=NOW)
    before = summary_rows(engine)
    with pytest.raises(StaleEdit), write_session(engine) as session:
        satisfaction.edit_rating(session, world.actors["supervisor"], rating.id, rating.version,
                                 RatingInput(score=5, category="visit", grid_id=world.grid_ids[0],
                                             rated_on="2026-06-01"), now=NOW)
    assert summary_rows(engine) == before


# --- permissions ---------------------------------------------------------------------------------

def test_who_may_record_view_and_change(engine, world):
    admin, supervisor, worker, trainer = (world.actors[r] for r in ("admin", "supervisor", "worker", "trainer"))
    grid_a, grid_b = world.grid_ids
    with pytest.raises(Forbidden):
        rate(engine, trainer, grid_id=grid_a)
    own = rate(engine, worker, grid_id=grid_a)
    theirs = rate(engine, supervisor, grid_id=grid_a)
    rate(engine, admin, grid_id=grid_b)
    with read_session(engine) as session:
        for reader in (worker, trainer):
            with pytest.raises(Forbidden):
                satisfaction.page_figures(session, reader, RANGE, today=TODAY)
            with pytest.raises(Forbidden):
                satisfaction.low_ratings(session, reader, RANGE, today=TODAY)
        assert satisfaction.overview(session, supervisor, RatingFilters(), today=TODAY)["count"] == 3
    edit = RatingInput(score=1, category="visit", grid_id=grid_a, rated_on="2026-06-01")
    # A worker changes no rating once given, not even one they typed in: only a supervisor or admin does.
    for rating in (theirs, own):
        with pytest.raises(Forbidden), write_session(engine) as session:
            satisfaction.edit_rating(session, worker, rating.id, rating.version, edit, now=NOW)
        with pytest.raises(Forbidden), write_session(engine) as session:
            satisfaction.delete_rating(session, worker, rating.id, rating.version, now=NOW)
    with write_session(engine) as session:
        satisfaction.edit_rating(session, supervisor, own.id, own.version, edit, now=NOW)
        satisfaction.delete_rating(session, supervisor, theirs.id, theirs.version, now=NOW)
    with read_session(engine) as session:
        audited = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "rating"))]
    assert audited.count("rating_edit") == 1 and audited.count("rating_delete") == 1


# --- the mediation hook ------------------------------------------------------------------------------

def test_a_follow_up_visit_records_a_rating_in_its_transaction(engine, world):
    worker = world.actors["worker"]
    at = datetime(2026, 5, 1, 9)
    with write_session(engine) as session:
        kind = next(iter(dispute_types.offered(session, worker)))
        case = mediations.register(session, worker, mediations.CaseInput(
            intake_date="2026-05-01", source="application", type_id=kind, grid_id=world.grid_ids[0],
            facts="楼上漏水", parties=[mediations.PartyInput(name="王大爷"),
                                     mediations.PartyInput(side="respondent", name="楼上住户")]), now=at)
        mediations.transition(session, worker, case.id, case.version, "start", now=at)
        session.flush()
        agreements.record_agreement(session, worker, case.id, case.version, agreements.AgreementInput(
            agreed_on="2026-05-03", written=False, terms="楼上住户道歉"), now=NOW)
        session.flush()
        agreements.record_follow_up(session, worker, case.id, case.version, agreements.FollowUpInput(
            visited_on="2026-05-20", performed="partly", satisfaction="2", note="住户李某仍有意见"), now=NOW)
    with read_session(engine) as session:
        rating = session.scalar(select(Rating))
        low = satisfaction.low_ratings(session, world.actors["supervisor"], RANGE, today=TODAY)
    assert (rating.channel, rating.score, rating.category, rating.grid_id, rating.worker_id, rating.rated_on) == (
        "mediation_follow_up", 2, "mediation", world.grid_ids[0], worker.id, date(2026, 5, 20))
    assert rating.comment == ""  # the worker's note may name people: it stays on the case
    assert [(row["id"], row["case_number"]) for row in low] == [(rating.id, case.number)]
    assert summary_rows(engine) == rebuilt_rows(engine)


def test_a_refused_follow_up_writes_no_rating(engine, world):
    with pytest.raises(InvalidMany), write_session(engine) as session:
        agreements.record_follow_up(session, world.actors["worker"], 1, 1, agreements.FollowUpInput(
            visited_on="2026-05-20", satisfaction="9"), now=NOW)
    assert count(engine, Rating) == 0


# --- the low-ratings list ------------------------------------------------------------------------------

def test_low_ratings_newest_first_limited_and_filtered(engine, world):
    supervisor = world.actors["supervisor"]
    for day in range(1, 8):
        rate(engine, supervisor, score=1 + day % 2, grid_id=world.grid_ids[day % 2], rated_on=date(2026, 6, day),
             comment=f"第{day}天")
    for day in range(10, 14):  # grid B reaches five ratings: it may be named
        rate(engine, supervisor, score=3, grid_id=world.grid_ids[1], rated_on=date(2026, 6, day))
    for day in (8, 9):  # and grid A too
        rate(engine, supervisor, score=3, grid_id=world.grid_ids[0], rated_on=date(2026, 6, day))
    with read_session(engine) as session:
        rows = satisfaction.low_ratings(session, supervisor, RANGE, limit=5, today=TODAY)
        grid_a = satisfaction.low_ratings(session, supervisor, RatingFilters(grid_id=world.grid_ids[0]), today=TODAY)
    assert [row["rated_on"].day for row in rows] == [7, 6, 5, 4, 3]
    assert all(row["score"] <= 2 and row["comment"].startswith("第") for row in rows)
    assert {row["grid"] for row in grid_a} == {"第一网格"} and len(grid_a) == 3
    assert count(engine, Rating) == 13


def test_rebuild_ignores_deleted_ratings_and_counts_rows(engine, world):
    supervisor = world.actors["supervisor"]
    kept = rate(engine, supervisor, grid_id=world.grid_ids[0], score=5)
    gone = rate(engine, supervisor, grid_id=world.grid_ids[1], score=2)
    with write_session(engine) as session:
        satisfaction.delete_rating(session, supervisor, gone.id, gone.version, now=NOW)
    with write_session(engine) as session:
        assert satisfaction.rebuild_summary(session) == 1
        row = session.scalar(select(RatingMonthSummary))
        assert (row.grid_id, row.count, row.count_5, row.score_sum) == (kept.grid_id, 1, 1, 5)
        assert session.scalar(select(func.count()).select_from(Rating)) == 2


def test_the_demo_has_a_year_of_ratings_from_every_channel(engine):
    from core import demo
    from db.models import SurveyToken
    from tests.factories import vault_for_tests

    demo.seed(engine, vault_for_tests())
    with read_session(engine) as session:
        channels = dict(session.execute(select(Rating.channel, func.count()).group_by(Rating.channel)).all())
        low_with_comments = session.scalar(select(func.count()).select_from(Rating)
                                           .where(Rating.score <= 2, Rating.comment != ""))
        tokens = session.scalar(select(func.count()).select_from(SurveyToken))
    assert set(channels) == set(satisfaction.CHANNELS)
    assert sum(channels.values()) >= demo.RATINGS
    assert low_with_comments >= 10 and tokens >= 2
    assert summary_rows(engine) == rebuilt_rows(engine)
    # both kinds a supervisor must tell apart: residents' own, others', and the worker's own entries
    with read_session(engine) as session:
        sources = {row["independence"]: row["count"] for row in satisfaction.by_dimension(
            session, users.actor_of(session.scalar(select(User).where(User.role == "supervisor"))),
            RatingFilters(), "independence")}
    assert set(sources) == set(satisfaction.INDEPENDENCE) and min(sources.values()) >= 100


def test_the_data_version_moves_with_every_write_to_the_ratings(engine):
    from datetime import date

    from core.satisfaction import service as satisfaction
    from db.engine import read_session, write_session
    from tests.factories import make_world

    world = make_world(engine)
    supervisor = world.actors["supervisor"]

    def version() -> int:
        with read_session(engine) as session:
            return satisfaction.data_version(session)

    seen = [version()]
    with write_session(engine) as session:
        rating = satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
            score=4, category="visit", grid_id=world.grid_ids[0], rated_on=date.today()))
        rating_id = rating.id
    seen.append(version())
    with write_session(engine) as session:
        satisfaction.edit_rating(session, supervisor, rating_id, 1, satisfaction.RatingInput(
            score=2, category="visit", grid_id=world.grid_ids[1], rated_on=date.today()))
    seen.append(version())
    with write_session(engine) as session:
        satisfaction.delete_rating(session, supervisor, rating_id, 2)
    seen.append(version())
    with write_session(engine) as session:
        satisfaction.rebuild_summary(session)
    seen.append(version())
    assert len(set(seen)) == len(seen), seen


def test_follow_ups_recorded_before_the_satisfaction_tables_become_ratings_on_upgrade(fresh_database_url):
    """Downgrading below 0005 drops the ratings but keeps the follow-ups: the upgrade files them again."""
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        world = make_world(engine)
        test_a_follow_up_visit_records_a_rating_in_its_transaction(engine, world)
        with read_session(engine) as session:
            before = [(r.score, r.channel, r.category, r.grid_id, r.worker_id, r.rated_on, r.source_id)
                      for r in session.scalars(select(Rating))]
        migrate.downgrade(engine, "0004")
        migrate.upgrade(engine)
        with read_session(engine) as session:
            after = [(r.score, r.channel, r.category, r.grid_id, r.worker_id, r.rated_on, r.source_id)
                     for r in session.scalars(select(Rating))]
            assert satisfaction.data_version(session) >= 1
        assert after == before and len(after) == 1
        assert summary_rows(engine) == rebuilt_rows(engine)
    finally:
        engine.dispose()
