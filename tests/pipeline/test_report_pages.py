"""The deal list and forecast pages: they render in Japanese, answer htmx with their block, and run a
fixed number of SQL statements however many deals there are."""

from datetime import timedelta

from salesdesk.i18n import local_today
from tests.conftest import HTMX


def this_month() -> str:
    return (local_today().replace(day=1) + timedelta(days=14)).isoformat()


async def test_manager_reads_the_deal_list_in_japanese_with_totals_and_sortable_headers(login, manager, rep, make_deal):
    await make_deal(rep, "提案", title="基幹システム刷新", amount_jpy="1200000", expected_close_date=this_month())
    client = await login(manager)

    r = await client.get("/pipeline/list")

    assert r.status_code == 200
    assert "基幹システム刷新" in r.text and "¥1,200,000" in r.text and "¥480,000" in r.text  # 40% weighted
    assert "1件" in r.text and "加重" in r.text and "受注予定日" in r.text
    assert 'aria-sort="ascending"' in r.text  # by expected close unless told otherwise
    assert 'href="/pipeline/list?sort=-close"' in r.text
    assert 'aria-current="page">リスト<' in r.text


async def test_the_list_answers_htmx_with_its_results_block_only(login, rep, make_deal):
    await make_deal(rep, "提案", title="部分更新の案件")
    client = await login(rep)

    r = await client.get("/pipeline/list?sort=-amount", headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="results"' in r.text and "部分更新の案件" in r.text


async def test_manager_reads_the_forecast_in_japanese_with_its_chart_and_funnel(login, manager, rep, make_deal, stage):
    await make_deal(rep, "提案", amount_jpy="3000000", expected_close_date=this_month())
    client = await login(manager)

    r = await client.get("/pipeline/forecast")

    assert r.status_code == 200
    assert "年度" in r.text and "第1四半期" in r.text and "受注予定日未設定" in r.text
    assert '<svg class="month-chart"' in r.text and "万円" in r.text
    assert f">{local_today().month}月<" in r.text
    assert '<svg class="funnel-chart"' in r.text and "ステージ別ファネル" in r.text
    assert "¥3,000,000" in r.text and "¥1,200,000" in r.text


async def test_the_forecast_speaks_english_to_an_english_user(login, make_user, make_deal, team_east):
    user = await make_user("manager", team_east, locale="en")
    await make_deal(user, "提案", amount_jpy="3000000", expected_close_date=this_month())
    client = await login(user)

    r = await client.get("/pipeline/forecast")

    assert r.status_code == 200
    assert ">Apr<" in r.text and ">Mar<" in r.text and "Q1" in r.text and "Win rate" in r.text


async def test_the_list_and_forecast_run_a_fixed_number_of_queries(
    login, manager, rep, other_rep, make_deal, count_queries
):
    client = await login(manager)

    async def statements(url):
        queries = count_queries()
        assert (await client.get(url)).status_code == 200
        return len(queries)

    await make_deal(rep, "提案", amount_jpy="100000", expected_close_date=this_month())
    few = {url: await statements(url) for url in ("/pipeline/list", "/pipeline/forecast", "/pipeline/export")}
    for n in range(12):
        await make_deal(
            rep if n % 2 else manager,
            "提案" if n % 3 else "リード",
            amount_jpy=str(100_000 * n),
            expected_close_date=this_month() if n % 4 else "",
        )
    many = {url: await statements(url) for url in few}

    assert many == few
    # the list: the session, the pipelines, the totals, the page with each row's next action, the filter's people
    assert few["/pipeline/list"] == 5 and few["/pipeline/forecast"] <= 9
