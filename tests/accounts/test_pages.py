"""The account pages over HTTP: forms keep input, stale edits get 409, htmx gets fragments,
and the hot pages run a fixed number of queries however much data there is."""

from __future__ import annotations

from salesdesk.accounts import timeline
from tests.accounts.conftest import activity
from tests.conftest import HTMX


async def test_rep_creates_a_company_and_lands_on_its_page(login, rep):
    client = await login(rep)

    r = await client.post(
        "/accounts",
        data={
            "name": "株式会社青空商事",
            "name_kana": "あおぞらしょうじ",
            "corporate_number": "6010001000001",
            "tags": "重点, 製造",
        },
    )

    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert page.status_code == 200
    assert "株式会社青空商事" in page.text and "6010001000001" in page.text and "重点" in page.text


async def test_a_bad_corporate_number_rerenders_the_form_with_the_input_and_a_field_error(login, rep):
    client = await login(rep)

    r = await client.post("/accounts", data={"name": "株式会社青空商事", "corporate_number": "1234567890123"})

    assert r.status_code == 422
    assert 'value="株式会社青空商事"' in r.text
    assert 'id="corporate_number-error"' in r.text


async def test_a_name_variant_of_an_existing_company_warns_and_offers_it_then_saves_when_confirmed(
    login, rep, make_company
):
    existing = await make_company(rep, "株式会社青空商事")
    client = await login(rep)

    warned = await client.post("/accounts", data={"name": "青空商事（株）"})
    confirmed = await client.post("/accounts", data={"name": "青空商事（株）", "confirm_duplicate": "1"})

    assert warned.status_code == 422
    assert f'href="/accounts/{existing.id}"' in warned.text
    assert confirmed.status_code == 303


async def test_saving_a_company_the_manager_changed_meanwhile_gets_409_and_keeps_the_managers_edit(
    login, rep, manager, make_company, db
):
    company = await make_company(rep, "株式会社青空商事")
    rep_tab, manager_tab = await login(rep), await login(manager)
    form = {"name": "株式会社青空商事", "owner_id": str(rep.id), "version": str(company.version)}
    assert (await manager_tab.post(f"/accounts/{company.id}", data=form | {"industry": "製造業"})).status_code == 303

    r = await rep_tab.post(f"/accounts/{company.id}", data=form | {"industry": "小売"})

    assert r.status_code == 409
    assert "製造業" in r.text  # what is saved now is shown
    await db.refresh(company)
    assert company.industry == "製造業"


async def test_other_teams_rep_reads_the_company_but_cannot_edit_it(login, rep, other_rep, make_company):
    company = await make_company(rep, "株式会社青空商事")
    client = await login(other_rep)

    page = await client.get(f"/accounts/{company.id}")
    edit = await client.get(f"/accounts/{company.id}/edit")

    assert page.status_code == 200 and f'href="/accounts/{company.id}/edit"' not in page.text
    assert edit.status_code == 403


async def test_quick_add_by_htmx_returns_the_timeline_with_the_new_activity_on_top(
    login, rep, make_company, make_person
):
    company = await make_company(rep, "株式会社青空商事")
    person = await make_person(rep, company, "山田 太郎")
    client = await login(rep)
    await client.post(f"/accounts/{company.id}/activities", data={"kind": "call", "subject": "先週の電話"})

    r = await client.post(
        f"/accounts/{company.id}/activities",
        headers=HTMX,
        data={"kind": "visit", "subject": "課題ヒアリング", "person_ids": str(person.id)},
    )

    assert r.status_code == 200
    assert "<html" not in r.text and 'id="timeline"' in r.text
    assert r.text.index("課題ヒアリング") < r.text.index("先週の電話")
    assert f'href="/persons/{person.id}"' in r.text


async def test_quick_add_without_a_subject_is_422_with_the_form_kept(login, rep, make_company):
    company = await make_company(rep, "株式会社青空商事")
    client = await login(rep)

    r = await client.post(
        f"/accounts/{company.id}/activities", headers=HTMX, data={"kind": "visit", "subject": " ", "body": "長いメモ"}
    )

    assert r.status_code == 422
    assert "長いメモ" in r.text and 'id="subject-error"' in r.text


async def test_a_title_change_shows_in_the_persons_history_and_timeline(login, rep, make_company, make_person):
    company = await make_company(rep, "株式会社青空商事")
    person = await make_person(rep, company, "山田 太郎", title="課長")
    client = await login(rep)

    r = await client.post(
        f"/persons/{person.id}",
        data={
            "name": "山田 太郎",
            "title": "部長",
            "stance": "neutral",
            "moved_on": "2026-04-01",
            "version": str(person.version),
        },
    )
    page = await client.get(f"/persons/{person.id}")

    assert r.status_code == 303
    assert "2026/04/01" in page.text and "部長" in page.text
    assert "課長 → 部長" in page.text  # the audit log's change, in context


async def test_header_search_is_a_full_page_without_javascript_and_a_fragment_for_htmx(
    login, rep, make_company, make_person
):
    company = await make_company(rep, "株式会社青空商事")
    await make_person(rep, company, "山田 太郎", name_kana="ヤマダ タロウ", phone="03-1234-5678")
    client = await login(rep)

    page = await client.get("/search", params={"q": "０３（１２３４）５６７８"})
    fragment = await client.get("/search", params={"q": "やまだ"}, headers=HTMX)

    assert page.status_code == 200 and "<html" in page.text and "山田 太郎" in page.text
    assert fragment.status_code == 200 and "<html" not in fragment.text and "山田 太郎" in fragment.text


async def test_company_list_filters_by_tag_and_keeps_the_filters_in_the_pager(login, rep, make_company):
    for n in range(55):
        await make_company(rep, f"株式会社テスト{n:02d}", tags="重点")
    await make_company(rep, "株式会社ほか", tags="その他")
    client = await login(rep)

    r = await client.get("/accounts", params={"tag": "重点"})

    assert "55" in r.text and "株式会社ほか" not in r.text
    assert "tag=%E9%87%8D%E7%82%B9&amp;page=2" in r.text


async def _company_with(db, rep, make_company, make_person, n: int):
    company = await make_company(rep, f"株式会社規模{n}")
    persons = [await make_person(rep, company, f"担当 {i}", email=f"p{i}@example.jp") for i in range(n)]
    for i in range(n):
        await timeline.add_activity(db, rep, company.id, activity([str(persons[i].id)], subject=f"電話 {i}"))
    await db.commit()
    return company


async def test_company_page_runs_the_same_number_of_queries_for_2_or_25_persons_and_activities(
    login, rep, make_company, make_person, db, count_queries
):
    small = await _company_with(db, rep, make_company, make_person, 2)
    large = await _company_with(db, rep, make_company, make_person, 25)
    client = await login(rep)

    counts = []
    for company in (small, large):
        statements = count_queries()
        assert (await client.get(f"/accounts/{company.id}")).status_code == 200
        counts.append(len(statements))
        statements.clear()

    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts  # was 14: the company with its tags, the activities with their people, one each


async def test_company_list_runs_the_same_number_of_queries_for_3_or_60_companies(
    login, rep, make_company, count_queries
):
    client = await login(rep)
    statements = count_queries()
    counts = []
    for batch in (3, 57):
        for n in range(batch):
            await make_company(rep, f"株式会社件数{batch}-{n}", tags="a")
        statements.clear()
        assert (await client.get("/accounts")).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts
