"""A company page's deals: the account's won total so far beside its open pipeline (integer yen,
every deal of the company), the deals the reader may see (open first), and a rep who works a deal
at a company may keep the account up to date."""

# ruff: noqa: F811  (make_deal and pipeline, imported from tests/pipeline, are test arguments by design)

from salesdesk.pipeline import setup
from salesdesk.pipeline.company_deals import company_deals
from tests.pipeline.conftest import clock, make_deal, pipeline  # noqa: F401  (the deal fixtures, here too)


async def test_won_total_so_far_and_open_pipeline_are_exact_integer_yen_over_every_deal(
    db, rep, other_rep, make_company, make_deal
):
    company = await make_company(rep, "株式会社北斗商事")
    await make_deal(rep, "提案", company, amount_jpy="333333")  # 40%
    await make_deal(rep, "交渉", company, amount_jpy="1000001", expected_close_date="2027-01-31", probability="33")
    await make_deal(rep, "受注", company, amount_jpy="1200000", expected_close_date="2026-10-31")
    await make_deal(other_rep, "受注", company, amount_jpy="800000", expected_close_date="2026-09-30")
    reason = (await setup.list_lost_reasons(db))[0]
    await make_deal(rep, "失注", company, next_action=False, lost_reason_id=str(reason.id), amount_jpy="500000")

    figures = await company_deals(db, rep, company.id)

    assert (figures.won_count, figures.won_total_jpy) == (2, 2_000_000)  # other_rep's win is the account's too
    assert (figures.open_count, figures.open_total_jpy) == (2, 1_333_334)
    # (333,333 × 40 + 1,000,001 × 33) / 100 = 463,333.53, rounded once (per deal it would be 463,333)
    assert figures.open_weighted_jpy == 463_334
    assert figures.lost_count == 1  # a lost deal is worth nothing to the account
    assert all(isinstance(v, int) for v in (figures.won_total_jpy, figures.open_total_jpy, figures.open_weighted_jpy))


async def test_the_panel_lists_the_deals_the_reader_sees_open_ones_first(db, rep, other_rep, make_company, make_deal):
    company = await make_company(rep, "株式会社北斗商事")
    won = await make_deal(
        rep, "受注", company, title="初年度ライセンス", amount_jpy="1200000", expected_close_date="2026-10-31"
    )
    late = await make_deal(rep, "提案", company, title="追加導入", expected_close_date="2027-06-30")
    soon = await make_deal(rep, "商談化", company, title="保守更新", expected_close_date="2027-01-31")
    await make_deal(other_rep, "提案", company, title="西日本拠点の導入")

    figures = await company_deals(db, rep, company.id)

    assert [d.id for d in figures.deals] == [soon.id, late.id, won.id]
    assert figures.unlisted == 1  # the other team's deal: counted, not listed


async def test_company_page_shows_the_deals_panel_with_both_figures_and_a_new_deal_link(
    login, rep, other_rep, make_company, make_deal
):
    company = await make_company(rep, "株式会社北斗商事")
    await make_deal(
        rep, "受注", company, title="初年度ライセンス", amount_jpy="1200000", expected_close_date="2026-10-31"
    )
    await make_deal(rep, "提案", company, title="追加導入", amount_jpy="300000")
    await make_deal(other_rep, "提案", company, title="西日本拠点の導入", amount_jpy="200000")
    client = await login(rep)

    r = await client.get(f"/accounts/{company.id}")

    start = r.text.index('id="deals"')
    panel = r.text[start : r.text.index("</section>", start)]  # the deals panel beside the timeline
    assert "受注累計" in panel and "¥1,200,000" in panel
    assert "進行中パイプライン" in panel and "¥500,000" in panel
    assert "初年度ライセンス" in panel and "追加導入" in panel and "西日本拠点の導入" not in panel
    assert f'href="/deals/new?company_id={company.id}"' in panel


async def test_a_rep_who_owns_a_deal_at_a_company_adds_persons_but_does_not_edit_the_account(
    login, rep, other_rep, make_company, make_deal
):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(other_rep)
    assert (await client.get(f"/accounts/{company.id}/persons/new")).status_code == 403

    await make_deal(other_rep, "提案", company)

    assert (await client.get(f"/accounts/{company.id}/persons/new")).status_code == 200
    assert (await client.get(f"/accounts/{company.id}/edit")).status_code == 403  # the account stays rep's


async def test_the_company_page_runs_the_same_number_of_queries_for_1_or_12_deals(
    db, login, rep, make_company, make_deal, count_queries
):
    small, large = await make_company(rep, "株式会社小規模"), await make_company(rep, "株式会社大規模")
    await make_deal(rep, "提案", small)
    for n in range(12):
        await make_deal(
            rep,
            "提案" if n % 2 else "受注",
            large,
            title=f"案件{n}",
            amount_jpy="100000",
            expected_close_date="2026-12-01",
        )
    client = await login(rep)

    counts = []
    for company in (small, large):
        statements = count_queries()
        assert (await client.get(f"/accounts/{company.id}")).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts
