"""/api/v1/quotes: the quote pages' rules through the API — lines and totals in the issue's shapes,
who sees and changes a quote, 409 with `current`, revisions, the status buttons, the PDF, the
audit by token, and the incremental sync."""

from __future__ import annotations

import subprocess

from sqlalchemy import select

from salesdesk.auth.models import ApiToken, Role
from tests.api.test_auth import assert_error
from tests.api.test_directory import _walk
from tests.pipeline import conftest as pipeline_fixtures
from tests.quotes import conftest as quote_fixtures

clock, pipeline, stage, make_deal = (
    pipeline_fixtures.clock,
    pipeline_fixtures.pipeline,
    pipeline_fixtures.stage,
    pipeline_fixtures.make_deal,
)
issuer_settings, make_quote = quote_fixtures.issuer_settings, quote_fixtures.make_quote

FIELDS = {
    "id", "deal_id", "number", "revision", "is_latest", "status", "locale", "addressee_company",
    "addressee_department", "addressee_person", "honorific", "subject", "issue_date", "valid_until", "delivery",
    "delivery_place", "payment_terms", "notes", "rounding", "prices_include_tax", "lines", "totals",
    "discount_percent", "approved_by_id", "approval_note", "sent_at", "decided_on", "created_by_id", "created_at",
    "updated_at", "version",
}  # fmt: skip


def line(description: str = "導入支援", price: int = 100_000, quantity: str = "1", **more) -> dict:
    return {
        "description": description,
        "quantity": quantity,
        "unit": more.pop("unit", "式"),
        "unit_price_jpy": price,
        "tax_category": more.pop("tax_category", "standard"),
    } | more


async def _quote(client, deal, *lines: dict, **values) -> dict:
    r = await client.post("/api/v1/quotes", json={"deal_id": deal.id, "lines": list(lines) or [line()]} | values)
    assert r.status_code == 201, r.text
    return r.json()


async def test_create_read_update_and_list_a_quote_with_its_lines_and_totals(api, rep, make_deal, issuer_settings):
    deal = await make_deal(rep, "提案", title="営業支援システム導入")
    client = await api(rep)

    created = await _quote(
        client,
        deal,
        line("ライセンス", 12_000, "3", unit="ライセンス", discount_percent="10"),
        line("お弁当", 1_080, "2.5", unit="個", tax_category="reduced"),
        line("出精値引", -5_000, unit="式"),
        addressee_person="山田 太郎",
        delivery="ご発注後2週間",
    )
    read = await client.get(f"/api/v1/quotes/{created['id']}")
    patched = await client.patch(
        f"/api/v1/quotes/{created['id']}", json={"version": created["version"], "notes": "消費税は別途"}
    )
    listed = await client.get(f"/api/v1/quotes?deal_id={deal.id}")

    assert set(created) == FIELDS
    assert (created["deal_id"], created["revision"], created["status"], created["is_latest"]) == (
        deal.id, 1, "draft", True
    )  # fmt: skip
    assert created["number"].startswith("Q-") and created["subject"] == "営業支援システム導入"
    assert (created["addressee_company"], created["honorific"]) == (f"株式会社{rep.name}の顧客", "様")
    assert created["payment_terms"] == "月末締め翌月末払い" and created["rounding"] == "floor"
    assert created["lines"][0] == {
        "product_id": None,
        "description": "ライセンス",
        "quantity": "3",
        "unit": "ライセンス",
        "unit_price_jpy": 12_000,
        "discount_percent": "10",
        "discount_jpy": None,
        "tax_category": "standard",
        "amount_jpy": 32_400,
    }
    assert [(x["quantity"], x["amount_jpy"]) for x in created["lines"][1:]] == [("2.5", 2_700), ("1", -5_000)]
    assert created["totals"] == {
        "by_category": [
            {"tax_category": "standard", "rate_percent": 10, "subtotal_jpy": 27_400, "tax_jpy": 2_740},
            {"tax_category": "reduced", "rate_percent": 8, "subtotal_jpy": 2_700, "tax_jpy": 216},
        ],
        "subtotal_jpy": 30_100,
        "tax_jpy": 2_956,
        "total_jpy": 33_056,
    }
    assert read.json() == created
    assert patched.status_code == 200, patched.text
    assert (patched.json()["notes"], patched.json()["version"], patched.json()["id"]) == (
        "消費税は別途", created["version"] + 1, created["id"]
    )  # fmt: skip
    assert patched.json()["lines"] == created["lines"]  # what the body leaves out stays as saved
    assert [q["id"] for q in listed.json()["items"]] == [created["id"]]


async def test_tax_included_prices_take_the_included_tax_once_per_rate(api, rep, make_deal):
    deal = await make_deal(rep)
    client = await api(rep)

    quote = await _quote(
        client, deal, line("保守", 13_582), line("保守", 13_582), prices_include_tax=True, rounding="floor"
    )

    assert quote["prices_include_tax"] is True
    assert quote["totals"] == {
        "by_category": [{"tax_category": "standard", "rate_percent": 10, "subtotal_jpy": 24_695, "tax_jpy": 2_469}],
        "subtotal_jpy": 24_695,
        "tax_jpy": 2_469,
        "total_jpy": 27_164,
    }


async def test_half_up_rounding_gives_1235_on_12345(api, rep, make_deal):
    quote = await _quote(await api(rep), await make_deal(rep), line(price=12_345), rounding="half_up")

    assert quote["totals"]["tax_jpy"] == 1_235 and quote["rounding"] == "half_up"


async def test_the_editors_rules_are_422_naming_the_lines_fields(api, rep, make_deal):
    deal = await make_deal(rep)
    client = await api(rep)

    r = await client.post(
        "/api/v1/quotes",
        json={
            "deal_id": deal.id,
            "subject": "",
            "lines": [
                line(),
                line("値引き", -1_000, discount_jpy=100),
                line(quantity="0"),
                line(discount_jpy=200_000),
                line(product_id=999_999),
            ],
        },
    )
    both = await client.post(
        "/api/v1/quotes", json={"deal_id": deal.id, "lines": [line(discount_percent="5", discount_jpy=5)]}
    )
    pattern = await client.post("/api/v1/quotes", json={"deal_id": deal.id, "lines": [line(quantity="1e3")]})

    assert_error(r, 422, "validation_failed")
    assert set(r.json()["error"]["fields"]) == {
        "subject", "lines[1].discount_jpy", "lines[2].quantity", "lines[3].discount_jpy"
    }  # fmt: skip
    assert_error(both, 422, "validation_failed")
    assert set(both.json()["error"]["fields"]) == {"lines[0].discount_jpy"}
    assert_error(pattern, 422, "validation_failed")


async def test_an_unknown_product_is_422_on_its_line(api, rep, make_deal):
    r = await (await api(rep)).post(
        "/api/v1/quotes", json={"deal_id": (await make_deal(rep)).id, "lines": [line(), line(product_id=999_999)]}
    )

    assert_error(r, 422, "validation_failed")
    assert set(r.json()["error"]["fields"]) == {"lines[1].product_id"}


async def test_another_teams_rep_gets_404_and_a_teammate_403_for_a_change(
    api, rep, other_rep, make_user, team_east, make_deal
):
    teammate = await make_user(Role.rep, team_east)
    quote = await _quote(await api(rep), await make_deal(rep))
    url = f"/api/v1/quotes/{quote['id']}"

    unseen = await (await api(other_rep)).get(url)
    unseen_pdf = await (await api(other_rep)).get(url + "/pdf")
    unlisted = await (await api(other_rep)).get("/api/v1/quotes")
    seen = await (await api(teammate)).get(url)
    refused = await (await api(teammate)).patch(url, json={"version": quote["version"], "subject": "横取り"})
    not_on_their_deal = await (await api(other_rep)).post(
        "/api/v1/quotes", json={"deal_id": quote["deal_id"], "lines": [line()]}
    )

    assert_error(unseen, 404, "not_found")
    assert_error(unseen_pdf, 404, "not_found")
    assert unlisted.json()["items"] == []
    assert seen.status_code == 200
    assert_error(refused, 403, "forbidden")
    assert_error(not_on_their_deal, 404, "not_found")


async def test_a_read_token_reads_but_may_not_write(api, rep, make_deal):
    quote = await _quote(await api(rep), await make_deal(rep))
    reader = await api(rep, "read")

    read = await reader.get(f"/api/v1/quotes/{quote['id']}")
    written = await reader.patch(f"/api/v1/quotes/{quote['id']}", json={"version": quote["version"], "notes": "x"})
    sent = await reader.post(f"/api/v1/quotes/{quote['id']}/send", json={"version": quote["version"]})

    assert read.status_code == 200
    assert_error(written, 403, "forbidden")
    assert_error(sent, 403, "forbidden")


async def test_a_stale_version_gets_409_with_the_quote_as_saved_now(api, rep, manager, make_deal):
    quote = await _quote(await api(rep), await make_deal(rep))
    url = f"/api/v1/quotes/{quote['id']}"
    await (await api(manager)).patch(url, json={"version": quote["version"], "lines": [line(price=90_000)]})

    r = await (await api(rep)).patch(url, json={"version": quote["version"], "subject": "変更"})

    assert_error(r, 409, "conflict")
    current = r.json()["current"]
    assert set(current) == FIELDS and current["version"] == quote["version"] + 1
    assert current["lines"][0]["unit_price_jpy"] == 90_000 and current["totals"]["total_jpy"] == 99_000


async def test_send_then_change_makes_revision_2_and_keeps_revision_1_as_sent(api, rep, make_deal):
    client = await api(rep)
    quote = await _quote(client, await make_deal(rep))
    sent = await client.post(f"/api/v1/quotes/{quote['id']}/send", json={"version": quote["version"]})

    revised = await client.patch(
        f"/api/v1/quotes/{quote['id']}", json={"version": sent.json()["version"], "lines": [line(price=80_000)]}
    )
    first = await client.get(f"/api/v1/quotes/{quote['id']}")

    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["sent_at"].endswith("Z")
    assert revised.status_code == 200, revised.text
    second = revised.json()
    assert (second["number"], second["revision"], second["status"], second["is_latest"]) == (
        quote["number"], 2, "draft", True
    )  # fmt: skip
    assert second["id"] != quote["id"] and second["totals"]["subtotal_jpy"] == 80_000
    assert (first.json()["status"], first.json()["is_latest"], first.json()["totals"]["subtotal_jpy"]) == (
        "sent", False, 100_000
    )  # fmt: skip


async def test_accepting_sets_the_deals_amount_and_moves_it_to_won(api, rep, make_deal, stage):
    deal = await make_deal(rep, "提案", amount_jpy="500000", expected_close_date="2030-03-31")
    client = await api(rep)
    quote = await _quote(client, deal, line(price=300_000), line("保守", 20_000, "12", unit="月"))
    sent = (await client.post(f"/api/v1/quotes/{quote['id']}/send", json={"version": quote["version"]})).json()

    accepted = await client.post(f"/api/v1/quotes/{quote['id']}/accept", json={"version": sent["version"]})
    deal_now = (await client.get(f"/api/v1/deals/{deal.id}")).json()

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["decided_on"]
    assert (deal_now["stage_id"], deal_now["status"], deal_now["amount_jpy"]) == (stage("受注").id, "won", 540_000)


async def test_reject_refused_for_a_draft_and_allowed_for_a_sent_quote(api, rep, make_deal):
    client = await api(rep)
    quote = await _quote(client, await make_deal(rep))
    url = f"/api/v1/quotes/{quote['id']}"

    early = await client.post(url + "/reject", json={"version": quote["version"]})
    sent = (await client.post(url + "/send", json={"version": quote["version"]})).json()
    rejected = await client.post(url + "/reject", json={"version": sent["version"]})

    assert_error(early, 422, "validation_failed")
    assert "quote" in early.json()["error"]["fields"]
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


async def test_a_discount_over_the_threshold_waits_for_the_managers_approval(
    api, rep, manager, make_deal, db, issuer_settings
):
    issuer_settings.approval_threshold_percent = 10
    await db.commit()
    client = await api(rep)
    quote = await _quote(client, await make_deal(rep), line(discount_percent="20"))
    url = f"/api/v1/quotes/{quote['id']}"

    blocked = await client.post(url + "/send", json={"version": quote["version"]})
    asked = await client.post(url + "/request-approval", json={"version": quote["version"], "note": "競合対策"})
    self_approved = await client.post(url + "/approve", json={"version": asked.json()["version"]})
    approved = await (await api(manager)).post(url + "/approve", json={"version": asked.json()["version"]})
    sent = await client.post(url + "/send", json={"version": approved.json()["version"]})

    assert_error(blocked, 422, "validation_failed")
    assert quote["discount_percent"] == "20"
    assert asked.json()["status"] == "approval_requested" and asked.json()["approval_note"] == "競合対策"
    assert_error(self_approved, 403, "forbidden")
    assert approved.json()["status"] == "approved" and approved.json()["approved_by_id"] == manager.id
    assert sent.json()["status"] == "sent"


async def test_the_pdf_is_a_pdf_whose_text_has_the_quotes_number(api, rep, make_deal, issuer_settings, tmp_path):
    client = await api(rep)
    quote = await _quote(client, await make_deal(rep))

    r = await client.get(f"/api/v1/quotes/{quote['id']}/pdf")

    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    (tmp_path / "quote.pdf").write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "quote.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())  # the title's characters are spread out
    assert quote["number"] in text and "御見積書" in flat and "¥110,000" in text


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, make_deal, db, audit_of):
    client = await api(rep)
    quote = await _quote(client, await make_deal(rep))
    await client.patch(f"/api/v1/quotes/{quote['id']}", json={"version": quote["version"], "delivery": "即日"})
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("quotes", quote["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
    ]
    assert entries[1].changes["delivery"] == ["", "即日"]


async def test_paging_quotes_returns_each_revision_once_and_updated_since_is_inclusive(
    api, rep, make_deal, make_token, anonymous
):
    client = await api(rep)
    deal = await make_deal(rep)
    made = [await _quote(client, deal, line(price=1_000 * n)) for n in range(1, 6)]
    token = await make_token(rep)

    walked = await _walk(anonymous, "/api/v1/quotes", token, limit=2)
    since = await _walk(anonymous, "/api/v1/quotes", token, limit=2, since=made[2]["updated_at"])

    assert [q["id"] for q in walked] == [q["id"] for q in made]
    assert [q["id"] for q in since] == [q["id"] for q in made[2:]]


async def test_a_missing_quote_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/quotes/999999"), 404, "not_found")
