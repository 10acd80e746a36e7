"""The board's "前回の会議から" toggle: badges on the cards, deltas on the column headers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from salesdesk.clock import Clock
from salesdesk.meetings.models import MeetingSchedule
from tests.meetings.helpers import edit, move


@pytest.fixture
def clock() -> Clock:
    """The deals are made two days ago (make_deal saves them at this clock's now)."""
    return Clock(fixed=datetime.now(UTC) - timedelta(days=2))


async def test_the_toggle_badges_each_changed_card_and_each_column_with_its_delta(
    db, login, make_deal, stage, manager, rep, team_east
):
    # the team met yesterday at this time (its weekday and time in Asia/Tokyo), after the deals were made
    local = (datetime.now(UTC) - timedelta(days=1)).astimezone(ZoneInfo("Asia/Tokyo"))
    grown = await make_deal(rep, "提案", title="基幹刷新", amount_jpy="1000000", expected_close_date="2027-01-31")
    advanced = await make_deal(rep, "提案", title="保守更新", amount_jpy="2000000", expected_close_date="2027-01-31")
    db.add(MeetingSchedule(team_id=team_east.id, weekday=local.weekday(), starts_at=time(local.hour, local.minute)))
    await db.commit()
    await edit(db, rep, grown, amount_jpy="1500000", expected_close_date="2027-02-14")
    await move(db, rep, advanced, stage("交渉"))
    client = await login(manager)

    plain = await client.get("/pipeline")
    r = await client.get("/pipeline", params={"changes": "1", "team_id": team_east.id})

    assert "change-badge" not in plain.text and "changes=1" in plain.text
    assert r.status_code == 200
    page = r.text
    card = page[page.index(f'id="deal-{grown.id}"') :]
    card = card[: card.index("</article>")]
    assert "+¥500,000" in card and "change-badge down" in card  # the amount, and pushed out 14 days
    assert "14" in card
    assert "change-badge up" in page[page.index(f'id="deal-{advanced.id}"') :][:2000]
    proposal = page[page.index(f'id="figures-{stage("提案").id}"') :][:800]
    negotiation = page[page.index(f'id="figures-{stage("交渉").id}"') :][:800]
    assert "column-delta" in proposal and "-1" in proposal and "-¥1,500,000" in proposal  # +500,000 − 2,000,000
    assert "+1" in negotiation and "+¥2,000,000" in negotiation
