"""The forecast, the deal list and the pipeline settings in a real browser: the month chart and the
stage funnel render as SVG with labelled months, the list sorts by a header click and keeps its
filters in the URL, a refused stage edit comes back with the reason; screenshots and axe checks.

The stories make their own deals (a company of their own) beside the demo's; they never change the
demo's pipeline, so other stories' boards stay as they were.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from playwright.sync_api import Page, expect

from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import CompanyForm, parse_company
from salesdesk.clock import Clock
from salesdesk.i18n import local_today
from salesdesk.pipeline import fiscal, moves, services, setup
from salesdesk.pipeline.forms import DealForm, MoveForm, parse_deal, parse_move
from tests.browser.conftest import ADMIN, MANAGER, arrange, check_axe, demo_user, login, screenshot

REP3 = "rep3@example.com"  # 田中 由美, in the manager's team


def _fy_month(n: int) -> date:
    """The 15th of the n-th month (0-based) of this fiscal year (April start)."""
    today = local_today()
    return fiscal.add_months(date(fiscal.fiscal_year(today, 4), 4, 1), n).replace(day=15)


def make_forecast_deals(live_db_url: str) -> int:
    """Open deals closing across this fiscal year and two won ones, owned by rep3; returns the company id."""

    async def work(db):
        rep = await demo_user(db, REP3)
        company = await accounts.create_company(
            db,
            rep,
            parse_company(CompanyForm(name=f"株式会社予測検証{uuid.uuid4().hex[:6].upper()}", confirm_duplicate="1")),
        )
        stages = {s.name: s for s in (await setup.get_pipeline(db, None)).stages}
        today = local_today()
        open_deals = [
            ("提案", "基幹システム刷新", 12_000_000, 2),
            ("見積提出", "営業支援ツール導入", 4_800_000, 5),
            ("交渉", "全社PC入替 120台", 18_600_000, 8),
            ("商談化", "電子契約サービス", 1_900_000, 10),
        ]
        for stage, title, amount, month in open_deals:
            await services.create_deal(
                db,
                rep,
                Clock.of(rep),
                parse_deal(
                    DealForm(
                        company_id=str(company.id),
                        title=title,
                        stage_id=str(stages[stage].id),
                        amount_jpy=str(amount),
                        expected_close_date=_fy_month(month).isoformat(),
                        next_title="訪問",
                        next_due_on=today.isoformat(),
                    )
                ),
            )
        for title, amount, month in (("データ分析基盤", 9_600_000, 1), ("セキュリティ診断", 2_400_000, 3)):
            won_on = min(_fy_month(month), today)
            deal = await services.create_deal(
                db,
                rep,
                Clock.of(rep),
                parse_deal(
                    DealForm(
                        company_id=str(company.id),
                        title=title,
                        stage_id=str(stages["交渉"].id),
                        amount_jpy=str(amount),
                        expected_close_date=won_on.isoformat(),
                        next_title="契約手続き",
                        next_due_on=today.isoformat(),
                    )
                ),
            )
            await moves.move_deal(
                db,
                rep,
                Clock.of(rep),
                deal.id,
                parse_move(
                    MoveForm(stage_id=str(stages["受注"].id), version=deal.version, closed_on=won_on.isoformat())
                ),
            )
        return company.id

    return arrange(live_db_url, work, as_email=REP3)


def test_manager_reads_the_forecast_chart_and_funnel_at_a_glance(page: Page, live_db_url: str) -> None:
    make_forecast_deals(live_db_url)
    login(page, MANAGER)

    page.goto("/pipeline/forecast")

    chart = page.locator("svg.month-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_contain_text("年度")
    labels = chart.locator("text.month-label")
    expect(labels).to_have_count(12)
    expect(labels.first).to_have_text("4月")
    expect(labels.last).to_have_text("3月")
    assert chart.locator("rect.bar.won[height]:not([height='0.0'])").count() >= 1
    assert chart.locator("rect.bar.open:not([height='0.0'])").count() >= 4
    expect(page.locator("text.axis-unit")).to_have_text(re.compile(r"\((万円|百万円)\)"))
    funnel = page.locator("svg.funnel-chart")
    expect(funnel.locator("text.funnel-name")).to_have_text(["リード", "商談化", "提案", "見積提出", "交渉", "受注"])
    expect(page.locator(".win-rate")).to_contain_text("受注率")
    expect(page.locator("table.months tfoot")).to_contain_text("年度")
    screenshot(page, "forecast")
    check_axe(page)


def test_the_forecasts_filters_redraw_it_in_place_and_keep_the_url(page: Page, live_db_url: str) -> None:
    make_forecast_deals(live_db_url)
    login(page, MANAGER)
    page.goto("/pipeline/forecast")

    page.get_by_label("担当営業").select_option(label="田中 由美")

    expect(page).to_have_url(re.compile(r"owner_id=\d+"))
    expect(page.locator("#forecast .period")).to_be_visible()
    owners = page.locator("table.breakdown").first.locator("tbody th")
    expect(owners).to_have_text(["田中 由美"])


def test_manager_sorts_the_deal_list_by_amount_and_the_url_keeps_it(page: Page, live_db_url: str) -> None:
    company_id = make_forecast_deals(live_db_url)
    login(page, MANAGER)
    page.goto(f"/pipeline/list?company_id={company_id}")
    expect(page.locator(".list-summary .totals")).to_contain_text("4件")
    expect(page.locator(".list-summary .totals")).to_contain_text("¥37,300,000")

    page.locator("th a.sort", has_text="金額").first.click()
    expect(page).to_have_url(re.compile(r"sort=amount"))
    expect(page.locator("table.deal-list tbody tr").first).to_contain_text("電子契約サービス")
    page.locator("th a.sort", has_text="金額").first.click()
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    expect(page.locator("table.deal-list tbody tr").first).to_contain_text("全社PC入替 120台")
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("金額")

    page.get_by_label("状態").select_option("won")
    expect(page.locator("table.deal-list tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"status=won"))
    page.get_by_label("状態").select_option("open")
    expect(page.locator("table.deal-list tbody tr")).to_have_count(4)
    screenshot(page, "deal-list")
    check_axe(page)


def test_admin_sees_the_pipeline_settings_and_a_refused_stage_edit_says_why(page: Page) -> None:
    login(page, ADMIN)
    page.goto("/admin/pipelines")
    expect(page.locator("h1")).to_have_text("パイプライン設定")
    expect(page.locator("table.stages").first).to_contain_text("見積提出")
    screenshot(page, "admin-pipelines")
    check_axe(page)

    page.locator("tr", has_text="見積提出").get_by_role("link", name=re.compile("編集")).click()
    expect(page.locator("h1")).to_contain_text("見積提出")
    page.get_by_label("確度(%)").fill("150")
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".field-error")).to_contain_text("確度は0〜100で入力してください。")
    expect(page.get_by_label("確度(%)")).to_have_value("150")
    expect(page.get_by_label("金額")).to_be_checked()  # the stage's required fields as they were typed
    check_axe(page)
