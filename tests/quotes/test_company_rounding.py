"""A customer company's own tax rounding for its quotes: between the issuer's default and the choice
on one quote. Set on the company page by the account's editors; new quotes start with it (the
editor, the services and the API alike); a quote may still choose another."""

from dataclasses import replace
from decimal import Decimal

from salesdesk.accounts.models import Company
from salesdesk.audit.hook import set_actor
from salesdesk.quotes import issuer
from salesdesk.quotes.tax import Rounding
from tests.quotes.conftest import ISSUER, line


async def set_rounding(client, company_id: int, rounding: str, version: int):
    return await client.post(
        f"/accounts/{company_id}/quote-rounding", data={"rounding": rounding, "version": str(version)}
    )


async def test_the_owner_sets_half_up_for_a_customer_and_its_new_quotes_start_with_it(
    db, login, rep, make_deal, make_quote, issuer_settings
):
    deal = await make_deal(rep)
    company = await db.get(Company, deal.company_id)
    client = await login(rep)

    r = await set_rounding(client, company.id, "half_up", company.version)
    page = await client.get(f"/accounts/{company.id}")
    editor = await client.get(f"/deals/{deal.id}/quotes/new")
    await db.refresh(company)
    quote = await make_quote(rep, deal, line(price=12_345))

    assert r.status_code == 303
    assert '<option value="half_up" selected>' in page.text
    assert 'value="half_up" selected' in editor.text
    assert (quote.rounding, quote.tax_jpy) == ("half_up", 1_235)  # 1,234.5 rounded half up


async def test_a_quote_may_still_choose_another_rounding(db, login, rep, make_deal, make_quote, issuer_settings):
    deal = await make_deal(rep)
    company = await db.get(Company, deal.company_id)
    await set_rounding(await login(rep), company.id, "ceil", company.version)
    await db.refresh(company)

    quote = await make_quote(rep, deal, line(price=12_345), rounding=Rounding.floor)

    assert (quote.rounding, quote.tax_jpy) == ("floor", 1_234)


async def test_without_a_company_rounding_the_issuers_default_holds(db, admin, rep, make_deal, make_quote):
    set_actor(db, admin)
    await issuer.save_issuer(db, admin, replace(ISSUER, default_rounding=Rounding.ceil))
    await db.commit()

    quote = await make_quote(rep, await make_deal(rep), line(price=100, quantity="1.5", discount_percent=Decimal("3")))

    assert quote.rounding == "ceil"


async def test_the_api_creates_a_quote_with_the_companys_rounding(db, login, anonymous, make_token, rep, make_deal):
    deal = await make_deal(rep)
    company = await db.get(Company, deal.company_id)
    await set_rounding(await login(rep), company.id, "half_up", company.version)
    body = {"deal_id": deal.id, "lines": [{"description": "作業", "quantity": "1", "unit": "式",
                                           "unit_price_jpy": 12_345, "tax_category": "standard"}]}  # fmt: skip

    token = await make_token(rep)
    r = await anonymous.post("/api/v1/quotes", json=body, headers={"Authorization": f"Bearer {token}"})

    assert r.status_code == 201, r.text
    assert (r.json()["rounding"], r.json()["totals"]["tax_jpy"]) == ("half_up", 1_235)


async def test_another_teams_rep_may_not_set_it_and_a_stale_version_is_409(db, login, rep, other_rep, make_deal):
    company = await db.get(Company, (await make_deal(rep)).company_id)

    refused = await set_rounding(await login(other_rep), company.id, "ceil", company.version)
    stale = await set_rounding(await login(rep), company.id, "ceil", company.version - 1)
    cleared = await set_rounding(await login(rep), company.id, "", company.version)

    assert (refused.status_code, stale.status_code, cleared.status_code) == (403, 409, 303)
