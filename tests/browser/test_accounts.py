"""Accounts in a real browser: the org chart, the htmx timeline, the header search by phone and
the CSV import with its mapping and preview screens.

Each story leaves a screenshot in test-artifacts/screenshots/ for a human to look at.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MANAGER, REP, ROOT, check_axe, login, screenshot

CATALOGS = ROOT / "salesdesk" / "i18n" / "locales"


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs_are_current() -> Iterator[None]:
    """These tests read Japanese labels: a .mo older than its .po shows new strings in English."""
    stale = [
        str(po.relative_to(ROOT))
        for po in sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po"))
        if not po.with_suffix(".mo").exists() or po.stat().st_mtime > po.with_suffix(".mo").stat().st_mtime
    ]
    if stale:
        pytest.fail(f"compiled catalogs are older than {', '.join(stale)}: run ./scripts/setup first.", pytrace=False)
    yield


def _unique(label: str) -> str:
    """A name no other test (nor the demo data) uses, so locators find exactly one thing."""
    return f"{label}{uuid.uuid4().hex[:6].upper()}"


def _create_company(page: Page, name: str, kana: str = "") -> str:
    """Create a company through /accounts/new; returns its page's path (/accounts/ID)."""
    page.goto("/accounts/new")
    page.locator("#f-name").fill(name)
    if kana:
        page.locator("#f-name_kana").fill(kana)
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    expect(page.locator("h1")).to_contain_text(name)
    return re.sub(r"^https?://[^/]+", "", page.url)


def _add_department(page: Page, name: str, parent: str = "") -> None:
    """Add a department from the side panel of the company page shown now."""
    page.locator("#new-dept").fill(name)
    if parent:
        page.locator("#new-dept-parent").select_option(label=parent)
    page.locator("form.add-dept button[type='submit']").click()
    expect(page.locator("#departments .dept-list")).to_contain_text(name)


def _add_person(
    page: Page,
    company_path: str,
    *,
    name: str,
    department: str = "",
    title: str = "",
    phone: str = "",
    role: str = "",
    stance: str = "",
) -> None:
    """Add a person through the company page's "Add person" link; ends back on the company page."""
    page.goto(company_path)
    page.locator(f".page-head a[href='{company_path}/persons/new']").click()
    expect(page).to_have_url(re.compile(rf"{company_path}/persons/new$"))
    page.locator("#f-name").fill(name)
    if department:
        page.locator("#f-department_id").select_option(label=department)
    if title:
        page.locator("#f-title").fill(title)
    if phone:
        page.locator("#f-phone").fill(phone)
    if role:
        page.locator("#f-buying_role").select_option(role)
    if stance:
        page.locator("#f-stance").select_option(stance)
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"{company_path}(#org-chart)?$"))
    expect(page.locator("#org-chart")).to_contain_text(name)


def test_org_chart_shows_persons_under_their_departments_with_role_labels(page: Page) -> None:
    login(page, REP)
    company = _unique("株式会社組織図テスト")
    path = _create_company(page, company, kana="ソシキズテスト")

    _add_department(page, "経営企画部")
    _add_department(page, "情報システム部")
    _add_person(
        page,
        path,
        name="山田 太郎",
        department="経営企画部",
        title="代表取締役",
        role="decision_maker",
        stance="supporter",
    )
    _add_person(
        page, path, name="佐々木 花子", department="情報システム部", title="部長", role="champion", stance="supporter"
    )
    _add_person(
        page, path, name="小林 次郎", department="情報システム部", title="課長", role="blocker", stance="opponent"
    )

    chart = page.locator("#org-chart")
    planning = chart.locator("li.org-dept", has=page.locator("h3.org-dept-name", has_text="経営企画部"))
    systems = chart.locator("li.org-dept", has=page.locator("h3.org-dept-name", has_text="情報システム部"))
    expect(planning.locator("li.org-person")).to_have_count(1)
    expect(systems.locator("li.org-person")).to_have_count(2)

    yamada = planning.locator("li.org-person", has_text="山田 太郎")
    expect(yamada.locator(".badge.role-decision_maker")).to_have_text("決裁者")
    expect(yamada.locator(".org-title")).to_have_text("代表取締役")
    sasaki = systems.locator("li.org-person", has_text="佐々木 花子")
    expect(sasaki.locator(".badge.role-champion")).to_have_text("推進者")
    kobayashi = systems.locator("li.org-person", has_text="小林 次郎")
    expect(kobayashi.locator(".badge.role-blocker")).to_have_text("反対者")
    expect(kobayashi.locator(".stance")).to_contain_text("反対")

    # The buying-center roll-up names them too, and no longer warns about a missing decision maker.
    rollup = page.locator("dl.rollup")
    expect(rollup).to_contain_text("山田 太郎")
    expect(rollup).to_contain_text("佐々木 花子")
    expect(rollup).to_contain_text("小林 次郎")
    expect(page.locator("section[aria-labelledby='rollup-heading'] .flash-warning")).to_have_count(0)
    expect(page.locator("#departments .dept-list")).to_contain_text("経営企画部")

    screenshot(page, "accounts-org-chart")
    check_axe(page)


def test_activity_added_with_htmx_lands_at_the_top_of_the_timeline_without_a_reload(page: Page) -> None:
    login(page, REP)
    path = _create_company(page, _unique("タイムライン商事"))
    # An older entry first, so "at the top" means something.
    form = page.locator("form.quick-add")
    form.locator("#activity-kind").select_option("note")
    form.locator("#activity-subject").fill("最初のメモ")
    form.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("#timeline .tl-item.kind-note").first).to_contain_text("最初のメモ")

    page.evaluate("window.__marker = 1")
    subject = "更新の件で電話、来週訪問のアポ取得"
    form = page.locator("form.quick-add")
    form.locator("#activity-kind").select_option("call")
    form.locator("#activity-subject").fill(subject)
    form.get_by_role("button", name="追加", exact=True).click()

    first = page.locator("#timeline .tl-item").first
    expect(first).to_contain_text(subject)
    expect(first.locator(".badge.kind")).to_have_text("電話")
    expect(first).to_have_class(re.compile(r"\bkind-call\b"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded: the quick-add did not go through htmx"
    expect(page).to_have_url(re.compile(rf"{path}$"))
    # The swapped-in form is empty again, ready for the next entry.
    expect(page.locator("#activity-subject")).to_have_value("")
    expect(page.locator("#timeline .tl-item", has_text="最初のメモ")).to_have_count(1)

    screenshot(page, "accounts-timeline")


def test_the_longest_unbroken_names_a_user_may_type_wrap_and_the_company_page_stays_as_wide_as_the_window(
    page: Page,
) -> None:
    """The review found a 5,000-character department name making the company page 71,000 px wide:
    now names are bounded (100 for a department or person, 200 for a company or a subject, 300 for
    a website) and text without a break opportunity wraps anywhere."""
    login(page, REP)
    page.set_viewport_size({"width": 1280, "height": 900})
    path = _create_company(page, _unique("長") + "社" * 190)
    page.goto(f"{path}/edit")
    page.locator("#f-website").fill("https://www.example.co.jp/" + "w" * 274)  # a web address, 300 characters
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page).to_have_url(re.compile(rf"{path}$"))
    department = _unique("部") + "署" * 93
    _add_department(page, department)
    form = page.locator("form.quick-add")
    form.locator("#activity-subject").fill("件" * 200)
    form.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("#timeline .tl-item").first).to_contain_text("件" * 50)
    page.goto(f"{path}/persons/new")
    page.locator("#f-name").fill("名" * 100)
    page.locator("#f-department_id").select_option(label=department)
    page.locator("form.form-grid button.primary[type='submit']").click()
    expect(page).to_have_url(re.compile(r"#org-chart$"))
    page.goto(path)

    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")

    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window: {wide}"
    screenshot(page, "accounts-long-names")


def test_header_search_finds_a_person_by_a_phone_number_typed_in_full_width(page: Page) -> None:
    login(page, REP)
    path = _create_company(page, _unique("電話検索工業"))
    person = _unique("電話 検索子")
    _add_person(page, path, name=person, title="総務課長", phone="03-1234-5678", role="champion")

    search = page.locator("#header-search")
    search.click()
    search.press_sequentially("０３（１２３４）５６７８")

    results = page.locator("#live-results")
    hit = results.locator("ul.hits li", has_text=person)
    expect(page).to_have_url(re.compile(rf"{path}(#org-chart)?$"))  # a live dropdown, not the /search page
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("03-1234-5678")
    expect(hit.locator(".badge.role-champion")).to_have_text("推進者")
    expect(hit.locator(f"a[href='{path}']")).to_be_visible()

    screenshot(page, "accounts-search")

    # The half-width form with hyphens finds the same person.
    search.fill("")
    search.press_sequentially("03-1234-5678")
    expect(results.locator("ul.hits li", has_text=person)).to_be_visible()


def test_cp932_csv_import_goes_through_mapping_and_preview_and_lists_the_invalid_rows(
    page: Page, tmp_path: Path
) -> None:
    company = _unique("取込テスト株式会社")
    csv_path = tmp_path / "顧客一覧.csv"
    lines = [
        "会社名,担当者名,メールアドレス,電話番号",
        f"{company},高橋 一郎,takahashi@example.co.jp,03-5555-0101",  # row 2: fine
        f"{company},中村 二郎,nakamura@@example,03-5555-0102",  # row 3: bad email
        ",松本 三郎,matsumoto@example.co.jp,03-5555-0103",  # row 4: no company name
        f"{company},井上 四郎,inoue@example.co.jp,03-5555-0104",  # row 5: fine
    ]
    csv_path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))

    login(page, REP)
    page.goto("/accounts/import")
    page.locator("#f-file").set_input_files(csv_path)
    page.get_by_role("button", name="アップロードして次へ").click()

    # Mapping: the guesses, shown with sample values decoded from Shift_JIS.
    expect(page).to_have_url(re.compile(r"/accounts/import/\d+$"))
    expect(page.locator("h1")).to_be_visible()
    mapping = page.locator("table.data")
    expect(mapping.locator("tbody th")).to_have_text(["会社名", "担当者名", "メールアドレス", "電話番号"])
    expect(mapping).to_contain_text("高橋 一郎")
    expect(page.locator("#col-0")).to_have_value("company.name")
    expect(page.locator("#col-1")).to_have_value("person.name")
    expect(page.locator("#col-2")).to_have_value("person.email")
    expect(page.locator("#col-3")).to_have_value("person.phone")
    page.get_by_role("button", name="取り込み内容をプレビュー").click()

    # Preview: nothing saved yet, the invalid rows listed with their reasons (Excel row numbers).
    expect(page).to_have_url(re.compile(r"/accounts/import/\d+/preview$"))
    invalid = page.locator("section#invalid")
    expect(invalid.locator("h2")).to_contain_text("(2)")
    rows = invalid.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(rows.nth(0)).to_contain_text("メールアドレス「nakamura@@example」が正しくありません。")
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(rows.nth(1)).to_contain_text("会社名がありません")
    expect(rows.nth(1)).to_contain_text("松本 三郎")
    expect(page.locator("#companies-new")).to_have_text("1")
    expect(page.locator("#persons-new")).to_have_text("2")

    screenshot(page, "accounts-import-preview")

    # Commit: the two valid persons arrive at the new company, the invalid rows do not.
    page.get_by_role("button", name="インポートを実行").click()
    expect(page).to_have_url(re.compile(r"/accounts(\?.*)?$"))
    page.goto(f"/search?q={company}")
    hit = page.locator("#search-results ul.hits li", has_text=company)
    expect(hit).to_have_count(1)
    hit.get_by_role("link", name=company).click()
    chart = page.locator("#org-chart")
    expect(chart.locator("li.org-person")).to_have_count(2)
    expect(chart).to_contain_text("高橋 一郎")
    expect(chart).to_contain_text("井上 四郎")
    expect(chart).not_to_contain_text("中村 二郎")


def test_company_page_and_list_page_have_no_serious_axe_violations(page: Page) -> None:
    login(page, REP)
    page.goto("/accounts")
    expect(page.locator("h1")).to_be_visible()
    check_axe(page)

    first_company = page.locator("main a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).find(h => /^\\/accounts\\/\\d+$/.test(h))"
    )
    assert first_company, "the demo list shows no company link"
    page.goto(first_company)
    expect(page.locator("#org-chart")).to_be_visible()
    check_axe(page)


def test_two_tabs_saving_one_company_the_second_keeps_its_input_and_sees_who_saved_first(
    page: Page, browser, live_server
) -> None:
    login(page, REP)
    path = _create_company(page, _unique("株式会社二重編集"))
    page.goto(f"{path}/edit")
    other = browser.new_page(base_url=live_server)
    login(other, MANAGER)
    other.goto(f"{path}/edit")
    other.locator("#f-notes").fill("部長が先に保存したメモ")
    other.locator("form.form-grid button.primary[type='submit']").click()
    expect(other).to_have_url(re.compile(r"/accounts/\d+$"))

    page.locator("#f-notes").fill("私の入力したメモ")
    page.locator("form.form-grid button.primary[type='submit']").click()

    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("佐藤 健一")  # who saved first
    expect(conflict).to_contain_text("部長が先に保存したメモ")  # what is saved now
    expect(page.locator("#f-notes")).to_have_value("私の入力したメモ")  # nothing typed is lost
    screenshot(page, "accounts-conflict")
    other.close()
