"""Products, the issuer's settings, quotes (one row per revision) with their lines, and the
per-fiscal-year counters their numbers come from.

A quote is a document: the addressee is kept as the text printed on it (company, department,
person, honorific), not as links that a later rename or merge would rewrite. Its totals are
stored as computed at the last save (quotes.tax), so lists show them without loading lines.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesdesk.audit.models import Audited
from salesdesk.auth.models import User
from salesdesk.db import Base, IdMixin, IdType, VersionedMixin
from salesdesk.pipeline.models import Deal
from salesdesk.quotes.tax import Line, Rounding, TaxCategory

if TYPE_CHECKING:
    from salesdesk.tasks.models import Task

DEFAULT_NUMBER_PATTERN = "Q-{year}-{seq:04}"
DEFAULT_VALIDITY_DAYS = 30


class QuoteStatus(enum.StrEnum):
    draft = "draft"
    approval_requested = "approval_requested"  # a discount over the threshold waits for the manager
    approved = "approved"  # the manager let that discount go out: it may be sent now
    sent = "sent"
    accepted = "accepted"
    rejected = "rejected"
    expired = "expired"


EDITABLE = (QuoteStatus.draft, QuoteStatus.approved)  # edited in place; a sent one gets a new revision
CLOSED = (QuoteStatus.accepted, QuoteStatus.rejected, QuoteStatus.expired)


class Honorific(enum.StrEnum):
    onchu = "御中"  # after a company or department
    sama = "様"  # after a person


class Product(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20), default="式")
    unit_price_jpy: Mapped[int] = mapped_column(BigInteger, default=0)  # excl. tax
    tax_category: Mapped[str] = mapped_column(String(10), default=TaxCategory.standard)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IssuerSettings(IdMixin, VersionedMixin, Audited, Base):
    """Our company as printed on every quote, and the quotes' defaults: one row, edited by admins."""

    __tablename__ = "issuer_settings"
    __audit_ignore__ = Audited.__audit_ignore__ | {"seal_image", "logo_image"}

    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    registration_number: Mapped[str] = mapped_column(String(14), default="")  # T + 13 digits
    bank_notes: Mapped[str] = mapped_column(Text, default="")  # 振込先 and other payment notes
    default_payment_terms: Mapped[str] = mapped_column(String(200), default="")
    default_rounding: Mapped[str] = mapped_column(String(10), default=Rounding.floor)
    default_validity_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_VALIDITY_DAYS)
    number_pattern: Mapped[str] = mapped_column(String(50), default=DEFAULT_NUMBER_PATTERN)
    approval_threshold_percent: Mapped[int | None] = mapped_column(Integer)  # None: discounts need no approval
    seal_image: Mapped[bytes | None] = mapped_column(LargeBinary)  # 角印, PNG or JPEG
    seal_media_type: Mapped[str] = mapped_column(String(30), default="")
    logo_image: Mapped[bytes | None] = mapped_column(LargeBinary)  # printed above the issuer block
    logo_media_type: Mapped[str] = mapped_column(String(30), default="")

    def __str__(self) -> str:
        return "issuer settings"


class QuoteCounter(Base):
    """The last number given in a fiscal year: incremented in the creating transaction, so a number
    is used exactly when its quote is saved (gap-free, numbering.py)."""

    __tablename__ = "quote_counters"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Quote(IdMixin, VersionedMixin, Audited, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("number", "revision"),
        Index("ix_quotes_deal_id", "deal_id"),
        Index("ix_quotes_status_valid_until", "status", "valid_until"),
    )

    deal_id: Mapped[int] = mapped_column(IdType, ForeignKey("deals.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(50))
    revision: Mapped[int] = mapped_column(Integer, default=1)  # 第N版
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)  # earlier revisions stay readable
    fiscal_year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=QuoteStatus.draft)
    locale: Mapped[str] = mapped_column(String(2), default="ja")  # the document's language
    addressee_company: Mapped[str] = mapped_column(String(200))
    addressee_department: Mapped[str] = mapped_column(String(100), default="")
    addressee_person: Mapped[str] = mapped_column(String(100), default="")
    honorific: Mapped[str] = mapped_column(String(2), default=Honorific.onchu)
    subject: Mapped[str] = mapped_column(String(200))  # 件名
    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)  # 有効期限
    delivery: Mapped[str] = mapped_column(String(200), default="")  # 納期
    delivery_place: Mapped[str] = mapped_column(String(200), default="")  # 納入場所
    payment_terms: Mapped[str] = mapped_column(String(200), default="")  # 支払条件
    notes: Mapped[str] = mapped_column(Text, default="")  # 備考
    rounding: Mapped[str] = mapped_column(String(10), default=Rounding.floor)
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    subtotal_jpy: Mapped[int] = mapped_column(BigInteger, default=0)  # excl. tax
    tax_jpy: Mapped[int] = mapped_column(BigInteger, default=0)
    total_jpy: Mapped[int] = mapped_column(BigInteger, default=0)  # incl. tax
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    sent_at: Mapped[datetime | None]
    decided_on: Mapped[date | None] = mapped_column(Date)  # accepted or rejected
    approved_by_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    approval_note: Mapped[str] = mapped_column(Text, default="")
    # The approving manager's task while approval is requested (closed when they decide).
    approval_task_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )

    deal: Mapped[Deal] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[created_by_id])
    approval_task: Mapped[Task | None] = relationship("Task", lazy="raise", foreign_keys=[approval_task_id])
    lines: Mapped[list[QuoteLine]] = relationship(
        lazy="raise", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.number} 第{self.revision}版"

    @property
    def addressee(self) -> str:
        """As printed: 株式会社サンプル 営業部 山田 太郎 様 (one honorific, after the last part)."""
        parts = [p for p in (self.addressee_company, self.addressee_department, self.addressee_person) if p]
        return " ".join([*parts, self.honorific] if self.honorific else parts)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class QuoteLine(IdMixin, Base):
    """One row of the document: a product or free text; a negative price is a discount line (▲)."""

    __tablename__ = "quote_lines"
    __table_args__ = (Index("ix_quote_lines_quote_id_position", "quote_id", "position"),)

    quote_id: Mapped[int] = mapped_column(IdType, ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("products.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=Decimal(1))
    unit: Mapped[str] = mapped_column(String(20), default="")
    unit_price_jpy: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_jpy: Mapped[int | None] = mapped_column(BigInteger)
    tax_category: Mapped[str] = mapped_column(String(10), default=TaxCategory.standard)
    amount_jpy: Mapped[int] = mapped_column(BigInteger, default=0)  # as computed at the save

    def __str__(self) -> str:
        return self.description

    @property
    def tax_line(self) -> Line:
        return Line(
            self.quantity, self.unit_price_jpy, TaxCategory(self.tax_category), self.discount_percent, self.discount_jpy
        )

    @property
    def is_reduced(self) -> bool:
        return self.tax_category == TaxCategory.reduced
