"""Moving a deal between stages (the board's drag and drop, its move menu, the edit form) and
ordering the cards of a column.

Entering a stage runs the same rules whichever way the move comes: the stage's required
fields (given with the move or already on the deal), won/lost dates and lost reason, the
probability back to the stage's, a history row, and the next-action rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.pipeline import access, history, setup
from salesdesk.pipeline.forms import MoveInput
from salesdesk.pipeline.models import Deal, DealContact, LostReason, Stage, StageKind
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompletionInput
from salesdesk.tasks.models import Task, TaskStatus
from salesdesk.versions import check_version, flush_or_stale
from salesdesk.webhooks import outbox

RANK_GAP = 1 << 16  # room between neighbouring cards, so a drop rarely renumbers a column

# A stage's required field -> the form field that supplies it (and carries its error).
REQUIREMENT_FIELDS = {
    "amount_jpy": "amount_jpy",
    "expected_close_date": "expected_close_date",
    "lost_reason": "lost_reason_id",
    "primary_contact": "primary_person_id",
    "competitors": "competitors",
    "challenges": "challenges",
}


def missing_requirements(stage: Stage, values: dict[str, Any], *, has_primary: bool) -> dict[str, str]:
    """Form field -> "stage.requires" for each field the stage needs that neither the deal nor the
    move supplies."""
    missing = {}
    for requirement in stage.required_fields:
        if requirement == "primary_contact":
            if not has_primary and not values.get("primary_person_id"):
                missing["primary_person_id"] = "stage.requires"
            continue
        key = REQUIREMENT_FIELDS.get(requirement)
        if key and values.get(key) in (None, ""):
            missing[key] = "stage.requires"
    return missing


def enter_stage(
    db: AsyncSession,
    deal: Deal,
    actor: User | None,
    stage: Stage,
    clock: Clock,
    *,
    closed_on: date | None = None,
    note: str = "",
) -> None:
    """Put the deal in `stage` with what that implies; history rows for every tracked change.
    Won or lost without a date: today in the zone of whoever closes it."""
    values: dict[str, Any] = {"stage_id": stage.id, "pipeline_id": stage.pipeline_id, "probability": None}
    if stage.kind == StageKind.won:
        values |= {"won_on": closed_on or clock.today(), "lost_on": None, "lost_reason_id": None, "lost_note": ""}
    elif stage.kind == StageKind.lost:
        values |= {"lost_on": closed_on or clock.today(), "won_on": None}
    else:
        values |= {"won_on": None, "lost_on": None, "lost_reason_id": None, "lost_note": ""}
    history.change(db, deal, actor, values, note=note, at=clock.now())
    deal.stage = stage
    deal.stage_entered_at = clock.now()


async def top_rank(db: AsyncSession, stage_id: int) -> int:
    lowest = await db.scalar(select(func.min(Deal.board_rank)).where(Deal.stage_id == stage_id))
    return 0 if lowest is None else lowest - RANK_GAP


async def rank_between(
    db: AsyncSession, stage_id: int, *, after_id: int | None, before_id: int | None, moving_id: int
) -> int:
    """A rank for a card dropped below `after_id` and above `before_id` (either may be missing)."""
    ranks = dict(
        (
            await db.execute(
                select(Deal.id, Deal.board_rank).where(
                    Deal.stage_id == stage_id,
                    Deal.id.in_([i for i in (after_id, before_id) if i is not None and i != moving_id]),
                )
            )
        )
        .tuples()
        .all()
    )
    above, below = ranks.get(after_id or 0), ranks.get(before_id or 0)
    if above is None and below is None:
        return await top_rank(db, stage_id)
    if above is None:
        return below - RANK_GAP  # type: ignore[operator]
    if below is None:
        return above + RANK_GAP
    if below - above < 2:  # no integer left between them: spread the column out, then retry
        await renumber(db, stage_id)
        return await rank_between(db, stage_id, after_id=after_id, before_id=before_id, moving_id=moving_id)
    return (above + below) // 2


async def renumber(db: AsyncSession, stage_id: int) -> None:
    """Evenly spaced ranks in the column's current order (bookkeeping: no version bump)."""
    ids = list(await db.scalars(select(Deal.id).where(Deal.stage_id == stage_id).order_by(Deal.board_rank, Deal.id)))
    for n, deal_id in enumerate(ids):
        await db.execute(
            update(Deal)
            .where(Deal.id == deal_id)
            .values(board_rank=n * RANK_GAP)
            .execution_options(synchronize_session="fetch")
        )


@dataclass
class Move:
    deal: Deal
    from_stage: Stage
    needs_next_action: bool = False  # it sits in an open stage with no next action: ask for one

    @property
    def changed_stage(self) -> bool:
        return self.from_stage.id != self.deal.stage_id


async def _move_values(db: AsyncSession, data: MoveInput) -> tuple[dict[str, Any], dict[str, str]]:
    """What the move supplies (empty values supply nothing); the lost reason must be one in use."""
    errors = {}
    values: dict[str, Any] = {
        key: value
        for key in ("amount_jpy", "expected_close_date", "competitors", "challenges", "lost_note", "primary_person_id")
        if (value := getattr(data, key)) not in (None, "")
    }
    if data.lost_reason_id is not None:
        if not await db.scalar(select(LostReason.id).where(LostReason.id == data.lost_reason_id, LostReason.is_active)):
            errors["lost_reason_id"] = "lost_reason.unknown"
        values["lost_reason_id"] = data.lost_reason_id
    return values, errors


async def move_deal(db: AsyncSession, actor: User, clock: Clock, deal_id: int, data: MoveInput) -> Move:
    """Move a card to a stage (or within its column). Refusals raise: Forbidden, StaleEdit (409:
    someone changed the deal since the board was drawn), Invalid (what the stage still needs)."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    stage = await db.get(Stage, data.stage_id)
    if stage is None or stage.pipeline_id != deal.pipeline_id:
        raise Invalid(stage_id="stage.unknown")
    from_stage = deal.stage
    # reopened (the board's undo, the deal page's reopen): the tasks its close finished come back
    reopening = await closed_by_close(db, deal) if stage.is_open and not from_stage.is_open else []
    after_id, before_id = data.after_id, data.before_id
    if stage.id == deal.stage_id:  # a reorder within the column: bookkeeping, no version needed
        rank = await rank_between(db, stage.id, after_id=after_id, before_id=before_id, moving_id=deal.id)
        await db.execute(
            update(Deal)
            .where(Deal.id == deal.id)
            .values(board_rank=rank)
            .execution_options(synchronize_session="fetch")
        )
        return Move(deal, from_stage)
    await check_version(db, deal, data.seen_version, {"stage_id": stage.id})
    values, errors = await _move_values(db, data)
    errors = (
        missing_requirements(stage, {**current_values(deal), **values}, has_primary=await has_primary(db, deal.id))
        | errors
    )
    needs_next = False
    if stage.is_open and data.next_action is None and not reopening and not await tasks.has_open_task(db, deal.id):
        if (await setup.sales_settings(db)).require_next_action:
            errors["next_title"] = "next_action.required"
        needs_next = True
    if errors:
        raise Invalid(**errors)
    if person_id := values.pop("primary_person_id", None):
        await set_primary_contact(db, deal, person_id)
    # Ranked before the deal changes: a query after it would autoflush the change early and the
    # rank after it, two UPDATEs (and two versions) for one move.
    rank = await rank_between(db, stage.id, after_id=after_id, before_id=before_id, moving_id=deal.id)
    seen = outbox.snapshot(deal)  # the webhook events' `before`
    history.change(db, deal, actor, values, at=clock.now())
    enter_stage(db, deal, actor, stage, clock, closed_on=data.closed_on)
    deal.board_rank = rank
    await flush_or_stale(db, deal, {"stage_id": stage.id})
    await outbox.record_deal_changes(db, deal, seen, actor)
    if data.next_action is not None and stage.is_open:
        await tasks.create_next_action(db, actor, clock, data.next_action, deal_id=deal.id)
    if data.close_tasks and not stage.is_open:
        await close_open_tasks(db, actor, clock, deal, won=stage.is_won)
    for task in reopening:
        await tasks.reopen_task(db, actor, task.id)
    return Move(deal, from_stage, needs_next)


async def open_tasks(db: AsyncSession, deal_id: int) -> list[Task]:
    return list(
        await db.scalars(
            select(Task).where(Task.deal_id == deal_id, Task.status == TaskStatus.open).order_by(Task.due_on, Task.id)
        )
    )


async def close_open_tasks(db: AsyncSession, actor: User, clock: Clock, deal: Deal, *, won: bool) -> None:
    """A closed deal needs no next step: its open tasks done (won) or cancelled (lost), each
    through the tasks' own service (rights, versions, calendar sequence, webhooks). They are closed
    at the very moment the deal entered its stage, which is how reopening it finds them again."""
    closing = replace(clock, fixed=deal.stage_entered_at)
    for task in await open_tasks(db, deal.id):
        if won:
            await tasks.complete_task(db, actor, closing, task.id, CompletionInput(seen_version=task.version))
        else:
            await tasks.cancel_task(db, actor, task.id, seen_version=task.version, clock=closing)


async def closed_by_close(db: AsyncSession, deal: Deal) -> list[Task]:
    """The tasks the deal's close finished (closed when it entered its stage); a 定例's next occurrence,
    scheduled when its task closed, already stands in for it."""
    return list(
        await db.scalars(
            select(Task).where(
                Task.deal_id == deal.id,
                Task.status != TaskStatus.open,
                Task.completed_at == deal.stage_entered_at,
                Task.recurrence.is_(None),
            )
        )
    )


def current_values(deal: Deal) -> dict[str, Any]:
    """What the deal already has of the fields a stage may require."""
    return {
        "amount_jpy": deal.amount_jpy,
        "expected_close_date": deal.expected_close_date,
        "lost_reason_id": deal.lost_reason_id,
        "competitors": deal.competitors,
        "challenges": deal.challenges,
    }


async def has_primary(db: AsyncSession, deal_id: int) -> bool:
    return bool(
        await db.scalar(
            select(DealContact.id).where(DealContact.deal_id == deal_id, DealContact.is_primary.is_(True)).limit(1)
        )
    )


async def set_primary_contact(db: AsyncSession, deal: Deal, person_id: int) -> DealContact:
    """Make the person the deal's primary contact (adding them to the committee if needed)."""
    from salesdesk.pipeline import committee

    return await committee.make_primary(db, deal, person_id)
