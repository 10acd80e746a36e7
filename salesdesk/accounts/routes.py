"""Company pages: the list with filters and saved views, create/edit, the company page, merge."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import groups, merge, people, picker, saved_views, services, timeline
from salesdesk.accounts.forms import (
    CompanyForm,
    MergeForm,
    SavedViewForm,
    company_form,
    parse_company,
    parse_merge,
    parse_saved_view,
)
from salesdesk.accounts.models import ActivityKind, BuyingRole, Company, Stance
from salesdesk.accounts.services import CompanyFilter, Duplicates
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.i18n.messages import error_text
from salesdesk.ids import parse_id, parse_page
from salesdesk.pipeline.company_deals import company_deals
from salesdesk.web import FORM, Page, redirect, render

ACCOUNT_CONTEXT = {"BuyingRole": BuyingRole, "Stance": Stance, "ActivityKind": ActivityKind}


@get("/accounts")
async def company_list(request: Request, db_session: DB, actor: Actor, clock: Now) -> Page:
    filters = CompanyFilter.from_query(request.query_params)
    result = await services.list_companies(db_session, actor, filters, clock)
    views = await saved_views.list_saved_views(db_session, actor)
    choices = await services.list_choices(db_session)
    return render(
        "accounts/list.html", block="results", result=result, f=filters, views=views, query=request.url.query, **choices
    )


@post("/accounts/views")
async def save_view(request: Request, db_session: DB, actor: Actor, data: Annotated[SavedViewForm, FORM]) -> Response:
    try:
        await saved_views.save_view(db_session, actor, parse_saved_view(data))
    except Invalid as error:
        back = f"/accounts?{data.query}" if "query" not in error.errors else "/accounts"
        return redirect(request, back, flash=("error", _view_error(error)))
    return redirect(request, f"/accounts?{data.query}", flash=("success", _("View saved.")))


def _view_error(error: Invalid) -> str:
    if error.errors.get("name") == "required":
        return _("Give the view a name.")
    return " ".join(error_text(key) for key in error.errors.values())


@post("/accounts/views/{view_id:int}/delete")
async def delete_view(request: Request, db_session: DB, actor: Actor, view_id: int) -> Response:
    await saved_views.delete_view(db_session, actor, view_id)
    return redirect(request, "/accounts", flash=("success", _("View deleted.")))


async def _form_page(
    db: AsyncSession,
    form: CompanyForm,
    *,
    company: Company | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    duplicates: list[Company] | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    choices = await services.list_choices(db)
    return render(
        "accounts/company_form.html",
        status_code=status_code,
        form=form,
        company=company,
        errors=errors or {},
        duplicates=duplicates or [],
        stale=stale,
        **choices,
    )


@get("/accounts/new")
async def new_company(db_session: DB, actor: Actor, name: str = "") -> Page:
    return await _form_page(db_session, CompanyForm(name=name, owner_id=str(actor.id)))


@post("/accounts")
async def create_company(
    request: Request, db_session: DB, actor: Actor, data: Annotated[CompanyForm, FORM]
) -> Response | Page:
    try:
        company = await services.create_company(db_session, actor, parse_company(data))
    except Duplicates as error:
        return await _form_page(db_session, data, status_code=422, errors=error.errors, duplicates=error.candidates)
    except Invalid as error:
        return await _form_page(db_session, data, status_code=422, errors=error.errors)
    return redirect(request, f"/accounts/{company.id}", flash=("success", _("Company created.")))


@get("/accounts/{company_id:int}/edit")
async def edit_company(db_session: DB, actor: Actor, company_id: int) -> Page:
    company = await services.get_company(db_session, actor, company_id)
    await services.ensure_may_edit_details(db_session, actor, company)
    form = replace(company_form(company), parent_id="", parent_name=company.parent.name if company.parent else "")
    return await _form_page(db_session, form, company=company)


@get("/accounts/suggestions")
async def company_suggestions(db_session: DB, parent_name: str = "") -> Page:
    """The parent-company field's choices as the user types (a datalist's options)."""
    suggestions = await picker.suggestions(db_session, parent_name.strip()[:100])
    return render("accounts/_suggestions.html", suggestions=suggestions)


@post("/accounts/{company_id:int}")
async def update_company(
    request: Request, db_session: DB, actor: Actor, company_id: int, data: Annotated[CompanyForm, FORM]
) -> Response | Page:
    try:
        company = await services.update_company(db_session, actor, company_id, parse_company(data))
    except StaleEdit as stale:
        # the user's input stays; the version is the saved one, so saving again overwrites on purpose
        form = replace(data, version=stale.current.version)
        return await _form_page(db_session, form, company=stale.current, status_code=409, stale=stale)
    except Invalid as error:
        company = await services.get_company(db_session, actor, company_id)
        return await _form_page(
            db_session,
            data,
            company=company,
            status_code=422,
            errors=error.errors,
            duplicates=getattr(error, "candidates", []),
        )
    return redirect(request, f"/accounts/{company.id}", flash=("success", _("Company saved.")))


def _rights(rights: services.AccountRights) -> dict[str, bool]:
    return {"may_edit": rights.contribute, "may_edit_details": rights.edit, "may_merge": rights.remove}


async def company_context(db: AsyncSession, actor: Actor, company_id: int, *, kind: str = "", page: int = 1) -> dict:
    company = await services.get_company(db, actor, company_id)
    departments = await people.list_departments(db, company.id)
    persons = await people.list_persons(db, company.id)
    current = [p for p in persons if not p.left_company]
    return {
        "company": company,
        **_rights(await services.rights(db, actor, company)),
        "group": await groups.group_tree(db, company),
        "departments": departments,
        "tree": people.department_tree(departments, persons),
        "dept_paths": people.department_paths(departments),
        "persons": persons,
        "by_id": {p.id: p for p in persons},
        "user_names": await services.user_names(db),
        "rollup": {role: [p for p in current if p.buying_role == role] for role in BuyingRole},
        "timeline": await timeline.timeline(
            db, company_id=company.id, person_ids=[p.id for p in persons], kind=kind, page=page
        ),
        "deals": await company_deals(db, actor, company.id),
        **ACCOUNT_CONTEXT,
    }


@get("/accounts/{company_id:int}")
async def company_page(db_session: DB, actor: Actor, company_id: int, kind: str = "", page: str = "") -> Page:
    context = await company_context(db_session, actor, company_id, kind=kind, page=parse_page(page))
    return render("accounts/company.html", block="timeline", activity_errors={}, activity_form=None, **context)


@get("/accounts/{company_id:int}/org-chart")
async def org_chart(db_session: DB, actor: Actor, company_id: int) -> Page:
    """The org chart alone, laid out for printing."""
    context = await company_context(db_session, actor, company_id)
    return render("accounts/org_chart.html", **context)


@get("/accounts/{company_id:int}/merge")
async def merge_page(db_session: DB, actor: Actor, company_id: int, other_id: str = "") -> Page:
    company = await services.get_company(db_session, actor, company_id)
    await services.ensure_may_remove(db_session, actor, company)
    wanted = parse_id(other_id)
    other = await services.get_company(db_session, actor, wanted) if wanted else None
    candidates = await services.find_duplicates(
        db_session, name=company.name, corporate_number=company.corporate_number or "", exclude_id=company.id
    )
    return render("accounts/merge.html", company=company, other=other, candidates=candidates, errors={})


@post("/accounts/{company_id:int}/merge")
async def merge_companies(
    request: Request, db_session: DB, actor: Actor, company_id: int, data: Annotated[MergeForm, FORM]
) -> Response | Page:
    wanted = parse_merge(data)
    try:
        survivor = await merge.merge_companies(
            db_session, actor, company_id, wanted.other_id, confirmed=wanted.confirmed
        )
    except Invalid as error:
        company = await services.get_company(db_session, actor, company_id)
        return render(
            "accounts/merge.html", status_code=422, company=company, other=None, candidates=[], errors=error.errors
        )
    return redirect(request, f"/accounts/{survivor.id}", flash=("success", _("Companies merged.")))


ROUTES = [
    company_list,
    save_view,
    delete_view,
    new_company,
    create_company,
    edit_company,
    company_suggestions,
    update_company,
    company_page,
    org_chart,
    merge_page,
    merge_companies,
]
