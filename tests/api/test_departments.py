"""/api/v1/departments: the company page's department rules through the API, 409 with `current`,
403 for another team's account, audit by token, and sync by `updated_since` + cursor."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.accounts import people
from salesdesk.accounts.forms import PersonInput
from salesdesk.auth.models import ApiToken
from salesdesk.clock import Clock
from tests.api.test_auth import assert_error


async def company_of(client, name: str = "株式会社テスト") -> int:
    """A new company of the client's user (through the API), by id."""
    r = await client.post("/api/v1/companies", json={"name": name, "confirm_duplicate": True})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def walk(client, path: str, limit: int = 2, between=None) -> list[dict]:
    """Every page of a list, `limit` rows at a time; `between(page)` runs after each page but the last."""
    items, cursor, pages = [], None, 0
    separator = "&" if "?" in path else "?"
    while True:
        r = await client.get(f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) <= limit
        items += r.json()["items"]
        cursor, pages = r.json()["next_cursor"], pages + 1
        if cursor is None:
            return items
        if between:
            await between(pages)
        assert pages < 50


async def test_create_read_rename_move_list_and_delete_a_department(api, rep):
    client = await api(rep)
    company = await company_of(client)

    sales = (await client.post("/api/v1/departments", json={"company_id": company, "name": "営業本部"})).json()
    created = await client.post(
        "/api/v1/departments", json={"company_id": company, "name": "営業一課", "parent_id": sales["id"]}
    )
    team = created.json()
    read = await client.get(f"/api/v1/departments/{team['id']}")
    renamed = await client.patch(f"/api/v1/departments/{team['id']}", json={"version": 1, "name": "第一営業課"})
    moved = await client.patch(f"/api/v1/departments/{team['id']}", json={"version": 2, "parent_id": None})
    listed = await client.get(f"/api/v1/departments?company_id={company}")
    deleted = await client.delete(f"/api/v1/departments/{team['id']}?version=3")
    gone = await client.get(f"/api/v1/departments/{team['id']}")

    assert created.status_code == 201 and team["company_id"] == company and team["parent_id"] == sales["id"]
    assert read.json() == team
    assert renamed.status_code == 200 and renamed.json()["name"] == "第一営業課"
    assert renamed.json()["parent_id"] == sales["id"]  # a PATCH keeps what it does not name
    assert moved.json()["parent_id"] is None and moved.json()["version"] == 3
    assert [d["id"] for d in listed.json()["items"]] == [sales["id"], team["id"]]
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(gone, 404, "not_found")


async def test_the_company_filter_lists_only_that_companys_departments(api, rep):
    client = await api(rep)
    first, second = await company_of(client, "株式会社一"), await company_of(client, "株式会社二")
    for company in (first, second):
        await client.post("/api/v1/departments", json={"company_id": company, "name": "総務部"})

    items = (await client.get(f"/api/v1/departments?company_id={second}")).json()["items"]

    assert [d["company_id"] for d in items] == [second]


async def test_a_stale_version_gets_409_with_the_department_as_saved_now(api, rep):
    client = await api(rep)
    company = await company_of(client)
    dept = (await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})).json()
    await client.patch(f"/api/v1/departments/{dept['id']}", json={"version": 1, "name": "営業本部"})

    stale_patch = await client.patch(f"/api/v1/departments/{dept['id']}", json={"version": 1, "name": "販売部"})
    stale_delete = await client.delete(f"/api/v1/departments/{dept['id']}?version=1")

    for r in (stale_patch, stale_delete):
        assert_error(r, 409, "conflict")
        assert r.json()["current"]["name"] == "営業本部" and r.json()["current"]["version"] == 2
    assert (await client.get(f"/api/v1/departments/{dept['id']}")).status_code == 200


async def test_the_pages_rules_apply_name_taken_cycle_and_a_department_with_people(api, rep, db):
    client = await api(rep)
    company = await company_of(client)
    top = (await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})).json()
    sub = await client.post("/api/v1/departments", json={"company_id": company, "name": "一課", "parent_id": top["id"]})
    other = (await client.post("/api/v1/departments", json={"company_id": company, "name": "総務部"})).json()
    person = await people.create_person(
        db, rep, company, PersonInput(name="山田 太郎", department_id=other["id"]), Clock()
    )
    await db.commit()

    twin = await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})
    cycle = await client.patch(f"/api/v1/departments/{top['id']}", json={"version": 1, "parent_id": sub.json()["id"]})
    parent = await client.delete(f"/api/v1/departments/{top['id']}?version=1")
    occupied = await client.delete(f"/api/v1/departments/{other['id']}?version=1")
    moved = await client.delete(f"/api/v1/departments/{other['id']}?version=1&move_to_id={top['id']}")

    assert "name" in twin.json()["error"]["fields"] and "parent_id" in cycle.json()["error"]["fields"]
    assert "department" in parent.json()["error"]["fields"] and "move_to_id" in occupied.json()["error"]["fields"]
    for r in (twin, cycle, parent, occupied):
        assert_error(r, 422, "validation_failed")
    assert moved.status_code == 204
    await db.refresh(person)
    assert person.department_id == top["id"]


async def test_bad_json_and_bad_query_parameters_are_422_naming_them(api, rep):
    client = await api(rep)
    company = await company_of(client)
    dept = (await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})).json()

    unknown = await client.post("/api/v1/departments", json={"company_id": company, "name": "x", "kind": "y"})
    long = await client.post("/api/v1/departments", json={"company_id": company, "name": "x" * 101})
    no_version = await client.delete(f"/api/v1/departments/{dept['id']}")
    bad_filter = await client.get("/api/v1/departments?company_id=abc")

    for r in (unknown, long, no_version, bad_filter):
        assert_error(r, 422, "validation_failed")
    assert "name" in long.json()["error"]["fields"]


async def test_another_teams_rep_reads_but_gets_403_on_every_write(api, rep, other_rep):
    owner = await api(rep)
    company = await company_of(owner)
    dept = (await owner.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})).json()
    intruder = await api(other_rep)

    read = await intruder.get(f"/api/v1/departments/{dept['id']}")
    create = await intruder.post("/api/v1/departments", json={"company_id": company, "name": "乗っ取り部"})
    rename = await intruder.patch(f"/api/v1/departments/{dept['id']}", json={"version": 1, "name": "乗っ取り"})
    remove = await intruder.delete(f"/api/v1/departments/{dept['id']}?version=1")

    assert read.status_code == 200
    for r in (create, rename, remove):
        assert_error(r, 403, "forbidden")
    assert (await intruder.get(f"/api/v1/departments?company_id={company}")).json()["items"] == [dept]


async def test_a_read_token_reads_but_cannot_write(api, rep):
    company = await company_of(await api(rep))
    client = await api(rep, "read")

    assert (await client.get("/api/v1/departments")).status_code == 200
    r = await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})
    assert_error(r, 403, "forbidden")


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, db, audit_of):
    client = await api(rep)
    company = await company_of(client)
    dept = (await client.post("/api/v1/departments", json={"company_id": company, "name": "営業部"})).json()
    await client.patch(f"/api/v1/departments/{dept['id']}", json={"version": 1, "name": "営業本部"})
    await client.delete(f"/api/v1/departments/{dept['id']}?version=2")
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("departments", dept["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
        ("delete", "api", token_id, rep.id),
    ]
    assert entries[1].changes == {"name": ["営業部", "営業本部"]}


async def test_paging_meets_every_department_once_while_others_are_written(api, rep):
    client = await api(rep)
    company = await company_of(client)
    depts = [
        (await client.post("/api/v1/departments", json={"company_id": company, "name": f"部{i}"})).json()
        for i in range(5)
    ]
    added = []

    async def write(page: int) -> None:
        if page == 1:  # a new one, and one already seen renamed: both are met on a later page
            added.append(
                (await client.post("/api/v1/departments", json={"company_id": company, "name": "新部"})).json()
            )
            await client.patch(f"/api/v1/departments/{depts[0]['id']}", json={"version": 1, "name": "改名部"})

    items = await walk(client, "/api/v1/departments", between=write)

    ids = [item["id"] for item in items]
    assert set(ids) == {d["id"] for d in depts} | {added[0]["id"]}
    assert ids.count(depts[0]["id"]) == 2 and items[-1]["name"] == "改名部"
    assert all(ids.count(i) == 1 for i in set(ids) - {depts[0]["id"]})


async def test_updated_since_leaves_older_departments_out(api, rep):
    client = await api(rep)
    company = await company_of(client)
    old = (await client.post("/api/v1/departments", json={"company_id": company, "name": "旧部"})).json()
    new = (await client.post("/api/v1/departments", json={"company_id": company, "name": "新部"})).json()

    items = await walk(client, f"/api/v1/departments?updated_since={new['updated_at']}")

    assert new["id"] in {d["id"] for d in items} and old["id"] not in {d["id"] for d in items}
    assert new["updated_at"].endswith("Z")


async def test_a_missing_department_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/departments/999999"), 404, "not_found")
