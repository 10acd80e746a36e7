"""/admin/webhooks: endpoints (add, edit, disable, rotate the secret) and each one's recent deliveries
with their attempts and a resend button. Admins only (the services check it); sending is
`salesdesk deliver-webhooks`, never a request of this app."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.pipeline.admin_forms import ActiveForm, VersionForm
from salesdesk.web import FORM, Page, redirect, render
from salesdesk.webhooks import services
from salesdesk.webhooks.forms import EndpointForm, parse_endpoint
from salesdesk.webhooks.models import EVENTS, WebhookEndpoint

PAGE = "/admin/webhooks"


async def _ticked(request: Request) -> list[str]:
    return list((await request.form()).getall("events", []))


async def _list_page(
    db: AsyncSession,
    actor: Actor,
    *,
    status_code: int = 200,
    form: EndpointForm | None = None,
    ticked: list[str] | None = None,
    errors: dict[str, str] | None = None,
) -> Page:
    return render(
        "admin/webhooks.html",
        status_code=status_code,
        endpoints=await services.list_endpoints(db, actor),
        form=form or EndpointForm(),
        ticked=ticked or [],
        errors=errors or {},
        EVENTS=EVENTS,
    )


def _form_of(endpoint: WebhookEndpoint) -> EndpointForm:
    return EndpointForm(url=endpoint.url, description=endpoint.description, version=endpoint.version)


async def _endpoint_page(
    db: AsyncSession,
    actor: Actor,
    endpoint_id: int,
    *,
    before: int | None = None,
    status_code: int = 200,
    form: EndpointForm | None = None,
    ticked: list[str] | None = None,
    errors: dict[str, str] | None = None,
    stale: StaleEdit | None = None,
) -> Page:
    endpoint = await services.get_endpoint(db, actor, endpoint_id)
    return render(
        "admin/webhooks_endpoint.html",
        status_code=status_code,
        endpoint=endpoint,
        page=await services.recent_deliveries(db, actor, endpoint, before=before),
        form=form or _form_of(endpoint),
        ticked=endpoint.events if ticked is None else ticked,
        errors=errors or {},
        stale=stale,
        EVENTS=EVENTS,
    )


@get(PAGE)
async def webhooks_page(db_session: DB, actor: Actor) -> Page:
    return await _list_page(db_session, actor)


@post(PAGE)
async def create_endpoint(
    request: Request, db_session: DB, actor: Actor, data: Annotated[EndpointForm, FORM]
) -> Response | Page:
    ticked = await _ticked(request)
    try:
        endpoint = await services.create_endpoint(db_session, actor, parse_endpoint(data, ticked))
    except Invalid as error:
        return await _list_page(db_session, actor, status_code=422, form=data, ticked=ticked, errors=error.errors)
    message = _("Endpoint added. Give its signing secret to the receiver.")
    return redirect(request, f"{PAGE}/{endpoint.id}", flash=("success", message))


@get(f"{PAGE}/{{endpoint_id:int}}")
async def endpoint_page(db_session: DB, actor: Actor, endpoint_id: int, before: int | None = None) -> Page:
    return await _endpoint_page(db_session, actor, endpoint_id, before=before)


@post(f"{PAGE}/{{endpoint_id:int}}")
async def update_endpoint(
    request: Request, db_session: DB, actor: Actor, endpoint_id: int, data: Annotated[EndpointForm, FORM]
) -> Response | Page:
    ticked = await _ticked(request)
    try:
        await services.update_endpoint(db_session, actor, endpoint_id, parse_endpoint(data, ticked))
    except StaleEdit as stale:  # the admin's input stays, at the saved version: saving again overwrites
        form = replace(data, version=stale.current.version)
        return await _endpoint_page(
            db_session, actor, endpoint_id, status_code=409, form=form, ticked=ticked, stale=stale
        )
    except Invalid as error:
        return await _endpoint_page(
            db_session, actor, endpoint_id, status_code=422, form=data, ticked=ticked, errors=error.errors
        )
    return redirect(request, f"{PAGE}/{endpoint_id}", flash=("success", _("Endpoint saved.")))


@post(f"{PAGE}/{{endpoint_id:int}}/active")
async def set_active(
    request: Request, db_session: DB, actor: Actor, endpoint_id: int, data: Annotated[ActiveForm, FORM]
) -> Response:
    active = data.active == "1"
    await services.set_active(db_session, actor, endpoint_id, active=active, seen_version=data.version)
    message = _("Endpoint enabled.") if active else _("Endpoint disabled: nothing is sent to it until it is enabled.")
    return redirect(request, f"{PAGE}/{endpoint_id}", flash=("success", message))


@post(f"{PAGE}/{{endpoint_id:int}}/secret")
async def rotate_secret(
    request: Request, db_session: DB, actor: Actor, endpoint_id: int, data: Annotated[VersionForm, FORM]
) -> Response:
    await services.rotate_secret(db_session, actor, endpoint_id, seen_version=data.version)
    message = _("New signing secret made: every request is signed with it from now on.")
    return redirect(request, f"{PAGE}/{endpoint_id}#secret", flash=("success", message))


@post(f"{PAGE}/deliveries/{{delivery_id:int}}/resend")
async def resend(request: Request, db_session: DB, actor: Actor, clock: Now, delivery_id: int) -> Response:
    delivery = await services.resend(db_session, actor, clock, delivery_id)
    message = _("Queued again: the event is sent with the same id at the next delivery run.")
    return redirect(request, f"{PAGE}/{delivery.endpoint_id}#delivery-{delivery.id}", flash=("success", message))


ROUTES = [webhooks_page, create_endpoint, endpoint_page, update_endpoint, set_active, rotate_secret, resend]
