"""Companies: validation, duplicates (名寄せ), who may edit, groups, the filtered list, saved views."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from salesdesk.accounts import groups, saved_views, services
from salesdesk.accounts.forms import SavedViewForm, SavedViewInput, parse_saved_view
from salesdesk.accounts.models import Company
from salesdesk.accounts.services import CompanyFilter, Duplicates
from salesdesk.accounts.timeline import add_activity
from salesdesk.db import utcnow
from salesdesk.errors import Forbidden, Invalid, StaleEdit
from tests.accounts.conftest import CLOCK, activity, company_edit, new_company

VALID_NUMBER = "6010001000001"


def saved_view(name: str, query: str, shared: str = "") -> SavedViewInput:
    return parse_saved_view(SavedViewForm(name=name, query=query, shared=shared))


async def count_companies(db) -> int:
    return await db.scalar(select(func.count()).select_from(Company))


# --- validation and duplicates -------------------------------------------------------------


async def test_rep_creating_a_company_with_a_wrong_corporate_number_gets_an_error_on_that_field(db, rep):
    with pytest.raises(Invalid) as error:
        await services.create_company(db, rep, new_company(name="株式会社サンプル", corporate_number="6010001000002"))

    assert error.value.errors == {"corporate_number": "corporate_number.invalid"}


async def test_rep_typing_the_corporate_number_in_full_width_digits_gets_it_saved_as_digits(db, rep):
    company = await services.create_company(
        db, rep, new_company(name="株式会社サンプル", corporate_number="６０１０００１０００００１")
    )

    assert company.corporate_number == VALID_NUMBER


async def test_rep_creating_a_company_is_its_owner(db, rep):
    company = await services.create_company(db, rep, new_company(name="株式会社サンプル"))

    assert company.owner_id == rep.id


async def test_rep_creating_kabu_sample_while_sample_kk_exists_is_shown_it_as_a_candidate(db, rep, make_company):
    existing = await make_company(rep, "サンプル株式会社")

    with pytest.raises(Duplicates) as error:
        await services.create_company(db, rep, new_company(name="（株）サンプル"))

    assert [c.id for c in error.value.candidates] == [existing.id]
    assert error.value.errors == {"name": "company.duplicate_name"}
    assert await count_companies(db) == 1


async def test_rep_confirming_the_duplicate_warning_creates_the_second_company(db, rep, make_company):
    await make_company(rep, "サンプル株式会社")

    await services.create_company(db, rep, new_company(name="㈱サンプル", confirm_duplicate="1"))

    assert await count_companies(db) == 2


async def test_a_corporate_number_already_taken_is_refused_even_when_confirmed(db, rep, make_company):
    existing = await make_company(rep, "株式会社サンプル", corporate_number=VALID_NUMBER)

    with pytest.raises(Duplicates) as error:
        await services.create_company(
            db, rep, new_company(name="全く別の名前", corporate_number=VALID_NUMBER, confirm_duplicate="1")
        )

    assert error.value.errors == {"corporate_number": "corporate_number.taken"}
    assert [c.id for c in error.value.candidates] == [existing.id]


async def test_changing_a_company_to_a_taken_corporate_number_is_refused(db, rep, make_company):
    await make_company(rep, "株式会社サンプル", corporate_number=VALID_NUMBER)
    other = await make_company(rep, "別会社")

    with pytest.raises(Duplicates):
        await services.update_company(
            db, rep, other.id, company_edit(other, corporate_number=VALID_NUMBER, confirm_duplicate="1")
        )


# --- who may edit ------------------------------------------------------------------------


async def test_rep_renames_own_company(db, rep, make_company):
    company = await make_company(rep, "株式会社サンプル")

    await services.update_company(db, rep, company.id, company_edit(company, name="株式会社サンプル商事"))

    assert company.name == "株式会社サンプル商事"
    assert company.normalized_name == "サンプル商事"


async def test_rep_may_not_edit_a_company_of_another_teams_rep(db, rep, other_rep, make_company):
    company = await make_company(other_rep, "株式会社ニシ")

    with pytest.raises(Forbidden):
        await services.update_company(db, rep, company.id, company_edit(company, name="乗っ取り"))

    assert company.name == "株式会社ニシ"


async def test_rep_may_not_edit_an_unowned_company(db, rep, admin, make_company):
    company = await make_company(admin, "株式会社だれでもない")

    assert not await services.may_edit(db, rep, company)


async def test_manager_edits_a_company_owned_by_a_rep_of_the_team(db, manager, rep, make_company):
    company = await make_company(rep, "株式会社サンプル")

    await services.update_company(db, manager, company.id, company_edit(company, industry="製造業"))

    assert company.industry == "製造業"


async def test_manager_edits_an_unowned_company_and_hands_it_to_a_rep(db, manager, rep, make_company):
    company = await make_company(manager, "株式会社だれでもない")
    assert company.owner_id is None

    await services.update_company(db, manager, company.id, company_edit(company, owner_id=str(rep.id)))

    assert company.owner_id == rep.id


async def test_manager_may_not_edit_a_company_of_another_team(db, manager, other_rep, make_company):
    company = await make_company(other_rep, "株式会社ニシ")

    with pytest.raises(Forbidden):
        await services.update_company(db, manager, company.id, company_edit(company, industry="小売業"))


async def test_admin_may_edit_every_company(db, admin, rep, other_rep, make_company):
    companies = [
        await make_company(rep, "株式会社ヒガシ"),
        await make_company(other_rep, "株式会社ニシ"),
        await make_company(admin, "株式会社だれでもない"),
    ]

    assert [await services.may_edit(db, admin, c) for c in companies] == [True, True, True]


async def test_rep_saving_a_form_the_manager_changed_meanwhile_gets_a_stale_edit(db, rep, manager, make_company):
    company = await make_company(rep, "株式会社サンプル")
    reps_form = company_edit(company, industry="製造業")  # both opened the form here
    await services.update_company(db, manager, company.id, company_edit(company, industry="情報通信業"))

    with pytest.raises(StaleEdit) as error:
        await services.update_company(db, rep, company.id, reps_form)

    assert company.industry == "情報通信業"  # the manager's edit survives
    assert error.value.changes["industry"] == ("製造業", "情報通信業")


# --- groups (親会社・子会社) -------------------------------------------------------------------


async def test_a_parent_cannot_be_made_a_subsidiary_of_its_own_subsidiary(db, rep, make_company):
    parent = await make_company(rep, "サンプルホールディングス株式会社")
    child = await make_company(rep, "サンプル販売株式会社", parent_id=str(parent.id))

    with pytest.raises(Invalid) as error:
        await services.update_company(db, rep, parent.id, company_edit(parent, parent_id=str(child.id)))

    assert error.value.errors == {"parent_id": "parent.cycle"}


async def test_a_company_cannot_be_its_own_parent(db, rep, make_company):
    company = await make_company(rep, "株式会社サンプル")

    with pytest.raises(Invalid) as error:
        await services.update_company(db, rep, company.id, company_edit(company, parent_id=str(company.id)))

    assert error.value.errors == {"parent_id": "parent.cycle"}


async def test_the_group_of_a_subsidiary_shows_the_parent_on_top_and_every_subsidiary_below(db, rep, make_company):
    parent = await make_company(rep, "サンプルHD", name_kana="サンプルエイチディー")
    sales = await make_company(rep, "サンプル販売", name_kana="サンプルハンバイ", parent_id=str(parent.id))
    logistics = await make_company(rep, "サンプル物流", name_kana="サンプルブツリュウ", parent_id=str(parent.id))
    shop = await make_company(rep, "サンプル直営店", name_kana="サンプルチョクエイテン", parent_id=str(sales.id))

    tree = await groups.group_tree(db, logistics)

    assert [(depth, company.id) for depth, company in tree] == [
        (0, parent.id),
        (1, sales.id),
        (2, shop.id),
        (1, logistics.id),
    ]


async def test_a_company_without_a_group_has_no_group_tree(db, rep, make_company):
    company = await make_company(rep, "株式会社サンプル")

    assert await groups.group_tree(db, company) == []


# --- the list and its filters -----------------------------------------------------------------


async def names(db, actor, **filters) -> list[str]:
    page = await services.list_companies(db, actor, CompanyFilter(**filters), CLOCK)
    return sorted(c.name for c in page.companies)


async def test_the_list_filtered_by_owner_shows_only_that_owners_companies(db, rep, other_rep, make_company):
    await make_company(rep, "ヒガシ商事")
    await make_company(other_rep, "ニシ商事")

    assert await names(db, rep, owner_id=other_rep.id) == ["ニシ商事"]


async def test_the_list_filtered_by_tag_shows_only_tagged_companies(db, rep, make_company):
    await make_company(rep, "ヒガシ商事", tags="展示会2026、重点")
    await make_company(rep, "ニシ商事", tags="重点")
    await make_company(rep, "キタ商事")

    assert await names(db, rep, tag="展示会2026") == ["ヒガシ商事"]
    assert await names(db, rep, tag="重点") == ["ニシ商事", "ヒガシ商事"]


async def test_the_list_filtered_by_target_flag_shows_target_or_other_accounts(db, rep, make_company):
    await make_company(rep, "ヒガシ商事", is_target="1")
    await make_company(rep, "ニシ商事")

    assert await names(db, rep, target="1") == ["ヒガシ商事"]
    assert await names(db, rep, target="0") == ["ニシ商事"]


async def test_the_list_of_no_contact_for_30_days_shows_stale_and_never_contacted_companies(db, rep, make_company):
    stale = await make_company(rep, "ご無沙汰商事")
    recent = await make_company(rep, "最近商事")
    await make_company(rep, "未接触商事")
    for company, days_ago in ((stale, 45), (recent, 3)):
        when = (utcnow() - timedelta(days=days_ago)).isoformat()
        await add_activity(db, rep, company.id, activity(kind="call", subject="電話", occurred_at=when))
    await db.commit()

    assert await names(db, rep, no_contact_days=30) == ["ご無沙汰商事", "未接触商事"]


async def test_the_list_searched_by_kana_in_hiragana_finds_the_company(db, rep, make_company):
    await make_company(rep, "東京精密工業株式会社", name_kana="トウキョウセイミツコウギョウ")
    await make_company(rep, "大阪物産株式会社", name_kana="オオサカブッサン")

    assert await names(db, rep, q="せいみつ") == ["東京精密工業株式会社"]


async def test_the_list_is_paged_and_a_page_past_the_end_shows_the_last_page(db, rep, make_company):
    for kana in ("ア", "イ", "ウ", "エ", "オ"):
        await make_company(rep, f"{kana}商事", name_kana=f"{kana}ショウジ")

    second = await services.list_companies(db, rep, CompanyFilter(page=2), CLOCK, page_size=2)
    past_the_end = await services.list_companies(db, rep, CompanyFilter(page=9), CLOCK, page_size=2)

    assert (second.total, second.pages, [c.name for c in second.companies]) == (5, 3, ["ウ商事", "エ商事"])
    assert (past_the_end.page, [c.name for c in past_the_end.companies]) == (3, ["オ商事"])


def test_filters_read_from_a_url_ignore_malformed_values():
    f = CompanyFilter.from_query(
        {"q": " 商事 ", "owner_id": "abc", "no_contact_days": "３０", "sort": "hack", "page": "-1"}
    )

    assert (f.q, f.owner_id, f.no_contact_days, f.sort, f.page) == ("商事", None, 30, "name", 1)


# --- saved views -----------------------------------------------------------------------


async def test_rep_sees_own_views_and_views_shared_with_the_team_but_not_another_teams(db, rep, manager, other_rep):
    await saved_views.save_view(db, rep, saved_view("自分用", "?owner_id=1"))
    await saved_views.save_view(db, manager, saved_view("チーム共有", "target=1", shared="1"))
    await saved_views.save_view(db, manager, saved_view("部長の私用", "tag=x"))
    await saved_views.save_view(db, other_rep, saved_view("西の共有", "target=1", shared="1"))
    await db.commit()

    views = await saved_views.list_saved_views(db, rep)

    assert [v.name for v in views] == ["チーム共有", "自分用"]
    assert views[1].query == "owner_id=1"


async def test_a_teammate_may_not_delete_a_shared_view_he_did_not_save(db, rep, manager):
    view = await saved_views.save_view(db, manager, saved_view("チーム共有", "target=1", shared="1"))

    with pytest.raises(Forbidden):
        await saved_views.delete_view(db, rep, view.id)
