"""The meeting's period in Asia/Tokyo: a change at 08:59 on meeting day is last week's, one at
09:01 the next week's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from salesdesk.clock import Clock
from salesdesk.meetings import services
from salesdesk.meetings.period import Slot
from tests.meetings.helpers import edit

JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def clock() -> Clock:
    """make_deal saves the deals in November 2026."""
    return Clock(fixed=datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


def test_the_last_meeting_starts_on_monday_at_nine_in_tokyo_whatever_the_readers_zone():
    assert Slot().last_start(jst(2026, 12, 7, 8, 59)) == jst(2026, 11, 30, 9, 0)
    assert Slot().last_start(jst(2026, 12, 7, 9, 0)) == jst(2026, 11, 30, 9, 0)  # the meeting starting now
    assert Slot().last_start(jst(2026, 12, 7, 9, 1)) == jst(2026, 12, 7, 9, 0)
    assert Slot().last_start(jst(2026, 12, 10, 15, 0)) == jst(2026, 12, 7, 9, 0)
    assert Slot(weekday=2, starts_at=jst(2026, 1, 1, 17, 30).timetz().replace(tzinfo=None)).last_start(
        jst(2026, 12, 7, 9, 0)
    ) == jst(2026, 12, 2, 17, 30)


async def test_a_change_at_0859_belongs_to_the_week_the_monday_meeting_reviews_and_0901_to_the_next(
    db, make_deal, manager, rep, team_east
):
    early, late = await make_deal(rep, "提案", amount_jpy="100000"), await make_deal(rep, "提案", amount_jpy="100000")
    await edit(db, rep, early, Clock(fixed=jst(2026, 12, 7, 8, 59)), amount_jpy="200000")
    await edit(db, rep, late, Clock(fixed=jst(2026, 12, 7, 9, 1)), amount_jpy="300000")

    reviewed = await services.pipeline_changes(db, manager, Clock(fixed=jst(2026, 12, 7, 9, 0)), team_id=team_east.id)
    next_week = await services.pipeline_changes(db, manager, Clock(fixed=jst(2026, 12, 14, 8, 0)), team_id=team_east.id)

    assert (reviewed.since, reviewed.until) == (jst(2026, 11, 30, 9, 0), jst(2026, 12, 7, 9, 0))
    assert {c.deal_id: c.category for c in reviewed.deals if c.events} == {early.id: "increased"}
    assert {c.deal_id: c.category for c in next_week.deals if c.events} == {late.id: "increased"}
