"""Now, and the zone a user's dates are read in: what services take instead of reading the request.

Routes get one as the `clock` dependency (the logged-in user's zone); the JSON API, cron commands
and tests build their own (`Clock.of(user)`, `Clock(fixed=...)`), so a service behaves the same
whoever calls it. A task's times are read in its owner's zone: `clock.for_user(owner)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Tokyo"


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    fixed: datetime | None = None  # tests and replays: "now" is this moment (aware, any zone)

    @classmethod
    def of(cls, user: Any | None, fixed: datetime | None = None) -> Clock:
        """The clock of a user (their time zone), or Asia/Tokyo for nobody (the system)."""
        return cls(zone_named(getattr(user, "time_zone", None)), fixed)

    def for_user(self, user: Any | None) -> Clock:
        """The same moment, read in another user's zone (a task's owner)."""
        return replace(self, zone=zone_named(getattr(user, "time_zone", None)))

    def now(self) -> datetime:
        """The current moment in UTC."""
        return (self.fixed or datetime.now(UTC)).astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def at(self, day: date, clock_time: time = time()) -> datetime:
        """The moment a wall-clock time on a day in this zone is (aware, UTC)."""
        return datetime.combine(day, clock_time, tzinfo=self.zone).astimezone(UTC)
