"""Accounts as a new user meets them, in Chromium (issue 11): checkboxes beside their labels, the parent
company picked by typing part of its name, ticked persons kept after a failed save, the company page leading
with the account, and the company export opened as Excel would show it."""

from __future__ import annotations

import html
import io
import re
import uuid

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import REP, login, screenshot

FIRST_SCREEN = 800  # the viewport's height in these tests


def _unique(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:6].upper()}"


def _beside(page: Page, checkbox_selector: str) -> None:
    """The checkbox sits on the line of its label's text, left of it (not above it)."""
    box = page.locator(checkbox_selector).bounding_box()
    label = page.locator(checkbox_selector).locator("xpath=ancestor::label[1]").bounding_box()
    assert box and label
    assert box["height"] >= label["height"] - 12, f"checkbox {box} not on one line with its label {label}"
    assert box["width"] < 40, f"checkbox stretched to {box['width']} px"


def test_checkboxes_sit_beside_their_labels_on_the_account_forms(page: Page) -> None:
    login(page, REP)
    page.goto("/accounts/new")
    _beside(page, "input[name='is_target']")
    screenshot(page, "accounts-usability-checkbox-company-form")
    page.goto("/accounts")
    first = page.locator("table a[href^='/accounts/']").first.get_attribute("href")
    page.goto(f"{first}/persons/new")
    _beside(page, "input[name='left_company']")


def test_the_parent_company_is_picked_by_typing_part_of_its_name(page: Page) -> None:
    login(page, REP)
    parent = _unique("青葉ホールディングス")
    page.goto("/accounts/new")
    page.locator("#f-name").fill(parent)
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    child = _unique("青葉精機")

    page.goto("/accounts/new")
    page.locator("#f-name").fill(child)
    page.locator("#f-parent_name").press_sequentially(parent[:8], delay=20)
    expect(page.locator(f"#parent-options option[value='{parent}']")).to_have_count(1)
    page.locator("#f-parent_name").fill(parent)  # as picking the suggestion does
    page.locator("form.form-grid button.primary[type='submit']").click()

    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    expect(page.locator(".group-tree")).to_contain_text(parent)

    page.goto("/accounts/new")
    page.locator("#f-name").fill(_unique("青葉物流"))
    page.locator("#f-parent_name").fill("どこにもない親会社")
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page.locator("#parent_name-error")).to_be_visible()
    expect(page.locator("#f-parent_name")).to_have_value("どこにもない親会社")
    screenshot(page, "accounts-usability-parent-unresolved")


def test_a_failed_activity_save_keeps_the_ticked_persons(page: Page) -> None:
    login(page, REP)
    page.goto("/accounts")
    page.locator("table a[href^='/accounts/']").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    page.locator("#timeline details summary").click()
    picks = page.locator("#timeline .person-picks input[type='checkbox']")
    if picks.count() == 0:
        return  # a company without persons: nothing to tick
    picks.first.check()
    page.locator("#activity-body").fill("議事メモ")
    page.locator("#timeline .quick-add button[type='submit']").click()  # no subject: 422 by htmx

    expect(page.locator("#subject-error")).to_be_visible()
    expect(page.locator("#timeline .person-picks input[type='checkbox']").first).to_be_checked()
    expect(page.locator("#activity-body")).to_have_value("議事メモ")


def test_the_company_page_leads_with_the_composer_the_latest_activities_and_the_deals(page: Page) -> None:
    login(page, REP)
    page.goto("/accounts?sort=-last_contact")
    page.locator("table a[href^='/accounts/']").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))

    composer = page.locator("#activity-subject").bounding_box()
    first_entry = page.locator("#timeline-items > li").first.bounding_box()
    deals = page.locator("#deals").bounding_box()
    assert composer and first_entry and deals
    assert composer["y"] + composer["height"] < FIRST_SCREEN and first_entry["y"] < FIRST_SCREEN
    assert deals["y"] < FIRST_SCREEN and deals["x"] > composer["x"] + composer["width"] / 2  # beside, not below
    page.screenshot(path=str(screenshot(page, "accounts-usability-company-first-screen")), full_page=False)


def test_the_company_export_opens_in_excel_with_japanese_font_bold_frozen_header_and_text_ids(page: Page) -> None:
    """The downloaded XLSX, its cells drawn as Excel would show them (font, bold header, widths, formats)."""
    login(page, REP)
    response = page.request.get("/accounts/export?format=xlsx")
    assert response.ok
    sheet = openpyxl.load_workbook(io.BytesIO(response.body())).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref

    widths = [sheet.column_dimensions[c[0].column_letter].width or 8.43 for c in sheet.iter_cols(max_row=1)]
    page.set_viewport_size({"width": int(sum(widths) * 7.5) + 40, "height": 800})
    page.set_content(_as_html(sheet))
    number = page.locator("td[data-header='法人番号']").first
    expect(number).not_to_contain_text("E+")
    screenshot(page, "accounts-usability-export-xlsx")


def _as_html(sheet) -> str:  # noqa: ANN001 - an openpyxl worksheet
    widths = [sheet.column_dimensions[c[0].column_letter].width or 8.43 for c in sheet.iter_cols(max_row=1)]
    headers = [c.value for c in sheet[1]]
    rows = []
    for row in sheet.iter_rows(max_row=25):
        cells = []
        for cell, header in zip(row, headers, strict=False):
            value = cell.value
            if cell.is_date and value is not None:
                text = f"{value:%Y/%m/%d}"
            elif isinstance(value, int) and "¥" in cell.number_format:
                text = f"¥{value:,}"
            else:
                text = "" if value is None else str(value)
            style = f"font-family:'{cell.font.name}';font-weight:{'bold' if cell.font.b else 'normal'}"
            align = "right" if isinstance(value, int) or cell.is_date else "left"
            tag = "th" if cell.row == 1 else "td"
            cells.append(
                f'<{tag} data-header="{html.escape(str(header))}" style="{style};text-align:{align}">'
                f"{html.escape(text)}</{tag}>"
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    cols = "".join(f'<col style="width:{w * 7.5:.0f}px">' for w in widths)
    return (
        "<html><body style='margin:8px'><p>export.xlsx · freeze "
        f"{sheet.freeze_panes} · filter {sheet.auto_filter.ref}</p>"
        f"<table style='border-collapse:collapse;table-layout:fixed;font-size:14px;width:{sum(widths) * 7.5:.0f}px'"
        " border='1'>"
        f"<colgroup>{cols}</colgroup>{''.join(rows)}</table></body></html>"
    )
