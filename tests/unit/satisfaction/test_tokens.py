"""QR survey codes: signed, expiring, single-use or rate-limited; a refused code writes nothing."""

import threading
from datetime import datetime, timedelta

import pytest

from core.base.errors import Forbidden, Invalid, InvalidMany
from core.satisfaction import service as satisfaction
from core.satisfaction.service import TokenRequest
from db.engine import read_session, write_session
from db.models import Rating, SurveyToken
from tests.conftest import TEST_COOKIE_KEY
from tests.factories import count, make_world

SECRET = TEST_COOKIE_KEY
NOW = datetime(2026, 6, 15, 10, 0)


@pytest.fixture
def world(engine):
    return make_world(engine)


def issue(engine, actor, **fields):
    request = TokenRequest(**({"kind": "single_use", "category": "service"} | fields))
    with write_session(engine) as session:
        return satisfaction.issue_token(session, actor, SECRET, request, now=NOW)


def submit(engine, token, score=5, comment="", now=NOW, grid_id=None, secret=SECRET):
    with write_session(engine) as session:
        return satisfaction.submit_public_rating(session, secret, token, score=score, comment=comment, now=now,
                                                 grid_id=grid_id)


def refused(engine, token, key, **kwargs):
    before = count(engine, Rating)
    with pytest.raises(Invalid) as error:
        submit(engine, token, **kwargs)
    assert (error.value.field, error.value.key) == ("token", key)
    assert count(engine, Rating) == before


def test_a_resident_rates_once_with_a_single_use_code(engine, world):
    worker = world.actors["worker"]
    issued = issue(engine, worker, grid_id=world.grid_ids[0], worker_id=worker.id)
    with read_session(engine) as session:
        survey = satisfaction.verify_token(session, SECRET, issued.token, now=NOW)
    assert (survey.grid_name, survey.category, survey.kind) == ("第一网格", "service", "single_use")
    assert not hasattr(survey, "worker_id")  # the public page learns nothing about anyone
    rating_id = submit(engine, issued.token, score="4", comment="  服务很好 ")
    with read_session(engine) as session:
        rating = session.get(Rating, rating_id)
        assert (rating.channel, rating.score, rating.comment, rating.grid_id, rating.worker_id, rating.source_id,
                rating.recorded_by) == ("resident_qr", 4, "服务很好", world.grid_ids[0], worker.id, issued.token_id,
                                        None)
        assert session.get(SurveyToken, issued.token_id).used_at == NOW
    refused(engine, issued.token, "error.survey.used")


def test_expired_revoked_and_other_grid_codes_are_refused(engine, world):
    worker = world.actors["worker"]
    short = issue(engine, worker, grid_id=world.grid_ids[0], valid_days=1)
    refused(engine, short.token, "error.survey.expired", now=NOW + timedelta(days=1, seconds=1))
    withdrawn = issue(engine, worker, grid_id=world.grid_ids[0])
    with write_session(engine) as session:
        satisfaction.revoke_token(session, worker, withdrawn.token_id, now=NOW)
    refused(engine, withdrawn.token, "error.survey.revoked")
    mine = issue(engine, worker, grid_id=world.grid_ids[0])
    refused(engine, mine.token, "error.survey.other_grid", grid_id=world.grid_ids[1])
    submit(engine, mine.token, grid_id=world.grid_ids[0])


@pytest.mark.parametrize("forge", ["signature", "id", "grid", "expiry", "secret", "garbage", "empty", "extra"])
def test_forged_codes_are_refused(engine, world, forge):
    worker = world.actors["worker"]
    other = issue(engine, world.actors["supervisor"], grid_id=world.grid_ids[1])
    issued = issue(engine, worker, grid_id=world.grid_ids[0])
    token_id, grid_id, expires, signature = issued.token.split(".")
    forged = {
        "signature": f"{token_id}.{grid_id}.{expires}.{'0' * 32}",
        "id": f"{other.token_id}.{grid_id}.{expires}.{signature}",
        "grid": f"{token_id}.{world.grid_ids[1]}.{expires}.{signature}",
        "expiry": f"{token_id}.{grid_id}.{int(expires) + 86400 * 365}.{signature}",
        "secret": None,
        "garbage": "not-a-token",
        "empty": "",
        "extra": issued.token + ".1",
    }[forge]
    if forge == "secret":
        refused(engine, issued.token, "error.survey.invalid", secret="another-installation-" + "k" * 40)
    else:
        refused(engine, forged, "error.survey.invalid")
    with read_session(engine) as session:
        assert session.get(SurveyToken, issued.token_id).used_at is None


def test_a_check_in_signature_does_not_pass_for_a_survey_code(engine, world):
    from core.training import service as training

    issued = issue(engine, world.actors["worker"], grid_id=world.grid_ids[0])
    token_id, grid_id, expires, _signature = issued.token.split(".")
    checkin_style = training._signature(SECRET, int(token_id), int(expires))
    refused(engine, f"{token_id}.{grid_id}.{expires}.{checkin_style}", "error.survey.invalid")


def test_a_poster_accepts_its_hourly_limit_then_refuses(engine, world):
    poster = issue(engine, world.actors["worker"], kind="poster", grid_id=world.grid_ids[0], hourly_limit=3)
    for minute in range(3):
        submit(engine, poster.token, now=NOW + timedelta(minutes=minute))
    refused(engine, poster.token, "error.survey.busy", now=NOW + timedelta(minutes=30))
    with read_session(engine) as session, pytest.raises(Invalid):
        satisfaction.verify_token(session, SECRET, poster.token, now=NOW + timedelta(minutes=30))
    submit(engine, poster.token, now=NOW + timedelta(minutes=61))  # an hour later it takes ratings again
    assert count(engine, Rating) == 4


def test_a_bad_score_or_comment_leaves_the_code_unused(engine, world):
    issued = issue(engine, world.actors["worker"], grid_id=world.grid_ids[0])
    for score, comment, field in (("abc", "", "score"), (0, "", "score"), (6, "", "score"), (3.5, "", "score"),
                                  (4, "字" * 501, "comment")):
        with pytest.raises(InvalidMany) as error:
            submit(engine, issued.token, score=score, comment=comment)
        assert [e.field for e in error.value.errors] == [field]
    assert count(engine, Rating) == 0
    submit(engine, issued.token, score=3)


def test_two_concurrent_submits_of_one_code_only_one_wins(engine, world):
    issued = issue(engine, world.actors["worker"], grid_id=world.grid_ids[0])
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            submit(engine, issued.token)
            outcomes.append("ok")
        except Invalid as error:
            outcomes.append(error.key)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["error.survey.used"] * 3 + ["ok"]
    assert count(engine, Rating) == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "forever"}, "kind"), ({"category": "weather"}, "category"), ({"grid_id": 9999}, "grid"),
    ({"valid_days": 0}, "valid_days"), ({"valid_days": "abc"}, "valid_days"), ({"hourly_limit": 10_000}, "hourly_limit"),
])
def test_bad_token_requests_are_refused(engine, world, fields, field):
    with pytest.raises(InvalidMany) as error:
        issue(engine, world.actors["supervisor"], **({"grid_id": world.grid_ids[0]} | fields))
    assert [e.field for e in error.value.errors] == [field]
    assert count(engine, SurveyToken) == 0


def test_who_may_issue_and_revoke(engine, world):
    worker, trainer, supervisor = world.actors["worker"], world.actors["trainer"], world.actors["supervisor"]
    with pytest.raises(Forbidden):
        issue(engine, trainer, grid_id=world.grid_ids[0])
    with pytest.raises(InvalidMany) as error:
        issue(engine, worker, grid_id=world.grid_ids[1])  # not the worker's grid
    assert error.value.errors[0].key == "error.grid.not_yours"
    theirs = issue(engine, supervisor, grid_id=world.grid_ids[0])
    with pytest.raises(Forbidden), write_session(engine) as session:
        satisfaction.revoke_token(session, worker, theirs.token_id, now=NOW)
    mine = issue(engine, worker, grid_id=world.grid_ids[0])
    with write_session(engine) as session:
        satisfaction.revoke_token(session, worker, mine.token_id, now=NOW)
        satisfaction.revoke_token(session, supervisor, theirs.token_id, now=NOW)
    with read_session(engine) as session:
        assert [row["id"] for row in satisfaction.list_tokens(session, worker)] == [mine.token_id]
        assert len(satisfaction.list_tokens(session, supervisor)) == 2


def test_public_ratings_enter_the_summary(engine, world):
    poster = issue(engine, world.actors["worker"], kind="poster", grid_id=world.grid_ids[0])
    scores = (5, 4, 4, 2, 1)
    for score in scores:
        submit(engine, poster.token, score=score)
    with read_session(engine) as session:
        figures = satisfaction.overview(session, world.actors["supervisor"],
                                        satisfaction.RatingFilters(channel="resident_qr"), today=NOW.date())
    assert (figures["count"], figures["mean"], figures["csat"]) == (
        len(scores), round(sum(scores) / len(scores), 2), sum(s >= 4 for s in scores) / len(scores))


def test_an_earlier_code_can_be_shown_again_by_its_issuer(engine, world):
    worker = world.actors["worker"]
    issued = issue(engine, worker, kind="poster", grid_id=world.grid_ids[0])
    with read_session(engine) as session:
        assert satisfaction.token_text(session, worker, SECRET, issued.token_id) == issued.token
        assert satisfaction.token_text(session, world.actors["supervisor"], SECRET, issued.token_id) == issued.token
        with pytest.raises(Forbidden):
            satisfaction.token_text(session, world.actors["trainer"], SECRET, issued.token_id)
