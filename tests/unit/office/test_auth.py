"""Login, lockout with a frozen clock, server-side sessions and hostile cookies."""

from datetime import datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from core.base import clock
from core.base.settings import Settings
from core.office import auth, users
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.factories import PASSWORD, make_world

SETTINGS = Settings(cookie_key="k" * 8 + "abcdefghijklmnopqrstuvwxyz0123456789")
T0 = datetime(2026, 11, 29, 9, 0, 0)


def attempt(engine, username, password, now):
    return auth.login(engine, username, password, SETTINGS, now=now)


def actions(engine):
    with read_session(engine) as session:
        return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_succeeds_case_insensitively_and_is_audited(engine):
    make_world(engine)
    result = attempt(engine, "  WORKER1 ", PASSWORD, T0)
    assert result.ok and result.actor.username == "worker1" and result.actor.role == "worker"
    assert actions(engine)[-1] == "login"


def test_unknown_user_and_wrong_password_get_the_same_refusal(engine):
    make_world(engine)
    unknown = attempt(engine, "nobody", PASSWORD, T0)
    wrong = attempt(engine, "worker1", "Wrong1234", T0)
    assert (unknown.ok, unknown.refusal) == (wrong.ok, wrong.refusal) == (False, "invalid")
    assert actions(engine)[-2:] == ["login_failed", "login_failed"]


def test_disabled_account_cannot_log_in(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    with read_session(engine) as session:
        version = users.get_user(session, worker.id).version
    with write_session(engine) as session:
        users.update_user(session, world.actors["admin"], worker.id, version, display_name="w", role="worker",
                          community_id=world.community_id, grid_ids=[], active=False)
    assert attempt(engine, "worker1", PASSWORD, T0).refusal == "invalid"


def test_sixth_attempt_is_locked_even_with_the_right_password_until_the_lock_expires(engine):
    make_world(engine)
    for minute in range(5):
        assert attempt(engine, "worker1", f"Wrong{minute}xyz", T0 + timedelta(minutes=minute)).refusal == "invalid"
    sixth = attempt(engine, "worker1", PASSWORD, T0 + timedelta(minutes=5))
    assert sixth.refusal == "locked"
    assert sixth.locked_until == T0 + timedelta(minutes=4 + 15)
    assert attempt(engine, "worker1", PASSWORD, T0 + timedelta(minutes=18)).refusal == "locked"
    assert attempt(engine, "worker1", PASSWORD, T0 + timedelta(minutes=19, seconds=1)).ok
    log = actions(engine)
    assert log.count("login_failed") == 5 and log.count("lockout") == 1 and log.count("login_locked") == 2
    assert log[-1] == "login"


def test_failures_spread_beyond_the_window_do_not_lock(engine):
    make_world(engine)
    for step in range(8):
        attempt(engine, "worker1", "Wrong1234", T0 + timedelta(minutes=4 * step))
    # Never 5 failures inside one 15-minute window starting at the first of them.
    assert attempt(engine, "worker1", PASSWORD, T0 + timedelta(minutes=33)).ok


def test_unknown_names_lock_like_real_ones(engine):
    """A lock must not reveal whether an account exists."""
    make_world(engine)
    for minute in range(5):
        attempt(engine, "ghost", "Wrong1234", T0 + timedelta(minutes=minute))
    assert attempt(engine, "ghost", "Wrong1234", T0 + timedelta(minutes=6)).refusal == "locked"


def test_admin_unlock_lets_the_user_in_at_once(engine):
    world = make_world(engine)
    for minute in range(5):
        attempt(engine, "worker1", "Wrong1234", T0 + timedelta(minutes=minute))
    with write_session(engine) as session:
        assert users.unlock(session, world.actors["admin"], "Worker1")
    assert attempt(engine, "worker1", PASSWORD, T0 + timedelta(minutes=6)).ok
    assert "unlock" in actions(engine)


def _login_session(engine, actor, token_exp, now=T0):
    with write_session(engine) as session:
        auth.start_session(session, actor, token_exp, SETTINGS, now=now)


def _resume(engine, actor, token_exp, now=T0 + timedelta(minutes=1)):
    with read_session(engine) as session:
        return auth.resume(session, username=actor.username, token_exp=token_exp, now=now)


def test_session_resumes_until_logout(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _login_session(engine, worker, 1_900_000_000.25)
    assert _resume(engine, worker, 1_900_000_000.25).id == worker.id
    assert _resume(engine, worker, 1_900_000_000.5) is None  # another login's exp_date
    with write_session(engine) as session:
        auth.logout(session, worker, 1_900_000_000.25, now=T0 + timedelta(minutes=2))
    assert _resume(engine, worker, 1_900_000_000.25, now=T0 + timedelta(minutes=3)) is None
    assert actions(engine)[-1] == "logout"


def test_session_expires_with_the_cookie_lifetime(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _login_session(engine, worker, 1_900_000_000.0)
    assert _resume(engine, worker, 1_900_000_000.0, now=T0 + timedelta(hours=7, minutes=59)) is not None
    assert _resume(engine, worker, 1_900_000_000.0, now=T0 + timedelta(hours=8)) is None


def test_password_change_ends_sessions(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    _login_session(engine, worker, 1_900_000_000.0)
    with write_session(engine) as session:
        users.change_own_password(session, worker, current=PASSWORD, new="Another789", confirm="Another789")
    assert _resume(engine, worker, 1_900_000_000.0) is None


def token(payload, key=SETTINGS.cookie_key, algorithm="HS256"):
    return jwt.encode(payload, key, algorithm=algorithm)


def future():
    return clock.now().timestamp() + 3600


def test_decode_accepts_our_own_cookie():
    assert auth.decode_cookie(token({"username": "worker1", "exp_date": 2e9}), SETTINGS.cookie_key) == ("worker1", 2e9)


def test_a_new_login_cookie_reads_back_and_lasts_the_configured_hours():
    token, exp = auth.new_cookie("worker1", SETTINGS, now=clock.now())
    assert exp == (clock.now() + timedelta(hours=SETTINGS.cookie_expiry_hours)).timestamp()
    assert auth.decode_cookie(token, SETTINGS.cookie_key) == ("worker1", exp)
    assert auth.decode_cookie(token, "another-key-" * 4) is None


def test_two_logins_in_one_second_get_two_sessions(engine, monkeypatch):
    world = make_world(engine)
    moments = iter([datetime(2026, 11, 29, 9, 0, 0, 120_000), datetime(2026, 11, 29, 9, 0, 0, 480_000)])

    class SameSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return next(moments)

    monkeypatch.setattr(auth, "datetime", SameSecond)
    first, second = (auth.new_cookie("worker1", SETTINGS)[1] for _ in range(2))
    assert first != second
    for exp in (first, second):  # unique (user, exp_date): a repeat would fail here
        _login_session(engine, world.actors["worker"], exp)


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda: token({"username": "admin1", "exp_date": future()}, key="some_key"), id="library-default-key",
                     marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")),
        pytest.param(lambda: token({"username": "admin1", "exp_date": future()}, key=None, algorithm="none"), id="alg-none"),
        pytest.param(lambda: token({"username": "admin1", "exp_date": future()})[:-7], id="truncated"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: token({"username": "admin1", "exp_date": 1.0}), id="expired"),
        pytest.param(lambda: token({"username": 7, "exp_date": future()}), id="wrong-types"),
        pytest.param(lambda: token({"exp_date": future()}), id="no-username"),
    ],
)
def test_decode_refuses_hostile_cookies_without_raising(forged):
    assert auth.decode_cookie(forged(), SETTINGS.cookie_key) is None
