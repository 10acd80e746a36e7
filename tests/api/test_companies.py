"""/api/v1/companies: the pages' rules and limits through the API, 409 with `current`, audit by token."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken
from tests.api.test_auth import assert_error


async def test_create_read_update_a_company_and_list_it(api, rep):
    client = await api(rep)

    created = await client.post("/api/v1/companies", json={"name": "株式会社テスト", "tags": ["重点", "製造"]})
    company = created.json()
    read = await client.get(f"/api/v1/companies/{company['id']}")
    patched = await client.patch(
        f"/api/v1/companies/{company['id']}", json={"version": 1, "phone": "03-1234-5678", "tags": ["重点"]}
    )
    listed = await client.get("/api/v1/companies")

    assert created.status_code == 201 and company["owner_id"] == rep.id and company["tags"] == ["製造", "重点"]
    assert read.json() == company
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2 and patched.json()["phone"] == "03-1234-5678"
    assert patched.json()["tags"] == ["重点"] and patched.json()["name"] == "株式会社テスト"
    assert [c["id"] for c in listed.json()["items"]] == [company["id"]]


async def test_a_stale_version_gets_409_with_the_company_as_saved_now(api, rep):
    client = await api(rep)
    company = (await client.post("/api/v1/companies", json={"name": "株式会社テスト"})).json()
    await client.patch(f"/api/v1/companies/{company['id']}", json={"version": 1, "industry": "製造業"})

    r = await client.patch(f"/api/v1/companies/{company['id']}", json={"version": 1, "industry": "小売業"})

    assert_error(r, 409, "conflict")
    assert r.json()["current"]["industry"] == "製造業" and r.json()["current"]["version"] == 2


async def test_the_pages_rules_apply_field_by_field(api, rep):
    client = await api(rep)

    r = await client.post(
        "/api/v1/companies", json={"name": "株式会社テスト", "corporate_number": "1234567890123", "phone": "x"}
    )

    assert_error(r, 422, "validation_failed")
    assert set(r.json()["error"]["fields"]) == {"corporate_number", "phone"}


async def test_a_same_name_needs_confirm_duplicate_as_on_the_page(api, rep):
    client = await api(rep)
    await client.post("/api/v1/companies", json={"name": "株式会社テスト"})

    refused = await client.post("/api/v1/companies", json={"name": "テスト(株)"})
    confirmed = await client.post("/api/v1/companies", json={"name": "テスト(株)", "confirm_duplicate": True})

    assert_error(refused, 422, "validation_failed")
    assert "name" in refused.json()["error"]["fields"]
    assert confirmed.status_code == 201


async def test_unknown_fields_wrong_types_and_overlong_text_are_422_naming_them(api, rep):
    client = await api(rep)

    unknown = await client.post("/api/v1/companies", json={"name": "x", "owner": 1})
    wrong = await client.post("/api/v1/companies", json={"name": 12})
    long = await client.post("/api/v1/companies", json={"name": "x", "website": "x" * 301})

    for r in (unknown, wrong, long):
        assert_error(r, 422, "validation_failed")
    assert "name" in wrong.json()["error"]["fields"] and "website" in long.json()["error"]["fields"]


async def test_another_teams_rep_gets_403_and_the_company_is_unchanged(api, rep, other_rep):
    company = (await (await api(rep)).post("/api/v1/companies", json={"name": "株式会社テスト"})).json()

    takeover = {"version": 1, "name": "乗っ取り"}
    r = await (await api(other_rep)).patch(f"/api/v1/companies/{company['id']}", json=takeover)

    assert_error(r, 403, "forbidden")
    assert (await (await api(rep)).get(f"/api/v1/companies/{company['id']}")).json()["name"] == "株式会社テスト"


async def test_the_audit_entry_says_api_and_names_the_token(api, rep, db, audit_of):
    client = await api(rep)
    company = (await client.post("/api/v1/companies", json={"name": "株式会社テスト"})).json()
    await client.patch(f"/api/v1/companies/{company['id']}", json={"version": 1, "industry": "製造業"})
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("companies", company["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
    ]
    assert entries[1].changes == {"industry": ["", "製造業"]}


async def test_a_missing_company_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/companies/999999"), 404, "not_found")


async def test_a_companys_quote_rounding_is_read_and_set_through_the_api(api, rep, other_rep):
    client = await api(rep)
    company = (await client.post("/api/v1/companies", json={"name": "株式会社テスト"})).json()

    both = await client.patch(
        f"/api/v1/companies/{company['id']}", json={"version": 1, "quote_rounding": "half_up", "industry": "製造業"}
    )
    cleared = await client.patch(f"/api/v1/companies/{company['id']}", json={"version": 3, "quote_rounding": None})
    unknown = await client.patch(f"/api/v1/companies/{company['id']}", json={"version": 4, "quote_rounding": "up"})
    refused = await (await api(other_rep)).patch(
        f"/api/v1/companies/{company['id']}", json={"version": 4, "quote_rounding": "ceil"}
    )

    assert company["quote_rounding"] is None
    assert both.status_code == 200, both.text
    # the details and the rounding are two saves (the page has two forms): the answer's version is the next to send
    assert (both.json()["quote_rounding"], both.json()["industry"], both.json()["version"]) == ("half_up", "製造業", 3)
    assert (cleared.json()["quote_rounding"], cleared.json()["version"]) == (None, 4)
    assert_error(unknown, 422, "validation_failed")
    assert refused.status_code in (403, 404)
