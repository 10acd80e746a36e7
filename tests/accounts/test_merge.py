"""Merging duplicates (名寄せ): everything of the other row moves to the survivor, and nothing is left dangling."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from salesdesk.accounts import merge, people, search
from salesdesk.accounts.models import Activity, Company, Department, Person, PersonMove, activity_persons
from salesdesk.accounts.timeline import add_activity
from salesdesk.audit.hook import set_actor
from salesdesk.audit.models import AuditEntry
from salesdesk.errors import Forbidden
from tests.accounts.conftest import CLOCK, new_department, person_edit
from tests.accounts.conftest import activity as activity_form

VALID_NUMBER = "6010001000001"


async def department(db, actor, company, name, parent=None) -> Department:
    return await people.create_department(db, actor, company.id, new_department(name, parent))


async def activity(db, actor, company, subject, *persons) -> Activity:
    return await add_activity(
        db, actor, company.id, activity_form([str(p.id) for p in persons], kind="visit", subject=subject)
    )


async def links(db, activity_id) -> list[int]:
    return sorted(
        await db.scalars(select(activity_persons.c.person_id).where(activity_persons.c.activity_id == activity_id))
    )


# --- companies ---------------------------------------------------------------------------


@dataclass
class CompanyMerge:  # ids: the test reads the rows afresh
    survivor_id: int
    other_id: int
    other_person_id: int
    other_activity_id: int
    subsidiary_id: int


@pytest.fixture
async def merged(db, rep, manager, make_company, make_person) -> CompanyMerge:
    """The rep's 株式会社サンプル absorbs サンプル㈱, which has the 法人番号, departments, a person, a visit and a
    subsidiary of its own."""
    survivor = await make_company(rep, "株式会社サンプル", tags="重点")
    other = await make_company(rep, "サンプル㈱", corporate_number=VALID_NUMBER, industry="製造業", tags="展示会2026")
    subsidiary = await make_company(rep, "サンプル物流", parent_id=str(other.id))
    sales = await department(db, rep, survivor, "営業部")
    await department(db, rep, survivor, "一課", sales)
    other_sales = await department(db, rep, other, "営業部")
    await department(db, rep, other, "二課", other_sales)
    await department(db, rep, other, "庶務課", await department(db, rep, other, "総務部"))
    await db.commit()
    person = await make_person(rep, other, "山田 太郎", department_id=str(other_sales.id))
    visit = await activity(db, rep, other, "初回訪問", person)
    await db.commit()

    ids = CompanyMerge(survivor.id, other.id, person.id, visit.id, subsidiary.id)

    set_actor(db, manager)
    await merge.merge_companies(db, manager, survivor.id, other.id)  # merging is the manager's
    await db.commit()
    db.expunge_all()  # read every row afresh
    return ids


async def test_merging_companies_moves_the_others_persons_to_the_survivor(db, merged):
    person = await db.get(Person, merged.other_person_id)

    assert person.company_id == merged.survivor_id


async def test_merging_companies_folds_same_named_departments_and_moves_the_rest_with_their_subtree(db, merged):
    departments = await people.list_departments(db, merged.survivor_id)
    paths = sorted(node.path for node in people.department_tree(departments, []))

    assert paths == ["営業部", "営業部 > 一課", "営業部 > 二課", "総務部", "総務部 > 庶務課"]


async def test_a_person_of_a_folded_department_ends_up_in_the_survivors_department(db, merged):
    person = await db.get(Person, merged.other_person_id)
    department = await db.get(Department, person.department_id)

    assert (department.company_id, department.name, department.parent_id) == (merged.survivor_id, "営業部", None)


async def test_merging_companies_moves_activities_with_their_person_links(db, merged):
    visit = await db.get(Activity, merged.other_activity_id)

    assert visit.company_id == merged.survivor_id
    assert await links(db, visit.id) == [merged.other_person_id]


async def test_merging_companies_moves_the_others_subsidiaries_under_the_survivor(db, merged):
    subsidiary = await db.get(Company, merged.subsidiary_id)

    assert subsidiary.parent_id == merged.survivor_id


async def test_merging_companies_fills_the_survivors_blank_fields_from_the_other(db, merged):
    survivor = await db.get(Company, merged.survivor_id)

    assert (survivor.name, survivor.corporate_number, survivor.industry) == ("株式会社サンプル", VALID_NUMBER, "製造業")


async def test_merging_companies_keeps_the_tags_of_both(db, merged):
    survivor = await db.scalar(
        select(Company).where(Company.id == merged.survivor_id).options(selectinload(Company.tags))
    )

    assert survivor.tag_names == ["展示会2026", "重点"]


async def test_the_others_last_contact_becomes_the_survivors_when_it_is_newer(db, merged):
    survivor = await db.get(Company, merged.survivor_id)
    visit = await db.get(Activity, merged.other_activity_id)

    assert survivor.last_contact_at == visit.occurred_at


async def test_merging_companies_deletes_the_other_and_its_search_terms(db, rep, merged):
    assert await db.scalar(select(Company.id).where(Company.id == merged.other_id)) is None
    results = await search.search(db, rep, VALID_NUMBER)  # the other's 法人番号, now the survivor's
    assert [c.id for c in results.companies] == [merged.survivor_id]


async def test_merging_companies_writes_one_merge_entry_in_the_audit_log(db, manager, merged):
    entries = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "merge")))

    assert [(e.entity, e.entity_id, e.actor_id) for e in entries] == [("companies", merged.survivor_id, manager.id)]
    assert entries[0].changes["merged_id"] == [merged.other_id, None]


async def test_merging_companies_leaves_no_orphans(db, merged):
    assert set((await merge.orphan_counts(db)).values()) == {0}


async def test_merging_the_groups_top_into_a_member_keeps_the_group_a_tree(db, rep, manager, make_company):
    top = await make_company(rep, "サンプルグループ")
    holding = await make_company(rep, "サンプルHD", parent_id=str(top.id))
    sales = await make_company(rep, "サンプル販売", parent_id=str(holding.id))
    shop = await make_company(rep, "サンプル直営店", parent_id=str(sales.id))
    ids = {c.id: c.name for c in (top, holding, sales, shop)}

    await merge.merge_companies(db, manager, shop.id, top.id)  # the shop absorbs the top: the HD must not go below it
    await db.commit()
    db.expunge_all()

    parents = dict((await db.execute(select(Company.id, Company.parent_id))).all())
    chain, node = [], shop.id
    while node is not None and len(chain) < 5:
        chain.append(ids[node])
        node = parents[node]
    assert chain == ["サンプル直営店", "サンプル販売", "サンプルHD"]


async def test_rep_may_not_merge_another_teams_company_into_own(db, rep, other_rep, make_company):
    mine = await make_company(rep, "株式会社サンプル")
    theirs = await make_company(other_rep, "サンプル㈱")

    with pytest.raises(Forbidden):
        await merge.merge_companies(db, rep, mine.id, theirs.id)

    assert await db.scalar(select(Company.id).where(Company.id == theirs.id)) == theirs.id


# --- persons -----------------------------------------------------------------------------


@dataclass
class PersonMerge:
    survivor_id: int
    other_id: int
    only_other_id: int
    both_id: int
    subordinate_id: int


@pytest.fixture
async def merged_persons(db, rep, manager, make_company, make_person) -> PersonMerge:
    """山田 太郎 was entered twice; the second (with the email, a title history and a subordinate) is merged in."""
    company = await make_company(rep, "株式会社サンプル")
    survivor = await make_person(rep, company, "山田 太郎", phone="03-1234-5678")
    other = await make_person(
        rep, company, "山田太郎", email="yamada@sample.co.jp", title="課長", moved_on="2025-04-01"
    )
    await people.update_person(db, rep, other.id, person_edit(other, title="部長", moved_on="2026-04-01"), CLOCK)
    subordinate = await make_person(rep, company, "佐藤 花子", reports_to_id=str(other.id))
    only_other = await activity(db, rep, company, "電話", other)
    both = await activity(db, rep, company, "打合せ", survivor, other)
    await db.commit()

    ids = PersonMerge(survivor.id, other.id, only_other.id, both.id, subordinate.id)

    set_actor(db, manager)
    await merge.merge_persons(db, manager, survivor.id, other.id)
    await db.commit()
    db.expunge_all()  # read every row afresh
    return ids


async def test_merging_persons_moves_the_others_activity_links(db, merged_persons):
    assert await links(db, merged_persons.only_other_id) == [merged_persons.survivor_id]


async def test_an_activity_naming_both_persons_names_the_survivor_once(db, merged_persons):
    assert await links(db, merged_persons.both_id) == [merged_persons.survivor_id]


async def test_merging_persons_moves_reports_to_pointers(db, merged_persons):
    subordinate = await db.get(Person, merged_persons.subordinate_id)

    assert subordinate.reports_to_id == merged_persons.survivor_id


async def test_merging_persons_keeps_the_others_personnel_history(db, merged_persons):
    moves = await people.person_moves(db, merged_persons.survivor_id)

    assert [m.title for m in moves] == ["部長", "課長"]
    assert await db.scalar(select(PersonMove.id).where(PersonMove.person_id == merged_persons.other_id)) is None


async def test_merging_persons_fills_the_survivors_blank_fields_and_deletes_the_other(db, merged_persons):
    survivor = await db.get(Person, merged_persons.survivor_id)

    assert (survivor.email, survivor.title, survivor.phone) == ("yamada@sample.co.jp", "部長", "03-1234-5678")
    assert await db.scalar(select(Person.id).where(Person.id == merged_persons.other_id)) is None


async def test_merging_persons_writes_a_merge_entry_and_leaves_no_orphans(db, merged_persons):
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "merge"))

    assert (entry.entity, entry.entity_id) == ("persons", merged_persons.survivor_id)
    assert set((await merge.orphan_counts(db)).values()) == {0}


async def test_the_merged_person_is_found_by_the_others_email(db, rep, merged_persons):
    results = await search.search(db, rep, "yamada@sample.co.jp")

    assert [p.id for p in results.persons] == [merged_persons.survivor_id]
