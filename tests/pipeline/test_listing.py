"""The deal list: the board's filters plus status, sorting both ways, pages of 50 with totals of the
whole filtered set; and its export as CSV (UTF-8 with BOM, or CP932) and XLSX with Japanese headers."""

import csv
import html
import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from salesdesk.clock import Clock
from salesdesk.pipeline import configure, listing, moves
from salesdesk.pipeline.admin_forms import StageForm, parse_stage
from salesdesk.pipeline.filters import DealFilter
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import LostReason
from salesdesk.tasks import services as tasks
from tests.pipeline.conftest import reload
from tests.plans import plan


async def move(db, actor, deal, stage, **values):
    deal = await reload(db, deal)
    await moves.move_deal(
        db,
        actor,
        Clock.of(actor),
        deal.id,
        parse_move(MoveForm(stage_id=str(stage.id), version=deal.version, **values)),
    )
    await db.commit()
    return deal


async def closed_deals(db, rep, make_deal, stage):
    """One open, one won and one lost deal of rep's."""
    await make_deal(rep, "提案", title="進行中の案件", amount_jpy="100000")
    won = await make_deal(rep, "交渉", title="受注した案件", amount_jpy="200000", expected_close_date="2026-10-01")
    await move(db, rep, won, stage("受注"), closed_on="2026-10-05")
    lost = await make_deal(rep, "提案", title="失注した案件", amount_jpy="300000")
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    await move(db, rep, lost, stage("失注"), lost_reason_id=str(reason.id), lost_note="他社が2割安い")


def titles(result):
    return [row.deal.title for row in result.rows]


async def test_the_list_shows_open_deals_unless_told_which_status(db, rep, make_deal, stage):
    await closed_deals(db, rep, make_deal, stage)

    assert titles(await listing.list_deals(db, rep, DealFilter())) == ["進行中の案件"]
    assert titles(await listing.list_deals(db, rep, DealFilter(status="won"))) == ["受注した案件"]
    assert titles(await listing.list_deals(db, rep, DealFilter(status="lost"))) == ["失注した案件"]
    assert sorted(titles(await listing.list_deals(db, rep, DealFilter(status="all")))) == sorted(
        ["進行中の案件", "受注した案件", "失注した案件"]
    )


async def test_the_boards_filters_narrow_the_list(db, rep, manager, other_rep, make_deal):
    await make_deal(rep, "提案", title="Aの案件", forecast="A")
    await make_deal(rep, "提案", title="Bの案件", forecast="B")
    await make_deal(manager, "提案", title="マネージャーの案件", forecast="A")
    await make_deal(other_rep, "提案", title="他チームの案件", forecast="A")

    assert titles(await listing.list_deals(db, manager, DealFilter(owner_id=rep.id, forecast="A"))) == ["Aの案件"]
    assert "他チームの案件" not in titles(await listing.list_deals(db, manager, DealFilter()))
    assert titles(await listing.list_deals(db, other_rep, DealFilter())) == ["他チームの案件"]


async def test_sorting_runs_both_ways_and_puts_deals_without_a_value_last(db, rep, make_deal):
    await make_deal(rep, "提案", title="小", amount_jpy="100")
    await make_deal(rep, "提案", title="金額なし")
    await make_deal(rep, "提案", title="大", amount_jpy="900")
    await make_deal(rep, "交渉", title="中", amount_jpy="500", expected_close_date="2027-01-01")

    assert titles(await listing.list_deals(db, rep, DealFilter(sort="amount"))) == ["小", "中", "大", "金額なし"]
    assert titles(await listing.list_deals(db, rep, DealFilter(sort="-amount"))) == ["大", "中", "小", "金額なし"]
    # weighted: 中 is 500 × 80% = 400; 大 900 × 40% = 360; 小 100 × 40% = 40
    assert titles(await listing.list_deals(db, rep, DealFilter(sort="-weighted")))[:3] == ["中", "大", "小"]
    assert titles(await listing.list_deals(db, rep, DealFilter(sort="-stage")))[0] == "中"


async def test_sorting_by_next_action_puts_the_most_urgent_first(db, rep, make_deal, make_task):
    later = await make_deal(rep, "提案", title="来月", next_action=False)
    await make_task(rep, later, due_in_days=30)
    soon = await make_deal(rep, "提案", title="明日", next_action=False)
    await make_task(rep, soon, due_in_days=1)
    await make_deal(rep, "提案", title="予定なし", next_action=False)

    result = await listing.list_deals(db, rep, DealFilter(sort="next_action"))

    assert titles(result) == ["明日", "来月", "予定なし"]
    assert result.rows[0].next_action.title == "訪問" and result.rows[2].lacks_next_action


async def test_each_rows_next_action_is_its_earliest_open_task_as_the_board_reads_it(db, rep, make_deal, make_task):
    deal = await make_deal(rep, "提案", title="予定が複数", next_action=False)
    cancelled = await make_task(rep, deal, title="取り消した電話", due_in_days=-3)
    await tasks.cancel_task(db, rep, cancelled.id, seen_version=cancelled.version)
    await make_task(rep, deal, title="午後の訪問", due_in_days=2, due_time="14:00")
    await make_task(rep, deal, title="終日の資料送付", due_in_days=2)  # an all-day task comes first on its day
    await make_task(rep, deal, title="来週の会議", due_in_days=9)
    await db.commit()
    other = await make_deal(rep, "提案", title="予定なし", next_action=False)

    rows = {row.deal.id: row for row in (await listing.list_deals(db, rep, DealFilter())).rows}
    by_the_board = await tasks.next_action_rows(db, [deal.id, other.id])

    assert rows[deal.id].next_action.title == "終日の資料送付"
    assert tuple(rows[deal.id].next_action) == tuple(by_the_board[deal.id])
    assert rows[other.id].next_action is None and other.id not in by_the_board


async def test_a_stage_added_after_the_list_was_read_lists_its_deals_at_once(db, admin, rep, pipeline, make_deal):
    await make_deal(rep, "提案", title="前からの案件")
    assert titles(await listing.list_deals(db, rep, DealFilter())) == ["前からの案件"]  # its statements are kept now

    await configure.add_stage(db, admin, pipeline.id, parse_stage(StageForm(name="稟議中", probability="90"), []))
    await db.commit()
    await make_deal(rep, "稟議中", title="新しいステージの案件")

    assert sorted(titles(await listing.list_deals(db, rep, DealFilter()))) == ["前からの案件", "新しいステージの案件"]


async def test_a_page_holds_fifty_deals_and_the_totals_count_them_all(db, rep, make_deal):
    for n in range(3):
        await make_deal(rep, "提案", title=f"案件{n}", amount_jpy="333333")
    await make_deal(rep, "提案", title="案件3")

    first = await listing.list_deals(db, rep, DealFilter(sort="title"), per_page=3)
    second = await listing.list_deals(db, rep, DealFilter(sort="title", page=2), per_page=3)
    beyond = await listing.list_deals(db, rep, DealFilter(sort="title", page=9), per_page=3)

    assert (titles(first), titles(second), first.pages) == (["案件0", "案件1", "案件2"], ["案件3"], 2)
    assert beyond.page == 2 and titles(beyond) == ["案件3"]
    # 3 × 333,333 at 40% = 399,999.6: the total is rounded once, to 400,000
    assert (second.totals.count, second.totals.total_jpy, second.totals.weighted_jpy) == (4, 999_999, 400_000)
    assert listing.PER_PAGE == 50


async def test_the_default_order_merges_every_stage_by_close_date_undated_last_on_every_page(
    db, rep, other_rep, make_deal, stage
):
    """The default order is read per stage off an index and merged: across stages, pages and statuses
    it is the order of all the matching deals by close date (then id), undated last."""
    plan = [
        ("リード", "2027-03-01"), ("提案", "2026-12-15"), ("リード", None), ("リード", "2026-12-15"),
        ("商談化", "2027-01-10"), ("提案", None), ("見積提出", "2026-11-30"), ("交渉", "2027-01-10"),
    ]  # fmt: skip
    made = []
    for n, (name, close) in enumerate(plan):
        dated = {"expected_close_date": close} if close else {}
        deal = await make_deal(rep, name, title=f"案件{n}", amount_jpy="100000", **dated)
        made.append((close is None, close or "", deal.id, f"案件{n}"))
    await make_deal(other_rep, "リード", title="他チーム", expected_close_date="2026-01-01")  # not rep's to see
    won = await make_deal(rep, "交渉", title="受注", amount_jpy="100000", expected_close_date="2026-10-01")
    await move(db, rep, won, stage("受注"), closed_on="2026-10-05")
    expected = [title for *_, title in sorted(made)]

    pages = [await listing.list_deals(db, rep, DealFilter(page=n), per_page=3) for n in (1, 2, 3)]
    everything = await listing.list_deals(db, rep, DealFilter(status="all"), per_page=3)
    won_only = await listing.list_deals(db, rep, DealFilter(status="won"), per_page=3)

    assert [titles(page) for page in pages] == [expected[:3], expected[3:6], expected[6:]]
    assert pages[0].totals.count == 8 and pages[0].pages == 3
    assert titles(everything) == ["受注", *expected[:2]]
    assert titles(won_only) == ["受注"]


async def test_the_default_orders_page_walks_each_stage_off_its_index_without_sorting_every_deal(db, rep, make_deal):
    await make_deal(rep, "提案", expected_close_date="2027-01-10")

    # PostgreSQL would sort a test's few rows: with sorting off, can the index give each stage's order?
    found = await plan(
        db,
        "undated",
        lambda: listing.list_deals(db, rep, DealFilter()),
        settings=("enable_sort = off", "enable_seqscan = off"),
    )

    walks = [line for line in found.splitlines() if "ix_deals_stage_id_close_order" in line]
    assert len(walks) == 5, found  # one walk per open stage: the list's default status is open


async def test_export_csv_is_utf8_with_bom_and_japanese_headers_read_back_by_the_csv_module(db, rep, make_deal, stage):
    await closed_deals(db, rep, make_deal, stage)
    await make_deal(
        rep, "見積提出", title="=SUM(A1)", amount_jpy="1200000", expected_close_date="2026-12-10", competitors="競合A社"
    )

    exported = await listing.export_deals(db, rep, DealFilter(status="all", sort="title"))

    assert exported.content.startswith(b"\xef\xbb\xbf") and exported.charset == "utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert list(rows[0]) == listing.EXPORT_HEADERS and "金額(税抜)" in rows[0] and "加重金額" in rows[0]
    by_title = {row["案件名"]: row for row in rows}
    quote = by_title["'=SUM(A1)"]  # a formula is never written as one
    assert (quote["金額(税抜)"], quote["確度"], quote["加重金額"]) == ("1200000", "60", "720000")
    assert (quote["受注予定日"], quote["ステージ"], quote["競合"]) == ("2026/12/10", "見積提出", "競合A社")
    assert quote["次のアクション"] == "電話でフォロー" and quote["担当者"] == rep.name
    assert by_title["受注した案件"]["受注日"] == "2026/10/05"
    assert by_title["失注した案件"]["失注理由"] == "価格 / 他社が2割安い"


async def test_export_in_cp932_decodes_as_cp932_and_counts_what_it_had_to_replace(db, rep, make_deal):
    await make_deal(rep, "提案", title="髙島屋様 ①期 𠮷野家様")

    exported = await listing.export_deals(db, rep, DealFilter(), encoding="cp932")

    text = exported.content.decode("cp932")
    assert exported.charset == "shift_jis" and not exported.content.startswith(b"\xef\xbb\xbf")
    assert "案件名" in text and "髙島屋様 ①期 ?野家様" in text
    assert exported.replaced == 1


async def test_export_xlsx_opens_with_amounts_as_numbers_and_dates_as_dates(db, rep, make_deal):
    await make_deal(rep, "見積提出", title="基幹システム", amount_jpy="1200000", expected_close_date="2026-12-10")

    exported = await listing.export_deals(db, rep, DealFilter(), format="xlsx")

    sheet = load_workbook(io.BytesIO(exported.content)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    values = dict(zip(header, row, strict=True))
    assert header == listing.EXPORT_HEADERS and exported.filename.endswith(".xlsx")
    assert values["案件名"] == "基幹システム" and values["金額(税抜)"] == 1_200_000 and values["加重金額"] == 720_000
    assert values["受注予定日"].date() == date(2026, 12, 10)


async def test_export_leaves_out_deals_the_actor_may_not_see(db, rep, other_rep, make_deal):
    await make_deal(rep, "提案", title="見える案件")
    await make_deal(other_rep, "提案", title="見えない案件")

    exported = await listing.export_deals(db, rep, DealFilter(status="all"))

    text = exported.content.decode("utf-8-sig")
    assert "見える案件" in text and "見えない案件" not in text


async def test_rep_downloads_the_filtered_list_from_the_page(login, rep, make_deal):
    await make_deal(rep, "提案", title="Aの案件", forecast="A")
    await make_deal(rep, "提案", title="Cの案件", forecast="C")
    client = await login(rep)

    r = await client.get("/pipeline/export?forecast=A&format=csv&encoding=cp932")

    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="deals-' in r.headers["content-disposition"]
    assert "Aの案件" in r.content.decode("cp932") and "Cの案件" not in r.content.decode("cp932")


async def test_the_filtered_lists_excel_link_downloads_the_filtered_deals_as_xlsx(login, rep, make_deal):
    await make_deal(rep, "提案", title="Aの案件", forecast="A")
    await make_deal(rep, "提案", title="Cの案件", forecast="C")
    client = await login(rep)
    page = await client.get("/pipeline/list?forecast=A")

    links = dict(
        (label, html.unescape(href))
        for href, label in re.findall(r'<a href="(/pipeline/export\?[^"]*)"[^>]*>([^<]+)</a>', page.text)
    )
    assert links["Excel"] == "/pipeline/export?forecast=A&format=xlsx"
    assert links["CSV (Shift_JIS)"] == "/pipeline/export?forecast=A&format=csv&encoding=cp932"
    r = await client.get(links["Excel"])

    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert re.search(r'filename="deals-\d{8}\.xlsx"', r.headers["content-disposition"])
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Aの案件"]
