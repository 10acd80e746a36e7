"""/api/v1/persons: the person pages' rules through the API, 409 with `current`, 403 for another
team's account, no delete (the pages only merge), audit by token, sync by `updated_since` + cursor."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from salesdesk.accounts.models import PersonMove
from salesdesk.auth.models import ApiToken
from tests.api.test_auth import assert_error
from tests.api.test_departments import company_of, walk


async def test_create_read_update_and_list_a_person(api, rep):
    client = await api(rep)
    company = await company_of(client)
    dept = (await client.post("/api/v1/departments", json={"company_id": company, "name": "情報システム部"})).json()

    created = await client.post(
        "/api/v1/persons",
        json={
            "company_id": company,
            "name": "山田 太郎",
            "name_kana": "ヤマダ タロウ",
            "department_id": dept["id"],
            "title": "部長",
            "email": "yamada@example.co.jp",
            "buying_role": "decision_maker",
            "stance": "supporter",
        },
    )
    person = created.json()
    read = await client.get(f"/api/v1/persons/{person['id']}")
    patched = await client.patch(
        f"/api/v1/persons/{person['id']}", json={"version": 1, "phone": "03-1234-5678", "buying_role": None}
    )
    listed = await client.get(f"/api/v1/persons?company_id={company}")

    assert created.status_code == 201, created.text
    assert (person["company_id"], person["department_id"], person["buying_role"]) == (
        company,
        dept["id"],
        "decision_maker",
    )
    assert person["stance"] == "supporter" and person["left_company"] is False and person["created_at"].endswith("Z")
    assert read.json() == person
    assert patched.status_code == 200, patched.text
    assert patched.json()["phone"] == "03-1234-5678" and patched.json()["buying_role"] is None
    assert patched.json()["title"] == "部長" and patched.json()["version"] == 2  # what the PATCH does not name stays
    assert [p["id"] for p in listed.json()["items"]] == [person["id"]]


async def test_a_new_title_is_kept_as_a_move_on_the_day_given(api, rep, db):
    client = await api(rep)
    company = await company_of(client)
    person = (await client.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()

    r = await client.patch(
        f"/api/v1/persons/{person['id']}", json={"version": 1, "title": "取締役", "moved_on": "2030-04-01"}
    )

    assert r.status_code == 200, r.text
    moves = list(await db.scalars(select(PersonMove).where(PersonMove.person_id == person["id"])))
    assert [(m.title, m.effective_on) for m in moves] == [("取締役", date(2030, 4, 1))]


async def test_a_stale_version_gets_409_with_the_person_as_saved_now(api, rep):
    client = await api(rep)
    company = await company_of(client)
    person = (await client.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()
    await client.patch(f"/api/v1/persons/{person['id']}", json={"version": 1, "title": "課長"})

    r = await client.patch(f"/api/v1/persons/{person['id']}", json={"version": 1, "title": "部長"})

    assert_error(r, 409, "conflict")
    assert r.json()["current"]["title"] == "課長" and r.json()["current"]["version"] == 2


async def test_the_pages_rules_apply_field_by_field(api, rep):
    client = await api(rep)
    company, other = await company_of(client), await company_of(client, "株式会社別会社")
    elsewhere = (await client.post("/api/v1/departments", json={"company_id": other, "name": "総務部"})).json()

    email = await client.post("/api/v1/persons", json={"company_id": company, "name": "x", "email": "not-an-email"})
    department = await client.post(
        "/api/v1/persons", json={"company_id": company, "name": "x", "department_id": elsewhere["id"]}
    )
    unknown_role = await client.post("/api/v1/persons", json={"company_id": company, "name": "x", "buying_role": "ceo"})

    for r, field in ((email, "email"), (department, "department_id"), (unknown_role, "buying_role")):
        assert_error(r, 422, "validation_failed")
        assert list(r.json()["error"]["fields"]) == [field]


async def test_a_same_email_needs_confirm_duplicate_as_on_the_page(api, rep):
    client = await api(rep)
    company = await company_of(client)
    body = {"company_id": company, "name": "山田 太郎", "email": "yamada@example.co.jp"}
    await client.post("/api/v1/persons", json=body)

    refused = await client.post("/api/v1/persons", json=body | {"name": "山田 次郎"})
    confirmed = await client.post("/api/v1/persons", json=body | {"name": "山田 次郎", "confirm_duplicate": True})

    assert_error(refused, 422, "validation_failed")
    assert "email" in refused.json()["error"]["fields"]
    assert confirmed.status_code == 201


async def test_another_teams_rep_reads_but_gets_403_on_writes(api, rep, other_rep):
    owner = await api(rep)
    company = await company_of(owner)
    person = (await owner.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()
    intruder = await api(other_rep)

    read = await intruder.get(f"/api/v1/persons/{person['id']}")
    create = await intruder.post("/api/v1/persons", json={"company_id": company, "name": "佐藤 花子"})
    update = await intruder.patch(f"/api/v1/persons/{person['id']}", json={"version": 1, "name": "乗っ取り"})

    assert read.json() == person
    for r in (create, update):
        assert_error(r, 403, "forbidden")
    assert (await owner.get(f"/api/v1/persons?company_id={company}")).json()["items"] == [person]


async def test_there_is_no_delete_and_a_read_token_cannot_write(api, rep):
    client = await api(rep)
    company = await company_of(client)
    person = (await client.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()
    reader = await api(rep, "read")

    delete = await client.delete(f"/api/v1/persons/{person['id']}")
    write = await reader.patch(f"/api/v1/persons/{person['id']}", json={"version": 1, "name": "x"})

    assert delete.status_code == 405 and delete.json()["error"]["code"] == "not_found"
    assert_error(write, 403, "forbidden")
    assert (await reader.get(f"/api/v1/persons/{person['id']}")).json() == person


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, db, audit_of):
    client = await api(rep)
    company = await company_of(client)
    person = (await client.post("/api/v1/persons", json={"company_id": company, "name": "山田 太郎"})).json()
    await client.patch(f"/api/v1/persons/{person['id']}", json={"version": 1, "stance": "opponent"})
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("persons", person["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
    ]
    assert entries[1].changes == {"stance": ["neutral", "opponent"]}


async def test_paging_meets_every_person_once_while_others_are_written(api, rep):
    client = await api(rep)
    company = await company_of(client)
    persons = [
        (await client.post("/api/v1/persons", json={"company_id": company, "name": f"社員 {i}"})).json()
        for i in range(5)
    ]
    added = []

    async def write(page: int) -> None:
        if page == 1:
            new = await client.post("/api/v1/persons", json={"company_id": company, "name": "新人 一郎"})
            added.append(new.json())
            await client.patch(f"/api/v1/persons/{persons[0]['id']}", json={"version": 1, "title": "係長"})

    items = await walk(client, f"/api/v1/persons?company_id={company}", between=write)

    ids = [item["id"] for item in items]
    assert set(ids) == {p["id"] for p in persons} | {added[0]["id"]}
    assert ids.count(persons[0]["id"]) == 2 and items[-1]["title"] == "係長"
    assert all(ids.count(i) == 1 for i in set(ids) - {persons[0]["id"]})


async def test_updated_since_leaves_older_persons_out(api, rep):
    client = await api(rep)
    company = await company_of(client)
    old = (await client.post("/api/v1/persons", json={"company_id": company, "name": "古参 太郎"})).json()
    new = (await client.post("/api/v1/persons", json={"company_id": company, "name": "新人 花子"})).json()

    items = await walk(client, f"/api/v1/persons?updated_since={new['updated_at']}")

    assert new["id"] in {p["id"] for p in items} and old["id"] not in {p["id"] for p in items}


async def test_a_missing_person_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/persons/999999"), 404, "not_found")
