"""Pipelines and their stages, deals with their buying committee and history, sales settings.

A deal's *next action* is not stored here: it is its earliest open task (tasks.models.Task).
`last_activity_at` is bookkeeping kept by the activity and task services (a Core UPDATE, no
version bump), so "no activity for longer than the stage's rotting days" is a column compare.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.accounts.models import Company, Person
from salesdesk.audit.models import Audited
from salesdesk.auth.models import User
from salesdesk.db import Base, IdMixin, IdType, TimestampMixin, VersionedMixin, utcnow


class StageKind(enum.StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class Forecast(enum.StrEnum):
    """ヨミ: the rep's own call, separate from the stage. A = commit, B = best case, C = pipeline."""

    A = "A"
    B = "B"
    C = "C"


FORECAST_RANK = {Forecast.A: 3, Forecast.B: 2, Forecast.C: 1}

# Fields a stage may require before a deal enters it (Stage.required_fields holds these keys).
REQUIRABLE_FIELDS = ("amount_jpy", "expected_close_date", "primary_contact", "competitors", "challenges", "lost_reason")

# Changes of these fields are kept as DealEvents (who, when, from, to).
TRACKED_FIELDS = ("stage_id", "amount_jpy", "expected_close_date", "forecast", "probability", "owner_id")


class Pipeline(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "pipelines"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    renewal_lead_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")  # renewal task before

    stages: Mapped[list[Stage]] = relationship(lazy="raise", order_by="Stage.position", back_populates="pipeline")

    def __str__(self) -> str:
        return self.name


class Stage(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "stages"
    __table_args__ = (Index("ix_stages_pipeline_id_position", "pipeline_id", "position"),)

    pipeline_id: Mapped[int] = mapped_column(IdType, ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)  # percent, 0..100
    kind: Mapped[str] = mapped_column(String(10), default=StageKind.open)
    rotting_days: Mapped[int | None] = mapped_column(Integer)  # None: deals here never go stale by age
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)

    pipeline: Mapped[Pipeline] = relationship(lazy="raise", back_populates="stages")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.open

    @property
    def is_won(self) -> bool:
        return self.kind == StageKind.won

    @property
    def is_lost(self) -> bool:
        return self.kind == StageKind.lost


class LostReason(IdMixin, VersionedMixin, Audited, Base):
    """失注理由: the admin-managed list a lost deal picks from (plus a free note)."""

    __tablename__ = "lost_reasons"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class Deal(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "deals"
    __audit_ignore__ = Audited.__audit_ignore__ | {"board_rank", "last_activity_at", "stages_entered"}
    __table_args__ = (
        # The board: a column's cards in order, and its totals (covering, the ヨミ filter too: no table lookups).
        Index("ix_deals_stage_id_board_rank", "stage_id", "board_rank"),
        Index("ix_deals_stage_owner_forecast_totals", "stage_id", "owner_id", "forecast", "amount_jpy", "probability"),
        Index("ix_deals_company_id", "company_id"),
        # One owner's cards of a column in order: the board filtered to a rep walks their deals only.
        Index("ix_deals_owner_id_stage_id_board_rank", "owner_id", "stage_id", "board_rank", "id"),
        Index("ix_deals_expected_close_date", "expected_close_date"),
        Index("ix_deals_won_on", "won_on"),
        # The forecast's funnel: the deals created in the parts of months a fiscal year cuts (covering).
        Index(
            "ix_deals_pipeline_created_cohort", "pipeline_id", "created_at", "owner_id", "stage_id", "stages_entered"
        ),
        # The deal list's default order (close date, undated last) walked per stage (listing._page_ids).
        Index(
            "ix_deals_stage_id_close_order",
            "stage_id",
            text("(expected_close_date IS NULL)"),
            "expected_close_date",
            "id",
        ),
        # A deleted deal's history stays under its id: SQLite must never give that id to another deal.
        {"sqlite_autoincrement": True},
    )

    pipeline_id: Mapped[int] = mapped_column(IdType, ForeignKey("pipelines.id"), index=True)
    stage_id: Mapped[int] = mapped_column(IdType, ForeignKey("stages.id"))
    # RESTRICT: a deal never vanishes with a company (a merge moves them first, under a lock).
    company_id: Mapped[int] = mapped_column(IdType, ForeignKey("companies.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    amount_jpy: Mapped[int | None] = mapped_column(BigInteger)  # excl. tax
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    forecast: Mapped[str] = mapped_column(String(1), default=Forecast.C)
    probability: Mapped[int | None] = mapped_column(Integer)  # None: the stage's probability
    source: Mapped[str] = mapped_column(String(50), default="")
    competitors: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")  # 課題
    lost_reason_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("lost_reasons.id", ondelete="SET NULL"), index=True
    )
    lost_note: Mapped[str] = mapped_column(Text, default="")
    won_on: Mapped[date | None] = mapped_column(Date)
    lost_on: Mapped[date | None] = mapped_column(Date)
    board_rank: Mapped[int] = mapped_column(BigInteger, default=0)  # order within the stage's column
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime | None]  # newest completed activity or task of the deal
    contract_end_on: Mapped[date | None] = mapped_column(Date)  # a renewal task comes before it
    # ',3,5,7,': every stage the deal was in or its history names; kept by triggers (migration 0022),
    # never written here: the funnel's cells (FunnelCell) are keyed by it.
    stages_entered: Mapped[str] = mapped_column(Text, server_default=",", deferred=True)

    pipeline: Mapped[Pipeline] = relationship(lazy="raise")
    stage: Mapped[Stage] = relationship(lazy="raise")
    company: Mapped[Company] = relationship(lazy="raise")
    owner: Mapped[User | None] = relationship(lazy="raise")
    lost_reason: Mapped[LostReason | None] = relationship(lazy="raise")

    def __str__(self) -> str:
        return self.title

    def probability_in(self, stage: Stage) -> int:
        return self.probability if self.probability is not None else stage.probability

    @property
    def effective_probability(self) -> int:
        return self.probability_in(self.stage)

    @property
    def idle_since(self) -> datetime:
        return self.last_activity_at or self.created_at


class ForecastCell(Base):
    """The forecast's sums of the deals of one stage and owner by close month ('close') or by the month
    they were won ('won'), kept by triggers on deals in the same transaction (migration 0022).
    owner_key 0 is nobody's, month (yyyymm) 0 no date; a cell whose deals all left holds zeros."""

    __tablename__ = "forecast_cells"
    __table_args__ = {"sqlite_with_rowid": False}  # clustered by its key

    stage_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    deals: Mapped[int] = mapped_column(BigInteger)
    amount_jpy: Mapped[int] = mapped_column(BigInteger)
    stage_odds_jpy: Mapped[int] = mapped_column(BigInteger)  # Σ amount of the deals at the stage's probability
    own_odds: Mapped[int] = mapped_column(BigInteger)  # Σ amount × own probability (yen-percent)
    a_jpy: Mapped[int] = mapped_column(BigInteger)
    b_jpy: Mapped[int] = mapped_column(BigInteger)
    c_jpy: Mapped[int] = mapped_column(BigInteger)


class FunnelCell(Base):
    """How many deals of a pipeline and owner, created in a month (yyyymm, UTC), entered these stages
    (`Deal.stages_entered`) and are in this stage now; kept by triggers on deals (migration 0022)."""

    __tablename__ = "funnel_cells"
    __table_args__ = {"sqlite_with_rowid": False}

    pipeline_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    entered: Mapped[str] = mapped_column(Text, primary_key=True)
    stage_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deals: Mapped[int] = mapped_column(BigInteger)


class DealContact(IdMixin, TimestampMixin, Audited, Base):
    """A person of the deal's company (or its group) in the buying committee, with their role here."""

    __tablename__ = "deal_contacts"
    __table_args__ = (
        UniqueConstraint("deal_id", "person_id"),
        Index("ix_deal_contacts_person_id", "person_id"),
        # One primary contact per deal, even when two people attach the first person at once.
        Index(
            "ix_deal_contacts_one_primary",
            "deal_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    deal_id: Mapped[int] = mapped_column(IdType, ForeignKey("deals.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("persons.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(20))  # accounts.models.BuyingRole
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(lazy="raise")

    def __str__(self) -> str:
        return f"deal {self.deal_id} / person {self.person_id}"


class DealEvent(IdMixin, Base):
    """One change of a tracked field (TRACKED_FIELDS): the deal's history and time in stage.

    Values are kept as text (ids, ISO dates, integers), so a later change of a stage's or
    user's name does not rewrite history; `note` holds the reason (e.g. why ヨミ dropped).
    The events of one save share a `change_set` and one `at` (history.py groups them), so the
    pipeline as of any moment is today's deals with the later change sets undone. Creation is
    `stage_id` None → a stage, deletion a stage → None: `deal_id` has no foreign key, so the
    history outlives a deleted deal (meetings/asof.py).
    """

    __tablename__ = "deal_events"
    __table_args__ = (
        Index("ix_deal_events_deal_id_at", "deal_id", "at"),
        Index("ix_deal_events_field_at", "field", "at"),
        Index("ix_deal_events_at", "at"),
        # The stages each deal entered, read off the index alone (the forecast's funnel). Its two
        # equality columns also keep SQLite from walking every stage event per deal instead.
        Index("ix_deal_events_deal_id_field_new_value", "deal_id", "field", "new_value"),
    )

    deal_id: Mapped[int] = mapped_column(IdType)
    change_set: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")

    @staticmethod
    def text(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


class SalesSettings(IdMixin, VersionedMixin, Audited, Base):
    """Organisation-wide sales settings: one row, edited by admins."""

    __tablename__ = "sales_settings"

    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=4)  # 期首: April by default
    require_next_action: Mapped[bool] = mapped_column(Boolean, default=False)

    def __str__(self) -> str:
        return "sales settings"
