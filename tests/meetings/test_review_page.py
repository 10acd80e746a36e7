"""The review page: the week's waterfall, the changed deals by category, a bridge per rep."""

from __future__ import annotations

from datetime import UTC

from tests.meetings.helpers import edit, move, now


async def test_the_manager_sees_the_week_as_a_waterfall_with_each_bar_linked_to_its_deals(
    db, login, make_deal, stage, manager, rep, team_east
):
    grown = await make_deal(rep, "提案", title="基幹刷新", amount_jpy="1000000", expected_close_date="2027-01-31")
    won = await make_deal(rep, "交渉", title="保守更新", amount_jpy="3000000", expected_close_date="2027-01-31")
    since = now()
    await edit(db, rep, grown, amount_jpy="1500000", expected_close_date="2027-02-14")
    await move(db, rep, won, stage("受注"))
    client = await login(manager)

    r = await client.get(
        "/pipeline/changes", params={"since": since.astimezone(UTC).isoformat(), "team_id": team_east.id}
    )

    assert r.status_code == 200, r.text
    page = r.text
    assert "<svg" in page and 'href="#cat-increased"' in page and 'href="#cat-won"' in page
    assert 'id="cat-increased"' in page and "基幹刷新" in page and "保守更新" in page
    assert "¥1,000,000 → ¥1,500,000" in page
    assert "+¥500,000" in page and "-¥3,000,000" in page
    assert "鈴木 美咲" in page  # the rep's own row


async def test_the_review_page_costs_a_fixed_number_of_statements(db, login, make_deal, manager, rep, count_queries):
    deals = [await make_deal(rep, "提案", amount_jpy="100000") for _ in range(4)]
    since = now()
    await edit(db, rep, deals[0], amount_jpy="200000")
    client = await login(manager)
    statements = count_queries()
    await client.get("/pipeline/changes", params={"since": since.isoformat()})
    few = len(statements)
    for deal in deals[1:]:
        await edit(db, rep, deal, amount_jpy="300000")

    statements.clear()
    r = await client.get("/pipeline/changes", params={"since": since.isoformat()})

    assert r.status_code == 200
    assert len(statements) == few
