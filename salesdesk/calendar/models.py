"""Calendar settings: the company's closure days (business days skip them)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean
from sqlalchemy.orm import Mapped, mapped_column

from salesdesk.audit.models import Audited
from salesdesk.db import Base, IdMixin, VersionedMixin


class CalendarSettings(IdMixin, VersionedMixin, Audited, Base):
    """Organisation-wide, one row, edited by admins; an install without it has the defaults."""

    __tablename__ = "calendar_settings"

    closes_year_end: Mapped[bool] = mapped_column(Boolean, default=True)  # 年末年始 12/29–1/3
    closes_obon: Mapped[bool] = mapped_column(Boolean, default=False)  # お盆 8/13–8/16
    closed_days: Mapped[list[str]] = mapped_column(JSON, default=list)  # further ISO dates (創立記念日 …)

    def __str__(self) -> str:
        return "calendar settings"
