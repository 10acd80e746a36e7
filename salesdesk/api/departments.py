"""/api/v1/departments: a company's department tree, read and written through accounts.people
like the pages (whoever may work on the account may change its departments; only an empty
department is deleted, or one whose persons move to `move_to_id` first)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import delete, get, patch, post
from litestar.params import JSONBody, Parameter
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.accounts import people
from salesdesk.accounts.forms import (
    DeleteForm,
    DepartmentForm,
    department_form,
    parse_department,
    parse_department_removal,
)
from salesdesk.accounts.models import Department
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor, Now
from salesdesk.inputs import NAME

TAGS = ["accounts"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
Name = Annotated[str, Meta(max_length=NAME)]
PARENT = "The department it sits under (of the same company); null: a top-level department."
CompanyFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only the departments of this company.")]


class DepartmentOut(Struct):
    id: int
    company_id: int
    parent_id: Annotated[int | None, Meta(description=PARENT)]
    name: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, d: Department) -> DepartmentOut:
        return cls(d.id, d.company_id, d.parent_id, d.name, d.created_at, d.updated_at, d.version)


shows(Department, DepartmentOut.of)


class DepartmentList(Struct):
    items: list[DepartmentOut]
    next_cursor: str | None


class DepartmentCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    company_id: Id
    name: Name
    parent_id: Annotated[Id | None, Meta(description=PARENT)] | UnsetType = UNSET


class DepartmentPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    name: Name | UnsetType = UNSET
    parent_id: Annotated[Id | None, Meta(description=PARENT)] | UnsetType = UNSET


@get("/departments", responses=READ_ERRORS, tags=TAGS, summary="Departments, oldest change first")
async def list_departments(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    company_id: CompanyFilter = None,
) -> DepartmentList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await people.departments_changed(db_session, actor, window, company_id=company_id)
    return DepartmentList([DepartmentOut.of(row) for row in rows], next_cursor)


@get("/departments/{department_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One department")
async def get_department(db_session: DB, actor: Actor, department_id: Annotated[int, ITEM_ID]) -> DepartmentOut:
    return DepartmentOut.of(await people.get_department(db_session, actor, department_id))


@post("/departments", responses=WRITE_ERRORS, tags=TAGS, summary="Add a department to a company")
async def create_department(db_session: DB, actor: Actor, data: JSONBody[DepartmentCreate]) -> DepartmentOut:
    form = parse_department(as_form(DepartmentForm, data))
    return DepartmentOut.of(await people.create_department(db_session, actor, data.company_id, form))


@patch("/departments/{department_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Rename or move a department")
async def update_department(
    db_session: DB, actor: Actor, department_id: Annotated[int, ITEM_ID], data: JSONBody[DepartmentPatch]
) -> DepartmentOut:
    saved = await people.get_department(db_session, actor, department_id)
    form = parse_department(as_form(DepartmentForm, data, department_form(saved)))
    return DepartmentOut.of(await people.update_department(db_session, actor, department_id, form))


@delete(
    "/departments/{department_id:int}",
    responses=WRITE_ERRORS,
    tags=TAGS,
    summary="Delete an empty department",
    description="A department with sub-departments is refused (422); one with persons needs `move_to_id`, "
    "a department of the same company they move to (kept in each person's 人事異動 history).",
)
async def delete_department(
    db_session: DB,
    actor: Actor,
    clock: Now,
    department_id: Annotated[int, ITEM_ID],
    version: Annotated[int, Parameter(ge=0, le=2**31, description="The version you read; stale: 409.")],
    move_to_id: Annotated[
        int | None, Parameter(ge=1, le=2**53, description="Where its persons move (required if it has any).")
    ] = None,
) -> None:
    removal = parse_department_removal(DeleteForm(version=version, move_to_id=str(move_to_id or "")))
    await people.delete_department(db_session, actor, department_id, removal, clock)


ROUTES = [list_departments, get_department, create_department, update_department, delete_department]
