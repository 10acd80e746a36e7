"""Administration of pipelines, stages, lost reasons and the sales settings (admins only; the
services in `configure` check it). Every form posts and redirects back with a flash; a refused
one re-renders the page with the input kept and the error beside the form (422)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.deps import DB, Actor
from salesdesk.errors import Invalid
from salesdesk.i18n import _
from salesdesk.ids import parse_id
from salesdesk.pipeline import configure
from salesdesk.pipeline.admin_forms import (
    ActiveForm,
    LostReasonForm,
    OrderForm,
    PipelineForm,
    SalesSettingsForm,
    StageForm,
    VersionForm,
    parse_sales_settings,
    parse_stage,
    stage_form,
)
from salesdesk.pipeline.models import REQUIRABLE_FIELDS, StageKind
from salesdesk.web import FORM, Page, redirect, render

PAGE = "/admin/pipelines"
ADMIN_CONTEXT = {"REQUIRABLE_FIELDS": REQUIRABLE_FIELDS, "StageKind": StageKind}


async def _page(
    db: AsyncSession,
    actor: Actor,
    *,
    status_code: int = 200,
    failed: str = "",
    form: Any = None,
    errors: dict[str, str] | None = None,
    required: list[str] | None = None,
) -> Page:
    """The administration page; `failed` names the form that was refused (e.g. "stage-new-3")."""
    config = await configure.configuration(db, actor)
    return render(
        "admin/pipelines.html",
        status_code=status_code,
        config=config,
        failed=failed,
        form=form,
        errors=errors or {},
        required=required or [],
        **ADMIN_CONTEXT,
    )


async def _required(request: Request) -> list[str]:
    return list((await request.form()).getall("required_fields", []))


@get(PAGE)
async def pipelines_page(db_session: DB, actor: Actor) -> Page:
    return await _page(db_session, actor)


@post(PAGE)
async def create_pipeline(
    request: Request, db_session: DB, actor: Actor, data: Annotated[PipelineForm, FORM]
) -> Response | Page:
    try:
        pipeline = await configure.create_pipeline(
            db_session, actor, name=data.name, copy_from_id=parse_id(data.copy_from_id)
        )
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed="pipeline-new", form=data, errors=error.errors)
    return redirect(
        request,
        f"{PAGE}#pipeline-{pipeline.id}",
        flash=("success", _("Pipeline “%(name)s” created.", name=pipeline.name)),
    )


@post(f"{PAGE}/{{pipeline_id:int}}")
async def rename_pipeline(
    request: Request, db_session: DB, actor: Actor, pipeline_id: int, data: Annotated[PipelineForm, FORM]
) -> Response | Page:
    try:
        await configure.rename_pipeline(db_session, actor, pipeline_id, name=data.name, seen_version=data.version)
    except Invalid as error:
        return await _page(
            db_session, actor, status_code=422, failed=f"pipeline-{pipeline_id}", form=data, errors=error.errors
        )
    return redirect(request, f"{PAGE}#pipeline-{pipeline_id}", flash=("success", _("Pipeline saved.")))


@post(f"{PAGE}/{{pipeline_id:int}}/default")
async def make_default(
    request: Request, db_session: DB, actor: Actor, pipeline_id: int, data: Annotated[VersionForm, FORM]
) -> Response:
    pipeline = await configure.make_default_pipeline(db_session, actor, pipeline_id, seen_version=data.version)
    return redirect(
        request,
        f"{PAGE}#pipeline-{pipeline_id}",
        flash=("success", _("“%(name)s” is now the default pipeline.", name=pipeline.name)),
    )


@post(f"{PAGE}/{{pipeline_id:int}}/stages")
async def add_stage(
    request: Request, db_session: DB, actor: Actor, pipeline_id: int, data: Annotated[StageForm, FORM]
) -> Response | Page:
    required = await _required(request)
    try:
        stage = await configure.add_stage(db_session, actor, pipeline_id, parse_stage(data, required))
    except Invalid as error:
        return await _page(
            db_session,
            actor,
            status_code=422,
            failed=f"stage-new-{pipeline_id}",
            form=data,
            errors=error.errors,
            required=required,
        )
    return redirect(
        request, f"{PAGE}#stage-{stage.id}", flash=("success", _("Stage “%(name)s” added.", name=stage.name))
    )


@get("/admin/stages/{stage_id:int}")
async def stage_page(db_session: DB, actor: Actor, stage_id: int) -> Page:
    stage, pipeline = await configure.get_stage(db_session, actor, stage_id)
    return render(
        "admin/stage.html",
        stage=stage,
        pipeline=pipeline,
        form=stage_form(stage),
        errors={},
        required=list(stage.required_fields),
        **ADMIN_CONTEXT,
    )


@post("/admin/stages/{stage_id:int}")
async def update_stage(
    request: Request, db_session: DB, actor: Actor, stage_id: int, data: Annotated[StageForm, FORM]
) -> Response | Page:
    required = await _required(request)
    try:
        stage = await configure.update_stage(db_session, actor, stage_id, parse_stage(data, required))
    except Invalid as error:
        stage, pipeline = await configure.get_stage(db_session, actor, stage_id)
        return render(
            "admin/stage.html",
            status_code=422,
            stage=stage,
            pipeline=pipeline,
            form=data,
            errors=error.errors,
            required=required,
            **ADMIN_CONTEXT,
        )
    return redirect(
        request, f"{PAGE}#stage-{stage.id}", flash=("success", _("Stage “%(name)s” saved.", name=stage.name))
    )


@post("/admin/stages/{stage_id:int}/move")
async def move_stage(
    request: Request, db_session: DB, actor: Actor, stage_id: int, data: Annotated[OrderForm, FORM]
) -> Response | Page:
    try:
        await configure.move_stage(db_session, actor, stage_id, direction=data.direction, seen_version=data.version)
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed=f"stage-{stage_id}", errors=error.errors)
    return redirect(request, f"{PAGE}#stage-{stage_id}")


@post("/admin/stages/{stage_id:int}/delete")
async def delete_stage(
    request: Request, db_session: DB, actor: Actor, stage_id: int, data: Annotated[VersionForm, FORM]
) -> Response | Page:
    try:
        pipeline = await configure.delete_stage(db_session, actor, stage_id, seen_version=data.version)
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed=f"stage-{stage_id}", errors=error.errors)
    return redirect(request, f"{PAGE}#pipeline-{pipeline.id}", flash=("success", _("Stage deleted.")))


@post("/admin/lost-reasons")
async def add_lost_reason(
    request: Request, db_session: DB, actor: Actor, data: Annotated[LostReasonForm, FORM]
) -> Response | Page:
    try:
        await configure.add_lost_reason(db_session, actor, name=data.name)
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed="reason-new", form=data, errors=error.errors)
    return redirect(request, f"{PAGE}#lost-reasons", flash=("success", _("Lost reason added.")))


@post("/admin/lost-reasons/{reason_id:int}")
async def rename_lost_reason(
    request: Request, db_session: DB, actor: Actor, reason_id: int, data: Annotated[LostReasonForm, FORM]
) -> Response | Page:
    try:
        await configure.rename_lost_reason(db_session, actor, reason_id, name=data.name, seen_version=data.version)
    except Invalid as error:
        return await _page(
            db_session, actor, status_code=422, failed=f"reason-{reason_id}", form=data, errors=error.errors
        )
    return redirect(request, f"{PAGE}#lost-reasons", flash=("success", _("Lost reason saved.")))


@post("/admin/lost-reasons/{reason_id:int}/active")
async def set_lost_reason_active(
    request: Request, db_session: DB, actor: Actor, reason_id: int, data: Annotated[ActiveForm, FORM]
) -> Response:
    reason = await configure.set_lost_reason_active(
        db_session, actor, reason_id, active=data.active == "1", seen_version=data.version
    )
    message = (
        _("“%(name)s” is offered again.", name=reason.name)
        if reason.is_active
        else _("“%(name)s” is no longer offered; deals that gave it keep it.", name=reason.name)
    )
    return redirect(request, f"{PAGE}#lost-reasons", flash=("success", message))


@post("/admin/lost-reasons/{reason_id:int}/move")
async def move_lost_reason(
    request: Request, db_session: DB, actor: Actor, reason_id: int, data: Annotated[OrderForm, FORM]
) -> Response | Page:
    try:
        await configure.move_lost_reason(
            db_session, actor, reason_id, direction=data.direction, seen_version=data.version
        )
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed=f"reason-{reason_id}", errors=error.errors)
    return redirect(request, f"{PAGE}#lost-reasons")


@post("/admin/lost-reasons/{reason_id:int}/delete")
async def delete_lost_reason(
    request: Request, db_session: DB, actor: Actor, reason_id: int, data: Annotated[VersionForm, FORM]
) -> Response | Page:
    try:
        await configure.delete_lost_reason(db_session, actor, reason_id, seen_version=data.version)
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed=f"reason-{reason_id}", errors=error.errors)
    return redirect(request, f"{PAGE}#lost-reasons", flash=("success", _("Lost reason deleted.")))


@post("/admin/sales-settings")
async def update_sales_settings(
    request: Request, db_session: DB, actor: Actor, data: Annotated[SalesSettingsForm, FORM]
) -> Response | Page:
    try:
        await configure.update_sales_settings(db_session, actor, parse_sales_settings(data))
    except Invalid as error:
        return await _page(db_session, actor, status_code=422, failed="settings", form=data, errors=error.errors)
    return redirect(request, f"{PAGE}#sales-settings", flash=("success", _("Sales settings saved.")))


ROUTES = [
    pipelines_page,
    create_pipeline,
    rename_pipeline,
    make_default,
    add_stage,
    stage_page,
    update_stage,
    move_stage,
    delete_stage,
    add_lost_reason,
    rename_lost_reason,
    set_lost_reason_active,
    move_lost_reason,
    delete_lost_reason,
    update_sales_settings,
]
