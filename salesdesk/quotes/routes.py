"""Quotes: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/quotes")
async def quotes_index(actor: Actor) -> Page:
    return render("quotes/index.html")


ROUTES = [quotes_index]
