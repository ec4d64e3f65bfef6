"""Residents' ratings of an activity on both databases: its own QR code and a rating typed after a
phone call, counted in the activity's figures (mean shown from MIN_GROUP on) and in satisfaction's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.activities import ratings
from core.base.errors import Invalid, InvalidMany, NotFound
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import MIN_GROUP
from db.engine import read_session, write_session
from db.models import Rating
from tests.factories import another_worker, make_world
from tests.unit.activities.test_service import STARTS, plan

SECRET = "s" * 48
AFTER = STARTS + timedelta(hours=3)


def test_residents_rate_the_activity_by_its_code_and_its_mean_shows_from_the_fifth_rating(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    activity_id = plan(engine, worker, world.grid_ids[0], title="重阳节慰问")
    with write_session(engine) as session:
        issued = ratings.rating_code(session, worker, SECRET, activity_id, now=STARTS)
    with read_session(engine) as session:
        survey = satisfaction.verify_token(session, SECRET, issued.token, now=AFTER)
    assert (survey.activity, survey.category, survey.kind) == ("重阳节慰问", "activity", "poster")
    for score in (5, 4, 4, 3):
        with write_session(engine) as session:
            satisfaction.submit_public_rating(session, SECRET, issued.token, score=score, now=AFTER)
    with read_session(engine) as session:
        early = ratings.figures(session, worker, activity_id)
    assert (early["count"], early["mean"], early["too_few"]) == (MIN_GROUP - 1, None, True)
    with write_session(engine) as session:
        ratings.record_phone_rating(session, worker, activity_id, 2, "声音太小", now=AFTER)
    with read_session(engine) as session:
        found = ratings.figures(session, worker, activity_id)
        channels = sorted(session.scalars(select(Rating.channel).where(Rating.activity_id == activity_id)))
        by_category = satisfaction.by_dimension(session, world.actors["supervisor"], satisfaction.RatingFilters(
            first_month=STARTS.date(), last_month=STARTS.date()), "category", today=AFTER.date())
    assert (found["count"], found["mean"], found["csat"]) == (5, 3.6, 0.6)  # (5+4+4+3+2)/5; three of five 4–5
    assert channels == ["phone_survey"] + ["resident_qr"] * 4
    assert {row["category"]: row["count"] for row in by_category}["activity"] == 5


def test_a_rating_names_an_activity_of_its_grid_and_only_those_who_see_it_rate_or_read(engine):
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    activity_id = plan(engine, worker, world.grid_ids[0])
    with write_session(engine) as session, pytest.raises(InvalidMany) as refused:
        satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
            score=4, category="activity", grid_id=world.grid_ids[1], rated_on=STARTS.date(), channel="phone_survey",
            activity_id=activity_id), now=AFTER)
    assert [(e.field, e.key) for e in refused.value.errors] == [("activity", "error.satisfaction.activity")]
    stranger = another_worker(engine, world)
    with write_session(engine) as session, pytest.raises(NotFound):
        ratings.record_phone_rating(session, stranger, activity_id, 5)
    with read_session(engine) as session, pytest.raises(NotFound):
        ratings.figures(session, stranger, activity_id)
    # an organiser from grid 2 sees the activity of grid 1, but its ratings and codes are grid 1's
    organised = plan(engine, supervisor, world.grid_ids[0], title="社区义诊", organiser_ids=[stranger.id])
    with write_session(engine) as session, pytest.raises(Invalid) as refused:
        ratings.rating_code(session, stranger, SECRET, organised)
    assert (refused.value.field, refused.value.key) == ("grid", "error.grid.not_yours")
