"""The deal pages: creating a deal (from a company page or with the company search), the deal page
(summary, stage progress, committee, timeline, next actions) and its query count, editing with 409
and the stage rules (the inline ヨミ change and the timeline: test_deal_page_panels.py)."""

from datetime import timedelta

from sqlalchemy import select

from salesdesk.accounts.forms import ActivityForm
from salesdesk.calendar.business_days import business_calendar
from salesdesk.i18n import local_today
from salesdesk.pipeline import committee, setup
from salesdesk.pipeline.forms import ContactForm, parse_contact
from salesdesk.pipeline.models import Deal
from salesdesk.tasks.models import Task
from tests.conftest import HTMX
from tests.pipeline.conftest import add_activity, reload


def new_deal(company, **values):
    return {"company_id": str(company.id), "title": "基幹システム刷新", "forecast": "B"} | values


async def test_rep_opens_the_new_deal_form_from_a_company_page_with_the_company_chosen(login, rep, make_company):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)

    r = await client.get(f"/deals/new?company_id={company.id}")

    assert r.status_code == 200
    assert f'<option value="{company.id}" translate="no" selected>株式会社北斗商事' in r.text
    assert 'name="next_title"' in r.text  # the next action is typed with the deal


async def test_the_company_picker_finds_companies_by_kana_as_the_user_types(login, rep, make_company):
    await make_company(rep, "株式会社北斗商事", name_kana="ホクトショウジ")
    await make_company(rep, "南風物産株式会社", name_kana="ナンプウブッサン")
    client = await login(rep)

    r = await client.get("/deals/new/companies", params={"company_q": "ほくと"}, headers=HTMX)

    assert "株式会社北斗商事" in r.text and "南風物産" not in r.text
    assert "<html" not in r.text


async def test_rep_creates_a_deal_with_its_next_action_and_lands_on_the_deal_page(
    db, login, rep, make_company, pipeline
):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)
    due = (local_today() + timedelta(days=3)).isoformat()

    r = await client.post(
        "/deals",
        data=new_deal(
            company,
            amount_jpy="¥1,200,000",
            expected_close_date="2027/03/31",
            next_title="要件ヒアリングの訪問",
            next_kind="visit",
            next_due_on=due,
        ),
    )

    assert r.status_code == 303
    deal = await db.scalar(select(Deal).where(Deal.title == "基幹システム刷新"))
    assert r.headers["location"] == f"/deals/{deal.id}"
    assert (deal.amount_jpy, deal.owner_id, deal.forecast) == (1_200_000, rep.id, "B")
    page = await client.get(r.headers["location"])
    assert "要件ヒアリングの訪問" in page.text and "¥1,200,000" in page.text


async def test_a_new_deals_next_action_may_be_given_in_business_days(db, login, rep, make_company, pipeline, clock):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)
    form = new_deal(company, next_title="要件ヒアリングの訪問", next_kind="visit", next_due_in="３営業日後")

    r = await client.post("/deals", data=form)
    too_far = await client.post("/deals", data=form | {"title": "別件", "next_due_in": "300"})

    assert r.status_code == 303, r.text
    task = await db.scalar(select(Task).where(Task.title == "要件ヒアリングの訪問"))
    assert task.due_on == (await business_calendar(db)).add(clock.today(), 3)
    assert (
        too_far.status_code == 422
        and 'value="別件"' in too_far.text
        and 'name="next_due_in" aria-invalid' in too_far.text
    )


async def test_a_deal_created_without_a_next_action_opens_with_the_prompt(db, login, rep, make_company, pipeline):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)

    r = await client.post("/deals", data=new_deal(company))

    deal = await db.scalar(select(Deal).where(Deal.title == "基幹システム刷新"))
    assert r.headers["location"] == f"/deals/{deal.id}?prompt=next"
    page = await client.get(r.headers["location"])
    assert "次のアクションを登録" in page.text or "What is its next action?" in page.text  # the flash
    assert '<details class="add-task" open>' in page.text
    assert 'role="alert">⚠' in page.text


async def test_a_new_deal_with_errors_comes_back_422_with_the_input_kept(db, login, rep, make_company, pipeline):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)

    r = await client.post("/deals", data=new_deal(company, title="", amount_jpy="百万円", competitors="大手SIer A社"))

    assert r.status_code == 422
    assert 'value="百万円"' in r.text and "大手SIer A社" in r.text
    assert 'id="f-title"' in r.text and 'aria-describedby="title-error"' in r.text
    assert 'aria-describedby="amount_jpy-error"' in r.text
    assert await db.scalar(select(Deal.id)) is None


async def test_a_rep_cannot_make_another_rep_the_owner(db, login, rep, other_rep, make_company, pipeline):
    company = await make_company(rep, "株式会社北斗商事")
    client = await login(rep)

    r = await client.post("/deals", data=new_deal(company, owner_id=str(other_rep.id)))

    assert r.status_code == 422 and 'aria-describedby="owner_id-error"' in r.text


async def test_deal_page_shows_summary_progress_committee_timeline_and_next_actions(
    db, login, rep, make_company, make_deal, make_person
):
    company = await make_company(rep, "株式会社北斗商事")
    deal = await make_deal(rep, "提案", company, amount_jpy="1000000", expected_close_date="2027-03-31")
    person = await make_person(rep, company, "山田 太郎", title="代表取締役", buying_role="decision_maker")
    await committee.add_contact(db, rep, deal.id, parse_contact(ContactForm(person_id=str(person.id))))
    await add_activity(
        db, rep, company.id, ActivityForm(kind="visit", subject="提案書を説明"), [str(person.id)], deal_id=deal.id
    )
    await db.commit()
    client = await login(rep)

    r = await client.get(f"/deals/{deal.id}")

    assert r.status_code == 200
    assert "¥1,000,000" in r.text and "¥400,000" in r.text  # weighted at 提案's 40%
    assert 'aria-current="step"' in r.text and "提案" in r.text
    assert 'id="committee"' in r.text and "山田 太郎" in r.text and "role-decision_maker" in r.text
    assert "dm-warning" not in r.text  # the decision maker was just visited
    assert 'id="deal-timeline"' in r.text and "提案書を説明" in r.text
    assert 'id="next-actions"' in r.text and "電話でフォロー" in r.text
    assert 'id="deal-quotes"' in r.text


async def test_the_deal_page_runs_the_same_number_of_queries_however_much_history_it_has(
    db, login, rep, make_company, make_deal, make_task, make_person, count_queries
):
    async def deal_with(n: int) -> Deal:
        company = await make_company(rep, f"株式会社規模{n}")
        deal = await make_deal(rep, "提案", company, title=f"案件{n}", amount_jpy="100000")
        for i in range(n):
            person = await make_person(
                rep,
                company,
                f"担当 {n}-{i}",
                email=f"p{n}-{i}@example.jp",
                buying_role="decision_maker" if i == 0 else "influencer",
            )
            await committee.add_contact(db, rep, deal.id, parse_contact(ContactForm(person_id=str(person.id))))
            await add_activity(
                db, rep, company.id, ActivityForm(subject=f"電話 {i}"), [str(person.id)], deal_id=deal.id
            )
            await make_task(rep, deal, title=f"タスク {i}", due_in_days=i + 1)
        await db.commit()
        return deal

    small, large = await deal_with(2), await deal_with(12)
    client = await login(rep)

    counts = []
    for deal in (small, large):
        statements = count_queries()
        assert (await client.get(f"/deals/{deal.id}")).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts
    assert counts[1] <= 13, counts  # the session, then the deal's sources, one statement each (was 16)


async def test_another_teams_rep_does_not_see_the_deal(login, rep, other_rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(other_rep)

    assert (await client.get(f"/deals/{deal.id}")).status_code == 404


async def test_a_teammate_sees_the_deal_but_gets_no_edit_controls(login, rep, make_user, team_east, make_deal):
    deal = await make_deal(rep, "提案")
    teammate = await make_user("rep", team_east, name="同僚 一郎")
    client = await login(teammate)

    r = await client.get(f"/deals/{deal.id}")

    assert r.status_code == 200
    assert f'href="/deals/{deal.id}/edit"' not in r.text and 'id="add-contact"' not in r.text
    assert (await client.get(f"/deals/{deal.id}/edit")).status_code == 403


# --- editing ------------------------------------------------------------------------------


def edit_data(deal, **changes):
    values = {
        "title": deal.title,
        "amount_jpy": str(deal.amount_jpy or ""),
        "expected_close_date": deal.expected_close_date.isoformat() if deal.expected_close_date else "",
        "stage_id": str(deal.stage_id),
        "owner_id": str(deal.owner_id),
        "forecast": deal.forecast,
        "version": str(deal.version),
    }
    return values | changes


async def test_the_edit_form_shows_the_saved_values_and_the_version(login, rep, make_deal):
    deal = await make_deal(rep, "提案", amount_jpy="1200000", competitors="A社")
    client = await login(rep)

    r = await client.get(f"/deals/{deal.id}/edit")

    assert r.status_code == 200
    assert 'value="1,200,000"' in r.text and "A社</textarea>" in r.text
    assert f'name="version" value="{deal.version}"' in r.text


async def test_rep_edits_a_deal_and_the_change_is_in_the_history(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", amount_jpy="1000000")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}", data=edit_data(deal, amount_jpy="120万"))

    assert r.status_code == 303 and r.headers["location"] == f"/deals/{deal.id}"
    assert (await reload(db, deal)).amount_jpy == 1_200_000
    page = await client.get(f"/deals/{deal.id}")
    assert "¥1,000,000 → <strong>¥1,200,000</strong>" in page.text


async def test_two_tabs_editing_the_same_deal_the_second_gets_409_showing_what_changed(
    db, login, rep, manager, make_deal
):
    deal = await make_deal(rep, "提案", amount_jpy="1000000")
    rep_tab, manager_tab = await login(rep), await login(manager)
    assert (await manager_tab.post(f"/deals/{deal.id}", data=edit_data(deal, amount_jpy="1500000"))).status_code == 303

    r = await rep_tab.post(f"/deals/{deal.id}", data=edit_data(deal, title="基幹刷新(第2期)"))

    assert r.status_code == 409
    assert "¥1,500,000" in r.text and "¥1,000,000" in r.text  # saved now beside the stale input
    assert "基幹刷新(第2期)" in r.text
    saved = await reload(db, deal)
    assert (saved.amount_jpy, saved.title) == (1_500_000, deal.title)  # the manager's edit survives
    assert f'name="version" value="{saved.version}"' in r.text  # the form now holds what is saved


async def test_editing_a_deal_into_a_stage_that_needs_fields_it_lacks_is_refused_on_those_fields(
    db, login, rep, make_deal, stage
):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}", data=edit_data(deal, stage_id=str(stage("見積提出").id)))

    assert r.status_code == 422
    assert 'aria-describedby="amount_jpy-error"' in r.text and 'aria-describedby="expected_close_date-error"' in r.text
    assert (await reload(db, deal)).stage_id == stage("提案").id


async def test_a_deal_lost_through_the_edit_form_shows_its_reason_note_and_date(db, login, rep, make_deal, stage):
    deal = await make_deal(rep, "交渉", amount_jpy="800000", expected_close_date="2027-01-31")
    reason = (await setup.list_lost_reasons(db))[1]  # 競合に敗北
    client = await login(rep)

    refused = await client.post(f"/deals/{deal.id}", data=edit_data(deal, stage_id=str(stage("失注").id)))
    r = await client.post(
        f"/deals/{deal.id}",
        data=edit_data(deal, stage_id=str(stage("失注").id), lost_reason_id=str(reason.id), lost_note="B社が2割安い"),
    )

    assert refused.status_code == 422 and 'aria-describedby="lost_reason_id-error"' in refused.text
    assert r.status_code == 303 and r.headers["location"] == f"/deals/{deal.id}"
    saved = await reload(db, deal)
    assert (saved.stage_id, saved.lost_reason_id, saved.lost_on) == (stage("失注").id, reason.id, local_today())
    page = await client.get(f"/deals/{deal.id}")
    summary = page.text[page.text.index('id="deal-summary"') : page.text.index('id="next-actions"')]
    assert "競合に敗北" in summary and "B社が2割安い" in summary and "失注日" in summary
    assert "ヨミを変更" not in summary  # a closed deal's forecast is history


async def test_saving_an_open_deal_that_has_no_next_action_asks_for_one(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", next_action=False)
    client = await login(rep)
    form = await client.get(f"/deals/{deal.id}/edit")

    r = await client.post(f"/deals/{deal.id}", data=edit_data(deal, title="基幹刷新"))

    assert 'name="next_title"' in form.text  # the edit form offers to plan it
    assert r.headers["location"] == f"/deals/{deal.id}?prompt=next"


async def test_lowering_the_forecast_in_the_edit_form_without_a_reason_is_refused(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", forecast="A")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}", data=edit_data(deal, forecast="C"))

    assert r.status_code == 422 and 'aria-describedby="forecast_reason-error"' in r.text
    assert (await reload(db, deal)).forecast == "A"
