"""Pipeline: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.auth.models import User
from salesdesk.web import Page, render


@get("/pipeline")
async def pipeline_index(actor: User) -> Page:
    return render("pipeline/index.html")


ROUTES = [pipeline_index]
