"""Tasks: the first page of this area; the area's own issue fills it."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/tasks")
async def tasks_index(actor: Actor) -> Page:
    return render("tasks/index.html")


ROUTES = [tasks_index]
