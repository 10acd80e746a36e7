"""Departments (a tree per company) and key persons, with their 人事異動 history.

Rights follow the company: whoever may edit the company may edit its departments and
persons (services.may_edit). A department is only deleted once nobody is left in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salesdesk import sync
from salesdesk.accounts import normalize as norm
from salesdesk.accounts.forms import DepartmentInput, DepartmentRemoval, PersonInput
from salesdesk.accounts.models import Company, Department, Person, PersonMove
from salesdesk.accounts.search import replace_terms
from salesdesk.accounts.services import Duplicates, ensure_may_edit, get_company
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Invalid, NotFound
from salesdesk.versions import check_version, flush_or_stale

MOVE_PATH = 300  # PersonMove.department_name's width

# --- departments -----------------------------------------------------------------------


DEPARTMENTS = (  # built once, as the other statements every company page runs
    select(Department).where(Department.company_id == bindparam("company_id")).order_by(Department.name, Department.id)
)


async def list_departments(db: AsyncSession, company_id: int) -> list[Department]:
    return list(await db.scalars(DEPARTMENTS, {"company_id": company_id}))


@dataclass
class DepartmentNode:
    department: Department | None  # None: the persons without a department
    depth: int
    path: str
    persons: list[Person]


def department_tree(departments: list[Department], persons: list[Person]) -> list[DepartmentNode]:
    """Depth-first rows of the tree, each with its persons (the org chart and the selects)."""
    children: dict[int | None, list[Department]] = {}
    for dept in departments:
        children.setdefault(dept.parent_id, []).append(dept)
    by_dept: dict[int | None, list[Person]] = {}
    for person in persons:
        by_dept.setdefault(person.department_id, []).append(person)
    rows: list[DepartmentNode] = []

    def walk(dept: Department, depth: int, path: str) -> None:
        path = f"{path} > {dept.name}" if path else dept.name
        rows.append(DepartmentNode(dept, depth, path, by_dept.get(dept.id, [])))
        for child in children.get(dept.id, []):
            walk(child, depth + 1, path)

    for root in children.get(None, []):
        walk(root, 0, "")
    if by_dept.get(None):
        rows.append(DepartmentNode(None, 0, "", by_dept[None]))
    return rows


def department_paths(departments: list[Department]) -> dict[int, str]:
    return {n.department.id: n.path for n in department_tree(departments, []) if n.department}


async def get_department(db: AsyncSession, actor: User, department_id: int) -> Department:
    """A department to read: everyone reads every account (changing one asks may_edit)."""
    dept = await db.get(Department, department_id)
    if dept is None:
        raise NotFound("department")
    return dept


async def departments_changed(
    db: AsyncSession, actor: User, window: sync.Window, *, company_id: int | None = None
) -> tuple[list[Department], str | None]:
    """Every department (of one company, if given), oldest change first, for the API's sync."""
    query = select(Department)
    if company_id is not None:
        query = query.where(Department.company_id == company_id)
    return await sync.page(db, query, Department, window)


async def _department(db: AsyncSession, actor: User, department_id: int) -> tuple[Department, Company]:
    dept = await db.get(Department, department_id)
    if dept is None:
        raise NotFound("department")
    company = await get_company(db, actor, dept.company_id)
    await ensure_may_edit(db, actor, company)
    return dept, company


async def _clean_department(
    db: AsyncSession, company_id: int, data: DepartmentInput, dept: Department | None
) -> tuple[str, int | None]:
    name, parent_id = data.name, data.parent_id
    departments = await list_departments(db, company_id)
    by_id = {d.id: d for d in departments}
    if parent_id is not None:
        if parent_id not in by_id:
            raise Invalid(parent_id="department.unknown")
        node: int | None = parent_id
        while node is not None and dept is not None:  # no moving a department under itself
            if node == dept.id:
                raise Invalid(parent_id="department.cycle")
            node = by_id[node].parent_id
    if any(d.name == name and d.parent_id == parent_id and (dept is None or d.id != dept.id) for d in departments):
        raise Invalid(name="department.name_taken")
    return name, parent_id


async def create_department(db: AsyncSession, actor: User, company_id: int, data: DepartmentInput) -> Department:
    company = await get_company(db, actor, company_id)
    await ensure_may_edit(db, actor, company)
    name, parent_id = await _clean_department(db, company.id, data, None)
    dept = Department(company_id=company.id, name=name, parent_id=parent_id)
    db.add(dept)
    await db.flush()
    return dept


async def update_department(db: AsyncSession, actor: User, department_id: int, data: DepartmentInput) -> Department:
    """Rename and move (a new parent) in one step."""
    dept, _company = await _department(db, actor, department_id)
    name, parent_id = await _clean_department(db, dept.company_id, data, dept)
    wanted = {"name": name, "parent_id": parent_id}
    await check_version(db, dept, data.seen_version, wanted)
    dept.name, dept.parent_id = name, parent_id
    await flush_or_stale(db, dept, wanted)
    return dept


async def delete_department(
    db: AsyncSession, actor: User, department_id: int, data: DepartmentRemoval, clock: Clock
) -> Department:
    """Only an empty department goes; its people move first (to move_to_id) or it stays."""
    dept, _company = await _department(db, actor, department_id)
    await check_version(db, dept, data.seen_version)
    if await db.scalar(select(func.count()).where(Department.parent_id == dept.id)):
        raise Invalid(department="department.has_children")
    people = await db.scalar(select(func.count()).where(Person.department_id == dept.id)) or 0
    if people:
        if data.move_to_id is None:
            raise Invalid(move_to_id="department.not_empty")
        target = await db.get(Department, data.move_to_id)
        if target is None or target.company_id != dept.company_id or target.id == dept.id:
            raise Invalid(move_to_id="department.unknown")
        persons = list(await db.scalars(select(Person).where(Person.department_id == dept.id)))
        for person in persons:  # through the ORM: audited, and each move is kept as 人事異動
            person.department_id = target.id
        paths = department_paths(await list_departments(db, dept.company_id))
        for person in persons:
            db.add(
                PersonMove(
                    person_id=person.id,
                    effective_on=clock.today(),
                    title=person.title,
                    department_name=move_path(paths.get(target.id, target.name)),
                    recorded_by_id=actor.id,
                )
            )
    await db.delete(dept)
    await flush_or_stale(db, dept)
    return dept


def move_path(path: str) -> str:
    """A department path as the 人事異動 history keeps it: a very deep path keeps its end (the
    department itself), marked as shortened, so it fits the history's column."""
    return path if len(path) <= MOVE_PATH else "…" + path[-(MOVE_PATH - 1) :]


# --- persons -------------------------------------------------------------------------


async def get_person(db: AsyncSession, actor: User, person_id: int) -> Person:
    person = await db.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.company), selectinload(Person.department), selectinload(Person.reports_to))
    )
    if person is None:
        raise NotFound("person")
    return person


PERSONS = (
    select(Person)
    .where(Person.company_id == bindparam("company_id"))
    .order_by(Person.left_company, Person.kana_key, Person.id)
)


async def list_persons(db: AsyncSession, company_id: int) -> list[Person]:
    return list(await db.scalars(PERSONS, {"company_id": company_id}))


async def persons_changed(
    db: AsyncSession, actor: User, window: sync.Window, *, company_id: int | None = None
) -> tuple[list[Person], str | None]:
    """Every person (of one company, if given; all users read all accounts), oldest change first,
    for the API's sync."""
    query = select(Person)
    if company_id is not None:
        query = query.where(Person.company_id == company_id)
    return await sync.page(db, query, Person, window)


async def person_moves(db: AsyncSession, person_id: int) -> list[PersonMove]:
    return list(
        await db.scalars(
            select(PersonMove)
            .where(PersonMove.person_id == person_id)
            .order_by(PersonMove.effective_on.desc(), PersonMove.id.desc())
        )
    )


async def _clean_person(db: AsyncSession, company_id: int, data: PersonInput, person: Person | None) -> dict:
    """The rules typed input cannot check alone: the department and the manager belong here."""
    errors: dict[str, str] = {}
    if data.department_id is not None and not await db.scalar(
        select(Department.id).where(Department.id == data.department_id, Department.company_id == company_id)
    ):
        errors["department_id"] = "department.unknown"
    if data.reports_to_id is not None and (
        (person is not None and data.reports_to_id == person.id)
        or not await db.scalar(
            select(Person.id).where(Person.id == data.reports_to_id, Person.company_id == company_id)
        )
    ):
        errors["reports_to_id"] = "person.unknown"
    if errors:
        raise Invalid(**errors)
    return {
        "name": data.name,
        "name_kana": data.name_kana,
        "department_id": data.department_id,
        "title": data.title,
        "email": data.email,
        "phone": data.phone,
        "mobile": data.mobile,
        "reports_to_id": data.reports_to_id,
        "buying_role": data.buying_role.value if data.buying_role else None,
        "stance": data.stance.value,
        "left_company": data.left_company,
        "notes": data.notes,
    }


def apply_person_keys(person: Person) -> None:
    person.name_key = norm.compact(person.name)
    person.kana_key = norm.kana_key(person.name_kana)
    person.email_key = norm.email_key(person.email)
    person.phone_digits = norm.phone_digits(person.phone)
    person.mobile_digits = norm.phone_digits(person.mobile)


def person_terms(person: Person) -> set[str]:
    terms = norm.suffixes(person.name_key) | norm.suffixes(person.kana_key)
    terms |= norm.word_suffixes(person.email_key)
    terms |= norm.digit_suffixes(person.phone_digits) | norm.digit_suffixes(person.mobile_digits)
    return {t[:254] for t in terms if t}


async def index_person(db: AsyncSession, person: Person) -> None:
    await replace_terms(db, "person", person.id, person_terms(person))


async def find_person_duplicates(
    db: AsyncSession, company_id: int, *, email: str, phones: list[str], exclude_id: int | None = None
) -> list[Person]:
    """Persons of the company with the same email or one of the same phone numbers."""
    conditions = []
    if email:
        conditions.append(Person.email_key == norm.email_key(email))
    for digits in filter(None, (norm.phone_digits(p) for p in phones)):
        conditions += [Person.phone_digits == digits, Person.mobile_digits == digits]
    if not conditions:
        return []
    query = select(Person).where(Person.company_id == company_id, or_(*conditions)).limit(10)
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(await db.scalars(query))


async def _record_move(db: AsyncSession, actor: User, person: Person, moved_on: date, clock: Clock) -> None:
    """The person's post from `moved_on` on. A post recorded only "as of the day it was typed in" (effective
    on its recording day, e.g. the person's first entry) that is dated after a back-dated move was held until
    the day before that move, as far as anyone knows: it is re-dated so the history reads in order."""
    for later in await db.scalars(
        select(PersonMove).where(PersonMove.person_id == person.id, PersonMove.effective_on > moved_on)
    ):
        if later.effective_on == clock.local(later.recorded_at).date():
            later.effective_on = moved_on - timedelta(days=1)
    departments = await list_departments(db, person.company_id)
    path = department_paths(departments).get(person.department_id or 0, "")
    db.add(
        PersonMove(
            person_id=person.id,
            effective_on=moved_on,
            department_name=move_path(path),
            title=person.title,
            recorded_by_id=actor.id,
        )
    )


async def create_person(db: AsyncSession, actor: User, company_id: int, data: PersonInput, clock: Clock) -> Person:
    company = await get_company(db, actor, company_id)
    await ensure_may_edit(db, actor, company)
    values = await _clean_person(db, company.id, data, None)
    if not data.confirm_duplicate:
        twins = await find_person_duplicates(
            db, company.id, email=values["email"], phones=[values["phone"], values["mobile"]]
        )
        if twins:
            raise Duplicates(twins, email="person.duplicate")
    person = Person(company_id=company.id, **values)
    apply_person_keys(person)
    db.add(person)
    await db.flush()
    if person.department_id or person.title:
        await _record_move(db, actor, person, data.moved_on or clock.today(), clock)
    await index_person(db, person)
    return person


async def update_person(db: AsyncSession, actor: User, person_id: int, data: PersonInput, clock: Clock) -> Person:
    person = await get_person(db, actor, person_id)
    await ensure_may_edit(db, actor, person.company)
    values = await _clean_person(db, person.company_id, data, person)
    await check_version(db, person, data.seen_version, values)
    contact = (norm.email_key(values["email"]), norm.phone_digits(values["phone"]), norm.phone_digits(values["mobile"]))
    if not data.confirm_duplicate and contact != (person.email_key, person.phone_digits, person.mobile_digits):
        twins = await find_person_duplicates(
            db,
            person.company_id,
            email=values["email"],
            phones=[values["phone"], values["mobile"]],
            exclude_id=person.id,
        )
        if twins:
            raise Duplicates(twins, email="person.duplicate")
    moved = values["department_id"] != person.department_id or values["title"] != person.title
    for key, value in values.items():
        setattr(person, key, value)
    apply_person_keys(person)
    await flush_or_stale(db, person, values)
    if moved:
        await _record_move(db, actor, person, data.moved_on or clock.today(), clock)
    await index_person(db, person)
    return person


async def department_company_id(db: AsyncSession, department_id: int) -> int:
    company_id = await db.scalar(select(Department.company_id).where(Department.id == department_id))
    if company_id is None:
        raise NotFound("department")
    return company_id
