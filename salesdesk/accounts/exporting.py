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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

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
]
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


async def company_rows(db: AsyncSession, f: CompanyFilter, now: datetime) -> list[list[str]]:
    companies = await db.scalars(
        filtered_companies(f, now)
        .options(selectinload(Company.tags), selectinload(Company.owner))
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
            c.phone,
            c.address,
            c.website,
            ", ".join(c.tag_names),
            c.owner.email if c.owner else "",
            "○" if c.is_target else "",
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
                person.phone,
                person.mobile,
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


def to_csv(headers: list[str], rows: list[list[str]], encoding: str) -> tuple[bytes, int]:
    """The CSV bytes and how many characters CP932 could not encode (written as "?")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([("'" + v if FORMULA.match(v) else v) for v in row] for row in rows)
    text = buffer.getvalue()
    if encoding != "cp932":
        return text.encode("utf-8-sig"), 0
    try:
        return text.encode("cp932"), 0
    except UnicodeEncodeError:
        content = text.encode("cp932", errors="replace")
        return content, content.count(b"?") - text.count("?")  # "?" is never part of a CP932 double byte


def to_xlsx(headers: list[str], rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # numbers and dates stay numbers and dates (the deal export's amounts)
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value.startswith("="):
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"  # text, never a formula
        return text

    sheet.append(headers)
    for row in rows:
        sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
        headers, rows = COMPANY_HEADERS, await company_rows(db, f, clock.now())
    filename = f"{what}-{clock.today():%Y%m%d}.{format}"
    if format == "xlsx":
        return ExportFile(filename, to_xlsx(headers, rows, what), XLSX_TYPE)
    content, replaced = to_csv(headers, rows, encoding)
    return ExportFile(filename, content, "text/csv", CHARSETS[encoding], replaced)
