"""Reports: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.auth.models import User
from salesdesk.web import Page, render


@get("/reports")
async def reports_index(actor: User) -> Page:
    return render("reports/index.html")


ROUTES = [reports_index]
