"""The forecast's ヨミ表 (issue 11, item 20): the open pipeline per close month, quarter and owner
split by ヨミ A / B / C, with the commit (won + A) and the best case (won + A + B) beside what is
won; on the page and in its export."""

import csv
import io
import re

from salesdesk.pipeline import forecast
from tests.pipeline.test_forecast import JUNE_2026, win


async def yomi_deals(rep, manager, make_deal, stage, db):
    await make_deal(rep, "交渉", forecast="A", amount_jpy="500000", expected_close_date="2026-06-20")
    await make_deal(rep, "提案", forecast="B", amount_jpy="300000", expected_close_date="2026-06-25")
    await make_deal(rep, "提案", forecast="C", amount_jpy="200000", expected_close_date="2026-06-30")
    await make_deal(manager, "交渉", forecast="A", amount_jpy="700000", expected_close_date="2026-08-05")
    won = await make_deal(rep, "交渉", forecast="A", amount_jpy="400000", expected_close_date="2026-06-10")
    await win(db, rep, won, stage, "2026-06-05")


async def test_the_yomi_table_splits_each_month_and_owner_by_forecast_with_commit_and_best_case(
    db, rep, manager, make_deal, stage
):
    await yomi_deals(rep, manager, make_deal, stage, db)

    result = await forecast.forecast(db, manager, fy=2026, today=JUNE_2026)

    june, first_quarter = result.by_month[2], result.quarters[0]
    assert (june.won_jpy, june.a_jpy, june.b_jpy, june.c_jpy) == (400_000, 500_000, 300_000, 200_000)
    assert (june.commit_jpy, june.best_case_jpy) == (900_000, 1_200_000)
    assert (first_quarter.a_jpy, first_quarter.commit_jpy) == (500_000, 900_000)
    assert result.quarters[1].a_jpy == 700_000
    by_owner = {row.name: row.year for row in result.owners}
    assert (by_owner[rep.name].commit_jpy, by_owner[rep.name].best_case_jpy) == (900_000, 1_200_000)
    assert (by_owner[manager.name].a_jpy, by_owner[manager.name].c_jpy) == (700_000, 0)


async def test_the_forecast_page_shows_the_yomi_table_and_exports_it(login, db, rep, manager, make_deal, stage):
    await yomi_deals(rep, manager, make_deal, stage, db)
    client = await login(manager)

    page = (await client.get("/pipeline/forecast?fy=2026")).text
    assert 'id="yomi-heading"' in page
    link = re.search(r'<a href="(/pipeline/forecast/export\?[^"]*format=csv[^"]*)"', page)
    assert link, "no CSV link for the ヨミ表"
    r = await client.get(link.group(1).replace("&amp;", "&"))

    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.search(r'filename="yomi-2026-\d{8}\.csv"', r.headers["content-disposition"])
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "区分",
        "期間・担当",
        "受注",
        "ヨミA",
        "ヨミB",
        "ヨミC",
        "コミット(受注+A)",
        "ベストケース(受注+A+B)",
    ]
    assert ["月", "2026/06", "400000", "500000", "300000", "200000", "900000", "1200000"] in rows
    assert ["担当", rep.name, "400000", "500000", "300000", "200000", "900000", "1200000"] in rows
    xlsx = await client.get(link.group(1).replace("&amp;", "&").replace("format=csv", "format=xlsx"))
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
