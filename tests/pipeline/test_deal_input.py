"""What a deal form accepts: every text has a limit, answered with 422 naming it and the input kept
(never cut silently), and a form saved over someone else's change keeps the user's input."""

import re

from sqlalchemy import func, select

from salesdesk.pipeline.models import Deal
from tests.conftest import HTMX
from tests.pipeline.conftest import reload
from tests.pipeline.test_deal_pages import edit_data, new_deal


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html)
    assert match, f"no error shown beside {field}"
    return match[1]


async def test_a_5000_character_deal_title_is_refused_naming_the_limit_and_the_title_is_kept(
    db, login, rep, make_company, pipeline
):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)
    title = "長" * 5_000

    r = await client.post("/deals", data=new_deal(company, title=title))

    assert r.status_code == 422
    assert "200" in field_error(r.text, "title")
    assert f'value="{title}"' in r.text  # the input kept, not cut to 200
    assert await db.scalar(select(func.count()).select_from(Deal)) == 0


async def test_a_million_character_memo_is_refused_naming_the_limit_and_kept_in_the_form(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(rep)
    challenges = "課" * 1_000_001

    r = await client.post(f"/deals/{deal.id}", data=edit_data(deal, challenges=challenges))

    assert r.status_code == 422
    assert "10,000" in field_error(r.text, "challenges")
    assert challenges in r.text
    assert (await reload(db, deal)).challenges == ""


async def test_a_next_action_title_over_the_limit_is_refused_on_that_field(db, login, rep, make_company, pipeline):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)

    r = await client.post(
        "/deals", data=new_deal(company, next_title="x" * 201, next_due_on="2030-01-10", next_kind="call")
    )

    assert r.status_code == 422
    assert "200" in field_error(r.text, "deal-next-title")


async def test_saving_a_deal_someone_changed_meanwhile_keeps_my_input_and_says_who_saved_it_when(
    db, login, rep, manager, make_deal
):
    deal = await make_deal(rep, "提案", amount_jpy="1000000")
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(f"/deals/{deal.id}", data=edit_data(deal, amount_jpy="1500000"))

    r = await rep_tab.post(
        f"/deals/{deal.id}", data=edit_data(deal, title="基幹刷新(第2期)", challenges="帳票の電子化")
    )

    assert r.status_code == 409
    saved = await reload(db, deal)
    assert manager.name in r.text  # who saved it (and when) in the conflict panel
    assert 'class="panel conflict"' in r.text
    assert 'value="基幹刷新(第2期)"' in r.text and ">帳票の電子化</textarea>" in r.text  # my input, not the saved one
    assert f'name="version" value="{saved.version}"' in r.text  # saving again is a deliberate overwrite

    again = await rep_tab.post(
        f"/deals/{deal.id}",
        data=edit_data(deal, title="基幹刷新(第2期)", challenges="帳票の電子化") | {"version": str(saved.version)},
    )

    assert again.status_code == 303
    assert (await reload(db, deal)).title == "基幹刷新(第2期)"


async def test_a_forecast_saved_over_a_newer_version_keeps_the_choice_and_shows_the_conflict_in_the_panel(
    db, login, rep, manager, make_deal
):
    deal = await make_deal(rep, "提案", forecast="B")
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(
        f"/deals/{deal.id}/forecast", data={"forecast": "C", "reason": "予算凍結", "version": deal.version}
    )

    r = await rep_tab.post(
        f"/deals/{deal.id}/forecast", data={"forecast": "A", "reason": "", "version": deal.version}, headers=HTMX
    )

    assert r.status_code == 409
    assert "<html" not in r.text and 'class="panel conflict"' in r.text and manager.name in r.text
    assert 'name="forecast" value="A" checked' in r.text
    assert f'name="version" value="{(await reload(db, deal)).version}"' in r.text
