"""/api/v1/products: everyone reads the catalogue; admins add and change products with the
administration page's rules; 409 with `current`; audit by token; incremental sync."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken
from tests.api.test_auth import assert_error
from tests.api.test_directory import _walk

FIELDS = {
    "id", "code", "name", "description", "unit", "unit_price_jpy", "tax_category", "is_active", "created_at",
    "updated_at", "version",
}  # fmt: skip
LUNCH = {"code": "FD-01", "name": "会議用弁当", "unit": "個", "unit_price_jpy": 1_080, "tax_category": "reduced"}


async def test_an_admin_adds_and_changes_a_product_and_a_rep_reads_it(api, admin, rep):
    client = await api(admin)

    created = await client.post("/api/v1/products", json=LUNCH)
    product = created.json()
    patched = await client.patch(
        f"/api/v1/products/{product['id']}", json={"version": 1, "unit_price_jpy": 1_200, "is_active": False}
    )
    read = await (await api(rep)).get(f"/api/v1/products/{product['id']}")
    listed = await (await api(rep)).get("/api/v1/products")

    assert created.status_code == 201, created.text
    assert set(product) == FIELDS
    assert (product["code"], product["unit"], product["tax_category"], product["is_active"]) == (
        "FD-01", "個", "reduced", True
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert (changed["unit_price_jpy"], changed["is_active"], changed["version"]) == (1_200, False, 2)
    assert patched.json()["name"] == "会議用弁当"  # what the body leaves out stays as saved
    assert read.json() == patched.json()
    assert [p["id"] for p in listed.json()["items"]] == [product["id"]]  # inactive ones too: quotes name them


async def test_a_rep_and_a_manager_may_not_add_or_change_products(api, admin, rep, manager):
    product = (await (await api(admin)).post("/api/v1/products", json=LUNCH)).json()

    for user in (rep, manager):
        client = await api(user)
        assert_error(await client.post("/api/v1/products", json=LUNCH | {"code": "X-1"}), 403, "forbidden")
        changed = await client.patch(f"/api/v1/products/{product['id']}", json={"version": 1, "name": "x"})
        assert_error(changed, 403, "forbidden")


async def test_a_read_token_may_not_add_a_product(api, admin):
    assert_error(await (await api(admin, "read")).post("/api/v1/products", json=LUNCH), 403, "forbidden")


async def test_the_pages_rules_are_422_naming_the_bodys_fields(api, admin):
    client = await api(admin)
    await client.post("/api/v1/products", json=LUNCH)

    taken = await client.post("/api/v1/products", json=LUNCH | {"code": "ＦＤ-01"})  # the same code after NFKC
    blank = await client.post("/api/v1/products", json=LUNCH | {"code": " ", "name": ""})
    negative = await client.post("/api/v1/products", json=LUNCH | {"code": "X", "unit_price_jpy": -1})
    unknown = await client.post("/api/v1/products", json=LUNCH | {"code": "Y", "price": 1})

    assert_error(taken, 422, "validation_failed")
    assert set(taken.json()["error"]["fields"]) == {"code"}
    assert set(blank.json()["error"]["fields"]) == {"code", "name"}
    assert_error(negative, 422, "validation_failed")
    assert "unit_price_jpy" in negative.json()["error"]["fields"]
    assert_error(unknown, 422, "validation_failed")


async def test_a_stale_version_gets_409_with_the_product_as_saved_now(api, admin):
    client = await api(admin)
    product = (await client.post("/api/v1/products", json=LUNCH)).json()
    await client.patch(f"/api/v1/products/{product['id']}", json={"version": 1, "unit_price_jpy": 1_200})

    r = await client.patch(f"/api/v1/products/{product['id']}", json={"version": 1, "unit_price_jpy": 900})

    assert_error(r, 409, "conflict")
    assert r.json()["current"]["unit_price_jpy"] == 1_200 and r.json()["current"]["version"] == 2


async def test_the_audit_entry_says_api_and_names_the_token(api, admin, db, audit_of):
    product = (await (await api(admin)).post("/api/v1/products", json=LUNCH)).json()
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("products", product["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [("insert", "api", token_id, admin.id)]


async def test_paging_products_returns_each_once(api, admin, rep, make_token, anonymous):
    client = await api(admin)
    made = [(await client.post("/api/v1/products", json=LUNCH | {"code": f"P-{n}"})).json() for n in range(5)]

    walked = await _walk(anonymous, "/api/v1/products", await make_token(rep), limit=2)

    assert [p["id"] for p in walked] == [p["id"] for p in made]


async def test_a_missing_product_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/products/999999"), 404, "not_found")
