"""Pipeline: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/pipeline")
async def pipeline_index(actor: Actor) -> Page:
    return render("pipeline/index.html")


ROUTES = [pipeline_index]
