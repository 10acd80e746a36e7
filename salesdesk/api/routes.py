"""/api/v1: thin handlers over the same services as the pages, one module per resource."""

from __future__ import annotations

from litestar import Router

from salesdesk.api import (
    activities,
    companies,
    contacts,
    deals,
    departments,
    directory,
    persons,
    pipelines,
    products,
    quotes,
    tasks,
)
from salesdesk.api.auth import token_login
from salesdesk.api.limits import BODY_LIMIT
from salesdesk.api.meetings import ROUTES as MEETINGS
from salesdesk.api.pipeline_changes import ROUTES as PIPELINE_CHANGES

API = Router(
    path="/api/v1",
    route_handlers=[
        *directory.ROUTES,
        companies.ROUTER,
        *departments.ROUTES,
        *persons.ROUTES,
        *activities.ROUTES,
        *pipelines.ROUTES,
        *deals.ROUTES,
        *contacts.ROUTES,
        *tasks.ROUTES,
        *PIPELINE_CHANGES,
        *MEETINGS,
        *products.ROUTES,
        *quotes.ROUTES,
    ],
    guards=[token_login],
    security=[{"bearer": []}],
    request_max_body_size=BODY_LIMIT,
)
