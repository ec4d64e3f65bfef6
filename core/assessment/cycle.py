"""The annual assessment (年度考核) as 街道 run it: parts with weights, a locked result, an objection.

District rules (Beijing 东城区's 社区工作者绩效考核办法; Jiaxing 南湖区's 满意度测评) combine an
annual assessment of parts with weights; a community's scheme is its admin's setting
(AssessmentSettings), by default one district's:

| part                         | weight | who                                        |
|------------------------------|--------|--------------------------------------------|
| the 街道's score (德能勤绩廉) | 30%    | the supervisor (or 街道) types it, 0–100    |
| peer review (互评)            | 10%    | colleagues score each other on the criteria |
| residents' evaluation (群众测评) | 60%  | paper forms typed in by someone else        |
| the worker's own summary (述职) | —    | written by the worker, read, not scored     |

- Peer review: each colleague (a worker of the community, not the worker themself) scores every
  criterion 0–100; their score is the mean of the criteria, the part is the mean of the
  colleagues'. Nobody sees another's scores; the worker sees the mean only from MIN_PEERS
  scorers on, and a result cannot be signed off with fewer (its total would give the mean away).
- Residents' evaluation: each form says 满意 / 基本满意 / 不满意 (100 / 60 / 0 points, VERDICT_POINTS)
  and whether the resident is an ordinary resident (not a 居民代表, 党员 or unit's representative);
  the part is the forms' mean. It counts only with at least `min_participants` forms, of which at
  least `min_ordinary_percent` % ordinary residents (default 50 and 70 %). Forms come typed in from
  paper by the supervisor (never by the worker they evaluate) or sent by residents themselves
  through the worker's QR code (evaluation_code / submit_evaluation: the rating page's signed
  codes and hourly limit, nothing that names the resident).
- Total = Σ weight × part ÷ 100, to one decimal; grade by the bands (优秀 from band_excellent,
  称职 from band_competent, 基本称职 from band_basic, else 不称职), with an optional cap on the
  share of 优秀 among the community's workers assessed that year: beyond it the supervisor signs
  off with a lower grade.
- Signed off, the result is the worker's to see and nothing of it changes: every later change
  is refused and the attempt audited (the write functions then return None). The worker may file
  one objection (复核), which the supervisor answers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Invalid, collect
from core.base.permissions import Actor, can, require
from core.base.records import load_for_edit
from core.satisfaction.service import claim_token, token_for
from db.models import Assessment, AssessmentPeerScore, AssessmentSettings, AssessmentVote, SurveyToken, User

MIN_PEERS = 3
VERDICTS = ("satisfied", "basic", "unsatisfied")
VERDICT_POINTS = {"satisfied": 100.0, "basic": 60.0, "unsatisfied": 0.0}
GRADES = ("excellent", "competent", "basic", "incompetent")  # 优秀, 称职, 基本称职, 不称职
SUMMARY_MAX, NOTE_MAX, OBJECTION_MAX, VOTES_AT_ONCE = 3000, 500, 1000, 500


@dataclass
class Scheme:
    weight_street: int = 30
    weight_peer: int = 10
    weight_residents: int = 60
    min_participants: int = 50
    min_ordinary_percent: int = 70
    criteria: tuple[str, ...] = ("德", "能", "勤", "绩", "廉")
    band_excellent: float = 90.0
    band_competent: float = 70.0
    band_basic: float = 60.0
    excellent_cap_percent: int | None = None
    version: int = 0  # 0: the default, never saved


def scheme_of(session: Session, community_id: int | None) -> Scheme:
    row = session.get(AssessmentSettings, community_id) if community_id is not None else None
    if row is None:
        return Scheme()
    return Scheme(row.weight_street, row.weight_peer, row.weight_residents, row.min_participants,
                  row.min_ordinary_percent, tuple(row.criteria.split(",")), row.band_excellent, row.band_competent,
                  row.band_basic, row.excellent_cap_percent, row.version)


def _whole(value: Any, field: str, low: int, high: int) -> int:
    try:
        return validation.whole_number(value, field, low, high, "error.number.range")
    except Invalid as refused:
        raise Invalid(field, "error.number.range", min=low, max=high) from refused


def _score(value: Any, field: str) -> float:
    try:
        number = round(float(str(value).strip()), 1)
    except ValueError:
        raise Invalid(field, "error.assessment.score") from None
    if not 0 <= number <= 100 or math.isnan(number):
        raise Invalid(field, "error.assessment.score")
    return number


def save_scheme(session: Session, actor: Actor, data: Scheme) -> Scheme:
    """The community's scheme, every field checked: weights whole numbers adding up to 100,
    thresholds in range, 1–10 criteria, bands falling from 优秀 to 基本称职."""
    require(actor, "assessment.settings")
    street, peer, residents, participants, ordinary = collect([
        lambda: _whole(data.weight_street, "weight_street", 0, 100),
        lambda: _whole(data.weight_peer, "weight_peer", 0, 100),
        lambda: _whole(data.weight_residents, "weight_residents", 0, 100),
        lambda: _whole(data.min_participants, "min_participants", 1, 10_000),
        lambda: _whole(data.min_ordinary_percent, "min_ordinary_percent", 0, 100)])
    criteria = tuple(dict.fromkeys(name.strip() for name in data.criteria if name.strip()))
    excellent, competent, basic, cap = collect([
        lambda: _score(data.band_excellent, "band_excellent"), lambda: _score(data.band_competent, "band_competent"),
        lambda: _score(data.band_basic, "band_basic"),
        lambda: None if data.excellent_cap_percent in (None, "") else _whole(data.excellent_cap_percent,
                                                                             "excellent_cap_percent", 0, 100),
        lambda: _criteria(criteria),
        lambda: _adds_up(street, peer, residents)])[:4]
    if not excellent > competent > basic:
        raise Invalid("band_excellent", "error.assessment.bands")
    row = session.get(AssessmentSettings, actor.community_id)
    before = None
    if row is None:
        row = AssessmentSettings(community_id=actor.community_id)
        session.add(row)
    else:
        load_for_edit(session, AssessmentSettings, actor.community_id, data.version)
        before = _scheme_snapshot(scheme_of(session, actor.community_id))
    row.weight_street, row.weight_peer, row.weight_residents = street, peer, residents
    row.min_participants, row.min_ordinary_percent, row.criteria = participants, ordinary, ",".join(criteria)
    row.band_excellent, row.band_competent, row.band_basic, row.excellent_cap_percent = excellent, competent, basic, cap
    session.flush()
    saved = scheme_of(session, actor.community_id)
    audit.record(session, actor, "assessment_settings", object_type="community", object_id=actor.community_id,
                 before=before, after=_scheme_snapshot(saved))
    return saved


def _criteria(criteria: tuple[str, ...]) -> None:
    if not 1 <= len(criteria) <= 10 or any(len(name) > 10 or "," in name for name in criteria):
        raise Invalid("criteria", "error.assessment.criteria")


def _adds_up(*weights: int) -> None:
    if sum(weights) != 100:
        raise Invalid("weight_street", "error.assessment.weights", total=sum(weights))


def _scheme_snapshot(scheme: Scheme) -> dict[str, Any]:
    return {"weights": f"{scheme.weight_street}/{scheme.weight_peer}/{scheme.weight_residents}",
            "min_participants": scheme.min_participants, "min_ordinary_percent": scheme.min_ordinary_percent,
            "criteria": ",".join(scheme.criteria),
            "bands": f"{scheme.band_excellent}/{scheme.band_competent}/{scheme.band_basic}",
            "excellent_cap_percent": scheme.excellent_cap_percent}


# --- one worker's assessment of a year --------------------------------------------------------------

def _worker(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != "worker" or user.community_id != actor.community_id:
        raise Invalid("worker", "error.assessment.not_a_worker")
    return user


def _year(value: Any) -> int:
    return _whole(value, "year", 2000, 2100)


def assessment_of(session: Session, actor: Actor, user_id: int, year: int, *, now: datetime | None = None
                  ) -> Assessment:
    """The worker's assessment of the year, begun when first written to."""
    user = _worker(session, actor, user_id)
    year = _year(year)
    found = session.scalar(select(Assessment).where(Assessment.user_id == user.id, Assessment.year == year))
    if found is None:
        found = Assessment(community_id=user.community_id, user_id=user.id, year=year,
                           created_at=now or clock.now())
        session.add(found)
        session.flush()
    return found


def _unlocked(session: Session, actor: Actor, assessment: Assessment, what: str, now: datetime | None) -> bool:
    """False, with the attempt audited, once the result is signed off."""
    if assessment.signed_off_at is None:
        return True
    audit.record(session, actor, "assessment_change_refused", object_type="assessment", object_id=assessment.id,
                 after={"change": what, "year": assessment.year}, now=now)
    return False


def write_summary(session: Session, actor: Actor, year: int, text: str, *, now: datetime | None = None
                  ) -> Assessment | None:
    """The worker's own summary of the year (述职), read by whoever assesses, not scored."""
    require(actor, "assessment.self")
    summary = validation.required_text(text, "self_summary", SUMMARY_MAX)
    assessment = assessment_of(session, actor, actor.id, year, now=now)
    if not _unlocked(session, actor, assessment, "self_summary", now):
        return None
    now = now or clock.now()
    assessment.self_summary, assessment.summary_at = summary, now
    audit.record(session, actor, "assessment_summary", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year, "chars": len(summary)}, now=now)
    return assessment


def colleagues(session: Session, actor: Actor) -> dict[int, str]:
    """The workers of the community a worker scores (everyone but themself)."""
    require(actor, "assessment.self")
    return dict(session.execute(select(User.id, User.display_name).where(
        User.community_id == actor.community_id, User.role == "worker", User.active.is_(True), User.id != actor.id)
        .order_by(User.display_name, User.id)).tuples().all())


def score_colleague(session: Session, actor: Actor, colleague_id: int, year: int, scores: dict[str, Any], *,
                    now: datetime | None = None) -> Assessment | None:
    """A colleague's scores on every criterion (0–100), replacing their earlier ones."""
    require(actor, "assessment.self")
    if colleague_id == actor.id:
        raise Invalid("worker", "error.assessment.self_score")
    scheme = scheme_of(session, actor.community_id)
    checked = collect([lambda name=name: _score(scores.get(name, ""), f"criterion.{name}") for name in scheme.criteria])
    assessment = assessment_of(session, actor, colleague_id, year, now=now)
    if not _unlocked(session, actor, assessment, "peer_score", now):
        return None
    now = now or clock.now()
    given = dict(zip(scheme.criteria, checked, strict=True))
    row = session.scalar(select(AssessmentPeerScore).where(AssessmentPeerScore.assessment_id == assessment.id,
                                                           AssessmentPeerScore.scorer_id == actor.id))
    if row is None:
        row = AssessmentPeerScore(community_id=assessment.community_id, assessment_id=assessment.id,
                                  scorer_id=actor.id)
        session.add(row)
    row.scores, row.score, row.created_at = json.dumps(given, ensure_ascii=False), round(sum(checked) / len(checked), 2), now
    session.flush()
    audit.record(session, actor, "assessment_peer_score", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year}, now=now)  # what was given stays out of the trail
    return assessment


def scored_by_me(session: Session, actor: Actor, year: int) -> set[int]:
    """The colleagues this worker has scored for the year."""
    return set(session.scalars(select(Assessment.user_id).join(
        AssessmentPeerScore, AssessmentPeerScore.assessment_id == Assessment.id).where(
        Assessment.year == year, AssessmentPeerScore.scorer_id == actor.id)))


def add_forms(session: Session, actor: Actor, worker_id: int, year: int, verdict: str, ordinary: bool,
              count: Any, *, now: datetime | None = None) -> Assessment | None:
    """`count` paper forms with the same answer, typed in by someone other than the worker."""
    require(actor, "assessment.manage")
    if worker_id == actor.id:
        raise Invalid("worker", "error.assessment.own_forms")
    how_many, answer = collect([lambda: _whole(count, "form_count", 1, VOTES_AT_ONCE),
                                lambda: _verdict(verdict)])
    assessment = assessment_of(session, actor, worker_id, year, now=now)
    if not _unlocked(session, actor, assessment, "residents_forms", now):
        return None
    now = now or clock.now()
    session.add_all([AssessmentVote(community_id=assessment.community_id, assessment_id=assessment.id, verdict=answer,
                                    ordinary=bool(ordinary), channel="paper", typed_by=actor.id, created_at=now)
                     for _ in range(how_many)])
    session.flush()
    audit.record(session, actor, "assessment_forms", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year, "verdict": answer, "ordinary": bool(ordinary), "form_count": how_many},
                 now=now)
    return assessment


EVALUATION_CODE_DAYS = 30  # a month to collect the forms of the year's evaluation
# Forms a code takes per hour: a 居民大会 may bring 50 or more residents to fill it in at once, so
# well above a poster's limit, still a bound on a script replaying the code.
EVALUATION_HOURLY_LIMIT = 200


@dataclass(frozen=True)
class EvaluationCode:
    token: str  # for the public page's address (/rate?t=…) and the QR code
    expires_at: datetime


def evaluation_code(session: Session, actor: Actor, secret: str, worker_id: int, year: int, *,
                    now: datetime | None = None) -> EvaluationCode:
    """A QR code residents scan to fill in the worker's evaluation form (群众测评) without logging
    in: valid EVALUATION_CODE_DAYS, at most EVALUATION_HOURLY_LIMIT forms an hour."""
    require(actor, "assessment.manage")
    if worker_id == actor.id:
        raise Invalid("worker", "error.assessment.own_forms")
    user = _worker(session, actor, worker_id)
    if not user.grids:
        raise Invalid("worker", "error.grid.not_yours")
    assessment = assessment_of(session, actor, worker_id, year, now=now)
    if assessment.signed_off_at is not None:
        raise Invalid("worker", "error.assessment.signed")
    now = now or clock.now()
    row = SurveyToken(kind="evaluation", grid_id=user.grids[0].id, category="service", worker_id=user.id,
                      hourly_limit=EVALUATION_HOURLY_LIMIT, expires_at=now + timedelta(days=EVALUATION_CODE_DAYS),
                      created_by=actor.id, created_at=now, assessment_id=assessment.id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "token_issue", object_type="survey_token", object_id=row.id,
                 after={"kind": "evaluation", "year": assessment.year}, now=now)
    return EvaluationCode(token_for(secret, row), row.expires_at)


def submit_evaluation(session: Session, secret: str, token: str, *, verdict: str, ordinary: bool,
                      now: datetime | None = None) -> int:
    """A resident's own form through the code: their answer and whether they are an ordinary
    resident; nothing that names them. Refused once the result is signed off."""
    now = now or clock.now()
    row = claim_token(session, secret, token, now=now, grid_id=None, lock=True)
    if row.kind != "evaluation" or row.assessment_id is None:
        raise Invalid("token", "error.survey.invalid")
    answer = collect([lambda: _verdict(verdict)])[0]
    assessment = session.get(Assessment, row.assessment_id)
    if assessment is None or assessment.signed_off_at is not None:
        raise Invalid("token", "error.assessment.signed")
    vote = AssessmentVote(community_id=assessment.community_id, assessment_id=assessment.id, verdict=answer,
                          ordinary=bool(ordinary), channel="qr", typed_by=None, created_at=now, token_id=row.id)
    session.add(vote)
    session.flush()
    audit.record(session, None, "assessment_public_form", object_type="assessment", object_id=assessment.id,
                 actor_username="qr", after={"token_id": row.id, "verdict": answer}, now=now)
    return vote.id


def _verdict(value: str) -> str:
    if value not in VERDICTS:
        raise Invalid("verdict", "error.assessment.verdict")
    return value


def score_street(session: Session, actor: Actor, worker_id: int, year: int, score: Any, note: str = "", *,
                 now: datetime | None = None) -> Assessment | None:
    """The 街道's score (德、能、勤、绩、廉), 0–100, with an optional note."""
    require(actor, "assessment.manage")
    value, text = collect([lambda: _score(score, "street_score"),
                           lambda: validation.limited_text(note, "street_note", NOTE_MAX)])
    assessment = assessment_of(session, actor, worker_id, year, now=now)
    if not _unlocked(session, actor, assessment, "street_score", now):
        return None
    before = {"street_score": assessment.street_score}
    assessment.street_score, assessment.street_note, assessment.scored_by = value, text, actor.id
    audit.record(session, actor, "assessment_street_score", object_type="assessment", object_id=assessment.id,
                 before=before, after={"street_score": value}, now=now)
    return assessment


# --- the result ---------------------------------------------------------------------------------------

@dataclass
class Result:
    year: int
    user_id: int
    summary: str
    street_score: float | None
    peers: int  # how many colleagues scored
    peer_mean: float | None  # None under MIN_PEERS
    forms: int
    ordinary_percent: float | None
    residents_score: float | None
    residents_valid: bool  # enough forms, and enough of them from ordinary residents
    total: float | None
    grade: str
    signed_off: bool
    objection: str
    answer: str
    missing: list[str]  # what keeps it from being signed off, as field names


def result(session: Session, actor: Actor, user_id: int, year: int) -> Result:
    """A worker's result as far as it stands: for the worker themself (only their own, the peer
    mean only from MIN_PEERS scorers) and for the supervisor (any worker of the community)."""
    if user_id == actor.id:
        require(actor, "assessment.self")
    else:
        require(actor, "assessment.manage")
    _worker(session, actor, user_id)
    year = _year(year)
    scheme = scheme_of(session, actor.community_id)
    found = session.scalar(select(Assessment).where(Assessment.user_id == user_id, Assessment.year == year))
    peers, peer, forms, share, residents = _parts(session, found.id if found is not None else -1)
    valid = forms >= scheme.min_participants and share is not None and share >= scheme.min_ordinary_percent
    street = found.street_score if found is not None else None
    missing = [name for name, absent in (("street_score", scheme.weight_street and street is None),
                                         ("peer_review", scheme.weight_peer and peer is None),
                                         ("residents", scheme.weight_residents and not valid)) if absent]
    total = None
    if not missing:
        total = round((scheme.weight_street * (street or 0.0) + scheme.weight_peer * (peer or 0.0)
                       + scheme.weight_residents * (residents or 0.0)) / 100, 1)
    signed = found is not None and found.signed_off_at is not None
    own_and_open = user_id == actor.id and not signed  # the worker sees their scores once signed off
    return Result(year, user_id, found.self_summary if found else "", None if own_and_open else street, int(peers),
                  None if own_and_open else peer, forms, share, None if own_and_open else residents, valid,
                  found.total if signed else (None if own_and_open else total),
                  found.grade if signed else "", signed, found.objection if found else "",
                  found.answer if found else "", missing)


def _parts(session: Session, assessment_id: int) -> tuple[int, float | None, int, float | None, float | None]:
    """(colleagues who scored, their mean from MIN_PEERS on, forms, % from ordinary residents,
    the forms' mean points)."""
    peers, peer_mean = session.execute(select(func.count(AssessmentPeerScore.id), func.avg(AssessmentPeerScore.score))
                                       .where(AssessmentPeerScore.assessment_id == assessment_id)).one()
    votes = session.execute(select(AssessmentVote.verdict, AssessmentVote.ordinary, func.count())
                            .where(AssessmentVote.assessment_id == assessment_id)
                            .group_by(AssessmentVote.verdict, AssessmentVote.ordinary)).all()
    forms = sum(count for _v, _o, count in votes)
    ordinary = sum(count for _v, is_ordinary, count in votes if is_ordinary)
    points = sum(VERDICT_POINTS[verdict] * count for verdict, _o, count in votes)
    return (int(peers), round(float(peer_mean), 1) if peers >= MIN_PEERS else None, forms,
            round(100 * ordinary / forms, 1) if forms else None, round(points / forms, 1) if forms else None)


def grade_of(scheme: Scheme, total: float) -> str:
    if total >= scheme.band_excellent:
        return "excellent"
    if total >= scheme.band_competent:
        return "competent"
    if total >= scheme.band_basic:
        return "basic"
    return "incompetent"


def sign_off(session: Session, actor: Actor, worker_id: int, year: int, *, grade: str | None = None,
             now: datetime | None = None) -> Assessment | None:
    """Lock the result: every part in (the residents' evaluation valid, MIN_PEERS colleagues),
    the total and its grade; a lower grade may be given (the 优秀 cap), never a higher one."""
    require(actor, "assessment.manage")
    assessment = assessment_of(session, actor, worker_id, year, now=now)
    if not _unlocked(session, actor, assessment, "sign_off", now):
        return None
    found = result(session, actor, worker_id, year)
    if found.missing:
        raise Invalid(found.missing[0], f"error.assessment.missing.{found.missing[0]}")
    scheme = scheme_of(session, actor.community_id)
    earned = grade_of(scheme, found.total or 0.0)
    given = grade or earned
    if given not in GRADES or GRADES.index(given) < GRADES.index(earned):
        raise Invalid("grade", "error.assessment.grade_higher")
    if given == "excellent" and scheme.excellent_cap_percent is not None:
        assessed = session.scalar(select(func.count()).select_from(User).where(
            User.community_id == actor.community_id, User.role == "worker", User.active.is_(True))) or 0
        allowed = math.floor(assessed * scheme.excellent_cap_percent / 100)
        already = session.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.community_id == actor.community_id, Assessment.year == assessment.year,
            Assessment.grade == "excellent")) or 0
        if already + 1 > allowed:
            raise Invalid("grade", "error.assessment.excellent_cap", allowed=allowed, percent=scheme.excellent_cap_percent)
    now = now or clock.now()
    assessment.total, assessment.grade = found.total, given
    assessment.signed_off_by, assessment.signed_off_at = actor.id, now
    audit.record(session, actor, "assessment_sign_off", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year, "total": found.total, "grade": given}, now=now)
    return assessment


def file_objection(session: Session, actor: Actor, year: int, text: str, *, now: datetime | None = None) -> Assessment:
    """The worker's objection (复核) to their signed-off result; one per year."""
    require(actor, "assessment.self")
    reason = validation.required_text(text, "objection", OBJECTION_MAX)
    assessment = session.scalar(select(Assessment).where(Assessment.user_id == actor.id, Assessment.year == _year(year)))
    if assessment is None or assessment.signed_off_at is None:
        raise Invalid("objection", "error.assessment.not_signed_off")
    if assessment.objection:
        raise Invalid("objection", "error.assessment.objection_filed")
    now = now or clock.now()
    assessment.objection, assessment.objection_at = reason, now
    audit.record(session, actor, "assessment_objection", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year}, now=now)
    return assessment


def answer_objection(session: Session, actor: Actor, worker_id: int, year: int, text: str, *,
                     now: datetime | None = None) -> Assessment:
    require(actor, "assessment.manage")
    reply = validation.required_text(text, "answer", OBJECTION_MAX)
    assessment = assessment_of(session, actor, worker_id, year, now=now)
    if not assessment.objection:
        raise Invalid("answer", "error.assessment.no_objection")
    now = now or clock.now()
    assessment.answer, assessment.answered_by, assessment.answered_at = reply, actor.id, now
    audit.record(session, actor, "assessment_answer", object_type="assessment", object_id=assessment.id,
                 after={"year": assessment.year}, now=now)
    return assessment


def signed_results(session: Session, actor: Actor, year: int, community_id: int | None = None
                   ) -> dict[int, dict[str, Any]]:
    """The signed-off results of the year, for the period's sheet: every worker's for the
    supervisor and the 街道 (of `community_id`), a worker's own (once signed off) for them."""
    require(actor, "assessment.view")
    community = actor.community_id if actor.community_id is not None else community_id
    query = select(Assessment).where(Assessment.community_id == community, Assessment.year == year,
                                     Assessment.signed_off_at.is_not(None))
    if not can(actor, "assessment.view_all"):
        query = query.where(Assessment.user_id == actor.id)
    found = {}
    for row in session.scalars(query):
        _peers, peer, _forms, _share, residents = _parts(session, row.id)
        found[row.user_id] = {"street_score": row.street_score, "peer_mean": peer, "residents_score": residents,
                              "total": row.total, "grade": row.grade}
    return found


def workers_of(session: Session, actor: Actor, year: int) -> list[dict[str, Any]]:
    """The community's workers with where their assessment of the year stands (supervisor)."""
    require(actor, "assessment.manage")
    found = {row.user_id: row for row in session.scalars(select(Assessment).where(
        Assessment.community_id == actor.community_id, Assessment.year == year))}
    people = session.execute(select(User.id, User.display_name).where(
        User.community_id == actor.community_id, User.role == "worker", User.active.is_(True))
        .order_by(User.display_name, User.id)).tuples().all()
    return [{"user_id": user_id, "name": name, "summary": bool(found.get(user_id) and found[user_id].self_summary),
             "signed_off": bool(found.get(user_id) and found[user_id].signed_off_at),
             "objection": bool(found.get(user_id) and found[user_id].objection and not found[user_id].answer)}
            for user_id, name in people]
