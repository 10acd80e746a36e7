"""Departments, key persons and the activity timeline of a company."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import merge, people, services, timeline
from salesdesk.accounts.forms import (
    ActivityForm,
    DeleteForm,
    DepartmentForm,
    MergeForm,
    PersonForm,
    activity_form,
    parse_activity,
    parse_department,
    parse_department_removal,
    parse_merge,
    parse_person,
    person_form,
)
from salesdesk.accounts.models import Company, Person
from salesdesk.accounts.routes import ACCOUNT_CONTEXT, company_context
from salesdesk.accounts.services import Duplicates
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.ids import parse_id, parse_page
from salesdesk.web import FORM, Page, is_fragment_request, redirect, render

# --- departments -----------------------------------------------------------------------


async def _departments_page(
    request: Request, db: AsyncSession, actor: Actor, company_id: int, edit: DepartmentEdit, status_code: int
) -> Page:
    """The company page again, the department form that failed open with the user's input beside
    its errors (or, after a 409, beside what is saved now)."""
    context = await company_context(db, actor, company_id)
    return render(
        "accounts/company.html",
        status_code=status_code,
        activity_errors={},
        activity_form=None,
        dept_edit=edit,
        **context,
    )


@dataclass
class DepartmentEdit:
    """A department form drawn again: `department_id` None is the "new department" form."""

    action: str  # create | update | delete
    department_id: int | None
    form: DepartmentForm | DeleteForm
    errors: dict[str, str] = field(default_factory=dict)
    stale: StaleEdit | None = None


@post("/accounts/{company_id:int}/departments")
async def create_department(
    request: Request, db_session: DB, actor: Actor, company_id: int, data: Annotated[DepartmentForm, FORM]
) -> Response | Page:
    try:
        dept = await people.create_department(db_session, actor, company_id, parse_department(data))
    except Invalid as error:
        edit = DepartmentEdit("create", None, data, error.errors)
        return await _departments_page(request, db_session, actor, company_id, edit, 422)
    return redirect(
        request,
        f"/accounts/{company_id}#departments",
        flash=("success", _("Department “%(name)s” added.", name=dept.name)),
    )


@post("/departments/{department_id:int}")
async def update_department(
    request: Request, db_session: DB, actor: Actor, department_id: int, data: Annotated[DepartmentForm, FORM]
) -> Response | Page:
    try:
        dept = await people.update_department(db_session, actor, department_id, parse_department(data))
    except StaleEdit as stale:
        edit = DepartmentEdit("update", department_id, replace(data, version=stale.current.version), stale=stale)
        return await _departments_page(request, db_session, actor, stale.current.company_id, edit, 409)
    except Invalid as error:
        company_id = await people.department_company_id(db_session, department_id)
        edit = DepartmentEdit("update", department_id, data, error.errors)
        return await _departments_page(request, db_session, actor, company_id, edit, 422)
    return redirect(request, f"/accounts/{dept.company_id}#departments", flash=("success", _("Department saved.")))


@post("/departments/{department_id:int}/delete")
async def delete_department(
    request: Request, db_session: DB, actor: Actor, clock: Now, department_id: int, data: Annotated[DeleteForm, FORM]
) -> Response | Page:
    company_id = await people.department_company_id(db_session, department_id)
    try:
        dept = await people.delete_department(db_session, actor, department_id, parse_department_removal(data), clock)
    except StaleEdit as stale:
        edit = DepartmentEdit("delete", department_id, replace(data, version=stale.current.version), stale=stale)
        return await _departments_page(request, db_session, actor, company_id, edit, 409)
    except Invalid as error:
        edit = DepartmentEdit("delete", department_id, data, error.errors)
        return await _departments_page(request, db_session, actor, company_id, edit, 422)
    return redirect(
        request,
        f"/accounts/{company_id}#departments",
        flash=("success", _("Department “%(name)s” deleted.", name=dept.name)),
    )


# --- persons -------------------------------------------------------------------------


async def _person_form(
    db: AsyncSession,
    company: Company,
    form: PersonForm,
    *,
    person: Person | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    duplicates: list[Person] | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    departments = await people.list_departments(db, company.id)
    persons = [p for p in await people.list_persons(db, company.id) if person is None or p.id != person.id]
    return render(
        "accounts/person_form.html",
        status_code=status_code,
        company=company,
        person=person,
        form=form,
        errors=errors or {},
        duplicates=duplicates or [],
        stale=stale,
        persons=persons,
        tree=people.department_tree(departments, []),
        **ACCOUNT_CONTEXT,
    )


@get("/accounts/{company_id:int}/persons/new")
async def new_person(db_session: DB, actor: Actor, company_id: int, department_id: str = "") -> Page:
    company = await services.get_company(db_session, actor, company_id)
    await services.ensure_may_edit(db_session, actor, company)
    return await _person_form(db_session, company, PersonForm(department_id=str(parse_id(department_id) or "")))


@post("/accounts/{company_id:int}/persons")
async def create_person(
    request: Request, db_session: DB, actor: Actor, clock: Now, company_id: int, data: Annotated[PersonForm, FORM]
) -> Response | Page:
    try:
        person = await people.create_person(db_session, actor, company_id, parse_person(data), clock)
    except Invalid as error:
        company = await services.get_company(db_session, actor, company_id)
        return await _person_form(
            db_session,
            company,
            data,
            status_code=422,
            errors=error.errors,
            duplicates=error.candidates if isinstance(error, Duplicates) else [],
        )
    return redirect(
        request, f"/accounts/{company_id}#org-chart", flash=("success", _("%(name)s added.", name=person.name))
    )


@get("/persons/{person_id:int}")
async def person_page(db_session: DB, actor: Actor, person_id: int, kind: str = "", page: str = "") -> Page:
    person = await people.get_person(db_session, actor, person_id)
    departments = await people.list_departments(db_session, person.company_id)
    rights = await services.rights(db_session, actor, person.company)
    return render(
        "accounts/person.html",
        block="timeline",
        person=person,
        company=person.company,
        may_edit=rights.contribute,
        may_edit_details=rights.edit,
        may_merge=rights.remove,
        moves=await people.person_moves(db_session, person.id),
        dept_paths=people.department_paths(departments),
        user_names=await services.user_names(db_session),
        colleagues=[p for p in await people.list_persons(db_session, person.company_id) if p.id != person.id],
        timeline=await timeline.timeline(db_session, person_id=person.id, kind=kind, page=parse_page(page)),
        **ACCOUNT_CONTEXT,
    )


@get("/persons/{person_id:int}/edit")
async def edit_person(db_session: DB, actor: Actor, person_id: int) -> Page:
    person = await people.get_person(db_session, actor, person_id)
    await services.ensure_may_edit(db_session, actor, person.company)
    return await _person_form(db_session, person.company, person_form(person), person=person)


@post("/persons/{person_id:int}")
async def update_person(
    request: Request, db_session: DB, actor: Actor, clock: Now, person_id: int, data: Annotated[PersonForm, FORM]
) -> Response | Page:
    try:
        person = await people.update_person(db_session, actor, person_id, parse_person(data), clock)
    except StaleEdit as stale:
        person = await people.get_person(db_session, actor, person_id)
        form = replace(data, version=stale.current.version)  # saving again overwrites, on purpose
        return await _person_form(db_session, person.company, form, person=person, status_code=409, stale=stale)
    except Invalid as error:
        person = await people.get_person(db_session, actor, person_id)
        return await _person_form(
            db_session,
            person.company,
            data,
            person=person,
            status_code=422,
            errors=error.errors,
            duplicates=error.candidates if isinstance(error, Duplicates) else [],
        )
    return redirect(request, f"/persons/{person.id}", flash=("success", _("Person saved.")))


@post("/persons/{person_id:int}/merge")
async def merge_persons(
    request: Request, db_session: DB, actor: Actor, person_id: int, data: Annotated[MergeForm, FORM]
) -> Response:
    wanted = parse_merge(data)
    try:
        survivor = await merge.merge_persons(db_session, actor, person_id, wanted.other_id, confirmed=wanted.confirmed)
    except Invalid:
        return redirect(request, f"/persons/{person_id}", flash=("error", _("Choose the person to merge and confirm.")))
    return redirect(request, f"/persons/{survivor.id}", flash=("success", _("Persons merged.")))


# --- activities ------------------------------------------------------------------------


@post("/accounts/{company_id:int}/activities")
async def add_activity(
    request: Request, db_session: DB, actor: Actor, clock: Now, company_id: int, data: Annotated[ActivityForm, FORM]
) -> Response | Page:
    """htmx: the quick-add form and the timeline come back, the new entry on top; no reload."""
    person_ids = (await request.form()).getall("person_ids", [])
    try:
        activity = parse_activity(data, clock, person_ids)
        await timeline.add_activity(db_session, actor, company_id, activity, clock=clock)
    except Invalid as error:
        context = await company_context(db_session, actor, company_id)
        return render(
            "accounts/company.html",
            block="timeline",
            status_code=422,
            activity_form=data,
            activity_errors=error.errors,
            picked_persons=set(person_ids),
            **context,
        )
    if not is_fragment_request(request):
        return redirect(request, f"/accounts/{company_id}#timeline", flash=("success", _("Activity added.")))
    context = await company_context(db_session, actor, company_id)
    return render(
        "accounts/company.html", block="timeline", activity_form=None, activity_errors={}, just_added=True, **context
    )


async def _activity_page(
    db: AsyncSession,
    actor: Actor,
    activity_id: int,
    form: ActivityForm,
    picked: list[str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    activity = await timeline.get_activity_to_change(db, actor, activity_id)
    company = await services.get_company(db, actor, activity.company_id)
    return render(
        "accounts/activity_form.html",
        status_code=status_code,
        activity=activity,
        company=company,
        persons=await people.list_persons(db, company.id),
        form=form,
        picked=set(picked),
        errors=errors or {},
        stale=stale,
        **ACCOUNT_CONTEXT,
    )


@get("/activities/{activity_id:int}/edit")
async def edit_activity(db_session: DB, actor: Actor, clock: Now, activity_id: int) -> Page:
    activity = await timeline.get_activity_to_change(db_session, actor, activity_id)
    picked = [str(p.id) for p in activity.persons]
    return await _activity_page(db_session, actor, activity_id, activity_form(activity, clock), picked)


@post("/activities/{activity_id:int}")
async def update_activity(
    request: Request, db_session: DB, actor: Actor, clock: Now, activity_id: int, data: Annotated[ActivityForm, FORM]
) -> Response | Page:
    picked = (await request.form()).getall("person_ids", [])
    try:
        activity = await timeline.update_activity(db_session, actor, activity_id, parse_activity(data, clock, picked))
    except StaleEdit as stale:
        form = replace(data, version=stale.current.version)  # saving again overwrites, on purpose
        return await _activity_page(db_session, actor, activity_id, form, picked, status_code=409, stale=stale)
    except Invalid as error:
        return await _activity_page(db_session, actor, activity_id, data, picked, status_code=422, errors=error.errors)
    return redirect(
        request, f"/accounts/{activity.company_id}#activity-{activity.id}", flash=("success", _("Activity saved."))
    )


@post("/activities/{activity_id:int}/delete")
async def delete_activity(request: Request, db_session: DB, actor: Actor, activity_id: int) -> Response:
    activity = await timeline.delete_activity(db_session, actor, activity_id)
    return redirect(request, f"/accounts/{activity.company_id}#timeline", flash=("success", _("Activity deleted.")))


ROUTES = [
    create_department,
    update_department,
    delete_department,
    new_person,
    create_person,
    person_page,
    edit_person,
    update_person,
    merge_persons,
    add_activity,
    edit_activity,
    update_activity,
    delete_activity,
]
