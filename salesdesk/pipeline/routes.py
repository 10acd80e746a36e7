"""The board: GET /pipeline (the default pipeline), its columns' next pages, moving cards."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/pipeline")
async def pipeline_index(actor: Actor) -> Page:
    return render("pipeline/index.html")


ROUTES = [pipeline_index]
