"""The review page keeps its figures per worker until the history changes (meetings/kept.py): a kept
bridge must equal the reconstruction, whatever changed since it was kept."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import func, insert, select, update

from salesdesk.clock import Clock
from salesdesk.meetings import services
from salesdesk.meetings.changes import Changes
from salesdesk.pipeline.models import Deal, DealEvent
from tests.meetings.helpers import changes_of, edit, now

ACTIVITY_FLAGS = {"became_stale", "no_next_action", "pushed_repeatedly"}  # added per view, never kept


def _figures(result: Changes) -> tuple:
    return (
        (result.start.count, result.start.amount_jpy, result.start.weighted_jpy),
        (result.end.count, result.end.amount_jpy, result.end.weighted_jpy),
        [(row.category, row.count, row.amount_jpy) for row in result.bridge],
        sorted(
            (d.deal_id, d.category, d.amount_delta_jpy, tuple(f for f in d.flags if f not in ACTIVITY_FLAGS))
            for d in result.deals
            if not d.quiet
        ),
    )


async def _page_figures(db, actor, since, **scope) -> tuple:
    """The review page's figures, asserted equal to a fresh reconstruction's."""
    kept = await services.pipeline_changes(db, actor, Clock(), since=since, figures_only=True, **scope)
    assert _figures(kept) == _figures(await changes_of(db, actor, since, **scope))
    return _figures(kept)


async def test_a_second_view_reads_the_kept_figures_and_a_change_is_added_to_them_on_the_next(
    db, login, make_deal, manager, rep, team_east, count_queries
):
    deal = await make_deal(rep, "提案", title="基幹刷新", amount_jpy="1000000")
    since = now()
    await edit(db, rep, deal, amount_jpy="1200000")
    client = await login(manager)
    params = {"since": since.astimezone(UTC).isoformat(), "team_id": team_east.id}
    statements = count_queries()
    first = (await client.get("/pipeline/changes", params=params)).text
    cold = len(statements)

    statements.clear()
    second = (await client.get("/pipeline/changes", params=params)).text
    kept = len(statements)
    deal = await edit(db, rep, deal, amount_jpy="1500000")
    statements.clear()
    third = (await client.get("/pipeline/changes", params=params)).text
    advanced = len(statements)

    assert "¥1,000,000 → ¥1,200,000" in first and "¥1,000,000 → ¥1,200,000" in second
    assert kept < cold, (kept, cold)  # the reconstruction's statements are not read again
    assert "¥1,000,000 → ¥1,500,000" in third and "+¥500,000" in third
    assert advanced == kept + 2, (advanced, kept)  # the new event and its deal, not the whole history


async def test_kept_figures_follow_team_moves_and_stage_edits(db, make_deal, stage, manager, rep, team_east, team_west):
    deal = await make_deal(rep, "提案", amount_jpy="1000000")
    since = now()
    await edit(db, rep, deal, amount_jpy="2000000")
    scope = {"team_id": team_east.id}
    first = await _page_figures(db, manager, since, **scope)

    proposal = stage("提案")
    proposal.probability += 10  # an admin's edit of the stage: weighted figures change, no deal event
    await db.commit()
    weighted = await _page_figures(db, manager, since, **scope)
    rep.team_id = team_west.id  # the rep leaves the team with the deal: a team move
    await db.commit()
    moved = await _page_figures(db, manager, since, **scope)

    assert weighted[1][2] > first[1][2]
    assert moved[1][:2] == (first[1][0] - 1, first[1][1] - 2_000_000)
    assert ("removed", 1, -1_000_000) in moved[2]


async def test_an_event_committed_after_a_newer_one_still_shows(db, make_deal, manager, rep):
    """On PostgreSQL a transaction may take a lower id than one that commits before it: the kept
    bridge must not miss it because the newest id did not change."""
    first, late = [await make_deal(rep, "提案", amount_jpy="1000000") for _ in range(2)]
    since = now()
    newest = await db.scalar(select(func.max(DealEvent.id)))
    await _write_amount(db, first, 1_500_000, event_id=newest + 2)
    before = await _page_figures(db, manager, since)

    await _write_amount(db, late, 1_100_000, event_id=newest + 1)  # a lower id, committed later

    after = await _page_figures(db, manager, since)
    assert after[1][1] == before[1][1] + 100_000


async def _write_amount(db, deal: Deal, amount: int, *, event_id: int) -> None:
    """A deal's amount change as the services write it (the row and its event), with a chosen event id."""
    old = await db.scalar(select(Deal.amount_jpy).where(Deal.id == deal.id))
    await db.execute(update(Deal).where(Deal.id == deal.id).values(amount_jpy=amount, version=Deal.version + 1))
    values = {"old_value": str(old), "new_value": str(amount), "note": "", "change_set": f"t{event_id:031x}"}
    await db.execute(insert(DealEvent).values(id=event_id, deal_id=deal.id, at=now(), field="amount_jpy", **values))
    await db.commit()
