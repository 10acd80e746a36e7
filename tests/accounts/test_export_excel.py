"""Exports fit for Excel on Japanese Windows: a Japanese font, a bold frozen header with an autofilter, sized
columns, identifiers as text, dates as dates and yen as numbers in a yen format."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from salesdesk.accounts import exporting
from salesdesk.accounts.normalize import display_phone
from salesdesk.accounts.services import CompanyFilter
from salesdesk.accounts.timeline import add_activity
from tests.accounts.conftest import CLOCK, activity


async def test_the_company_xlsx_reads_well_in_excel(db, rep, make_company):
    company = await make_company(
        rep,
        "株式会社アルファ精密工業",
        corporate_number="6010001000001",
        phone="０３（１２３４）５６７８",
        notes="年2回訪問",
    )
    await add_activity(db, rep, company.id, activity(kind="visit", subject="定例", occurred_at="2026-11-20T10:00"))
    await db.commit()

    exported = await exporting.export_accounts(db, CompanyFilter(), CLOCK, format="xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: cell for h, cell in zip(header, sheet[2], strict=True)}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2"
    assert all(c.font.b for c in sheet[1]) and row["会社名"].font.name == "游ゴシック"
    assert sheet.column_dimensions["A"].width >= len("株式会社アルファ精密工業") * 2
    assert row["法人番号"].value == "6010001000001" and row["法人番号"].data_type == "s"
    assert row["電話番号"].value == "03-1234-5678"
    assert row["最終接触日"].is_date and row["最終接触日"].number_format == "yyyy/mm/dd"
    assert row["会社メモ"].value == "年2回訪問"


def test_yen_columns_are_numbers_in_a_yen_format_and_dates_are_dates():
    content = exporting.to_xlsx(
        ["案件名", "金額(税抜)", "受注予定日"], [["更新", 1_200_000, date(2027, 3, 31)]], "deals"
    )

    amount, due = openpyxl.load_workbook(io.BytesIO(content)).active["B2":"C2"][0]
    assert amount.value == 1_200_000 and amount.number_format == '"¥"#,##0'
    assert due.is_date and due.number_format == "yyyy/mm/dd"


def test_phones_are_written_in_one_form():
    typed = [
        "03(1234)5678",
        "+81 3 1234 5678",
        "０９０ １２３４ ５６７８",
        "0120123456",
        "045-123-4567",
        "0466-12-3456",
    ]
    assert [display_phone(t) for t in typed] == [
        "03-1234-5678",
        "03-1234-5678",
        "090-1234-5678",
        "0120-123-456",
        "045-123-4567",
        "0466-12-3456",
    ]
