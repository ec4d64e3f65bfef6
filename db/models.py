"""Typed ORM models. Every editable table carries a `version` used for optimistic locking."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass

user_grids = Table(
    "user_grids",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grids.id", ondelete="RESTRICT"), primary_key=True),
)

class GridAssignment(Base):
    """A worker's grid from starts_on until the day before ends_on (None: still held): the history
    behind user_grids (core.office.assignments)."""

    __tablename__ = "grid_assignments"
    __table_args__ = (Index("ix_grid_assignments_grid", "grid_id", "starts_on"),
                      Index("ix_grid_assignments_user", "user_id", "starts_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")

    __mapper_args__ = {"version_id_col": version}

class Grid(Base):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_grids_community_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    community: Mapped[Community] = relationship(back_populates="grids")

    __mapper_args__ = {"version_id_col": version}

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (NFKC, trimmed, lower case): the unique index makes names case-insensitive.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    password_hash: Mapped[str] = mapped_column(String(100))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(10), default="zh-CN")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    community: Mapped[Community | None] = relationship()
    grids: Mapped[list[Grid]] = relationship(secondary=user_grids, order_by="Grid.id")

    __mapper_args__ = {"version_id_col": version}

class AuthSession(Base):
    """A login, keyed by the cookie's (username, exp_date); checked on every rerun."""

    __tablename__ = "auth_sessions"
    __table_args__ = (UniqueConstraint("user_id", "token_exp", name="uq_auth_sessions_user_exp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_exp: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(30))

class LoginAttempt(Base):
    """Failed-login counter per user name typed (known or not, so locks reveal nothing)."""

    __tablename__ = "login_attempts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)

class IdLookup(Base):
    """An exact ID-number lookup by a user who may not reveal ID numbers (core.residents.lookups):
    counted against their limits, kept for a day."""

    __tablename__ = "id_lookups"
    __table_args__ = (Index("ix_id_lookups_user_door_at", "user_id", "door", "looked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    door: Mapped[str] = mapped_column(String(12))  # "search" (search, duplicate check) or "import"
    id_hash: Mapped[str] = mapped_column(String(64))
    looked_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AuditEvent(Base):
    """Append-only: a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor_username", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_community_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    # Whose trail it is: the acting account's community (None: the installation's own events).
    community_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # Set once, by core.base.audit.redact, the only change the database allows (migration 0032).
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime)


class AppMeta(Base):
    """Small facts about this database, such as the encryption key's check value."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("grid_id", "address", name="uq_households_grid_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by grid through the unique (grid_id, address) index: no index of its own.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    compound: Mapped[str] = mapped_column(String(50), default="")  # 小区
    building: Mapped[str] = mapped_column(String(20), default="")  # 楼栋
    unit: Mapped[str] = mapped_column(String(20), default="")  # 单元
    room: Mapped[str] = mapped_column(String(20), default="")  # 门牌
    address: Mapped[str] = mapped_column(String(200))  # the whole address as written
    # 户主: a member (core.residents.households), not free text. use_alter: residents point here too.
    head_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL", use_alter=True,
                                                           name="fk_households_head_id_residents"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


resident_tags = Table(
    "resident_tags",
    Base.metadata,
    Column("resident_id", ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(30), primary_key=True),
    Index("ix_resident_tags_tag", "tag", "resident_id"),
)


class Resident(Base):
    __tablename__ = "residents"
    __table_args__ = (
        # Lists filter on deleted_at IS NULL and sort newest first: both indexes serve the
        # filter, the order and the count (as covering indexes), for all grids or one.
        Index("ix_residents_live_created", "deleted_at", "created_at", "id"),
        Index("ix_residents_live_grid_created", "deleted_at", "grid_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(300), default="")
    name_initials: Mapped[str] = mapped_column(String(50), default="")
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    id_enc: Mapped[str | None] = mapped_column(Text)  # AES-GCM, see core.base.crypto
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # HMAC for lookup and uniqueness
    id_masked: Mapped[str] = mapped_column(String(18), default="")
    phone: Mapped[str] = mapped_column(String(11), default="")
    phone_last4: Mapped[str] = mapped_column(String(4), default="", index=True)
    relation: Mapped[str] = mapped_column(String(20), default="")  # 与户主关系
    hukou: Mapped[str] = mapped_column(String(12), default="", server_default="")  # 户籍人口/常住非户籍/流动人口
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")
    status_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)  # core.residents.retention
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    household: Mapped[Household | None] = relationship(foreign_keys=[household_id])
    grid: Mapped[Grid] = relationship()

    __mapper_args__ = {"version_id_col": version}


class DisputeType(Base):
    """A category of disputes: the installation's shared list (community_id NULL: the 司法部
    statistics categories, kept by the system administrator) or a community's own addition."""

    __tablename__ = "dispute_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(30))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (
        # A name once per community, and once in the shared list (NULLs are distinct in a unique key).
        Index("uq_dispute_types_community_name", "community_id", "name", unique=True),
        Index("uq_dispute_types_shared_name", "name", unique=True,
              sqlite_where=text("community_id IS NULL"), postgresql_where=text("community_id IS NULL")),
    )
    __mapper_args__ = {"version_id_col": version}


class DisputeTypeOptOut(Base):
    """A shared dispute type a community no longer offers for its new cases."""

    __tablename__ = "dispute_type_opt_outs"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("dispute_types.id", ondelete="CASCADE"), primary_key=True)


class CaseCounter(Base):
    """The last case number given out in a year: numbers are per year, without gaps."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class MediationCase(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_live_intake", "deleted_at", "intake_date", "id"),
                      Index("ix_cases_grid_state", "grid_id", "state"),
                      Index("ix_cases_mediator_state", "mediator_id", "state"),
                      Index("ix_cases_live_concluded", "deleted_at", "concluded_on"),
                      Index("ix_cases_risk_state", "risk_level", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)  # 2026-0001
    year: Mapped[int] = mapped_column(Integer)
    intake_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    type_id: Mapped[int] = mapped_column(ForeignKey("dispute_types.id", ondelete="RESTRICT"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    facts: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    amount_claimed_fen: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date] = mapped_column(Date)  # one month after intake, or the agreed extension
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    concluded_on: Mapped[date | None] = mapped_column(Date)  # agreement or failure
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Early warning (人民调解法 art. 25): what registration found, and the risk of escalation.
    repeat_warning: Mapped[str] = mapped_column(Text, default="")  # JSON, core.mediation.early_warning
    risk_level: Mapped[str] = mapped_column(String(6), default="low")  # low | medium | high
    risk_reason: Mapped[str] = mapped_column(Text, default="")
    risk_reported_to: Mapped[str] = mapped_column(String(100), default="")  # 公安 / 有关部门, when high
    risk_reported_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseParty(Base):
    """A party: a resident (their details read from the registry), an outside person, or an
    organisation; a person may act through an agent or guardian (代理人/监护人)."""

    __tablename__ = "case_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12), default="person")  # person | organisation
    name: Mapped[str] = mapped_column(String(50))  # the outside person's name, or the resident's at intake
    phone: Mapped[str] = mapped_column(String(11), default="")
    side: Mapped[str] = mapped_column(String(20))  # applicant | respondent | other
    # An outside person, as far as known (each unknown one prints as a blank line).
    sex: Mapped[str] = mapped_column(String(1), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    id_enc: Mapped[str | None] = mapped_column(Text)  # AES-GCM, as a resident's
    id_masked: Mapped[str] = mapped_column(String(18), default="")
    # An organisation.
    org_code: Mapped[str] = mapped_column(String(18), default="")  # 统一社会信用代码
    representative: Mapped[str] = mapped_column(String(50), default="")
    representative_role: Mapped[str] = mapped_column(String(12), default="")  # legal | principal
    # Who acts for a person.
    agent_kind: Mapped[str] = mapped_column(String(10), default="")  # agent | guardian
    agent_name: Mapped[str] = mapped_column(String(50), default="")
    agent_phone: Mapped[str] = mapped_column(String(11), default="")


class CaseSession(Base):
    __tablename__ = "case_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(100), default="")
    present: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Agreement(Base):
    """An agreement, one version per time the case was settled: a reopened case that settles
    again adds round 2 (再次调解) and marks the earlier one superseded, which stays in the file."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_agreed_on", "agreed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime)
    agreed_on: Mapped[date] = mapped_column(Date)
    written: Mapped[bool] = mapped_column(Boolean)
    declined_written: Mapped[bool] = mapped_column(Boolean, default=False)  # oral, by the parties' choice
    responsibilities: Mapped[str] = mapped_column(Text, default="")  # 各方责任
    terms: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    performance_manner: Mapped[str] = mapped_column(String(200), default="")
    performance_place: Mapped[str] = mapped_column(String(200), default="")
    judicial_applied_on: Mapped[date | None] = mapped_column(Date)  # 司法确认, 人民调解法 art. 33
    judicial_court: Mapped[str] = mapped_column(String(100), default="")
    judicial_result: Mapped[str] = mapped_column(String(12), default="")  # confirmed | rejected
    judicial_decided_on: Mapped[date | None] = mapped_column(Date)
    # When those were recorded: a late entry counts in the month it was made (core.mediation.judicial_office).
    judicial_applied_recorded_at: Mapped[datetime | None] = mapped_column(DateTime)
    judicial_decided_recorded_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    performed: Mapped[str] = mapped_column(String(10))  # yes | partly | no
    satisfaction: Mapped[int] = mapped_column(Integer)  # 1–5
    note: Mapped[str] = mapped_column(Text, default="")
    advised_court: Mapped[bool] = mapped_column(Boolean, default=False)  # told of 司法确认 / litigation
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CaseStateChange(Base):
    __tablename__ = "case_state_changes"
    __table_args__ = (Index("ix_case_state_changes_to_at", "to_state", "at"),)  # failures by date

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")  # JSON: what the action asked for (routes told, to whom)


class CasePrevention(Base):
    """A case whose mediation prevented an escalation the 司法所 counts (suicide, crime, group
    petition, group fight), with how many persons were concerned."""

    __tablename__ = "case_preventions"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_case_preventions_case_kind"),
                      Index("ix_case_preventions_recorded_at", "recorded_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # suicide | crime | petition | fight
    persons: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)  # the first recording: what the table counts by
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime)


class DisputeScreening(Base):
    """A worker's 排查 of a grid's disputes on a day: how many were found."""

    __tablename__ = "dispute_screenings"
    __table_args__ = (Index("ix_dispute_screenings_grid_on", "grid_id", "screened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    screened_on: Mapped[date] = mapped_column(Date)
    disputes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CourseCategory(Base):
    """What a course's hours count toward: the 社工 continuing-education quota, the office's (local)
    quota, both or neither. The four seeded ones have a code; an admin may add, rename and retire."""

    __tablename__ = "course_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    counts_social_work: Mapped[bool] = mapped_column(Boolean, default=False)
    counts_local: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (Index("ix_courses_starts", "starts_at"), Index("ix_courses_community_starts", "community_id", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(50))
    provider: Mapped[str] = mapped_column(String(100), default="")
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    place: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    credit_hours: Mapped[float] = mapped_column(Float)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("course_categories.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Bumped by every roster save: a roster loaded at an older value is stale.
    roster_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A cancelled course keeps its row (it was announced); it takes no marks, check-ins or hours.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    # The organising community (its trainers and admins manage the course); open_to_all: the staff
    # of every community of the 街道 may be expected at it, walk in and check in.
    community_id: Mapped[int | None] = mapped_column(Integer)
    open_to_all: Mapped[bool] = mapped_column(Boolean, default=False)

    __mapper_args__ = {"version_id_col": version}


course_participants = Table(
    "course_participants",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("course_id", "user_id", name="uq_attendance_course_user"),
                      Index("ix_attendance_user_course_starts", "user_id", "course_starts_at", "course_id", "hours"),
                      Index("ix_attendance_course_hours", "course_id", "hours"))

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))  # present | late | excused | absent
    hours: Mapped[float] = mapped_column(Float, default=0)
    recorded_by: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # A copy of courses.starts_at (a trigger follows changes): hours per person and period are a
    # range scan of ix_attendance_user_course_starts, without joining every row to its course.
    course_starts_at: Mapped[datetime] = mapped_column(DateTime)


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(50), default="")
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class StaffQualification(Base):
    """A staff member's social-work qualification and its registration date (periods count from it)."""

    __tablename__ = "staff_qualifications"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))  # assistant | social_worker | senior
    registered_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class ExternalHours(Base):
    """Training hours earned outside Linli's courses (an online course, 学历教育, another
    organiser), claimed by the person with a certificate file; they count once a supervisor
    approves them, in their category, on the day the training was completed."""

    __tablename__ = "external_hours"
    __table_args__ = (Index("ix_external_hours_counted", "user_id", "status", "completed_on", "category_id", "hours"),
                      Index("ix_external_hours_status", "status", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("course_categories.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    organiser: Mapped[str] = mapped_column(String(100))
    completed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    file_name: Mapped[str] = mapped_column(String(100))  # as uploaded
    stored_as: Mapped[str] = mapped_column(String(64))  # its random name under the files folder
    file_kind: Mapped[str] = mapped_column(String(10))  # pdf | png | jpeg
    file_size: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | refused
    reason: Mapped[str] = mapped_column(String(200), default="")  # why it was refused
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class QuotaSetting(Base):
    """Continuing-education quota per level (社会工作者继续教育办法), and the office's annual target."""

    __tablename__ = "quota_settings"

    level: Mapped[str] = mapped_column(String(20), primary_key=True)  # assistant | social_worker | senior | none
    period_years: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    first_year: Mapped[int | None] = mapped_column(Integer)  # the local quota's first period starts 1 January of it
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class CommunityQuota(Base):
    """A community's own (local) quota, in place of the installation's "none" row of quota_settings."""

    __tablename__ = "community_quotas"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    period_years: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    first_year: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


# --- satisfaction (满意度) -------------------------------------------------------------------------

class SurveyToken(Base):
    """A QR code a worker shows or prints: single-use (one service) or a grid poster (rate-limited).

    The token handed out is signed (core.satisfaction.service); this row says what it rates and whether it
    still may be used. Nothing here identifies a resident.
    """

    __tablename__ = "survey_tokens"
    __table_args__ = (Index("ix_survey_tokens_grid_created", "grid_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # single_use | poster
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(20))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    hourly_limit: Mapped[int] = mapped_column(Integer)  # ratings per hour a poster accepts
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))  # an activity's own code
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))  # a worker's 群众测评 code


class Rating(Base):
    """One rating, 1–5, from any channel. `source_id` is the follow-up id (mediation_follow_up)
    or the survey token id (resident_qr); `recorded_by` is empty for a resident's own rating."""

    __tablename__ = "ratings"
    __table_args__ = (
        # The low-ratings list reads the newest live 1–2 ratings: a partial index in that order
        # lets it stop after one page however many ratings there are.
        Index("ix_ratings_low_recent", "rated_on", "id", sqlite_where=text("score <= 2 AND deleted_at IS NULL"),
              postgresql_where=text("score <= 2 AND deleted_at IS NULL")),
        Index("ix_ratings_grid_date", "grid_id", "rated_on"),
        Index("ix_ratings_source", "channel", "source_id", "created_at"),  # a poster's hourly limit
        # The dashboard's month to date: ratings' scores by day, read from the index alone (deleted_at
        # is in it, not a partial condition: SQLite reads a partial index's rows to check that).
        Index("ix_ratings_day", "rated_on", "grid_id", "score", "deleted_at"),
        Index("ix_ratings_activity", "activity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(20))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rated_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))  # category "activity"

    __mapper_args__ = {"version_id_col": version}


class RatingMonthSummary(Base):
    """Live ratings counted per month × grid × category × channel × worker (0: none) × independence
    (resident | third_party | self, from who entered the rating), kept up to date in the same
    transaction as every rating write, so charts never read `ratings`."""

    __tablename__ = "rating_month_summary"
    # SQLite keeps it clustered by the primary key (month first): a range of months is one contiguous read.
    __table_args__ = (Index("ix_rating_month_summary_grid_month", "grid_id", "month"), {"sqlite_with_rowid": False})

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(24), primary_key=True)
    worker_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    independence: Mapped[str] = mapped_column(String(12), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[int] = mapped_column(Integer, default=0)
    count_4_5: Mapped[int] = mapped_column(Integer, default=0)
    count_1: Mapped[int] = mapped_column(Integer, default=0)
    count_2: Mapped[int] = mapped_column(Integer, default=0)
    count_3: Mapped[int] = mapped_column(Integer, default=0)
    count_4: Mapped[int] = mapped_column(Integer, default=0)
    count_5: Mapped[int] = mapped_column(Integer, default=0)


# --- care visits (走访) --------------------------------------------------------------------------

class VisitFrequency(Base):
    """A community's own period for a tier (core.visits.rules.DEFAULT_PERIODS otherwise)."""

    __tablename__ = "visit_frequencies"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(10), primary_key=True)
    period: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class VisitPlan(Base):
    """A supervisor's decision on a resident's tier, made on the tier Linli proposed then."""

    __tablename__ = "visit_plans"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    tier: Mapped[str] = mapped_column(String(10))  # a tier, or "none": not visited
    proposed: Mapped[str] = mapped_column(String(10), default="")  # "" when Linli proposed none
    reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class MajorChange(Base):
    """住院, 丧偶, 子女离开 or 灾害: a visit is due within 24 hours of the record."""

    __tablename__ = "major_changes"
    __table_args__ = (Index("ix_major_changes_resident_recorded", "resident_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class Visit(Base):
    """A care visit and what it found. Health findings are sensitive (PIPL art. 28)."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_resident_day", "resident_id", "visited_on"),
        Index("ix_visits_community_day", "community_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"))  # the resident's, then
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(20))
    visited_on: Mapped[date] = mapped_column(Date)
    health: Mapped[str] = mapped_column(String(10), default="")
    living: Mapped[str] = mapped_column(String(10), default="")
    hazards: Mapped[str] = mapped_column(String(60), default="")  # codes, comma-separated
    needs: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_to: Mapped[str] = mapped_column(String(100), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ActivityCategory(Base):
    """A kind of community activity. community_id None: the shared defaults every community offers;
    a community's own are its only. `outreach`: 政策宣传, with a topic and a reach count."""

    __tablename__ = "activity_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(30))
    outreach: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


activity_grids = Table(
    "activity_grids",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grids.id", ondelete="RESTRICT"), primary_key=True, index=True),
)
activity_groups = Table(  # the special groups an activity is aimed at (core.base.groups)
    "activity_groups",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(30), primary_key=True),
)
activity_organisers = Table(
    "activity_organisers",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(Base):
    """A community activity (社区活动) or outreach campaign (政策宣传), from plan to summary."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_community_start", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(ForeignKey("activity_categories.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(100), default="")
    partners: Mapped[str] = mapped_column(String(200), default="")  # 社会组织, 志愿者队伍: as named
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    open_event: Mapped[bool] = mapped_column(Boolean, default=False)  # 广场活动: a head count, no names
    topic: Mapped[str] = mapped_column(String(50), default="")  # 政策宣传's topic (医保缴费, 反诈 …)
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned | cancelled
    change_reason: Mapped[str] = mapped_column(String(200), default="")  # the last postponement or the cancellation
    head_count: Mapped[int | None] = mapped_column(Integer)
    reach: Mapped[int | None] = mapped_column(Integer)  # 政策宣传: people reached (not distinct residents)
    summary: Mapped[str] = mapped_column(Text, default="")
    volunteer_hours: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ActivityParticipant(Base):
    """A resident (or a walk-in not yet registered: name and phone) signed up, waiting, withdrawn,
    and whether they came."""

    __tablename__ = "activity_participants"
    __table_args__ = (UniqueConstraint("activity_id", "resident_id", name="uq_activity_participants_resident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    name: Mapped[str] = mapped_column(String(50), default="")  # a walk-in not in the registry
    phone: Mapped[str] = mapped_column(String(11), default="")
    state: Mapped[str] = mapped_column(String(10), default="signed_up")  # signed_up | waiting | withdrawn
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_up_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ActivityPhoto(Base):
    """A photo of an activity, kept as a file under the files folder (core.base.stored_files):
    checked, re-encoded without its metadata (location included), 0600, backed up with the
    database. One showing minors carries the guardian's consent as recorded (PIPL arts. 28, 31)."""

    __tablename__ = "activity_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    stored_as: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # png | jpeg
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    shows_minors: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_consent: Mapped[str] = mapped_column(String(200), default="")  # who agreed, and how
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)


class AssessmentSettings(Base):
    """A community's annual assessment scheme (core.assessment.cycle): weights of the parts,
    the residents' evaluation thresholds, the peer-review criteria and the grade bands."""

    __tablename__ = "assessment_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    weight_street: Mapped[int] = mapped_column(Integer)
    weight_peer: Mapped[int] = mapped_column(Integer)
    weight_residents: Mapped[int] = mapped_column(Integer)
    min_participants: Mapped[int] = mapped_column(Integer)
    min_ordinary_percent: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[str] = mapped_column(String(200))  # names, comma-separated
    band_excellent: Mapped[float] = mapped_column(Float)
    band_competent: Mapped[float] = mapped_column(Float)
    band_basic: Mapped[float] = mapped_column(Float)
    excellent_cap_percent: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Assessment(Base):
    """One worker's assessment of one year: their summary, the 街道's score, the result once
    signed off (then locked), and an objection with its answer."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_assessments_user_year"),
                      Index("ix_assessments_community_year", "community_id", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    year: Mapped[int] = mapped_column(Integer)
    self_summary: Mapped[str] = mapped_column(Text, default="")
    summary_at: Mapped[datetime | None] = mapped_column(DateTime)
    street_score: Mapped[float | None] = mapped_column(Float)
    street_note: Mapped[str] = mapped_column(String(500), default="")
    scored_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(20), default="")
    signed_off_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    objection: Mapped[str] = mapped_column(Text, default="")
    objection_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class AssessmentPeerScore(Base):
    """A colleague's scores of a worker on the scheme's criteria (the worker sees only the mean
    of all, and only from MIN_PEERS scorers)."""

    __tablename__ = "assessment_peer_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "scorer_id", name="uq_assessment_peer_scores_scorer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scores: Mapped[str] = mapped_column(Text)  # JSON: criterion -> 0..100
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AssessmentVote(Base):
    """One resident's evaluation form (群众测评), typed in from paper by someone other than the
    worker it evaluates, or sent through a QR code; nothing names the resident."""

    __tablename__ = "assessment_votes"
    __table_args__ = (Index("ix_assessment_votes_token", "token_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(12))  # satisfied | basic | unsatisfied
    ordinary: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(8))  # paper | qr
    typed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("survey_tokens.id"))  # the QR code it came through
