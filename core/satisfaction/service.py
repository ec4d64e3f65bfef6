"""Satisfaction (满意度): ratings from every channel, QR survey tokens, and the figures charts read.

A rating is a score 1–5 with an optional comment (≤ 500 characters), a category, a grid, the
staff member concerned (optional), the day it was given and its channel:

| channel              | who records it                          | how                                   |
|----------------------|-----------------------------------------|---------------------------------------|
| mediation_follow_up  | core.mediation.service.record_follow_up | follow_up_rating() in its transaction |
| visit, phone_survey  | a worker (own grids), supervisor, admin | record_rating()                       |
| resident_qr          | the resident, logged out                | submit_public_rating()                |

Who gave a rating decides how independent it is (its `independence`, derived from `recorded_by`):

| independence | 居民自评 / 第三方/主管回访 / 工作人员记录                                           |
|--------------|--------------------------------------------------------------------------------------|
| resident     | the resident through a QR code (nobody recorded it)                                  |
| third_party  | entered by someone other than the staff member it concerns (or it concerns nobody)   |
| self         | entered by the staff member it concerns: a follow-up the case's own mediator recorded |

Nobody may type in a visit or phone rating about themselves; a follow-up's score recorded by the
case's own mediator stays allowed, and counts as self. Figures about a person (workers_table) use
only ratings that person did not enter.

Every write to `ratings` adjusts `rating_month_summary` in the same transaction (month × grid ×
category × channel × worker × independence, worker 0 = none), so that every figure below reads that small table
and never the ratings: its size is bounded by those dimensions, not by the number of ratings
(tests/bench/satisfaction.py measures 1,000 against 200,000).
`rebuild_summary()` recomputes it from the ratings (bulk loads, and tests prove the two agree).

API for screens
---------------
Recording (permission "satisfaction.record"; workers only in their own grids):
    record_rating(session, actor, RatingInput(...)) -> Rating
    edit_rating(session, actor, rating_id, expected_version, RatingInput(...)) -> Rating
        visit and phone_survey ratings only, by a supervisor/admin ("satisfaction.moderate"), audited:
        a worker cannot change what was said about them
    delete_rating(session, actor, rating_id, expected_version) -> None
        soft delete by a supervisor/admin, e.g. poster spam; audited

QR codes (permission "satisfaction.issue_token"; `secret` is the cookie key from settings):
    issue_token(session, actor, secret, TokenRequest(...)) -> IssuedToken   (.token goes in the URL)
    token_text(session, actor, secret, token_id) -> str   (show or print an earlier code again)
    list_tokens(session, actor) -> rows   (codes issued, with ratings received)
    revoke_token(session, actor, token_id) -> None
    verify_token(session, secret, token, grid_id=None) -> PublicSurvey   (no login; no personal data)
    submit_public_rating(session, secret, token, score=..., comment=...) -> rating id
The public page calls verify_token when it opens (to show the grid and category, or why the code
does not work) and submit_public_rating in a write session when the resident sends. Refused codes
raise Invalid("token", "error.survey.<reason>"): invalid (forged or malformed), expired, revoked,
used, other_grid, busy (a poster over its hourly limit); a bad score or comment raises
InvalidMany naming "score" or "comment", and leaves a single-use code unused.

Reading (permission "satisfaction.view"; supervisors and admins), all from the summary:
    RatingFilters(first_month, last_month, grid_id, category, channel, worker_id, independence)
        months inclusive (any day of the month); worker_id 0 = ratings without a worker
    page_figures(session, actor, filters) -> Figures(overview, trend, distribution, heat_map, workers)
    overview / monthly_trend / score_distribution / heat_map / workers_table: the same, one at a time
    by_dimension(session, actor, filters, "category" | "channel" | "independence")
    days_overview(session, actor, first, last): figures of the days first..last (the dashboard's
        month to date), read from `ratings` through the index ix_ratings_day
    low_ratings(session, actor, filters, limit=50, figures=None): latest 1–2 ratings with comments,
        grid, worker and, for a follow-up, the case id and number; a
        grid, worker or category with fewer than MIN_GROUP ratings under the filters is not named
        (None). Pass the page's Figures for the same filters to save reading the group sizes again.
    A range ending before it starts raises Invalid("last_month", "error.date_range.reversed").
Charts: core.satisfaction.charts.satisfaction_trend / score_distribution / category_heat_map take these rows.

Suppression (core.satisfaction.disclosure): a group with fewer than MIN_GROUP ratings has mean and
csat None and too_few True (its count stays: a count reveals nobody's score); in each table (the
trend's months, the workers, the heat map's rows and columns, by_dimension) a cell that alone would
be hidden in a line whose total is known hides the smallest other cell too (protected True). A
month without ratings has count 0, mean None and too_few False. The score distribution of a group
under MIN_GROUP shows no counts at all. `csat` is the share of 4–5 ratings, 0–1 (format it as a
percentage); mean_low/mean_high (t) and csat_low/csat_high (Wilson) are the 95% interval.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Forbidden, Invalid, collect
from core.base.permissions import Actor, can, require, sees_all_grids
from core.base.records import guarded_flush, load_for_edit, load_visible
from core.base.text import clean, clean_prose
from core.satisfaction.disclosure import MIN_GROUP, group_figures, protect
from db.models import (
    Activity,
    AppMeta,
    Assessment,
    AssessmentVote,
    FollowUp,
    Grid,
    MediationCase,
    Rating,
    RatingMonthSummary,
    SurveyToken,
    User,
    activity_grids,
)

CATEGORIES = ("mediation", "visit", "service", "activity", "environment", "safety", "other")
CHANNELS = ("mediation_follow_up", "visit", "phone_survey", "resident_qr")
STAFF_CHANNELS = ("visit", "phone_survey")  # typed in by staff, and editable by them
TOKEN_KINDS = ("single_use", "poster")
INDEPENDENCE = ("resident", "third_party", "self")  # 居民自评, 第三方/主管回访, 工作人员记录
COMMENT_MAX = 500
LOW_SCORES = (1, 2)
MAX_MONTHS = 60  # the longest range a chart shows
DEFAULT_MONTHS = 12
TOKEN_DAYS = {"single_use": 7, "poster": 90}  # default lifetime of a QR code
MAX_TOKEN_DAYS = 366
POSTER_HOURLY_LIMIT = 30  # ratings a poster accepts per hour unless its issuer chose otherwise
MAX_HOURLY_LIMIT = 500


# --- input ---------------------------------------------------------------------------------------

def parse_score(value: Any, field_name: str = "score") -> int:
    """A whole number 1–5, typed or given; "abc", 0, 6, 3.5 and True are refused."""
    if isinstance(value, bool):
        raise Invalid(field_name, "error.score.range")
    if isinstance(value, float):
        if not value.is_integer():
            raise Invalid(field_name, "error.score.range")
        value = int(value)
    if isinstance(value, int):
        score = value
    else:
        text = clean(value)
        if not text:
            raise Invalid(field_name, "error.required")
        if not re.fullmatch(r"[0-9]{1,2}", text):
            raise Invalid(field_name, "error.score.range")
        score = int(text)
    if not 1 <= score <= 5:
        raise Invalid(field_name, "error.score.range")
    return score


def parse_comment(value: str | None) -> str:
    text = clean_prose(value)
    if len(text) > COMMENT_MAX:
        raise Invalid("comment", "error.too_long", max=COMMENT_MAX)
    return text


def _category(value: str | None) -> str:
    if value not in CATEGORIES:
        raise Invalid("category", "error.satisfaction.category")
    return value


def _grid(session: Session, actor: Actor, grid_id: int | None, action: str) -> int:
    if grid_id is None or session.get(Grid, grid_id) is None:
        raise Invalid("grid", "error.grid.unknown")
    if not can(actor, action, grid_id):
        raise Invalid("grid", "error.grid.not_yours")
    return grid_id


def _worker(session: Session, worker_id: int | None, actor: Actor, *, self_allowed: bool = False) -> int | None:
    """The staff member a rating (or a QR code) concerns: a colleague of the actor's community;
    a rating's recorder may not name themselves (`self_allowed` for a worker's own QR code)."""
    if worker_id in (None, 0, ""):
        return None
    user = session.get(User, worker_id)
    if user is None or not user.active or user.role not in ("worker", "supervisor", "admin"):
        raise Invalid("worker", "error.satisfaction.worker")
    if user.community_id != actor.community_id:
        raise Invalid("worker", "error.staff.other_community")
    if not self_allowed and user.id == actor.id:
        raise Invalid("worker", "error.satisfaction.rate_self")
    return user.id


@dataclass
class RatingInput:
    score: int | str | None = None
    comment: str = ""
    category: str = ""
    grid_id: int | None = None
    worker_id: int | None = None
    rated_on: date | str | None = None
    channel: str = "visit"  # visit | phone_survey; ignored when editing
    activity_id: int | None = None  # category "activity": the activity rated (ignored when editing)


@dataclass(frozen=True)
class _CleanRating:
    score: int
    comment: str
    category: str
    grid_id: int
    worker_id: int | None
    rated_on: date
    activity_id: int | None = None


def _activity(session: Session, actor: Actor, activity_id: int | None, grid_id: int | None, category: str | None
              ) -> int | None:
    """An activity rated: of the user's community and held in the rating's grid; only with the
    category "activity" (core.activities.ratings checks that the user sees it)."""
    if activity_id is None:
        return None
    held_in = set(session.scalars(select(activity_grids.c.grid_id).join(
        Activity, Activity.id == activity_grids.c.activity_id).where(
        Activity.id == activity_id, Activity.community_id == actor.community_id)))
    if category != "activity" or grid_id not in held_in:
        raise Invalid("activity", "error.satisfaction.activity")
    return activity_id


def _clean(session: Session, actor: Actor, data: RatingInput, today: date) -> _CleanRating:
    score, comment, category, grid_id, worker_id, rated_on = collect([
        lambda: parse_score(data.score),
        lambda: parse_comment(data.comment),
        lambda: _category(data.category),
        lambda: _grid(session, actor, data.grid_id, "satisfaction.record"),
        lambda: _worker(session, data.worker_id, actor),
        lambda: validation.past_or_today(data.rated_on, "rated_on", today),
    ])
    activity_id = collect([lambda: _activity(session, actor, data.activity_id, grid_id, category)])[0]
    return _CleanRating(score, comment, category, grid_id, worker_id, rated_on, activity_id)


# --- the summary, kept on write ------------------------------------------------------------------

_S = RatingMonthSummary
_KEY = ("month", "grid_id", "category", "channel", "worker_id", "independence")
_COUNTS = ("count", "score_sum", "count_4_5", "count_1", "count_2", "count_3", "count_4", "count_5")


def independence_of(channel: str, recorded_by: int | None, worker_id: int | None) -> str:
    """How independent a rating is of the person it concerns, from who entered it."""
    if channel == "resident_qr" or recorded_by is None:
        return "resident"
    return "self" if recorded_by == worker_id else "third_party"


def _independence_sql() -> Any:
    """independence_of() on the ratings table, for the rebuild and the low-ratings list."""
    return case((Rating.channel == literal("resident_qr"), literal("resident")),
                (Rating.recorded_by.is_(None), literal("resident")),
                (Rating.recorded_by == Rating.worker_id, literal("self")), else_=literal("third_party"))


def _summary_key(rating: Rating) -> dict[str, Any]:
    return {"month": rating.rated_on.replace(day=1), "grid_id": rating.grid_id, "category": rating.category,
            "channel": rating.channel, "worker_id": rating.worker_id or 0,
            "independence": independence_of(rating.channel, rating.recorded_by, rating.worker_id)}


_VERSION_KEY = "ratings_version"


def data_version(session: Session) -> int:
    """A number that changes with every write to the ratings: screens may keep figures computed
    at one version (one primary-key read instead of the figures' queries)."""
    value = session.get(AppMeta, _VERSION_KEY)
    return int(value.value) if value is not None else 0


def _bump_version(session: Session) -> None:
    bumped = session.execute(update(AppMeta).where(AppMeta.key == _VERSION_KEY)
                             .values(value=cast(cast(AppMeta.value, Integer) + 1, String))
                             .execution_options(synchronize_session=False))
    if bumped.rowcount == 0:
        session.add(AppMeta(key=_VERSION_KEY, value="1"))
        session.flush()


def _adjust(session: Session, rating: Rating, sign: int) -> None:
    """Add (+1) or remove (-1) one live rating to or from its summary row, atomically."""
    _bump_version(session)
    key = _summary_key(rating)
    score = rating.score
    deltas = {"count": sign, "score_sum": sign * score, "count_4_5": sign if score >= 4 else 0,
              **{f"count_{k}": sign if score == k else 0 for k in range(1, 6)}}
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(_S).values(**key, **deltas)
    session.execute(statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={name: getattr(_S, name) + getattr(statement.excluded, name) for name in _COUNTS}))
    if sign < 0:
        session.execute(delete(_S).where(*(getattr(_S, name) == value for name, value in key.items()), _S.count <= 0))


def _month_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def rebuild_summary(session: Session) -> int:
    """Recompute the whole summary from the live ratings; returns the number of summary rows.

    For bulk loads (demo, benchmarks) and as the reference the maintained summary must equal."""
    session.execute(delete(_S))
    month = _month_of(session, Rating.rated_on)
    worker = func.coalesce(Rating.worker_id, 0)
    independence = _independence_sql()

    def counted(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    source = (select(month, Rating.grid_id, Rating.category, Rating.channel, worker, independence, func.count(),
                     func.sum(Rating.score), counted(Rating.score >= 4),
                     *(counted(Rating.score == k) for k in range(1, 6)))
              .where(Rating.deleted_at.is_(None))
              .group_by(month, Rating.grid_id, Rating.category, Rating.channel, worker, independence))
    session.execute(insert(_S).from_select([*_KEY, *_COUNTS], source))
    _bump_version(session)
    return session.scalar(select(func.count()).select_from(_S)) or 0


# --- recording by staff --------------------------------------------------------------------------

def _add(session: Session, clean_rating: _CleanRating, *, channel: str, source_id: int | None,
         recorded_by: int | None, now: datetime) -> Rating:
    rating = Rating(score=clean_rating.score, comment=clean_rating.comment, category=clean_rating.category,
                    grid_id=clean_rating.grid_id, worker_id=clean_rating.worker_id, rated_on=clean_rating.rated_on,
                    channel=channel, source_id=source_id, recorded_by=recorded_by, created_at=now, updated_at=now,
                    activity_id=clean_rating.activity_id)
    session.add(rating)
    session.flush()
    _adjust(session, rating, +1)
    return rating


def _snapshot(rating: Rating) -> dict[str, Any]:
    return {"score": rating.score, "category": rating.category, "grid_id": rating.grid_id,
            "worker_id": rating.worker_id, "rated_on": rating.rated_on, "channel": rating.channel,
            "comment_chars": len(rating.comment)}


def record_rating(session: Session, actor: Actor, data: RatingInput, *, now: datetime | None = None) -> Rating:
    """A rating staff typed in after a home visit or a phone survey; nothing is written if refused."""
    require(actor, "satisfaction.record")
    now = now or clock.now()
    if data.channel not in STAFF_CHANNELS:
        raise Invalid("channel", "error.satisfaction.channel")
    rating = _add(session, _clean(session, actor, data, now.date()), channel=data.channel, source_id=None,
                  recorded_by=actor.id, now=now)
    audit.record(session, actor, "rating_record", object_type="rating", object_id=rating.id,
                 after=_snapshot(rating), now=now)
    return rating


def _load_live(session: Session, actor: Actor, rating_id: int, expected_version: int) -> Rating:
    """Only a supervisor or admin changes a rating once given: a worker who could edit or delete
    the ratings about their work would make every figure about them their own."""
    require(actor, "satisfaction.moderate")
    load_visible(session, actor, "satisfaction.moderate", Rating, rating_id)
    return load_for_edit(session, Rating, rating_id, expected_version)


def edit_rating(session: Session, actor: Actor, rating_id: int, expected_version: int, data: RatingInput, *,
                now: datetime | None = None) -> Rating:
    """Correct a rating staff typed in (visit or phone survey). A resident's own rating and a
    follow-up's are not edited here: the first is the resident's word, the second the case's record."""
    now = now or clock.now()
    rating = _load_live(session, actor, rating_id, expected_version)
    if rating.channel not in STAFF_CHANNELS:
        raise Invalid("channel", "error.satisfaction.not_editable")
    clean_rating = _clean(session, actor, data, now.date())
    before = _snapshot(rating)
    _adjust(session, rating, -1)
    with guarded_flush(session):
        rating.score, rating.comment, rating.category = clean_rating.score, clean_rating.comment, clean_rating.category
        rating.grid_id, rating.worker_id, rating.rated_on = (clean_rating.grid_id, clean_rating.worker_id,
                                                             clean_rating.rated_on)
        rating.updated_at = now
    _adjust(session, rating, +1)
    audit.record(session, actor, "rating_edit", object_type="rating", object_id=rating.id, before=before,
                 after=_snapshot(rating), now=now)
    return rating


def delete_rating(session: Session, actor: Actor, rating_id: int, expected_version: int, *,
                  now: datetime | None = None) -> None:
    """Soft delete: the rating leaves every figure at once (its summary row is adjusted)."""
    now = now or clock.now()
    rating = _load_live(session, actor, rating_id, expected_version)
    with guarded_flush(session):
        rating.deleted_at = rating.updated_at = now
    _adjust(session, rating, -1)
    audit.record(session, actor, "rating_delete", object_type="rating", object_id=rating.id,
                 before=_snapshot(rating), now=now)


def follow_up_rating(session: Session, actor: Actor, follow_up: FollowUp, case_row: MediationCase, *,
                     now: datetime) -> Rating:
    """The rating a mediation follow-up visit carries, written in the follow-up's own transaction.

    Called by core.mediation.service.record_follow_up, which has already checked the actor may record the
    follow-up; the mediator is the staff member concerned. The follow-up's note is the worker's,
    not the resident's, so it is not copied as a comment."""
    clean_rating = _CleanRating(score=follow_up.satisfaction, comment="", category="mediation",
                                grid_id=case_row.grid_id, worker_id=case_row.mediator_id,
                                rated_on=follow_up.visited_on)
    return _add(session, clean_rating, channel="mediation_follow_up", source_id=follow_up.id, recorded_by=actor.id,
                now=now)


# --- QR survey tokens ----------------------------------------------------------------------------

def _signature(secret: str, token_id: int, grid_id: int, expires: int) -> str:
    # Its own key, derived with a label, so a check-in or cookie signature never passes for this one.
    key = hashlib.sha256(("survey:" + secret).encode()).digest()
    return hmac.new(key, f"{token_id}.{grid_id}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def _token_text(secret: str, row: SurveyToken) -> str:
    expires = int(row.expires_at.timestamp())
    return f"{row.id}.{row.grid_id}.{expires}.{_signature(secret, row.id, row.grid_id, expires)}"


@dataclass
class TokenRequest:
    kind: str = "single_use"  # single_use: one service, one rating | poster: a grid's poster
    grid_id: int | None = None
    category: str = "service"
    worker_id: int | None = None
    valid_days: int | str | None = None  # default TOKEN_DAYS[kind]
    hourly_limit: int | str | None = None  # posters only; default POSTER_HOURLY_LIMIT
    activity_id: int | None = None  # an activity's own code (category "activity")


@dataclass(frozen=True)
class IssuedToken:
    token: str  # put it in the public page's URL (?t=…) and the QR code
    token_id: int
    kind: str
    grid_id: int
    expires_at: datetime


def _kind(value: str) -> str:
    if value not in TOKEN_KINDS:
        raise Invalid("kind", "error.survey.kind")
    return value


def _whole_number(value: int | str | None, field_name: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    text = clean(str(value))
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= maximum:
        raise Invalid(field_name, "error.number.range", min=1, max=maximum)
    return int(text)


def issue_token(session: Session, actor: Actor, secret: str, request: TokenRequest, *,
                now: datetime | None = None) -> IssuedToken:
    require(actor, "satisfaction.issue_token")
    now = now or clock.now()
    kind, grid_id, category, worker_id = collect([
        lambda: _kind(request.kind),
        lambda: _grid(session, actor, request.grid_id, "satisfaction.issue_token"),
        lambda: _category(request.category),
        lambda: _worker(session, request.worker_id, actor, self_allowed=True),
    ])
    days, limit = collect([
        lambda: _whole_number(request.valid_days, "valid_days", TOKEN_DAYS[kind], MAX_TOKEN_DAYS),
        lambda: _whole_number(request.hourly_limit, "hourly_limit", POSTER_HOURLY_LIMIT, MAX_HOURLY_LIMIT),
    ])
    activity_id = collect([lambda: _activity(session, actor, request.activity_id, grid_id, category)])[0]
    row = SurveyToken(kind=kind, grid_id=grid_id, category=category, worker_id=worker_id,
                      hourly_limit=limit if kind == "poster" else 1, expires_at=now + timedelta(days=days),
                      created_by=actor.id, created_at=now, activity_id=activity_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "token_issue", object_type="survey_token", object_id=row.id,
                 after={"kind": kind, "grid_id": grid_id, "category": category, "days": days}, now=now)
    return IssuedToken(_token_text(secret, row), row.id, kind, grid_id, row.expires_at)


def revoke_token(session: Session, actor: Actor, token_id: int, *, now: datetime | None = None) -> None:
    """A printed poster taken down, or a code shown to the wrong person: it stops working at once."""
    require(actor, "satisfaction.issue_token")
    row = load_visible(session, actor, "satisfaction.issue_token", SurveyToken, token_id)
    _require_issuer(actor, row)
    if row.revoked_at is None:
        row.revoked_at = now or clock.now()
        audit.record(session, actor, "token_revoke", object_type="survey_token", object_id=row.id, now=now)


def token_text(session: Session, actor: Actor, secret: str, token_id: int) -> str:
    """The text of a code issued earlier, to show or print its QR code again (its issuer, or a
    supervisor/admin)."""
    require(actor, "satisfaction.issue_token")
    row = load_visible(session, actor, "satisfaction.issue_token", SurveyToken, token_id)
    _require_issuer(actor, row)
    return _token_text(secret, row)


def _require_issuer(actor: Actor, row: SurveyToken) -> None:
    if not (can(actor, "satisfaction.moderate", row)
            or (row.created_by == actor.id and can(actor, "satisfaction.issue_token", row))):
        raise Forbidden(action="satisfaction.issue_token")


def list_tokens(session: Session, actor: Actor, *, limit: int = 50) -> list[dict[str, Any]]:
    """Codes this user issued (supervisors and admins: all), newest first, with ratings received."""
    require(actor, "satisfaction.issue_token")
    received = (select(Rating.source_id, func.count().label("ratings")).where(Rating.channel == "resident_qr")
                .group_by(Rating.source_id).subquery())
    query = (select(SurveyToken, Grid.name, func.coalesce(received.c.ratings, 0))
             .join(Grid, Grid.id == SurveyToken.grid_id)
             .outerjoin(received, received.c.source_id == SurveyToken.id)
             .order_by(SurveyToken.created_at.desc(), SurveyToken.id.desc()).limit(limit))
    if not can(actor, "satisfaction.moderate"):
        query = query.where(SurveyToken.created_by == actor.id)
    return [{"id": row.id, "kind": row.kind, "grid": grid, "category": row.category, "expires_at": row.expires_at,
             "used_at": row.used_at, "revoked_at": row.revoked_at, "ratings": ratings}
            for row, grid, ratings in session.execute(query)]


@dataclass(frozen=True)
class PublicSurvey:
    """What the public page may show: nothing about any person."""

    token_id: int
    kind: str
    grid_name: str
    category: str
    expires_at: datetime
    activity: str = ""  # the activity's title, for an activity's own code
    worker: str = ""  # the worker a 群众测评 code evaluates, and the year
    year: int | None = None


def _token_row(session: Session, secret: str, token: str, *, now: datetime, grid_id: int | None,
               lock: bool) -> SurveyToken:
    try:
        id_text, grid_text, expires_text, signature = clean(token).split(".")
        token_id, signed_grid, expires = int(id_text), int(grid_text), int(expires_text)
    except ValueError:
        raise Invalid("token", "error.survey.invalid") from None
    if not hmac.compare_digest(signature, _signature(secret, token_id, signed_grid, expires)):
        raise Invalid("token", "error.survey.invalid")
    query = select(SurveyToken).where(SurveyToken.id == token_id)
    # The row lock makes a poster's hourly count and a single-use mark exact under concurrent
    # submits on PostgreSQL; on SQLite the write transaction (BEGIN IMMEDIATE) already serialises.
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or row.grid_id != signed_grid or int(row.expires_at.timestamp()) != expires:
        raise Invalid("token", "error.survey.invalid")
    if grid_id is not None and row.grid_id != grid_id:
        raise Invalid("token", "error.survey.other_grid")
    if row.revoked_at is not None:
        raise Invalid("token", "error.survey.revoked")
    if now > row.expires_at:
        raise Invalid("token", "error.survey.expired")
    if row.kind == "single_use" and row.used_at is not None:
        raise Invalid("token", "error.survey.used")
    hour_ago = now - timedelta(hours=1)
    # What a code took in the last hour: a poster's ratings, a 群众测评 code's forms (core.assessment.cycle).
    taken = {"poster": select(func.count()).select_from(Rating).where(
                 Rating.channel == "resident_qr", Rating.source_id == row.id, Rating.created_at > hour_ago),
             "evaluation": select(func.count()).select_from(AssessmentVote).where(
                 AssessmentVote.token_id == row.id, AssessmentVote.created_at > hour_ago)}.get(row.kind)
    if taken is not None and (session.scalar(taken) or 0) >= row.hourly_limit:
        raise Invalid("token", "error.survey.busy")
    return row


# For core.assessment.cycle's evaluation codes: the same signature and checks as every code.
token_for, claim_token = _token_text, _token_row


def verify_token(session: Session, secret: str, token: str, *, now: datetime | None = None,
                 grid_id: int | None = None) -> PublicSurvey:
    """Check a scanned code before showing the rating form (no login). `grid_id`, when the page
    was opened for a grid, refuses a code of another grid."""
    row = _token_row(session, secret, token, now=now or clock.now(), grid_id=grid_id, lock=False)
    grid = session.get(Grid, row.grid_id)
    title = session.scalar(select(Activity.title).where(Activity.id == row.activity_id)) if row.activity_id else ""
    worker, year = "", None
    if row.assessment_id is not None:
        worker, year = session.execute(select(User.display_name, Assessment.year).join(
            Assessment, Assessment.user_id == User.id).where(Assessment.id == row.assessment_id)).one()
    return PublicSurvey(row.id, row.kind, grid.name if grid else "", row.category, row.expires_at, title or "",
                        worker, year)


def submit_public_rating(session: Session, secret: str, token: str, *, score: Any, comment: str | None = "",
                         now: datetime | None = None, grid_id: int | None = None) -> int:
    """A resident's own rating through a QR code; returns the rating's id.

    Nothing about the resident is asked or stored (no name, phone, address or network address).
    A single-use code is marked used by a compare-and-set in the same transaction: of two
    concurrent submits exactly one writes a rating."""
    now = now or clock.now()
    row = _token_row(session, secret, token, now=now, grid_id=grid_id, lock=True)
    if row.kind == "evaluation":  # a 群众测评 code takes forms (core.assessment.cycle), never a rating
        raise Invalid("token", "error.survey.invalid")
    score_value, comment_text = collect([lambda: parse_score(score), lambda: parse_comment(comment)])
    if row.kind == "single_use":
        marked = session.execute(update(SurveyToken)
                                 .where(SurveyToken.id == row.id, SurveyToken.used_at.is_(None),
                                        SurveyToken.revoked_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False))
        if marked.rowcount != 1:
            raise Invalid("token", "error.survey.used")
    rating = _add(session, _CleanRating(score_value, comment_text, row.category, row.grid_id, row.worker_id,
                                        now.date(), row.activity_id),
                  channel="resident_qr", source_id=row.id, recorded_by=None, now=now)
    audit.record(session, None, "rating_public", object_type="rating", object_id=rating.id,
                 actor_username="qr", after={"token_id": row.id, "score": score_value}, now=now)
    return rating.id


# --- reading: filters and suppression ------------------------------------------------------------

@dataclass(frozen=True)
class RatingFilters:
    first_month: date | None = None  # any day of the first month; default: 11 months before last
    last_month: date | None = None  # any day of the last month; default: this month
    grid_id: int | None = None
    category: str = ""
    channel: str = ""
    worker_id: int | None = None  # 0: ratings that concern no staff member
    independence: str = ""  # resident | third_party | self; "" all


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(filters: RatingFilters, today: date | None = None) -> tuple[date, date]:
    """(first day of the first month, first day of the last month), both inclusive."""
    today = today or clock.now().date()
    last = (filters.last_month or today).replace(day=1)
    first = (filters.first_month.replace(day=1) if filters.first_month
             else _add_months(last, -(DEFAULT_MONTHS - 1)))
    if last < first:
        raise Invalid("last_month", "error.date_range.reversed")
    if _months_between(first, last) > MAX_MONTHS:
        raise Invalid("first_month", "error.date_range.too_long", max=MAX_MONTHS)
    return first, last


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _scope_and_filters(actor: Actor, filters: RatingFilters, grid: Any, category: Any, channel: Any,
                       worker: Any, independence: Any) -> list[ColumnElement[bool]]:
    """The actor's grids and the filters other than dates, on the summary or on ratings alike."""
    conditions = []
    if not sees_all_grids(actor):
        conditions.append(grid.in_(sorted(actor.grid_ids) or [-1]))
    if filters.grid_id is not None:
        conditions.append(grid == filters.grid_id)
    if filters.category:
        conditions.append(category == filters.category)
    if filters.channel:
        conditions.append(channel == filters.channel)
    if filters.worker_id is not None:
        conditions.append(worker == filters.worker_id)
    if filters.independence:
        if filters.independence not in INDEPENDENCE:
            raise Invalid("independence", "error.satisfaction.independence")
        conditions.append(independence == filters.independence)
    return conditions


def _conditions(actor: Actor, filters: RatingFilters, today: date | None) -> list[ColumnElement[bool]]:
    first, last = month_range(filters, today)
    return [_S.month >= first, _S.month <= last,
            *_scope_and_filters(actor, filters, _S.grid_id, _S.category, _S.channel, _S.worker_id, _S.independence)]


# The ratings of each score, 1–5: count, sum, CSAT, the mean's interval and the distribution all
# follow from these five numbers, so one query per view serves every figure of that view.
_SCORES = tuple(func.coalesce(func.sum(getattr(_S, f"count_{k}")), 0) for k in range(1, 6))
_NO_RATINGS = (0, 0, 0, 0, 0)


def _figures(counts: Any) -> dict[str, Any]:
    """group_figures() of a group given its ratings of each score (1–5)."""
    counts = [int(n or 0) for n in counts]
    return group_figures(sum(counts), sum(k * n for k, n in enumerate(counts, start=1)), counts[3] + counts[4],
                         sum(k * k * n for k, n in enumerate(counts, start=1)))


def _distribution(counts: Any) -> list[dict[str, Any]]:
    counts = [int(n or 0) for n in counts]
    total = sum(counts)
    shown = total >= MIN_GROUP
    return [{"score": k, "count": n if shown else None, "share": round(n / total, 4) if shown else None,
             "too_few": 0 < total < MIN_GROUP} for k, n in enumerate(counts, start=1)]


def _month_text(month: date | str) -> str:
    return month[:7] if isinstance(month, str) else f"{month.year}-{month.month:02d}"


def _month_counts(session: Session, actor: Actor, filters: RatingFilters, today: date | None
                  ) -> dict[str, tuple[int, ...]]:
    return {_month_text(month): tuple(counts) for month, *counts in session.execute(
        select(_S.month, *_SCORES).where(*_conditions(actor, filters, today)).group_by(_S.month))}


def _total(counts: Any) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*counts, strict=True)) if counts else _NO_RATINGS


def overview(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None) -> dict[str, Any]:
    """All ratings matching the filters as one group."""
    require(actor, "satisfaction.view")
    return _figures(session.execute(select(*_SCORES).where(*_conditions(actor, filters, today))).one())


def _protected_line(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that are the parts of one shown total: no hidden row is their total minus the others."""
    protect(dict(enumerate(rows)), [range(len(rows))])
    return rows


def _trend(first: date, last: date, found: dict[str, tuple[int, ...]]) -> list[dict[str, Any]]:
    rows = [{"month": month, **_figures(found.get(month, _NO_RATINGS))}
            for month in (_month_text(_add_months(first, offset)) for offset in range(_months_between(first, last)))]
    return _protected_line(rows)


def monthly_trend(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None
                  ) -> list[dict[str, Any]]:
    """One row per month of the range, oldest first; a month without ratings has count 0. The
    months add up to the overview, so they are protected as one line."""
    require(actor, "satisfaction.view")
    first, last = month_range(filters, today)
    return _trend(first, last, _month_counts(session, actor, filters, today))


def score_distribution(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None
                       ) -> list[dict[str, Any]]:
    """Scores 1–5 with count and share; all None (too_few) when the group has under MIN_GROUP."""
    require(actor, "satisfaction.view")
    return _distribution(session.execute(select(*_SCORES).where(*_conditions(actor, filters, today))).one())


def heat_map(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None
             ) -> list[dict[str, Any]]:
    """One row per grid × category that has ratings: grid name, category code and the figures.
    Each grid's row, each category's column and the whole map are protected lines."""
    require(actor, "satisfaction.view")
    found = session.execute(select(_S.grid_id, _S.category, *_SCORES).where(*_conditions(actor, filters, today))
                            .group_by(_S.grid_id, _S.category).order_by(_S.grid_id, _S.category)).all()
    names = dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_({row[0] for row in found} or {-1}))).all())
    rows = [{"grid_id": grid_id, "grid": names.get(grid_id, ""), "category": category, **_figures(counts)}
            for grid_id, category, *counts in found]
    cells = {(row["grid_id"], row["category"]): row for row in rows}
    by_grid: dict[int, list[tuple[int, str]]] = {}
    by_category: dict[str, list[tuple[int, str]]] = {}
    for key in cells:
        by_grid.setdefault(key[0], []).append(key)
        by_category.setdefault(key[1], []).append(key)
    protect(cells, [*by_grid.values(), *by_category.values(), list(cells)])
    return rows


def _by_worker_and_independence(session: Session, actor: Actor, filters: RatingFilters, today: date | None
                                ) -> dict[tuple[int, str], tuple[int, ...]]:
    return {(worker_id, independence): tuple(counts) for worker_id, independence, *counts in session.execute(
        select(_S.worker_id, _S.independence, *_SCORES).where(*_conditions(actor, filters, today))
        .group_by(_S.worker_id, _S.independence))}


def _workers_rows(session: Session, found: dict[tuple[int, str], tuple[int, ...]]) -> list[dict[str, Any]]:
    """The workers table from counts by (worker, independence): only what others entered."""
    others: dict[int, list[tuple[int, ...]]] = {}
    for (worker_id, independence), counts in found.items():
        if independence != "self":
            others.setdefault(worker_id, []).append(counts)
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(others) or [-1]))).all())
    table = [{"worker_id": worker_id, "name": names.get(worker_id, ""), **_figures(_total(counts))}
             for worker_id, counts in others.items()]
    return _protected_line(sorted(table, key=lambda row: (row["worker_id"] == 0, -row["count"], row["name"])))


def _independence_rows(found: dict[tuple[int, str], tuple[int, ...]]) -> list[dict[str, Any]]:
    by_source: dict[str, list[tuple[int, ...]]] = {}
    for (_worker_id, independence), counts in found.items():
        by_source.setdefault(independence, []).append(counts)
    return _protected_line([{"independence": source, **_figures(_total(by_source[source]))}
                            for source in sorted(by_source)])


def workers_table(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None
                  ) -> list[dict[str, Any]]:
    """One row per staff member concerned (worker_id 0, name "": ratings concerning nobody),
    from the ratings that person did not enter: a self-entered rating says nothing about them."""
    require(actor, "satisfaction.view")
    return _workers_rows(session, _by_worker_and_independence(session, actor, filters, today))


@dataclass(frozen=True)
class Figures:
    """Everything the satisfaction page draws, from one call (four reads of the summary)."""

    overview: dict[str, Any]
    trend: list[dict[str, Any]]
    distribution: list[dict[str, Any]]
    heat_map: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    independence: list[dict[str, Any]]
    # ratings per grid, category and staff member under the filters: which the low list may name
    group_counts: dict[str, dict[Any, int]]


def page_figures(session: Session, actor: Actor, filters: RatingFilters, *, today: date | None = None) -> Figures:
    require(actor, "satisfaction.view")
    first, last = month_range(filters, today)  # a reversed range is refused before any query
    months = _month_counts(session, actor, filters, today)
    total = _total(list(months.values()))
    cells = heat_map(session, actor, filters, today=today)
    people = _by_worker_and_independence(session, actor, filters, today)
    counts: dict[str, dict[Any, int]] = {"grid": {}, "category": {}, "worker": {}}
    for cell in cells:
        counts["grid"][cell["grid_id"]] = counts["grid"].get(cell["grid_id"], 0) + cell["count"]
        counts["category"][cell["category"]] = counts["category"].get(cell["category"], 0) + cell["count"]
    for (worker_id, _independence), scores in people.items():
        counts["worker"][worker_id] = counts["worker"].get(worker_id, 0) + sum(scores)
    return Figures(_figures(total), _trend(first, last, months), _distribution(total), cells,
                   _workers_rows(session, people), _independence_rows(people), counts)


def _small_groups(group_counts: dict[str, dict[Any, int]]) -> dict[str, set[Any]]:
    return {name: {key for key, count in counts.items() if count < MIN_GROUP} for name, counts in group_counts.items()}


def low_ratings(session: Session, actor: Actor, filters: RatingFilters, *, limit: int = 50,
                today: date | None = None, figures: Figures | None = None) -> list[dict[str, Any]]:
    """The latest 1–2 ratings matching the filters, newest first, to follow up: read from
    `ratings` itself, served by the partial index ix_ratings_low_recent and limited. A grid,
    worker or category with fewer than MIN_GROUP ratings under the filters is not named (None):
    a low score beside a group of two is nearly that group's figure. `figures`, the page's for
    the same filters, saves reading the group sizes again."""
    require(actor, "satisfaction.view")
    first, last = month_range(filters, today)
    # Written as the partial index ix_ratings_low_recent is, so that both databases use it.
    conditions = [Rating.score <= literal_column(str(max(LOW_SCORES))), Rating.deleted_at.is_(None), Rating.rated_on >= first,
                  Rating.rated_on < _add_months(last, 1)]
    conditions += _scope_and_filters(actor, filters, Rating.grid_id, Rating.category, Rating.channel,
                                     func.coalesce(Rating.worker_id, 0),  # the summary files "none" as 0
                                     _independence_sql())
    worker = User.display_name.label("worker")
    query = (select(Rating.id, Rating.version, Rating.rated_on, Rating.score, Rating.comment, Rating.category,
                    Rating.channel, Rating.grid_id, Rating.worker_id, Grid.name.label("grid"), worker,
                    _independence_sql().label("independence"), MediationCase.id.label("case_id"),
                    MediationCase.number.label("case_number"))
             .join(Grid, Grid.id == Rating.grid_id)
             .outerjoin(User, User.id == Rating.worker_id)
             .outerjoin(FollowUp, (Rating.channel == literal("mediation_follow_up")) & (FollowUp.id == Rating.source_id))
             .outerjoin(MediationCase, MediationCase.id == FollowUp.case_id)
             .where(*conditions).order_by(Rating.rated_on.desc(), Rating.id.desc()).limit(limit))
    found = [dict(row._mapping) for row in session.execute(query)]
    if not found:
        return found
    small = _small_groups((figures or page_figures(session, actor, filters, today=today)).group_counts)
    for row in found:
        row["worker"] = ("" if row["worker_id"] is None else None if row["worker_id"] in small["worker"]
                         else row["worker"])
        row["grid"] = None if row["grid_id"] in small["grid"] else row["grid"]
        row["category"] = None if row["category"] in small["category"] else row["category"]
    return found


# Live ratings of each score, 1–5, read from `ratings` itself: the summary is per month, and a
# month-to-date figure compared with the same days of last month needs days. The index
# (rated_on, grid_id, score, deleted_at) answers it without reading a row.
_DAY_SCORES = tuple(func.coalesce(func.sum(case((Rating.score == k, 1), else_=0)), 0) for k in range(1, 6))


def days_overview(session: Session, actor: Actor, first: date, last: date) -> dict[str, Any]:
    """All live ratings the actor may see rated from `first` to `last` (both included), as one
    group: the dashboard's month to date, and the same days of last month beside it."""
    require(actor, "satisfaction.view")
    scope = _scope_and_filters(actor, RatingFilters(), Rating.grid_id, Rating.category, Rating.channel,
                               Rating.worker_id, None)
    return _figures(session.execute(select(*_DAY_SCORES).where(
        Rating.deleted_at.is_(None), Rating.rated_on >= first, Rating.rated_on <= last, *scope)).one())


def days_by_community(session: Session, actor: Actor, first: date, last: date) -> dict[int, dict[str, Any]]:
    """days_overview() per community of the actor's grids, in one query; each community's figures
    on their own (the caller protects them as the line they are, with their total)."""
    require(actor, "satisfaction.view")
    scope = _scope_and_filters(actor, RatingFilters(), Rating.grid_id, Rating.category, Rating.channel,
                               Rating.worker_id, None)
    rows = session.execute(select(Grid.community_id, *_DAY_SCORES).join(Grid, Grid.id == Rating.grid_id).where(
        Rating.deleted_at.is_(None), Rating.rated_on >= first, Rating.rated_on <= last, *scope)
        .group_by(Grid.community_id))
    return {community_id: _figures(counts) for community_id, *counts in rows}


def by_dimension(session: Session, actor: Actor, filters: RatingFilters, dimension: str, *,
                 today: date | None = None) -> list[dict[str, Any]]:
    """Figures per category, channel or independence (for tables and the monthly report); the
    rows add up to the overview, so they are protected as one line."""
    require(actor, "satisfaction.view")
    if dimension not in ("category", "channel", "independence"):
        raise ValueError(f"unknown dimension {dimension}")
    column = getattr(_S, dimension)
    rows = session.execute(select(column, *_SCORES).where(*_conditions(actor, filters, today)).group_by(column)
                           .order_by(column))
    return _protected_line([{dimension: value, **_figures(counts)} for value, *counts in rows])
