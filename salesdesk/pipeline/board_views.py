"""What the board's pages show beside the board itself: the filter choices, the move form for a
stage (the no-JS move page and the board's dialog) and the figures a move refreshes.

The board's rules live in `board` (columns, cards, totals) and `moves` (entering a stage);
this module only gathers what their pages need, in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Person
from salesdesk.auth.models import User
from salesdesk.i18n import _
from salesdesk.pipeline import access, board, committee, moves, setup
from salesdesk.pipeline.filters import DealFilter
from salesdesk.pipeline.models import Deal, LostReason, Stage
from salesdesk.tasks import services as tasks
from salesdesk.tasks.models import Task


def board_url(pipeline_id: int | None, f: DealFilter, *, default: bool = False) -> str:
    """The board's address with its filters: bookmarkable, and where a no-JS move returns."""
    path = "/pipeline" if default or pipeline_id is None else f"/pipeline/{pipeline_id}"
    query = f.query_string(sort="", page=1)
    return f"{path}?{query}" if query else path


@dataclass
class MoveContext:
    """The move form for one deal: the stages to pick from and, for the chosen stage, the fields
    it still needs (lost reasons and persons only when that stage asks for them)."""

    deal: Deal
    stages: list[Stage]
    stage: Stage | None = None
    missing: list[str] = field(default_factory=list)  # MoveForm fields the stage needs that the deal lacks
    lost_reasons: list[LostReason] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    asks_next_action: bool = False  # an open target stage and no open task: offer the next action
    requires_next_action: bool = False  # ...and the admin setting makes it mandatory
    open_tasks: list[Task] = field(default_factory=list)  # closing: offered to complete (won) or cancel (lost)


async def move_context(db: AsyncSession, actor: User, deal_id: int, stage_id: int | None = None) -> MoveContext:
    """NotFound unless the actor sees the deal, Forbidden unless they may move it."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    pipeline = await setup.get_pipeline(db, deal.pipeline_id)
    ctx = MoveContext(deal, pipeline.stages)
    ctx.stage = next((s for s in pipeline.stages if s.id == stage_id), None)
    if ctx.stage is None or ctx.stage.id == deal.stage_id:
        return ctx
    current = moves.current_values(deal)
    needs_primary = "primary_contact" in ctx.stage.required_fields
    has_primary = await moves.has_primary(db, deal.id) if needs_primary else True
    ctx.missing = list(moves.missing_requirements(ctx.stage, current, has_primary=has_primary))
    if ctx.stage.is_lost:
        ctx.lost_reasons = await setup.list_lost_reasons(db)
    if not ctx.stage.is_open:
        ctx.open_tasks = await moves.open_tasks(db, deal.id)
    if "primary_person_id" in ctx.missing:
        members = [c.person for c in await committee.committee(db, deal.id)]
        ctx.persons = members + await committee.candidates(db, deal)
    if ctx.stage.is_open and not await tasks.has_open_task(db, deal.id):
        ctx.asks_next_action = True
        ctx.requires_next_action = (await setup.sales_settings(db)).require_next_action
    return ctx


@dataclass
class Moved(board.ColumnTotals):
    """What the board redraws after a move: the card (None once the deal is won or lost), every
    open column's figures under the board's filters, and a line saying what happened."""

    card: board.Card | None
    columns: list[board.Column]
    stages: list[Stage]
    prompt_next: bool
    message: str
    deal: Deal
    undo_stage: Stage | None  # closed by this move: the open stage an undo puts it back in


def move_message(move: moves.Move) -> str:
    deal, stage = move.deal, move.deal.stage
    if not move.changed_stage:
        return _("Order saved.")
    if stage.is_won:
        return _("“%(title)s” is won.", title=deal.title)
    if stage.is_lost:
        return _("“%(title)s” is lost.", title=deal.title)
    return _("Moved “%(title)s” to %(stage)s.", title=deal.title, stage=stage.name)


async def after_move(db: AsyncSession, actor: User, move: moves.Move, f: DealFilter) -> Moved:
    columns = await board.totals_for(db, actor, f, move.deal.pipeline_id)
    card = await board.card(db, actor, move.deal.id) if move.deal.stage.is_open else None
    closed_now = move.changed_stage and not move.deal.stage.is_open and move.from_stage.is_open
    return Moved(
        card,
        columns,
        [c.stage for c in columns],
        move.needs_next_action,
        move_message(move),
        move.deal,
        move.from_stage if closed_now else None,
    )
