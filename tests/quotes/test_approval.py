"""Discount approval around the quote: the approving manager's task (opened with the request, done
when decided) and the count of quotes awaiting a user's approval (the header's badge, the list)."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import Role
from salesdesk.clock import Clock
from salesdesk.quotes import issuer, status
from salesdesk.quotes.status import DecisionInput
from salesdesk.tasks.models import Task
from tests.quotes.conftest import ISSUER, line

CLOCK = Clock()


@pytest.fixture
async def threshold_10(db, admin):
    set_actor(db, admin)
    await issuer.save_issuer(db, admin, replace(ISSUER, approval_threshold_percent=10))
    await db.commit()


@pytest.fixture
def requested(db, make_deal, make_quote, threshold_10):
    """requested(maker, owner=maker) -> a quote with a 20% discount on owner's deal, approval requested by maker."""

    async def make(maker, owner=None):
        deal = await make_deal(owner or maker, next_action=False)
        quote = await make_quote(maker, deal, line(discount_percent=Decimal("20")))
        set_actor(db, maker)
        quote = await status.request_approval(db, maker, CLOCK, quote.id, DecisionInput(quote.version, "競合対策"))
        await db.commit()
        return quote

    return make


async def tasks_of(db, user) -> list[Task]:
    query = select(Task).where(Task.owner_id == user.id).execution_options(populate_existing=True)
    return list(await db.scalars(query.order_by(Task.id)))


async def test_requesting_approval_gives_the_teams_manager_a_task_on_the_deal_due_today(db, rep, manager, requested):
    quote = await requested(rep)

    [task] = await tasks_of(db, manager)

    assert (task.deal_id, task.status, task.due_on) == (quote.deal_id, "open", CLOCK.today())
    assert quote.number in task.title and "20%" in task.title and "値引き" in task.title  # the manager reads ja
    assert rep.name in task.notes and "競合対策" in task.notes and f"/quotes/{quote.id}" in task.notes
    assert quote.approval_task_id == task.id


async def test_the_task_is_done_when_the_manager_approves_and_when_they_decline(db, rep, manager, requested):
    approved, declined = await requested(rep), await requested(rep)

    set_actor(db, manager)
    await status.decide_approval(db, manager, CLOCK, approved.id, DecisionInput(approved.version), approve=True)
    await status.decide_approval(db, manager, CLOCK, declined.id, DecisionInput(declined.version), approve=False)
    await db.commit()

    tasks = await tasks_of(db, manager)
    assert [(t.status, t.completed_at is not None) for t in tasks] == [("done", True), ("done", True)]


async def test_an_admins_decision_also_closes_the_managers_task(db, rep, manager, admin, requested):
    quote = await requested(rep)

    set_actor(db, admin)
    await status.decide_approval(db, admin, CLOCK, quote.id, DecisionInput(quote.version), approve=True)
    await db.commit()

    assert [t.status for t in await tasks_of(db, manager)] == ["done"]


async def test_the_teams_designated_manager_gets_the_task_in_their_language(
    db, rep, manager, make_user, team_east, requested
):
    designated = await make_user(Role.manager, team_east, locale="en")
    team_east.manager_id = designated.id
    await db.commit()

    quote = await requested(rep)

    [task] = await tasks_of(db, designated)
    assert task.title == f"Approve the discount on quote {quote.number} (20%)"
    assert await tasks_of(db, manager) == []


async def test_a_manager_asking_for_their_own_discount_gets_no_task_and_waits_for_an_admin(
    db, manager, admin, login, requested
):
    await requested(manager)

    own_badge = await (await login(manager)).get("/quotes/approvals/badge")
    admin_badge = await (await login(admin)).get("/quotes/approvals/badge")

    assert await tasks_of(db, manager) == []
    assert own_badge.text.strip() == ""
    assert ">1</a>" in admin_badge.text and 'href="/quotes?status=my_approval"' in admin_badge.text


async def test_the_badge_counts_the_quotes_awaiting_this_users_approval(
    db, rep, manager, other_rep, make_user, team_west, login, requested
):
    await requested(rep)
    await requested(rep)
    west_manager = await make_user(Role.manager, team_west)

    mine = await (await login(manager)).get("/quotes/approvals/badge")
    rep_badge = await (await login(rep)).get("/quotes/approvals/badge")
    other_team = await (await login(west_manager)).get("/quotes/approvals/badge")

    assert mine.status_code == 200 and ">2</a>" in mine.text
    assert rep_badge.text.strip() == "" and other_team.text.strip() == ""


async def test_the_header_loads_the_badge_for_managers_and_admins_only(rep, manager, login):
    manager_page = await (await login(manager)).get("/quotes")
    rep_page = await (await login(rep)).get("/quotes")

    assert 'hx-get="/quotes/approvals/badge"' in manager_page.text
    assert 'hx-get="/quotes/approvals/badge"' not in rep_page.text


async def test_the_list_filters_the_quotes_awaiting_my_approval(
    db, rep, manager, make_deal, make_quote, login, requested
):
    waiting = await requested(rep)
    other = await make_quote(rep, await make_deal(rep), line(), subject="別件")

    page = await (await login(manager)).get("/quotes?status=my_approval")
    rep_page = await (await login(rep)).get("/quotes?status=my_approval")

    assert f'href="/quotes/{waiting.id}"' in page.text and f'href="/quotes/{other.id}"' not in page.text
    assert f'href="/quotes/{waiting.id}"' not in rep_page.text  # a rep approves nothing
