"""Departments (a tree per company) and key persons with their 人事異動 history."""

from datetime import date

import pytest
from sqlalchemy import func, select

from salesdesk.accounts import people
from salesdesk.accounts.forms import DeleteForm, parse_department_removal
from salesdesk.accounts.models import Department, Person, PersonMove
from salesdesk.accounts.services import Duplicates
from salesdesk.errors import Forbidden, Invalid
from tests.accounts.conftest import CLOCK, new_department, new_person, person_edit


def removal(dept, move_to=None):
    """The delete button of a department as drawn (its version), with where its persons go."""
    return parse_department_removal(DeleteForm(version=dept.version, move_to_id=str(move_to.id) if move_to else ""))


@pytest.fixture
async def company(rep, make_company):
    return await make_company(rep, "株式会社サンプル")


@pytest.fixture
def make_department(db, rep, company):
    async def make(name: str, parent: Department | None = None) -> Department:
        dept = await people.create_department(db, rep, company.id, new_department(name, parent))
        await db.commit()
        return dept

    return make


async def tree_paths(db, company) -> list[str]:
    departments = await people.list_departments(db, company.id)
    return [node.path for node in people.department_tree(departments, []) if node.department]


async def moves_of(db, person) -> list[PersonMove]:
    return await people.person_moves(db, person.id)


# --- departments -------------------------------------------------------------------------


async def test_rep_builds_a_department_tree_in_own_company(db, company, make_department):
    sales = await make_department("営業本部")
    await make_department("第一営業部", parent=sales)
    await make_department("第二営業部", parent=sales)
    await make_department("総務部")

    assert await tree_paths(db, company) == ["営業本部", "営業本部 > 第一営業部", "営業本部 > 第二営業部", "総務部"]


async def test_rep_renames_a_department(db, rep, company, make_department):
    dept = await make_department("情シス")

    await people.update_department(db, rep, dept.id, new_department("情報システム部", version=dept.version))

    assert await tree_paths(db, company) == ["情報システム部"]


async def test_rep_moves_a_department_under_another_with_its_subtree(db, rep, company, make_department):
    sales = await make_department("営業本部")
    it = await make_department("情報システム部")
    await make_department("インフラ課", parent=it)

    await people.update_department(db, rep, it.id, new_department(it.name, sales, version=it.version))

    assert await tree_paths(db, company) == [
        "営業本部",
        "営業本部 > 情報システム部",
        "営業本部 > 情報システム部 > インフラ課",
    ]


async def test_moving_a_department_under_its_own_sub_department_is_refused(db, rep, make_department):
    top = await make_department("営業本部")
    middle = await make_department("第一営業部", parent=top)
    bottom = await make_department("一課", parent=middle)

    with pytest.raises(Invalid) as error:
        await people.update_department(db, rep, top.id, new_department(top.name, bottom, version=top.version))

    assert error.value.errors == {"parent_id": "department.cycle"}


async def test_two_departments_of_the_same_name_at_the_top_are_refused(db, rep, company, make_department):
    await make_department("総務部")

    with pytest.raises(Invalid) as error:
        await people.create_department(db, rep, company.id, new_department("総務部"))

    assert error.value.errors == {"name": "department.name_taken"}


async def test_rep_may_not_add_a_department_to_another_teams_company(db, rep, other_rep, make_company):
    company = await make_company(other_rep, "株式会社ニシ")

    with pytest.raises(Forbidden):
        await people.create_department(db, rep, company.id, new_department("総務部"))


async def test_deleting_a_department_with_persons_and_no_destination_is_refused(
    db, rep, company, make_department, make_person
):
    dept = await make_department("総務部")
    await make_person(rep, company, "山田 太郎", department_id=str(dept.id))

    with pytest.raises(Invalid) as error:
        await people.delete_department(db, rep, dept.id, removal(dept), CLOCK)

    assert "move_to_id" in error.value.errors
    assert await db.get(Department, dept.id) is not None


async def test_deleting_a_department_with_sub_departments_is_refused(db, rep, make_department):
    parent = await make_department("営業本部")
    await make_department("第一営業部", parent=parent)

    with pytest.raises(Invalid) as error:
        await people.delete_department(db, rep, parent.id, removal(parent), CLOCK)

    assert error.value.errors == {"department": "department.has_children"}


async def test_deleting_a_department_moves_its_persons_with_a_personnel_move_each_and_loses_nobody(
    db, rep, company, make_department, make_person
):
    sales = await make_department("営業本部")
    old = await make_department("旧営業部", parent=sales)
    new = await make_department("新営業部", parent=sales)
    persons = [
        await make_person(rep, company, name, department_id=str(old.id), title="主任")
        for name in ("山田 太郎", "佐藤 花子")
    ]

    await people.delete_department(db, rep, old.id, removal(old, move_to=new), CLOCK)
    await db.commit()

    assert await db.get(Department, old.id) is None
    assert await db.scalar(select(func.count()).select_from(Person)) == 2
    for person in persons:
        await db.refresh(person)
        assert person.department_id == new.id
        latest = (await moves_of(db, person))[0]
        assert (latest.department_name, latest.title) == ("営業本部 > 新営業部", "主任")


# --- persons and 人事異動 ------------------------------------------------------------------------


async def test_a_new_person_with_a_title_starts_the_personnel_history(db, rep, company, make_department):
    dept = await make_department("情報システム部")

    person = await people.create_person(
        db,
        rep,
        company.id,
        new_person(name="山田\u3000太郎", title="課長", department_id=str(dept.id), moved_on="2025-10-01"),
        CLOCK,
    )

    assert person.name == "山田\u3000太郎"  # kept as typed
    assert [(m.effective_on, m.department_name, m.title) for m in await moves_of(db, person)] == [
        (date(2025, 10, 1), "情報システム部", "課長")
    ]


async def test_a_promotion_in_april_is_recorded_as_a_personnel_move_on_that_date(db, rep, company, make_person):
    person = await make_person(rep, company, "山田 太郎", title="課長", moved_on="2025-10-01")

    await people.update_person(db, rep, person.id, person_edit(person, title="部長", moved_on="2026/04/01"), CLOCK)

    moves = await moves_of(db, person)
    assert [(m.effective_on, m.title) for m in moves] == [(date(2026, 4, 1), "部長"), (date(2025, 10, 1), "課長")]


async def test_a_transfer_to_another_department_is_recorded_with_the_new_department(
    db, rep, company, make_department, make_person
):
    sales = await make_department("営業部")
    it = await make_department("情報システム部")
    person = await make_person(
        rep, company, "山田 太郎", title="課長", department_id=str(sales.id), moved_on="2024-04-01"
    )

    await people.update_person(
        db, rep, person.id, person_edit(person, department_id=str(it.id), moved_on="2026-04-01"), CLOCK
    )

    latest = (await moves_of(db, person))[0]
    assert (latest.effective_on, latest.department_name, latest.title) == (date(2026, 4, 1), "情報システム部", "課長")
    assert latest.recorded_by_id == rep.id


async def test_changing_only_a_phone_number_is_no_personnel_move(db, rep, company, make_person):
    person = await make_person(rep, company, "山田 太郎", title="課長")

    await people.update_person(db, rep, person.id, person_edit(person, phone="03-1234-5678"), CLOCK)

    assert len(await moves_of(db, person)) == 1


async def test_a_person_with_a_malformed_email_is_refused(db, rep, company):
    with pytest.raises(Invalid) as error:
        await people.create_person(db, rep, company.id, new_person(name="山田 太郎", email="yamada@example"), CLOCK)

    assert error.value.errors == {"email": "email.invalid"}


async def test_adding_a_person_with_the_email_of_a_colleague_in_another_case_shows_the_colleague(
    db, rep, company, make_person
):
    existing = await make_person(rep, company, "山田 太郎", email="t.yamada@example.co.jp")

    with pytest.raises(Duplicates) as error:
        await people.create_person(
            db, rep, company.id, new_person(name="山田 太郎", email="T.Yamada@Example.co.jp"), CLOCK
        )

    assert [p.id for p in error.value.candidates] == [existing.id]


async def test_adding_a_person_with_the_same_phone_typed_differently_shows_the_existing_person(
    db, rep, company, make_person
):
    existing = await make_person(rep, company, "山田 太郎", phone="03-1234-5678")

    with pytest.raises(Duplicates) as error:
        await people.create_person(db, rep, company.id, new_person(name="ヤマダ", mobile="+81 3 1234 5678"), CLOCK)

    assert [p.id for p in error.value.candidates] == [existing.id]


async def test_the_same_phone_in_another_company_is_no_duplicate(db, rep, company, make_company, make_person):
    await make_person(rep, company, "山田 太郎", phone="03-1234-5678")
    elsewhere = await make_company(rep, "株式会社ベツ")

    person = await people.create_person(db, rep, elsewhere.id, new_person(name="山田 太郎", phone="0312345678"), CLOCK)

    assert person.company_id == elsewhere.id


async def test_rep_confirming_the_duplicate_warning_adds_the_person(db, rep, company, make_person):
    await make_person(rep, company, "山田 太郎", email="yamada@example.jp")

    await people.create_person(
        db,
        rep,
        company.id,
        new_person(name="山田 太郎（別人）", email="yamada@example.jp", confirm_duplicate="1"),
        CLOCK,
    )

    assert await db.scalar(select(func.count()).select_from(Person)) == 2


async def test_changing_a_persons_email_to_a_colleagues_shows_the_colleague_unless_confirmed(
    db, rep, company, make_person
):
    colleague = await make_person(rep, company, "佐藤 花子", email="hanako@example.jp")
    person = await make_person(rep, company, "山田 太郎", email="taro@example.jp")

    with pytest.raises(Duplicates) as error:
        await people.update_person(db, rep, person.id, person_edit(person, email="hanako@example.jp"), CLOCK)

    assert [p.id for p in error.value.candidates] == [colleague.id]
