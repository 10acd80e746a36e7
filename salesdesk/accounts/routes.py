"""Accounts: companies, departments, key persons (pages arrive with the accounts issue)."""

from litestar import get

from salesdesk.deps import Actor
from salesdesk.web import Page, render


@get("/accounts")
async def accounts_index(actor: Actor) -> Page:
    return render("accounts/index.html")


ROUTES = [accounts_index]
