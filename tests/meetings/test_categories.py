"""Each bridge category on a constructed week of the east team (the manager's view)."""

from __future__ import annotations

from salesdesk.auth import services as auth
from salesdesk.auth.forms import UserInput
from salesdesk.auth.models import Role
from tests.meetings.helpers import changes_of, delete, edit, identity_holds, move, now

YEN = {"amount_jpy": "1000000", "expected_close_date": "2027-03-31"}


async def test_a_week_of_the_east_team_puts_every_deal_in_one_category_and_the_bridge_adds_up(
    db, make_deal, make_user, stage, manager, rep, other_rep, admin, team_east
):
    second = await make_user(Role.rep, team_east, name="田中 次郎")
    increased = await make_deal(rep, "提案", amount_jpy="1000000")
    decreased = await make_deal(rep, "提案", amount_jpy="2000000")
    unchanged = await make_deal(rep, "提案", amount_jpy="700000")
    won = await make_deal(rep, "交渉", **(YEN | {"amount_jpy": "3000000"}))
    lost = await make_deal(rep, "提案", amount_jpy="400000")
    handed_west = await make_deal(rep, "提案", amount_jpy="600000")
    deleted = await make_deal(rep, "提案", amount_jpy="500000")
    reopened = await move(db, rep, await make_deal(rep, "提案", amount_jpy="800000"), stage("失注"))
    from_west = await make_deal(other_rep, "提案", amount_jpy="250000")
    leaves_team = await make_deal(second, "提案", amount_jpy="300000")
    since = now()

    await edit(db, rep, increased, amount_jpy="1500000")
    await edit(db, rep, decreased, amount_jpy="1200000")
    await move(db, rep, won, stage("受注"))
    await move(db, rep, lost, stage("失注"))
    await edit(db, admin, handed_west, owner_id=str(other_rep.id))
    await delete(db, admin, deleted)
    await move(db, rep, reopened, stage("提案"))
    await edit(db, admin, from_west, owner_id=str(rep.id))
    await auth.update_user(db, admin, second.id, UserInput(second.name, Role.rep, other_rep.team_id, second.version))
    await db.commit()
    new = await make_deal(rep, "リード", amount_jpy="900000")
    closed_at_once = await move(db, rep, await make_deal(rep, "リード", amount_jpy="100000"), stage("受注"))

    result = await changes_of(db, manager, since, team_id=team_east.id)

    category = {change.deal_id: change.category for change in result.deals}
    assert category == {
        increased.id: "increased",
        decreased.id: "decreased",
        won.id: "won",
        lost.id: "lost",
        handed_west.id: "removed",
        deleted.id: "removed",
        reopened.id: "added",
        from_west.id: "added",
        leaves_team.id: "removed",
        new.id: "new",
        closed_at_once.id: "created_and_closed",
    }  # the unchanged deal is quiet (no event this week): counted, not loaded
    assert unchanged.id not in category
    bridge = {row.category: (row.count, row.amount_jpy) for row in result.bridge}
    assert bridge["new"] == (1, 900_000)
    assert bridge["added"] == (2, 800_000 + 250_000)
    assert bridge["increased"] == (1, 500_000)
    assert bridge["decreased"] == (1, -800_000)
    assert bridge["won"] == (1, -3_000_000)
    assert bridge["lost"] == (1, -400_000)
    assert bridge["removed"] == (3, -600_000 - 500_000 - 300_000)
    assert bridge["created_and_closed"] == (1, 0)
    assert bridge["unchanged"] == (1, 0)
    assert result.start.count == 8 and result.end.count == 6
    amounts = [1_000_000, 2_000_000, 700_000, 3_000_000, 400_000, 600_000, 500_000, 300_000]
    assert result.start.amount_jpy == sum(amounts)
    assert identity_holds(result)


async def test_the_deleted_deal_keeps_its_title_and_last_weeks_figures(db, make_deal, manager, rep, admin, team_east):
    deal = await make_deal(rep, "提案", title="基幹システム刷新", amount_jpy="5000000")
    since = now()
    await delete(db, admin, deal)

    result = await changes_of(db, manager, since, team_id=team_east.id)

    (change,) = [c for c in result.deals if c.deal_id == deal.id]
    assert change.category == "removed" and change.after is None
    assert change.before.state.amount_jpy == 5_000_000 and change.amount_delta_jpy == -5_000_000
    assert result.titles[deal.id][0] == "基幹システム刷新"
    assert result.start.amount_jpy == 5_000_000 and result.end.amount_jpy == 0


async def test_a_rep_sees_the_bridge_of_their_own_and_their_teams_deals_only(db, make_deal, rep, other_rep):
    mine = await make_deal(rep, "提案", amount_jpy="100000")
    since = now()
    await edit(db, rep, mine, amount_jpy="200000")
    theirs = await make_deal(other_rep, "提案", amount_jpy="999000")

    result = await changes_of(db, rep, since)

    assert {c.deal_id for c in result.deals} == {mine.id}
    assert theirs.id not in result.titles
    assert (result.start.amount_jpy, result.end.amount_jpy) == (100_000, 200_000)


async def test_a_deal_created_after_the_newest_was_deleted_gets_a_new_id_not_the_deleted_ones_history(
    db, make_deal, manager, rep, admin, team_east
):
    deal = await make_deal(rep, "提案", title="基幹システム刷新", amount_jpy="5000000")
    since = now()
    await delete(db, admin, deal)  # the newest deal: SQLite without AUTOINCREMENT gave its id again
    newer = await make_deal(rep, "提案", title="新しい案件", amount_jpy="1000000")

    result = await changes_of(db, manager, since, team_id=team_east.id)

    assert newer.id != deal.id
    categories = {c.deal_id: c.category for c in result.deals}
    assert categories == {deal.id: "removed", newer.id: "new"}
    assert identity_holds(result)
