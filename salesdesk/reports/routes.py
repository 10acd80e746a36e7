"""Reports: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/reports")
async def reports_index(actor: Actor) -> Page:
    return render("reports/index.html")


ROUTES = [reports_index]
