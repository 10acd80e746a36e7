"""Companies, their departments and key persons, the activity timeline, saved views.

`normalized_name`, `kana_key`, `*_digits` and `search_terms` are derived keys, written by
the services whenever the source field changes; nothing else writes them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.audit.models import Audited
from salesdesk.auth.models import User
from salesdesk.db import Base, IdMixin, IdType, TimestampMixin, VersionedMixin, utcnow


class BuyingRole(enum.StrEnum):
    decision_maker = "decision_maker"
    approver = "approver"
    champion = "champion"
    influencer = "influencer"
    user = "user"
    gatekeeper = "gatekeeper"
    blocker = "blocker"


class Stance(enum.StrEnum):
    supporter = "supporter"
    neutral = "neutral"
    opponent = "opponent"


class ActivityKind(enum.StrEnum):
    call = "call"
    visit = "visit"
    meeting = "meeting"
    email = "email"
    note = "note"
    inquiry = "inquiry"  # 問い合わせ対応


EMPLOYEE_BANDS = ("1-9", "10-49", "50-99", "100-299", "300-999", "1000-4999", "5000+")


class Company(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "companies"
    __audit_ignore__ = Audited.__audit_ignore__ | {"normalized_name", "kana_key", "phone_digits", "last_contact_at"}
    __table_args__ = (
        Index("ix_companies_normalized_name", "normalized_name"),
        Index("ix_companies_owner_id", "owner_id"),
        Index("ix_companies_parent_id", "parent_id"),
        Index("ix_companies_last_contact_at", "last_contact_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    normalized_name: Mapped[str] = mapped_column(String(200), default="")
    kana_key: Mapped[str] = mapped_column(String(200), default="")
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    industry: Mapped[str] = mapped_column(String(100), default="")
    employee_band: Mapped[str] = mapped_column(String(20), default="")
    fiscal_year_end_month: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_digits: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    owner_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("companies.id", ondelete="SET NULL"))
    is_target: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    contract_end_on: Mapped[date | None] = mapped_column(Date)  # a renewal task comes before it
    quote_rounding: Mapped[str | None] = mapped_column(String(10))  # its quotes' tax rounding; None: the issuer's
    # Newest activity's time, kept by the activity services so "no contact for N days" is an index scan.
    last_contact_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(lazy="raise")
    parent: Mapped[Company | None] = relationship(remote_side="Company.id", lazy="raise")
    tags: Mapped[list[CompanyTag]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CompanyTag.name"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]


class CompanyTag(Base):
    __tablename__ = "company_tags"
    __table_args__ = (Index("ix_company_tags_name", "name"),)

    company_id: Mapped[int] = mapped_column(IdType, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)


class Department(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "departments"
    __table_args__ = (
        Index("ix_departments_company_id", "company_id"),
        UniqueConstraint("company_id", "parent_id", "name"),
    )

    company_id: Mapped[int] = mapped_column(IdType, ForeignKey("companies.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    def __str__(self) -> str:
        return self.name


class Person(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "persons"
    __audit_ignore__ = Audited.__audit_ignore__ | {"name_key", "kana_key", "email_key", "phone_digits", "mobile_digits"}
    __table_args__ = (
        Index("ix_persons_company_id", "company_id"),
        Index("ix_persons_department_id", "department_id"),
        Index("ix_persons_email_key", "email_key"),
        Index("ix_persons_phone_digits", "phone_digits"),
        Index("ix_persons_mobile_digits", "mobile_digits"),
    )

    company_id: Mapped[int] = mapped_column(IdType, ForeignKey("companies.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("departments.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(100), default="")
    name_key: Mapped[str] = mapped_column(String(100), default="")
    kana_key: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    email_key: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_digits: Mapped[str] = mapped_column(String(20), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    mobile_digits: Mapped[str] = mapped_column(String(20), default="")
    reports_to_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    buying_role: Mapped[str | None] = mapped_column(String(20))
    stance: Mapped[str] = mapped_column(String(10), default=Stance.neutral)
    left_company: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    company: Mapped[Company] = relationship(lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")
    reports_to: Mapped[Person | None] = relationship(remote_side="Person.id", lazy="raise")

    def __str__(self) -> str:
        return self.name


class PersonMove(IdMixin, Base):
    """人事異動: a person's department and title from a date on (one row per change)."""

    __tablename__ = "person_moves"
    __table_args__ = (Index("ix_person_moves_person_id", "person_id"),)

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("persons.id", ondelete="CASCADE"))
    effective_on: Mapped[date] = mapped_column(Date)
    department_name: Mapped[str] = mapped_column(String(300), default="")  # the path as it was then
    title: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)


activity_persons = Table(
    "activity_persons",
    Base.metadata,
    Column("activity_id", IdType, ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", IdType, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_activity_persons_person_id", "person_id"),
)


class Activity(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_company_id_occurred_at", "company_id", "occurred_at"),
        Index("ix_activities_deal_id_occurred_at", "deal_id", "occurred_at"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    company_id: Mapped[int] = mapped_column(IdType, ForeignKey("companies.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("deals.id", ondelete="SET NULL"))
    # The task whose completion was logged as this activity (the timeline shows the two as one).
    task_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User | None] = relationship(lazy="raise")
    persons: Mapped[list[Person]] = relationship(secondary=activity_persons, lazy="raise", order_by="Person.name")

    def __str__(self) -> str:
        return self.subject


class SearchTerm(Base):
    """Prefix-searchable keys of companies and persons (suffixes of names and kana too).

    A search is a range scan on the `term` index: fast at any size, no LIKE '%…%' scans.
    """

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_term", "term"), Index("ix_search_terms_entity", "entity", "entity_id"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(10))  # company | person
    entity_id: Mapped[int] = mapped_column(IdType)
    # C collation on PostgreSQL: byte order, so a prefix range scan uses the index.
    term: Mapped[str] = mapped_column(String(254).with_variant(String(254, collation="C"), "postgresql"))


class SavedView(IdMixin, TimestampMixin, Base):
    """A named filter set of the company list, the user's own or shared with their team."""

    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportUpload(IdMixin, Base):
    """An uploaded file between its mapping, preview and commit steps.

    Kept in the database (not on a worker's disk) so every step may land on another worker.
    """

    __tablename__ = "import_uploads"

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
