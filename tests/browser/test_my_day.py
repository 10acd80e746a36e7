"""A rep's morning in a real browser: on "My day" they complete an overdue follow-up, log it on the
timeline as an activity and plan the next action 3 business days out in the same step; My day and
the header's overdue badge update in place (the task-changed event), and the board's card shows the
new next action."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from salesdesk.calendar.business_days import business_calendar
from salesdesk.i18n import local_today
from tests.browser.conftest import MANAGER, REP, arrange, check_axe, login, screenshot
from tests.browser.test_board import CLOSE, _unique, card, make_deals


def test_rep_completes_a_task_from_my_day_logs_it_and_the_boards_card_shows_the_next_action(
    page: Page, live_db_url: str
) -> None:
    title, follow_up, next_title = _unique("工場LAN更新"), _unique("課長に電話"), _unique("見積書を送付")
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    data = make_deals(
        live_db_url,
        {
            "title": title,
            "stage": "提案",
            "expected_close_date": CLOSE,
            "next_title": follow_up,
            "next_due_on": yesterday,
        },
    )
    deal_id = data.deals[title]
    due = arrange(live_db_url, lambda db: business_calendar(db)).add(local_today(), 3)
    login(page, REP)
    page.goto("/tasks")
    badge = page.locator("#overdue-badge")
    expect(badge).to_have_attribute("href", "/tasks")
    overdue_before = int(badge.locator("[aria-hidden=true]").inner_text())
    page.evaluate("window.__marker = 1")

    row = page.locator("#my-tasks .bucket-overdue + ul li.task-row", has_text=follow_up)
    expect(row).to_contain_text(title)
    row.get_by_role("link", name="完了…").click()
    step = row.locator("form.complete-form")
    expect(step.locator("input[name='log_activity']")).to_be_checked()
    step.locator("textarea[name='outcome']").fill("予算は来期に確保済み。見積を依頼された")
    step.locator("input[name='next_title']").fill(next_title)
    step.locator("select[name='next_kind']").select_option("email")
    step.locator("select[name='next_due_in']").select_option("3")
    screenshot(page, "my-day-done-step")
    step.get_by_role("button", name="完了にする", exact=True).click()

    my_day = page.locator("#my-tasks")
    expect(my_day.locator("li.task-row", has_text=follow_up)).to_have_count(0)
    planned = my_day.locator(".bucket-next_days + ul li.task-row", has_text=next_title)
    expect(planned.locator("time")).to_have_attribute("datetime", due.isoformat())
    expect(badge.locator("[aria-hidden=true]")).to_have_text(str(overdue_before - 1))
    assert page.evaluate("window.__marker") == 1, "the page reloaded: My day did not update in place"
    screenshot(page, "my-day-after")
    check_axe(page)

    page.goto(f"/pipeline?company_id={data.company_id}")
    next_action = card(page, deal_id).locator(".card-next")
    expect(next_action.locator(".next-title")).to_have_text(next_title)
    expect(next_action.locator("time")).to_have_attribute("datetime", due.isoformat())
    screenshot(page, "my-day-board-card")

    page.goto(f"/deals/{deal_id}")
    latest = page.locator("#deal-timeline .tl-item").first
    expect(latest).to_contain_text(follow_up)
    expect(latest).to_contain_text("予算は来期に確保済み")


def test_on_a_company_page_a_rep_edits_a_task_in_place_and_cancels_another(page: Page, live_db_url: str) -> None:
    title, first, second = _unique("複合機入替"), _unique("見積の説明"), _unique("デモ日程の調整")
    data = make_deals(live_db_url, {"title": title, "stage": "提案", "next_title": first, "next_due_on": CLOSE})
    login(page, REP)
    page.goto(f"/accounts/{data.company_id}")
    panel = page.locator("#related-tasks")
    expect(panel.locator("li.task-row", has_text=first)).to_be_visible()  # fetched after the page
    panel.locator("details.add-task summary").click()
    add = panel.locator("form.task-form")
    add.locator("input[name='title']").fill(second)
    add.locator("select[name='due_in']").select_option("5")
    add.get_by_role("button", name="追加").click()
    expect(panel.locator("li.task-row", has_text=second)).to_be_visible()
    page.evaluate("window.__marker = 1")

    panel.locator("li.task-row", has_text=first).get_by_role("link", name="編集").click()
    edit = panel.locator("form.task-edit-form")
    edit.locator("input[name='title']").fill(first + "(役員向け)")
    screenshot(page, "company-task-edit-in-place")
    edit.get_by_role("button", name="保存").click()
    expect(panel.locator("li.task-row", has_text=first + "(役員向け)")).to_be_visible()

    panel.locator("li.task-row", has_text=second).get_by_role("link", name="完了…").click()
    panel.locator("form.complete-form").get_by_role("button", name="このタスクを取り消す").click()
    expect(panel.locator("li.task-row.status-cancelled", has_text=second)).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    screenshot(page, "company-tasks")
    check_axe(page)


def test_a_manager_sees_the_teams_next_actions_on_home_overdue_first(page: Page) -> None:
    login(page, MANAGER)
    page.goto("/")
    team = page.locator("#team-tasks")
    expect(team.locator(".rep-day").first).to_be_visible()
    reps = team.locator(".rep-day")
    overdue = [reps.nth(i).locator(".overdue-count").count() > 0 for i in range(reps.count())]
    assert overdue == sorted(overdue, reverse=True), "reps with overdue tasks come first"
    screenshot(page, "home-manager-team")
    check_axe(page)


def test_on_the_board_a_rep_moves_a_cards_next_action_by_business_days_in_place(page: Page, live_db_url: str) -> None:
    title, follow_up = _unique("複合機保守"), _unique("保守内容の確認")
    data = make_deals(live_db_url, {"title": title, "stage": "提案", "next_title": follow_up, "next_due_on": CLOSE})
    deal_id = data.deals[title]
    due = arrange(live_db_url, lambda db: business_calendar(db)).add(local_today(), 2)
    login(page, REP)
    page.goto(f"/pipeline?company_id={data.company_id}")
    page.evaluate("window.__marker = 1")

    card(page, deal_id).get_by_role("link", name=f"完了にする: {follow_up}").click()
    card(page, deal_id).locator("form.complete-form").get_by_role("link", name="タスクを編集する").click()
    edit = card(page, deal_id).locator("form.task-edit-form")
    edit.locator("select[name='due_in']").select_option("2")
    screenshot(page, "board-card-task-edit")
    edit.get_by_role("button", name="保存").click()

    expect(card(page, deal_id).locator(".card-next time")).to_have_attribute("datetime", due.isoformat())
    expect(card(page, deal_id).locator("form.task-edit-form")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
