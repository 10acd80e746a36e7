"""The review page: the week's waterfall, the changed deals by category, a bridge per rep."""

from __future__ import annotations

from datetime import UTC, timedelta

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


async def test_a_category_lists_its_20_largest_deals_and_counts_them_all_with_a_link_to_the_rest(
    db, login, make_deal, manager, rep, team_east
):
    since = now()
    for n in range(21):  # 21 new deals this week, the n-th of ¥(n + 1) × 10,000
        await make_deal(rep, "提案", title=f"新規案件{n:02d}", amount_jpy=str((n + 1) * 10_000))
    client = await login(manager)
    params = {"since": since.astimezone(UTC).isoformat(), "team_id": team_east.id}

    page = (await client.get("/pipeline/changes", params=params)).text
    all_deals = (await client.get("/pipeline/changes", params=params | {"all": "1"})).text

    new = _section(page, "cat-new")
    assert new.count('class="deal-change"') == 20 and "(21)" in new
    assert "新規案件20" in new and "新規案件00" not in new  # the largest first: the smallest is left out
    assert "全21件を表示" in new and "all=1" in new
    row = page.split('href="#cat-new"', 1)[1].split("</tr>", 1)[0]  # the bridge table counts all 21
    assert ">21<" in row and "¥2,310,000" in row  # Σ (1..21) × 10,000
    assert _section(all_deals, "cat-new").count('class="deal-change"') == 21


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


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
    earlier = since - timedelta(seconds=1)  # another period: its first view, computed afresh (not kept.py's)
    r = await client.get("/pipeline/changes", params={"since": earlier.isoformat()})

    assert r.status_code == 200
    assert len(statements) == few
