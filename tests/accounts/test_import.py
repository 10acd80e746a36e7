"""Importing companies and persons from spreadsheets: reading, matching, the preview, the commit."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk.accounts import import_uploads, import_writer, importing
from salesdesk.accounts.import_files import ImportFileError, guess_mapping, parse_when, read_table
from salesdesk.accounts.models import Activity, Company, Department, ImportUpload, Person, SearchTerm
from salesdesk.audit.models import AuditEntry

SHEET = [
    ["会社名", "フリガナ", "法人番号", "業種", "部署", "担当者名", "メールアドレス", "携帯電話", "最終対応日", "メモ"],
    [
        "株式会社サンプル",
        "サンプル",
        "6010001000001",
        "製造業",
        "本社 > 情報システム部",
        "山田 太郎",
        "yamada@sample.co.jp",
        "090-1234-5678",
        "2024/12/10",
        "初回訪問\n予算は来期",
    ],
    ["サンプル(株)", "", "", "", "本社", "鈴木 花子", "suzuki@sample.co.jp", "", "令和6年12月11日", ""],
    ["テスト商事", "", "", "", "", "佐藤 次郎", "sato@@example", "", "", ""],  # bad email
    ["", "", "", "", "", "高橋 三郎", "takahashi@example.jp", "", "", ""],  # no company
    ["有限会社みどり", "ミドリ", "", "小売業", "", "", "", "", "", "代表電話のみ"],
]


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    lines = [",".join(f'"{v}"' if ("\n" in v or "," in v) else v for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


async def count(db: AsyncSession, model) -> int:
    return await db.scalar(select(func.count()).select_from(model))


async def run(db: AsyncSession, actor, content: bytes, filename: str = "import.csv", *, commit: bool = True):
    table = read_table(content, filename)
    mapping = guess_mapping(table.headers)
    if commit:
        result = await importing.commit(db, actor, table, mapping)
        await db.commit()
        return result
    return await importing.preview(db, actor, table, mapping)


# --- reading and guessing --------------------------------------------------------------------


def test_headers_in_japanese_and_english_are_recognised():
    headers = [
        "取引先名",
        "ﾌﾘｶﾞﾅ",
        "Corporate Number",
        "TEL",
        "所在地",
        "部署名",
        "氏名",
        "E-mail",
        "役職",
        "携帯",
        "最終接触日",
        "備考",
        "担当営業",
        "タグ",
        "URL",
        "余計な列",
    ]

    assert guess_mapping(headers) == [
        "company.name",
        "company.name_kana",
        "company.corporate_number",
        "person.phone",
        "company.address",
        "department",
        "person.name",
        "person.email",
        "person.title",
        "person.mobile",
        "last_contact",
        "memo",
        "company.owner_email",
        "company.tags",
        "company.website",
        "ignore",
    ]


def test_a_bare_phone_column_is_the_companys_in_a_sheet_without_persons():
    assert guess_mapping(["会社名", "電話番号"]) == ["company.name", "company.phone"]
    assert guess_mapping(["会社名", "代表電話", "担当者名", "電話番号"]) == [
        "company.name",
        "company.phone",
        "person.name",
        "person.phone",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "2024/12/10",
        "2024-12-10",
        "2024年12月10日",
        "令和6年12月10日",
        "R6.12.10",
        "２０２４／１２／１０",
        45636,
        "45636",
        datetime(2024, 12, 10),
        date(2024, 12, 10),
    ],
)
def test_last_contact_dates_are_read_in_the_usual_japanese_forms(value):
    assert parse_when(value) == (date(2024, 12, 10), None)


def test_an_unreadable_file_is_refused_with_a_reason():
    with pytest.raises(ImportFileError, match="neither UTF-8 nor Shift_JIS"):
        read_table(bytes(range(256)) * 4, "garbage.csv")
    with pytest.raises(ImportFileError, match="Excel workbook"):
        read_table(b"PK\x03\x04 not really a zip", "broken.xlsx")
    with pytest.raises(ImportFileError, match=r"\.xls\)"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.xls")


# --- preview and commit -----------------------------------------------------------------------


def test_excels_unicode_text_is_read_too():
    table = read_table("会社名\t担当者名\r\n株式会社ユニコード\t山田 太郎\r\n".encode("utf-16"), "list.txt")

    assert table.headers == ["会社名", "担当者名"] and table.rows == [["株式会社ユニコード", "山田 太郎"]]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
async def test_excel_csv_imports_and_lists_invalid_rows_by_their_excel_row_number(db, admin, encoding):
    content = csv_bytes(SHEET, encoding)

    preview = await run(db, admin, content, commit=False)
    assert await count(db, Company) == 0  # a preview writes nothing
    result = await run(db, admin, content)

    assert preview.as_json() == result.as_json()
    assert result.as_json() == {
        "companies": {"new": 2, "matched": 0},  # 株式会社サンプル and サンプル(株) are one company
        "persons": {"new": 2, "matched": 0},
        "invalid": [
            {"row": 4, "reason": "The email address sato@@example is not valid."},
            {"row": 5, "reason": "Person details without a company name."},
        ],
        "warnings": [],
    }
    sample = await db.scalar(select(Company).where(Company.corporate_number == "6010001000001"))
    assert sample.name == "株式会社サンプル" and sample.normalized_name == "サンプル" and sample.industry == "製造業"
    assert sample.owner_id is None  # an admin's import: nobody owns it yet
    assert sample.last_contact_at == datetime(2024, 12, 11, 0, 0, tzinfo=UTC)  # 令和6年12月11日 09:00 in Tokyo
    departments = {d.name: d for d in await db.scalars(select(Department).where(Department.company_id == sample.id))}
    assert departments["情報システム部"].parent_id == departments["本社"].id
    persons = {p.name: p for p in await db.scalars(select(Person).where(Person.company_id == sample.id))}
    assert persons["山田 太郎"].department_id == departments["情報システム部"].id
    assert persons["山田 太郎"].mobile_digits == "09012345678"
    assert persons["鈴木 花子"].department_id == departments["本社"].id
    note = await db.scalar(select(Activity).where(Activity.subject == "初回訪問"))
    assert note.kind == "note" and note.body == "初回訪問\n予算は来期" and note.company_id == sample.id
    assert await db.scalar(
        select(func.count()).where(SearchTerm.entity == "person", SearchTerm.term == "yamada@sample.co.jp")
    )
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert audit.label == "import.csv" and audit.changes["companies_new"] == [None, 2]


async def test_a_reps_import_belongs_to_the_rep_and_names_only_them_as_owner(db, rep, manager):
    content = csv_bytes(
        [["会社名", "担当営業"], ["株式会社アルファ", "manager@example.test"], ["ベータ株式会社", ""]], "utf-8"
    )

    result = await run(db, rep, content)

    assert [w.text() for w in result.warnings] == ["A sales rep can only name themselves as the owner."]
    assert set(await db.scalars(select(Company.owner_id))) == {rep.id}


async def test_an_xlsx_workbook_imports_with_numbers_and_date_cells(db, admin):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["会社名", "法人番号", "代表電話", "担当者名", "最終対応日"])
    sheet.append(["株式会社エクセル", 6010001000001, 312345678, "表計算 花子", datetime(2024, 12, 10)])
    sheet.append(["株式会社エクセル", None, None, "表計算 次郎", 45637])  # an Excel serial: 2024-12-11
    sheet.append(["株式会社日付", None, None, None, "来週"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = await run(db, admin, buffer.getvalue(), "顧客.xlsx")

    assert (result.companies_new, result.persons_new) == (1, 2)
    assert result.as_json()["invalid"] == [{"row": 4, "reason": "The last contact date 来週 is not a date."}]
    company = await db.scalar(select(Company))
    assert company.corporate_number == "6010001000001"
    assert company.phone == "0312345678"  # Excel dropped the 0 of the number cell
    assert company.last_contact_at == datetime(2024, 12, 11, 0, 0, tzinfo=UTC)


async def test_an_existing_company_matches_by_corporate_number_and_only_its_empty_fields_fill(db, admin, make_company):
    company = await make_company(
        admin, "サンプル株式会社", corporate_number="6010001000001", phone="03-0000-0000", tags="展示会"
    )
    content = csv_bytes(
        [
            ["会社名", "法人番号", "電話番号", "業種", "タグ"],
            ["株式会社サンプル東京", "6010001000001", "03-9999-9999", "製造業", "展示会、紹介"],
        ],
        "utf-8",
    )

    result = await run(db, admin, content)

    assert (result.companies_new, result.companies_matched, result.warnings) == (0, 1, [])
    company = await db.scalar(
        select(Company).options(selectinload(Company.tags)).execution_options(populate_existing=True)
    )
    assert (company.name, company.phone, company.industry) == ("サンプル株式会社", "03-0000-0000", "製造業")
    assert company.tag_names == ["展示会", "紹介"]
    assert company.version == 2  # an edit form opened before the import is now stale


async def test_an_existing_company_matches_by_name_variant_and_a_different_number_is_a_warning(
    db, admin, make_company, make_person
):
    company = await make_company(admin, "株式会社ミライ", corporate_number="6010001000001")
    await make_person(admin, company, "山田 太郎", email="yamada@mirai.jp")
    content = csv_bytes(
        [
            ["会社名", "法人番号", "担当者名", "メールアドレス", "役職"],
            ["ミライ(株)", "9010001000007", "山田　太郎", "", "部長"],
            ["ミライ（株）", "", "田中 一郎", "tanaka@mirai.jp", ""],
        ],
        "utf-8",
    )

    result = await run(db, admin, content)

    assert result.as_json() == {
        "companies": {"new": 0, "matched": 1},
        "persons": {"new": 1, "matched": 1},
        "invalid": [],
        "warnings": [
            {"row": 2, "reason": "Matched 株式会社ミライ by its name, but its corporate number is 6010001000001."}
        ],
    }
    persons = {p.name: p for p in await db.scalars(select(Person).where(Person.company_id == company.id))}
    assert set(persons) == {"山田 太郎", "田中 一郎"} and persons["山田 太郎"].title == "部長"


async def test_importing_the_same_file_twice_adds_nothing_the_second_time(db, admin):
    content = csv_bytes(SHEET, "utf-8")
    await run(db, admin, content)
    before = [await count(db, model) for model in (Company, Person, Department, Activity, SearchTerm)]

    again = await run(db, admin, content)

    assert (again.companies_new, again.companies_matched, again.persons_new, again.persons_matched) == (0, 2, 0, 2)
    assert [await count(db, model) for model in (Company, Person, Department, Activity, SearchTerm)] == before


async def test_a_rep_cannot_change_another_reps_company_through_an_import(db, rep, other_rep, make_company):
    theirs = await make_company(other_rep, "株式会社よそ", industry="")
    content = csv_bytes(
        [
            ["会社名", "業種", "担当者名", "メモ"],
            ["株式会社よそ", "製造業", "", "展示会で名刺交換"],
            ["株式会社よそ", "", "山田 太郎", ""],
        ],
        "utf-8",
    )

    result = await run(db, rep, content)

    assert result.as_json()["warnings"] == [
        {"row": 2, "reason": "You may not edit 株式会社よそ; its fields were left unchanged."}
    ]
    assert result.as_json()["invalid"] == [
        {"row": 3, "reason": "You may not add persons or departments to 株式会社よそ."}
    ]
    await db.refresh(theirs)
    assert theirs.industry == "" and await count(db, Person) == 0
    assert await db.scalar(select(Activity.subject)) == "展示会で名刺交換"  # anyone may log a note


async def test_a_failure_in_the_middle_of_the_commit_leaves_the_database_unchanged(db, admin, monkeypatch):
    await run(db, admin, csv_bytes(SHEET[:2], "utf-8"))
    tables = (Company, Person, Department, Activity, SearchTerm, AuditEntry)
    before = [await count(db, model) for model in tables]

    async def broken(*args, **kwargs):  # after the companies and departments are written
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_writer, "write_persons", broken)
    with pytest.raises(RuntimeError):
        await run(db, admin, csv_bytes(SHEET, "utf-8"))
    await db.rollback()

    assert [await count(db, model) for model in tables] == before


# --- the pages ----------------------------------------------------------------------------------


async def test_upload_map_preview_and_commit_in_the_browser(login, rep, db):
    client = await login(rep)
    token = client.headers.pop("X-CSRFToken")  # a browser's multipart form carries the token as a field

    upload = await client.post(
        "/accounts/import",
        data={"_csrf_token": token},
        files={"file": ("顧客一覧.csv", csv_bytes(SHEET, "cp932"), "text/csv")},
    )
    assert upload.status_code == 303
    page = upload.headers["location"]
    client.headers["X-CSRFToken"] = token
    mapping = await client.get(page)
    assert mapping.status_code == 200
    assert '<option value="person.email" selected>' in mapping.text and "yamada@sample.co.jp" in mapping.text

    form = {f"col_{i}": target for i, target in enumerate(guess_mapping(SHEET[0]))} | {"col_9": "ignore"}
    preview = await client.post(f"{page}/preview", data=form)
    assert preview.status_code == 200
    assert 'id="companies-new">2<' in preview.text and 'id="persons-new">2<' in preview.text
    assert "sato@@example" in preview.text and 'name="col_9" value="ignore"' in preview.text
    assert await count(db, Company) == 0

    done = await client.post(f"{page}/commit", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/accounts"
    assert await count(db, Company) == 2 and await count(db, ImportUpload) == 0
    assert await db.scalar(select(func.count()).where(Company.owner_id == rep.id)) == 2
    assert await count(db, Activity) == 2  # the two last contact dates; the memo column was left out


async def test_another_users_upload_is_not_found(login, rep, other_rep, db):
    mine = await login(rep)
    upload = await mine.post("/accounts/import", files={"file": ("a.csv", csv_bytes(SHEET, "utf-8"), "text/csv")})
    page = upload.headers["location"]
    theirs = await login(other_rep)

    assert (await theirs.get(page)).status_code == 404
    assert (await theirs.post(f"{page}/preview", data={"col_0": "company.name"})).status_code == 404
    assert (await theirs.post(f"{page}/commit", data={"col_0": "company.name"})).status_code == 404
    assert await count(db, Company) == 0 and await count(db, ImportUpload) == 1


async def test_an_unreadable_or_too_large_file_is_refused_on_the_upload_form(login, rep):
    client = await login(rep)

    garbage = await client.post("/accounts/import", files={"file": ("x.xlsx", b"PK\x03\x04garbage", "text/csv")})
    empty = await client.post("/accounts/import", data={"note": "no file"})
    token = client.headers.pop("X-CSRFToken")
    huge = await client.post(
        "/accounts/import",
        data={"_csrf_token": token},
        files={"file": ("big.csv", b"x" * (import_uploads.MAX_UPLOAD_BYTES + 2 * 1024 * 1024))},
    )

    assert garbage.status_code == 422 and 'id="file-error"' in garbage.text
    assert empty.status_code == 422 and 'id="file-error"' in empty.text
    assert huge.status_code == 422 and 'id="file-error"' in huge.text
    assert f'name="_csrf_token" value="{token}"' in huge.text  # the form can be sent again
