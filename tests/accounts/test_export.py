"""Exporting companies and persons as CSV or Excel, in the layout the import reads back."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts import exporting, importing, people
from salesdesk.accounts import normalize as norm
from salesdesk.accounts.import_files import guess_mapping, read_table
from salesdesk.accounts.models import (
    Activity,
    Company,
    CompanyTag,
    Department,
    Person,
    PersonMove,
    SearchTerm,
    activity_persons,
)
from salesdesk.accounts.services import CompanyFilter
from salesdesk.accounts.timeline import add_activity
from salesdesk.audit.hook import set_actor
from tests.accounts.conftest import CLOCK, activity, new_department


def rows_of(content: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


async def accounts_snapshot(db: AsyncSession) -> dict:
    """Everything an export carries, keyed by names (ids differ after a re-import)."""
    companies = list(await db.scalars(select(Company).options(selectinload(Company.tags))))
    names = {c.id: c.name for c in companies}
    departments = list(await db.scalars(select(Department)))
    paths = people.department_paths(departments)
    persons = list(await db.scalars(select(Person)))
    return {
        "companies": sorted(
            (
                c.name,
                c.name_kana,
                c.corporate_number,
                c.industry,
                c.employee_band,
                c.fiscal_year_end_month,
                norm.display_phone(c.phone),  # exports write one form of a number
                c.address,
                c.website,
                c.owner_id,
                c.is_target,
                names.get(c.parent_id),
                c.notes,
                CLOCK.local(c.last_contact_at).date() if c.last_contact_at else None,
                tuple(c.tag_names),
                c.normalized_name,
                c.kana_key,
                c.phone_digits,
            )
            for c in companies
        ),
        "departments": sorted((names[d.company_id], paths[d.id]) for d in departments),
        "persons": sorted(
            (
                names[p.company_id],
                p.name,
                p.name_kana,
                p.title,
                p.email,
                p.phone,
                p.mobile,
                p.buying_role,
                paths.get(p.department_id or 0, ""),
                p.name_key,
                p.email_key,
            )
            for p in persons
        ),
        "search_terms": sorted((t.entity, t.term) for t in await db.scalars(select(SearchTerm))),
    }


async def arrange_accounts(db, admin, rep, make_company, make_person) -> None:
    alpha = await make_company(
        admin,
        "株式会社アルファ",
        name_kana="アルファ",
        corporate_number="6010001000001",
        industry="製造業",
        employee_band="100-299",
        fiscal_year_end_month="3",
        phone="03-1234-5678",
        address="東京都千代田区1-1",
        website="https://alpha.example.jp",
        tags="重点, 製造",
        owner_id=str(rep.id),
        is_target="1",
        notes="年2回の定例訪問",
    )
    beta = await make_company(admin, "ベータ合同会社", phone="+81 6-1111-2222", parent_id=str(alpha.id))
    set_actor(db, admin)
    head = await people.create_department(db, admin, alpha.id, new_department("本社"))
    it = await people.create_department(db, admin, alpha.id, new_department("情報システム部", head))
    await people.create_department(db, admin, beta.id, new_department("空の部署"))
    await add_activity(db, admin, alpha.id, activity(kind="visit", subject="定例訪問", occurred_at="2026-11-20T10:00"))
    await db.commit()
    await make_person(
        admin,
        alpha,
        "山田 太郎",
        name_kana="ヤマダ タロウ",
        title="部長",
        email="yamada@alpha.jp",
        phone="03-1234-5679",
        mobile="090-1111-2222",
        department_id=str(it.id),
        buying_role="decision_maker",
    )
    await make_person(admin, alpha, "鈴木 花子", email="suzuki@alpha.jp", buying_role="gatekeeper")
    await make_person(admin, beta, "田中 一郎", department_id="")


async def test_companies_export_as_excel_csv_with_japanese_headers(db, admin, rep, make_company, make_person):
    await arrange_accounts(db, admin, rep, make_company, make_person)

    exported = await exporting.export_accounts(db, CompanyFilter(), CLOCK)

    assert exported.content.startswith(b"\xef\xbb\xbf") and exported.filename.startswith("companies-")
    header, *rows = rows_of(exported.content)
    assert header == [
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
    assert rows == [  # in the list's order: by kana; phones in one form, the 法人番号 as text for Excel
        ["ベータ合同会社", "", "", "", "", "", "06-1111-2222", "", "", "", "", "", "株式会社アルファ", "", ""],
        [
            "株式会社アルファ",
            "アルファ",
            "'6010001000001",
            "製造業",
            "100-299",
            "3",
            "03-1234-5678",
            "東京都千代田区1-1",
            "https://alpha.example.jp",
            "製造, 重点",
            "rep@example.test",
            "○",
            "",
            "2026/11/20",
            "年2回の定例訪問",
        ],
    ]


async def test_persons_export_carries_company_department_path_and_buying_role(
    db, admin, rep, make_company, make_person
):
    await arrange_accounts(db, admin, rep, make_company, make_person)

    exported = await exporting.export_accounts(db, CompanyFilter(), CLOCK, what="persons")

    rows = rows_of(exported.content)
    assert rows[0] == [
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
    assert [
        "株式会社アルファ",
        "'6010001000001",  # text for Excel; the import reads the digits
        "本社 > 情報システム部",
        "山田 太郎",
        "ヤマダ タロウ",
        "部長",
        "yamada@alpha.jp",
        "03-1234-5679",
        "090-1111-2222",
        "決裁者",
    ] in rows
    assert ["ベータ合同会社", "", "空の部署", "", "", "", "", "", "", ""] in rows  # a department nobody is in
    assert guess_mapping(rows[0])[7] == "person.phone"


async def test_export_then_import_into_an_empty_database_gives_the_same_accounts(
    db, admin, rep, make_company, make_person
):
    await arrange_accounts(db, admin, rep, make_company, make_person)
    before = await accounts_snapshot(db)
    companies = await exporting.export_accounts(db, CompanyFilter(), CLOCK, format="xlsx")
    persons = await exporting.export_accounts(db, CompanyFilter(), CLOCK, what="persons", encoding="cp932")
    for table in (SearchTerm, activity_persons, Activity, PersonMove, Person, Department, CompanyTag, Company):
        await db.execute(delete(table))
    await db.commit()

    for exported in (companies, persons):
        table = read_table(exported.content, exported.filename)
        result = await importing.commit(db, admin, table, guess_mapping(table.headers))
        assert not result.invalid and not result.warnings
    await db.commit()

    after = await accounts_snapshot(db)
    assert after == before


async def test_cp932_export_writes_what_shift_jis_can_and_counts_the_rest(db, admin, make_company):
    await make_company(admin, "株式会社髙島屋ストア")
    await make_company(admin, "𠮷野商店")  # 𠮷 (つちよし) is not in CP932

    exported = await exporting.export_accounts(db, CompanyFilter(), CLOCK, encoding="cp932")

    assert exported.replaced == 1 and exported.charset == "shift_jis"
    names = [row[0] for row in rows_of(exported.content, "cp932")[1:]]
    assert sorted(names) == ["?野商店", "株式会社髙島屋ストア"]


async def test_a_name_that_looks_like_a_formula_stays_text_and_imports_back(db, admin, make_company):
    await make_company(admin, '=HYPERLINK("http://evil.example")商事')

    as_csv = await exporting.export_accounts(db, CompanyFilter(), CLOCK)
    as_xlsx = await exporting.export_accounts(db, CompanyFilter(), CLOCK, format="xlsx")

    assert rows_of(as_csv.content)[1][0] == '\'=HYPERLINK("http://evil.example")商事'
    cell = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example")商事'
    table = read_table(as_csv.content, as_csv.filename)
    assert table.samples(0) == ['=HYPERLINK("http://evil.example")商事']


async def test_the_export_link_downloads_the_filtered_list(login, rep, admin, make_company):
    await make_company(admin, "株式会社タグあり", tags="展示会")
    await make_company(admin, "株式会社タグなし")
    client = await login(rep)

    r = await client.get("/accounts/export?tag=展示会&format=csv&encoding=cp932")
    book = await client.get("/accounts/export?what=persons&format=xlsx")

    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=shift_jis"
    assert r.headers["content-disposition"].startswith('attachment; filename="companies-')
    assert [row[0] for row in rows_of(r.content, "cp932")] == ["会社名", "株式会社タグあり"]
    assert book.status_code == 200 and book.headers["content-disposition"].endswith('.xlsx"')
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(book.content)).active[1]][:4] == [
        "会社名",
        "法人番号",
        "部署",
        "担当者名",
    ]
