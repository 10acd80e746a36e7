"""The deal page in a real browser: a deal started from a company page, the buying committee and
its 決裁者未接触 warning, an activity logged with htmx, the next action completed with the next one
planned in the same step; the company picker of the new-deal form; the inline ヨミ change.

Each story makes its own company (and persons) through the services, so it never depends on the
demo's data. The deal page is photographed (deal.png) and checked with axe.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Page, expect

from salesdesk.accounts import people
from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import CompanyInput, PersonInput
from salesdesk.clock import Clock
from salesdesk.i18n import local_today
from tests.browser.conftest import REP, arrange, check_axe, demo_user, login, screenshot

SOON = (local_today() + timedelta(days=3)).isoformat()
LATER = (local_today() + timedelta(days=10)).isoformat()


@dataclass
class Account:
    company_id: int
    name: str
    kana: str
    persons: dict[str, int]  # name -> id


def _unique(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:6].upper()}"


def make_account(live_db_url: str, *persons: tuple[str, str]) -> Account:
    """A company of the rep's with these persons (name, title), none marked as decision maker yet."""
    name, kana = _unique("株式会社案件検証"), "アンケンケンショウ" + uuid.uuid4().hex[:4].upper()

    async def work(db):
        rep = await demo_user(db, REP)
        company = await accounts.create_company(
            db, rep, CompanyInput(name=name, name_kana=kana, confirm_duplicate=True)
        )
        ids = {}
        for person, title in persons:
            ids[person] = (
                await people.create_person(
                    db, rep, company.id, PersonInput(name=person, title=title, confirm_duplicate=True), Clock.of(rep)
                )
            ).id
        return Account(company.id, name, kana, ids)

    return arrange(live_db_url, work, as_email=REP)


def test_rep_starts_a_deal_from_a_company_page_builds_its_committee_logs_and_plans_the_next_action(
    page: Page, live_db_url: str
) -> None:
    account = make_account(live_db_url, ("山田 太郎", "代表取締役"), ("佐藤 花子", "情報システム部長"))
    login(page, REP)

    # From the company page's deals panel to the new-deal form, the company already chosen.
    page.goto(f"/accounts/{account.company_id}")
    page.locator("#deals").get_by_role("link", name="新規案件").click()
    expect(page).to_have_url(re.compile(rf"/deals/new\?company_id={account.company_id}$"))
    expect(page.locator("#f-company_id")).to_have_value(str(account.company_id))
    page.locator("#f-title").fill("基幹システム刷新")
    page.locator("#f-amount_jpy").fill("120万")
    page.locator("#f-expected_close_date").fill(LATER)
    page.locator("#f-stage_id").select_option(label="提案 (40%)")
    page.locator("#deal-next-title").fill("要件ヒアリングの訪問")
    page.locator("input[name='next_due_on']").fill(SOON)
    page.get_by_role("button", name="案件を作成").click()

    # The deal page: summary, progress, next action, and the committee's warning.
    expect(page).to_have_url(re.compile(r"/deals/\d+$"))
    expect(page.locator("h1")).to_have_text("基幹システム刷新")
    summary = page.locator("#deal-summary")
    expect(summary).to_contain_text("¥1,200,000")
    expect(summary).to_contain_text("¥480,000")  # weighted at 提案's 40%
    expect(page.locator(".stage-progress [aria-current='step']")).to_contain_text("提案")
    expect(page.locator("#next-actions .next-one")).to_contain_text("要件ヒアリングの訪問")
    warning = page.locator("#committee .dm-warning")
    expect(warning).to_contain_text("決裁者未接触")
    expect(warning).to_contain_text("関係者に決裁者がいません")
    page.evaluate("window.__marker = 1")

    # The president joins the committee as 決裁者: the warning now asks for contact with them.
    add = page.locator("#add-contact")
    add.locator("#contact-person").select_option(label="山田 太郎(代表取締役)")
    add.locator("#contact-role").select_option("decision_maker")
    add.get_by_role("button", name="関係者に追加").click()
    yamada = page.locator("#committee li.contact", has_text="山田 太郎")
    expect(yamada.locator(".badge.role-decision_maker")).to_have_text("決裁者")
    expect(yamada).to_contain_text("主担当者")
    expect(page.locator("#committee .dm-warning")).to_contain_text("決裁者との活動がまだ記録されていません")

    # An activity with him, logged with htmx: on top of the timeline, and the warning is gone.
    log = page.locator("#deal-timeline form.quick-add")
    log.locator("#deal-activity-kind").select_option("visit")
    log.locator("#deal-activity-subject").fill("社長に提案内容を説明、前向き")
    log.locator("summary").click()
    log.get_by_label("山田 太郎").check()
    log.get_by_role("button", name="記録", exact=True).click()
    first = page.locator("#deal-timeline .tl-item").first
    expect(first).to_contain_text("社長に提案内容を説明、前向き")
    expect(first.locator(".badge.kind")).to_have_text("訪問")
    expect(page.locator("#committee .dm-warning")).to_have_count(0)
    expect(page.locator("#deal-activity-subject")).to_have_value("")

    # The next action is done; the next one is planned in the same step.
    page.locator("#next-actions .next-one").get_by_role("link", name="完了…").click()
    done = page.locator("form.complete-form")
    expect(done).to_be_visible()
    done.locator("textarea[name='outcome']").fill("要件を確認。見積を依頼された")
    done.locator("input[name='next_title']").fill("見積書を持参して訪問")
    done.locator("select[name='next_kind']").select_option("visit")
    done.locator("input[name='next_due_on']").fill(LATER)
    done.get_by_role("button", name="完了にする").click()
    expect(page.locator("#next-actions .next-one")).to_contain_text("見積書を持参して訪問")
    expect(page.locator("#deal-timeline .tl-item").first).to_contain_text("要件ヒアリングの訪問")
    expect(page.locator("#deal-timeline .tl-item").first.locator(".done-badge")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page reloaded: the deal page's actions did not use htmx"

    screenshot(page, "deal")
    check_axe(page)

    # Back on the company page, the deal is listed with the account's open pipeline.
    page.locator(".deal-head .crumbs").get_by_role("link", name=account.name).click()
    deals = page.locator("#deals")
    expect(deals.locator("tbody tr", has_text="基幹システム刷新")).to_contain_text("¥1,200,000")
    expect(deals.locator(".account-figures")).to_contain_text("¥1,200,000")
    title = deals.locator("tbody tr a", has_text="基幹システム刷新")
    assert title.evaluate("a => a.getClientRects().length") == 1  # one line in the side column, not a char per line
    screenshot(page, "company-deals")


def test_the_new_deal_form_finds_the_company_as_the_user_types_its_kana(page: Page, live_db_url: str) -> None:
    account = make_account(live_db_url)
    login(page, REP)
    page.goto("/deals/new")

    hiragana = "あんけんけんしょう" + account.kana.removeprefix("アンケンケンショウ")  # users type kana in hiragana too
    page.locator("#f-company_q").press_sequentially(hiragana)
    expect(page.locator("#f-company_id option:checked")).to_have_text(re.compile(account.name))
    page.locator("#f-title").fill("保守契約の更新")
    screenshot(page, "deal-form")
    page.get_by_role("button", name="案件を作成").click()

    expect(page).to_have_url(re.compile(r"/deals/\d+\?prompt=next$"))  # no next action typed: asked for one
    expect(page.locator("#next-actions .flash-warning")).to_be_visible()
    expect(page.locator("#next-actions details.add-task")).to_have_attribute("open", "")
    expect(page.locator(".deal-head .crumbs")).to_contain_text(account.name)
    screenshot(page, "deal-new-prompt")
    check_axe(page)


def test_lowering_the_forecast_inline_asks_for_the_reason_and_keeps_it_in_the_history(
    page: Page, live_db_url: str
) -> None:
    account = make_account(live_db_url)
    login(page, REP)
    page.goto(f"/deals/new?company_id={account.company_id}")
    page.locator("#f-title").fill("全社展開")
    page.get_by_label("A:受注確度が高い").check()
    page.locator("#deal-next-title").fill("稟議の状況を確認")
    page.locator("input[name='next_due_on']").fill(SOON)
    page.get_by_role("button", name="案件を作成").click()
    expect(page).to_have_url(re.compile(r"/deals/\d+$"))

    summary = page.locator("#deal-summary")
    summary.locator("summary", has_text="ヨミを変更").click()
    summary.get_by_label("C:可能性は低い").check()
    summary.get_by_role("button", name="ヨミを保存").click()
    expect(page.locator("#deal-summary .field-error")).to_contain_text("ヨミを下げる理由を入力してください")

    page.locator("#forecast-reason").fill("決裁者が異動し、予算が凍結")
    page.locator("#deal-summary").get_by_role("button", name="ヨミを保存").click()
    expect(page.locator("#deal-summary .yomi-badge")).to_contain_text("C")
    page.reload()
    expect(page.locator("#deal-timeline")).to_contain_text("決裁者が異動し、予算が凍結")
    page.locator(".deal-head").get_by_role("link", name="編集").click()
    expect(page.locator("#f-forecast_reason")).to_be_visible()
    expect(page.locator("input[name='forecast'][value='C']")).to_be_checked()
    screenshot(page, "deal-edit")
    check_axe(page)
