"""Typed SQLAlchemy 2 models: brand -> enterprise -> cohort -> survey round -> responses.

Worker responses carry no identity: only keyed hashes of a self-generated code, used to
pair a worker's baseline and follow-up answers. Portable types only (no SQLite- or
PostgreSQL-only SQL), so the same models run on both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Phase(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_2 = "follow_up_2"

    @property
    def order(self) -> int:
        return list(Phase).index(self)


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Role(StrEnum):
    ADMIN = "admin"
    TRAINER = "trainer"
    BRAND = "brand"
    MANAGER = "manager"


brand_enterprise = Table(
    "brand_enterprise",
    Base.metadata,
    Column("brand_id", ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True),
)

cohort_enterprise = Table(
    "cohort_enterprise",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True),
)


class Brand(Base):
    __tablename__ = "brand"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    enterprises: Mapped[list[Enterprise]] = relationship(
        secondary=brand_enterprise, back_populates="brands"
    )


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    country: Mapped[str] = mapped_column(String(60))
    sector: Mapped[str] = mapped_column(String(60))
    size_band: Mapped[str] = mapped_column(String(20))  # e.g. "50-249"
    headcount: Mapped[int | None] = mapped_column(Integer)  # expected survey respondents
    brands: Mapped[list[Brand]] = relationship(
        secondary=brand_enterprise, back_populates="enterprises"
    )
    cohorts: Mapped[list[Cohort]] = relationship(
        secondary=cohort_enterprise, back_populates="enterprises"
    )


class Cohort(Base):
    """A training class (several enterprises, one trainer, one module), or a comparison group.

    Comparison cohorts (``is_comparison``) hold enterprises that have not taken the module;
    they answer the same rounds and make difference-in-differences possible.
    """

    __tablename__ = "cohort"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    module: Mapped[str] = mapped_column(String(60))
    trainer_name: Mapped[str | None] = mapped_column(String(120))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_comparison: Mapped[bool] = mapped_column(default=False)
    enterprises: Mapped[list[Enterprise]] = relationship(
        secondary=cohort_enterprise, back_populates="cohorts"
    )
    rounds: Mapped[list[SurveyRound]] = relationship(back_populates="cohort")
    trainer: Mapped[User | None] = relationship()


class SurveyVersion(Base):
    """A published survey definition, frozen: answers point at the version they answered."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    audience: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyRound(Base):
    __tablename__ = "survey_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(20))  # Phase
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    status: Mapped[str] = mapped_column(String(10), default=RoundStatus.OPEN)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"autoplay_audio": true}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cohort: Mapped[Cohort] = relationship(back_populates="rounds")
    survey_version: Mapped[SurveyVersion] = relationship()


class Response(Base):
    """One submitted questionnaire. ``client_uuid`` makes resubmits idempotent."""

    __tablename__ = "response"
    __table_args__ = (Index("ix_response_round_enterprise", "round_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10), default="tablet")  # tablet | paper
    # Keyed hash (HMAC) of the whole self-generated code, and one keyed hash per element
    # (comma-separated) for tolerant matching; the code's parts are never stored.
    pairing_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    pairing_parts: Mapped[str | None] = mapped_column(String(400))
    # Kept once the cohort's pairs are fixed and the element hashes above are dropped
    # (services.retention): the matcher's pair id, so pairs outlive the element hashes.
    pair_id: Mapped[str | None] = mapped_column(String(40))
    # The enrolled tablet it came from (services.devices); None for paper or unenrolled.
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("device.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the worker finished, by the tablet's clock: an offline tablet sends hours later,
    # so submitted_at is when the server got it, not when it was answered (None: online).
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    round: Mapped[SurveyRound] = relationship()
    enterprise: Mapped[Enterprise] = relationship()


class Answer(Base):
    """One row per answered item. Numbers, choices and yes/no (1/0) go in ``value_num``;
    single choice and text in ``value_text``; multiple choice as a JSON list in ``value_text``."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(60))
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    response: Mapped[Response] = relationship(back_populates="answers")


class KpiValue(Base):
    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("enterprise_id", "round_id", "kpi_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    kpi_id: Mapped[str] = mapped_column(String(60))
    value: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # Role
    display_name: Mapped[str | None] = mapped_column(String(120))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brand.id", ondelete="SET NULL"))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class AttemptDraft(Base):
    """A tablet attempt in progress, saved after every screen (flaky Wi-Fi).

    ``resume_code`` is short and random: it identifies the attempt, never the worker, and
    expires. The draft holds only what the response will hold (answers, the keyed pairing
    hashes), and is deleted when the response is submitted.
    """

    __tablename__ = "attempt_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    resume_code: Mapped[str] = mapped_column(String(12), unique=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    # The tablet the attempt started on: its resume code works on that tablet only.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    state: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PaperEntry(Base):
    """One keying of a paper sheet. With double entry, two keyings of the same sheet must
    agree (or be resolved) before the response is stored; until then nothing is analysed."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("round_id", "sheet_number", "pass_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    sheet_number: Mapped[str] = mapped_column(String(20))
    pass_number: Mapped[int]  # 1 = first keying, 2 = second (double entry)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    answers: Mapped[dict] = mapped_column(JSON)
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class ImprovementAction(Base):
    """An action of an enterprise's Enterprise Improvement Plan, linked to the outcome
    (construct or KPI) whose result prompted it."""

    __tablename__ = "improvement_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="SET NULL"))
    outcome_id: Mapped[str] = mapped_column(String(60))  # construct id or KPI id
    outcome_kind: Mapped[str] = mapped_column(String(20))  # construct | kpi | item
    title: Mapped[str] = mapped_column(String(200))
    responsible_role: Mapped[str] = mapped_column(String(80))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.PLANNED)
    notes: Mapped[str] = mapped_column(Text, default="")
    finding: Mapped[str] = mapped_column(Text, default="")  # the result that prompted it
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class StaffSession(Base):
    """One signed-in staff browser (score_impact.services.sessions).

    The browser's HttpOnly cookie carries a random token (signed); only its SHA-256 is
    stored, so a copy of the database signs nobody in. ``stamp`` fingerprints the password
    hash at sign-in: a password change ends every session made before it. ``ended_at`` is
    set on sign-out, idle timeout or deactivation; a row is never reused.
    """

    __tablename__ = "staff_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    stamp: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(10))  # the interface language, kept over reloads
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # absolute limit
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))  # signed_out | idle | ...


class ApiToken(Base):
    """A personal API token (score_impact.services.tokens): acts as its user, read-only.

    Only the SHA-256 of the token is stored (tokens are 256-bit random, so a fast hash is
    enough); ``prefix`` is its first characters, shown on the account page to tell tokens
    apart. Expires at ``expires_at``; ``revoked_at`` ends it earlier.
    """

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Device(Base):
    """A tablet enrolled by a trainer for one cohort (services.devices).

    The browser holds an unguessable token in an HttpOnly cookie; only its SHA-256 is
    stored here, so the table cannot be used to impersonate a tablet. Responses name their
    device, so a burst of submissions from one tablet can be seen and judged.
    """

    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60))  # "Tablet 3", shown to staff
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    enrolled_by: Mapped[str] = mapped_column(String(80))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeviceEnrolment(Base):
    """An enrolment link (or its QR code) a trainer made: while it is valid, each tablet
    that opens it is enrolled for the cohort, up to ``max_devices``."""

    __tablename__ = "device_enrolment"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    join_code: Mapped[str | None] = mapped_column(String(12))  # the survey opened afterwards
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    max_devices: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)


class ResponseExclusion(Base):
    """A trainer's or admin's decision that a response is not credible (data-quality page).
    Deleting the row restores the response; the audit log keeps both decisions."""

    __tablename__ = "response_exclusion"
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    excluded_by: Mapped[str] = mapped_column(String(80))
    excluded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Throttle(Base):
    """Failures counted per key (a client and account signing in, a tablet or round typing
    resume codes) and the time before which the next attempt is refused (services.throttle).
    In the database, so every server process and a restart see the same counts."""

    __tablename__ = "throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StoredResult(Base):
    """A computed impact view (``reports.result_store``), kept in the database so that every
    app process, and the same process after a restart, reuses it until its data changes.
    One row per view (scope, filters, settings, code); the row says which data version it
    was computed from. The payload is signed with the app's key."""

    __tablename__ = "stored_result"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
