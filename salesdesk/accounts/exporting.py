"""The accounts export: companies (or persons with their company) of the company list's filters,
as CSV (UTF-8 with BOM by default, CP932 on request) or XLSX, in the column layout the import
recognises, so a file exported here imports back into an empty database as the same data.

Everyone reads every account, so exporting needs no actor: any logged-in user may.
Spreadsheet formulas are never written: XLSX cells are plain text, and in CSV a value that
Excel would run as a formula (=…, @…, +/- followed by letters) starts with an apostrophe,
which the import removes again.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.import_files import ROLE_WORDS
from salesdesk.accounts.models import Company, Department, Person
from salesdesk.accounts.people import department_paths
from salesdesk.accounts.services import CompanyFilter, filtered_companies
from salesdesk.clock import Clock

COMPANY_HEADERS = [
    "会社名",
    "フリガナ",
    "法人番号",
    "業種",
    "従業員規模",
    "決算月",
    "電話番号",
    "住所",
    "URL",
    "タグ",
    "担当営業",
    "重点顧客",
    "親会社",
    "最終接触日",
    "会社メモ",
]
TEXT_IDS = ("法人番号",)  # digits Excel would read as a number (6.01E+12): written as text (see to_csv)
PERSON_HEADERS = [
    "会社名",
    "法人番号",
    "部署",
    "担当者名",
    "担当者フリガナ",
    "役職",
    "メールアドレス",
    "電話番号",
    "携帯電話",
    "役割",
]
ROLE_LABELS = {key: words[0] for key, words in ROLE_WORDS.items()}
WHATS = ("companies", "persons")
FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8-sig", "cp932")
FORMULA = re.compile(r"^(?:[=@\t\r]|[+\-](?![\d\s()\-]*$))")  # "+81 3-1234-5678" is a phone, "+cmd" is not
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHARSETS = {"utf-8-sig": "utf-8", "cp932": "shift_jis"}  # as HTTP names them


@dataclass
class ExportFile:
    filename: str
    content: bytes
    media_type: str
    charset: str = "utf-8"  # of a CSV file, for the Content-Type header
    replaced: int = 0  # characters CP932 cannot encode, written as "?"


def _company_ids(f: CompanyFilter, now: datetime) -> Any:
    return filtered_companies(f, now).with_only_columns(Company.id).order_by(None)


async def company_rows(db: AsyncSession, f: CompanyFilter, now: datetime, clock: Clock) -> list[list[Any]]:
    companies = await db.scalars(
        filtered_companies(f, now)
        .options(selectinload(Company.tags), selectinload(Company.owner), selectinload(Company.parent))
        .order_by(Company.kana_key, Company.normalized_name, Company.id)
    )
    return [
        [
            c.name,
            c.name_kana,
            c.corporate_number or "",
            c.industry,
            c.employee_band,
            str(c.fiscal_year_end_month or ""),
            norm.display_phone(c.phone),
            c.address,
            c.website,
            ", ".join(c.tag_names),
            c.owner.email if c.owner else "",
            "○" if c.is_target else "",
            c.parent.name if c.parent else "",
            clock.local(c.last_contact_at).date() if c.last_contact_at else "",
            c.notes,
        ]
        for c in companies
    ]


async def person_rows(db: AsyncSession, f: CompanyFilter, now: datetime) -> list[list[str]]:
    """Current persons (not those who left) with their company and department path.

    A department nobody is in gets a row of its own (no person), so the tree imports back whole.
    """
    ids = _company_ids(f, now)
    departments = list(await db.scalars(select(Department).where(Department.company_id.in_(ids))))
    paths = department_paths(departments)
    found = await db.execute(
        select(Person, Company.name, Company.corporate_number)
        .join(Company, Person.company_id == Company.id)
        .where(Person.company_id.in_(ids), Person.left_company.is_(False))
        .order_by(Company.kana_key, Company.normalized_name, Company.id, Person.kana_key, Person.id)
    )
    rows, covered = [], set()
    for person, company_name, number in found:
        path = paths.get(person.department_id or 0, "")
        rows.append(
            [
                company_name,
                number or "",
                path,
                person.name,
                person.name_kana,
                person.title,
                person.email,
                norm.display_phone(person.phone),
                norm.display_phone(person.mobile),
                ROLE_LABELS.get(person.buying_role or "", ""),
            ]
        )
        covered |= _prefixes(person.company_id, path)
    empty = [d for d in departments if (d.company_id, paths[d.id]) not in covered]
    if empty:
        companies = {
            c.id: c
            for c in await db.execute(
                select(Company.id, Company.name, Company.corporate_number).where(Company.id.in_(ids))
            )
        }
        for dept in sorted(empty, key=lambda d: (d.company_id, -len(paths[d.id]))):  # leaves first
            if (dept.company_id, paths[dept.id]) not in covered:
                company = companies[dept.company_id]
                rows.append([company.name, company.corporate_number or "", paths[dept.id], *[""] * 7])
                covered |= _prefixes(dept.company_id, paths[dept.id])
    return rows


def _prefixes(company_id: int, path: str) -> set[tuple[int, str]]:
    parts = path.split(" > ") if path else []
    return {(company_id, " > ".join(parts[:depth])) for depth in range(1, len(parts) + 1)}


def to_csv(headers: list[str], rows: list[list[Any]], encoding: str) -> tuple[bytes, int]:
    """The CSV bytes and how many characters CP932 could not encode (written as "?").

    A CSV cell has no type, and Excel reads 6010001000001 as the number 6.01E+12 (saved back, the digits are
    gone). A column named in TEXT_IDS is therefore written with a leading apostrophe: Excel keeps every
    digit (showing the apostrophe), our import removes it again. ="…" would be read literally by every other
    CSV importer. Phones in the 03-1234-5678 form stay text in Excel by themselves; dates are 2026/04/01."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    as_text = [h in TEXT_IDS for h in headers]
    writer.writerows([_csv_cell(v, i < len(as_text) and as_text[i]) for i, v in enumerate(row)] for row in rows)
    text = buffer.getvalue()
    if encoding != "cp932":
        return text.encode("utf-8-sig"), 0
    try:
        return text.encode("cp932"), 0
    except UnicodeEncodeError:
        content = text.encode("cp932", errors="replace")
        return content, content.count(b"?") - text.count("?")  # "?" is never part of a CP932 double byte


XLSX_FONT = "游ゴシック"  # Excel's Japanese default on Windows 10+ and macOS; Meiryo-era files read it too
DATE_FORMAT = "yyyy/mm/dd"
YEN_FORMAT = '"¥"#,##0'
COUNT_FORMAT = "#,##0"
YEN_HEADERS = ("金額", "円")  # an integer under such a header is yen: the deal export's 金額(税抜), 加重金額
WIDTH_SAMPLE = 500  # rows looked at to size the columns


def _csv_cell(value: Any, as_text: bool) -> str:
    if isinstance(value, date):
        return f"{value:%Y/%m/%d}"
    text = str(value)
    return "'" + text if FORMULA.match(text) or (as_text and text) else text


def to_xlsx(headers: list[str], rows: list[list[Any]], title: str) -> bytes:
    """A sheet ready for Excel on Japanese Windows: a Japanese font, a bold frozen header row with an autofilter,
    columns sized to their content, dates as dates and yen as numbers in a yen format. Strings are always text
    (an identifier like 法人番号 never becomes 6.01E+12, "=…" never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.indexed_list import IndexedList

    workbook = Workbook(write_only=True)
    workbook._fonts = IndexedList([Font(name=XLSX_FONT, size=11)])  # the Normal style's font: every cell's default
    sheet = workbook.create_sheet(title)
    bold = Font(name=XLSX_FONT, size=11, bold=True)
    yen = [any(word in h for word in YEN_HEADERS) for h in headers]
    for index, width in enumerate(_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(headers), 1))}{len(rows) + 1}"

    def cell(value: Any, column: int) -> Any:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if not value.startswith("="):
                return value
        styled = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            styled.data_type = "s"  # text, never a formula
        elif isinstance(value, date):
            styled.number_format = DATE_FORMAT
        elif isinstance(value, int) and not isinstance(value, bool):
            styled.number_format = YEN_FORMAT if yen[column] else COUNT_FORMAT
        return styled

    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=header)
        header_cell.font = bold
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(v, i) for i, v in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _widths(headers: list[str], rows: list[list[Any]]) -> list[float]:
    """Column widths in Excel's units (a half-width character each; full-width count two), 6 to 50."""
    widths = [_text_width(h) + 4 for h in headers]  # + the autofilter button
    for row in rows[:WIDTH_SAMPLE]:
        for i, value in enumerate(row[: len(widths)]):
            text = f"{value:%Y/%m/%d}" if isinstance(value, date) else f"{value:,}" if isinstance(value, int) else value
            widths[i] = max(widths[i], _text_width(str(text)) + 2)
    return [min(max(w, 6), 50) for w in widths]


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


async def export_accounts(
    db: AsyncSession,
    f: CompanyFilter,
    clock: Clock,
    *,
    what: str = "companies",
    format: str = "csv",
    encoding: str = "utf-8-sig",
) -> ExportFile:
    what = what if what in WHATS else "companies"
    format = format if format in FORMATS else "csv"
    encoding = encoding if encoding in ENCODINGS else "utf-8-sig"
    if what == "persons":
        headers, rows = PERSON_HEADERS, await person_rows(db, f, clock.now())
    else:
        headers, rows = COMPANY_HEADERS, await company_rows(db, f, clock.now(), clock)
    filename = f"{what}-{clock.today():%Y%m%d}.{format}"
    if format == "xlsx":
        return ExportFile(filename, to_xlsx(headers, rows, what), XLSX_TYPE)
    content, replaced = to_csv(headers, rows, encoding)
    return ExportFile(filename, content, "text/csv", CHARSETS[encoding], replaced)
