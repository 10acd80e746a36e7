"""The import preview shows rows, not only counts: the first new and matched rows with what each does, before
anything is saved; a manager or an admin gives the new companies an owner on the mapping screen."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.accounts.models import Company
from tests.accounts.test_import import csv_bytes

SHEET = [
    ["会社名", "業種", "電話番号", "担当者名"],
    ["株式会社アルファ", "製造業", "03-1234-5678", "山田 太郎"],
    ["株式会社ベータ", "小売", "", ""],
    ["", "会社名なし", "", ""],
]


async def upload_and_map(client, rows=SHEET) -> tuple[str, dict[str, str]]:
    token = client.headers.pop("X-CSRFToken")
    upload = await client.post(
        "/accounts/import", data={"_csrf_token": token}, files={"file": ("顧客.csv", csv_bytes(rows, "utf-8"))}
    )
    client.headers["X-CSRFToken"] = token
    page = upload.headers["location"]
    form = {"col_0": "company.name", "col_1": "company.industry", "col_2": "company.phone", "col_3": "person.name"}
    return page, form


async def test_the_preview_lists_the_first_new_and_matched_rows_with_what_each_does(login, admin, make_company, db):
    await make_company(admin, "株式会社アルファ")  # exists without industry and phone
    client = await login(admin)
    page, form = await upload_and_map(client)

    preview = await client.post(f"{page}/preview", data=form)

    assert preview.status_code == 200
    new = preview.text[preview.text.index('id="new-rows"') :]
    matched = preview.text[preview.text.index('id="matched-rows"') :]
    assert "株式会社ベータ" in new[: new.index("</section>")]
    matched = matched[: matched.index("</section>")]
    assert "株式会社アルファ" in matched and "山田 太郎" in matched and "業種" in matched and "電話番号" in matched
    assert 'id="invalid"' in preview.text  # the row without a company name, with its reason
    assert await db.scalar(select(Company).where(Company.name == "株式会社ベータ")) is None


async def test_an_admin_gives_the_new_companies_an_owner_on_the_mapping_screen(login, admin, rep, db):
    client = await login(admin)
    page, form = await upload_and_map(client, SHEET[:3])

    mapping = await client.get(page)
    preview = await client.post(f"{page}/preview", data=form | {"default_owner": str(rep.id)})
    done = await client.post(f"{page}/commit", data=form | {"default_owner": str(rep.id)})

    assert f'<option value="{rep.id}">' in mapping.text and 'name="default_owner"' in mapping.text
    assert f'name="default_owner" value="{rep.id}"' in preview.text
    assert done.status_code == 303
    owners = set(
        await db.scalars(select(Company.owner_id).where(Company.name.in_(["株式会社アルファ", "株式会社ベータ"])))
    )
    assert owners == {rep.id}


async def test_a_rep_is_offered_no_owner_choice_and_cannot_post_one(login, rep, other_rep, db):
    client = await login(rep)
    page, form = await upload_and_map(client, SHEET[:3])

    mapping = await client.get(page)
    await client.post(f"{page}/commit", data=form | {"default_owner": str(other_rep.id)})

    assert 'name="default_owner"' not in mapping.text
    assert set(await db.scalars(select(Company.owner_id))) == {rep.id}
