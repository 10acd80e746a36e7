"""The discount approval around the quote: the approving manager's task, and what awaits a user's
approval (the header's badge, the quote list's filter).

Who approves is status.may_approve: a manager of the deal owner's team, or an admin, never the one
who made the quote. When approval is requested, the team's manager (the team's designated manager,
else its first active manager) gets a task on the deal, due that day, titled in their language;
when anyone approves or declines, that task is done. A team without a manager gets no task: its
quotes wait in the admins' badge.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import Role, Team, User
from salesdesk.clock import Clock
from salesdesk.i18n import _, current_locale
from salesdesk.pipeline import access
from salesdesk.pipeline.models import Deal
from salesdesk.quotes.forms import fmt_quantity
from salesdesk.quotes.models import Quote, QuoteStatus
from salesdesk.tasks.models import Task, TaskKind, TaskStatus


def awaiting(actor: User) -> ColumnElement[bool] | None:
    """status.may_approve as a condition on quotes joined with their deals; None: the actor approves none."""
    requested = Quote.status == QuoteStatus.approval_requested
    if actor.role == Role.admin:
        return requested
    if actor.role != Role.manager or actor.team_id is None:
        return None
    team = select(User.id).where(User.team_id == actor.team_id).scalar_subquery()
    not_theirs = or_(Quote.created_by_id.is_(None), Quote.created_by_id != actor.id)
    return and_(requested, Deal.owner_id.in_(team), not_theirs)


async def awaiting_count(db: AsyncSession, actor: User) -> int:
    """How many quotes wait for the actor's approval (0 without a query for a rep)."""
    condition = awaiting(actor)
    if condition is None:
        return 0
    query = select(func.count(Quote.id)).join(Deal, Quote.deal_id == Deal.id).where(condition)
    return await db.scalar(query) or 0


async def approver(db: AsyncSession, quote: Quote) -> User | None:
    """Whose task the request is: a manager of the deal owner's team other than the quote's maker
    (the team's designated manager first); None when there is none."""
    team_id = await access.team_of(db, quote.deal.owner_id)
    if team_id is None:
        return None
    designated = select(Team.manager_id).where(Team.id == team_id).scalar_subquery()
    query = select(User).where(User.team_id == team_id, User.role == Role.manager, User.is_active.is_(True))
    if quote.created_by_id is not None:  # never the one asking for it
        query = query.where(User.id != quote.created_by_id)
    return await db.scalar(query.order_by(case((User.id == designated, 0), else_=1), User.id).limit(1))


def open_task(actor: User, clock: Clock, quote: Quote, manager: User) -> Task:
    """The manager's task for this request, put on the quote (saved with it)."""
    token = current_locale.set(manager.locale)  # the title in its owner's language
    try:
        title = _(
            "Approve the discount on quote %(number)s (%(percent)s%%)",
            number=quote.number,
            percent=fmt_quantity(quote.discount_percent),
        )
        asks = _("%(name)s asks for your approval.", name=actor.name)
    finally:
        current_locale.reset(token)
    note = f"\n「{quote.approval_note}」" if quote.approval_note else ""
    task = Task(
        title=title[:200],
        kind=TaskKind.todo,
        due_on=clock.for_user(manager).today(),
        owner_id=manager.id,
        deal_id=quote.deal_id,
        company_id=quote.deal.company_id,
        notes=f"{asks}{note}\n/quotes/{quote.id}",
    )
    quote.approval_task = task
    return task


async def close_task(db: AsyncSession, clock: Clock, quote: Quote) -> None:
    """The request is decided: its task is done (unless someone closed it already). Called before
    the quote changes: the task's read would flush those changes outside their version check."""
    if quote.approval_task_id is None:
        return
    task = await db.get(Task, quote.approval_task_id)
    if task is not None and task.is_open:
        task.status = TaskStatus.done
        task.completed_at = clock.now()
        task.sequence += 1  # calendars take it as an update of the same event
