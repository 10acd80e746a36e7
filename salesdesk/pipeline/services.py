"""Deals: creating and editing them, ヨミ (forecast) with its reason, what a deal needs next.

Rights come from `access` (who sees, who edits); stage changes from the edit form go through
`moves` so they obey the same rules as a drag on the board; every tracked change leaves a
DealEvent through `history.change`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk import sync
from salesdesk.accounts.services import get_company
from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.pipeline import access, history, moves, setup
from salesdesk.pipeline.forms import DealInput
from salesdesk.pipeline.models import FORECAST_RANK, Deal, Forecast, LostReason, Stage
from salesdesk.tasks import services as tasks
from salesdesk.versions import check_version, flush_or_stale
from salesdesk.webhooks import outbox

get_deal = access.get_deal


async def _stage(db: AsyncSession, data: DealInput, deal: Deal | None) -> Stage:
    """The chosen stage; for a new deal without one, the default pipeline's first open stage."""
    if data.stage_id is None and deal is not None:
        return deal.stage
    if data.stage_id is None:
        pipeline = await setup.get_pipeline(db, data.pipeline_id)
        return next(s for s in pipeline.stages if s.is_open)
    stage = await db.get(Stage, data.stage_id)
    if stage is None:
        raise Invalid(stage_id="stage.unknown")
    return stage


async def _owner_id(db: AsyncSession, actor: User, data: DealInput, deal: Deal | None, errors: dict[str, str]) -> int:
    owner_id = data.owner_id
    if owner_id is None:
        return deal.owner_id if deal and deal.owner_id is not None else actor.id
    if deal is not None and owner_id == deal.owner_id:
        return owner_id
    owner = await db.scalar(select(User).where(User.id == owner_id, User.is_active.is_(True)))
    if owner is None:
        errors["owner_id"] = "owner.unknown"
    elif not policy.may_assign_deal_to(actor, owner_id=owner.id, owner_team_id=owner.team_id):
        errors["owner_id"] = "owner.rep_cannot_assign_deal"
    return owner_id


def _lowers_forecast(deal: Deal, forecast: Forecast) -> bool:
    return deal.forecast in FORECAST_RANK and FORECAST_RANK[forecast] < FORECAST_RANK[Forecast(deal.forecast)]


async def _clean(db: AsyncSession, actor: User, data: DealInput, deal: Deal | None) -> tuple[dict[str, Any], Stage]:
    """The deal's columns from the input, and the stage it goes to; the rules that need the database."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    company_id = data.company_id if deal is None else deal.company_id
    if company_id is None:
        errors["company_id"] = "required"
    else:
        try:
            values["company_id"] = (await get_company(db, actor, company_id)).id
        except NotFound:
            errors["company_id"] = "company.unknown"
    values |= {
        "title": data.title,
        "amount_jpy": data.amount_jpy,
        "expected_close_date": data.expected_close_date,
        "probability": data.probability,
        "forecast": data.forecast,
        "owner_id": await _owner_id(db, actor, data, deal, errors),
        "lost_reason_id": data.lost_reason_id,
        "source": data.source,
        "competitors": data.competitors,
        "challenges": data.challenges,
        "lost_note": data.lost_note,
    }
    if data.lost_reason_id is not None and not await db.scalar(
        select(LostReason.id).where(LostReason.id == data.lost_reason_id)
    ):
        errors["lost_reason_id"] = "lost_reason.unknown"
    try:
        stage = await _stage(db, data, deal)
    except Invalid as error:
        errors |= error.errors
        stage = None
    if deal is not None and _lowers_forecast(deal, data.forecast) and not data.forecast_reason:
        errors["forecast_reason"] = "forecast.reason_required"
    if errors:
        raise Invalid(**errors)
    assert stage is not None
    return values, stage


async def _check_stage_entry(
    db: AsyncSession, deal: Deal | None, stage: Stage, values: dict[str, Any], data: DealInput
) -> None:
    """A stage's required fields, and the next-action rule when the admin made it mandatory."""
    # A new deal has no committee yet, so it cannot be asked for its primary contact.
    has_primary = deal is None or await moves.has_primary(db, deal.id)
    errors = moves.missing_requirements(stage, values, has_primary=has_primary)
    if stage.is_open and data.next_action is None and (deal is None or not await tasks.has_open_task(db, deal.id)):
        if (await setup.sales_settings(db)).require_next_action:
            errors["next_title"] = "next_action.required"
    if errors:
        raise Invalid(**errors)


async def create_deal(db: AsyncSession, actor: User, clock: Clock, data: DealInput) -> Deal:
    values, stage = await _clean(db, actor, data, None)
    await _check_stage_entry(db, None, stage, values, data)
    deal = Deal(**values, board_rank=await moves.top_rank(db, stage.id))
    moves.enter_stage(db, deal, actor, stage, clock)  # a new deal records no events: record_creation does
    deal.probability = values["probability"]  # typed with the deal: it overrides the stage's
    db.add(deal)
    await db.flush()
    history.record_creation(db, deal, actor, at=clock.now())
    if data.next_action is not None and stage.is_open:
        await tasks.create_next_action(db, actor, clock, data.next_action, deal_id=deal.id)
    await db.flush()
    await outbox.record(db, "deal.created", deal, None, actor)
    return deal


async def update_deal(db: AsyncSession, actor: User, clock: Clock, deal_id: int, data: DealInput) -> Deal:
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    seen = outbox.snapshot(deal)  # the webhook events' `before`
    values, stage = await _clean(db, actor, data, deal)
    await check_version(db, deal, data.seen_version, values | {"stage_id": stage.id})
    closing_values = {"lost_reason_id": values.pop("lost_reason_id"), "lost_note": values.pop("lost_note")}
    if stage.id != deal.stage_id:
        if stage.pipeline_id != deal.pipeline_id and not stage.is_open:
            raise Invalid(stage_id="stage.unknown")  # a deal changes pipeline into an open stage only
        await _check_stage_entry(db, deal, stage, values | closing_values, data)
        if values["probability"] == deal.probability:
            del values["probability"]  # left as it was: the new stage's probability applies
        rank = await moves.top_rank(db, stage.id)  # queried before the change: no early autoflush
        moves.enter_stage(db, deal, actor, stage, clock)
        deal.board_rank = rank
    history.change(db, deal, actor, values, note=data.forecast_reason, at=clock.now())
    if deal.stage.is_lost:
        history.change(db, deal, actor, closing_values, at=clock.now())
    await flush_or_stale(db, deal, values | {"stage_id": stage.id})
    await outbox.record_deal_changes(db, deal, seen, actor)
    if data.next_action is not None and deal.stage.is_open:
        await tasks.create_next_action(db, actor, clock, data.next_action, deal_id=deal.id)
    return deal


async def set_forecast(
    db: AsyncSession, actor: User, deal_id: int, *, forecast: Forecast | str, reason: str, seen_version: int
) -> Deal:
    """ヨミ from the card or the deal page; lowering it needs a reason (kept in the history)."""
    deal = await access.get_deal(db, actor, deal_id)
    await access.ensure_may_edit(db, actor, deal)
    if forecast not in Forecast.__members__:
        raise Invalid(forecast="choice.invalid")
    forecast = Forecast(forecast)
    await check_version(db, deal, seen_version, {"forecast": forecast})
    if _lowers_forecast(deal, forecast) and not reason.strip():
        raise Invalid(forecast_reason="forecast.reason_required")
    history.change(db, deal, actor, {"forecast": forecast}, note=reason.strip())
    await flush_or_stale(db, deal, {"forecast": forecast})
    return deal


async def needs_next_action(db: AsyncSession, deal: Deal) -> bool:
    """An open deal without an open task: the page asks for its next action."""
    return deal.stage.is_open and not await tasks.has_open_task(db, deal.id)


async def deals_changed(db: AsyncSession, actor: User, window: sync.Window) -> tuple[list[Deal], str | None]:
    """The deals the actor sees (the board's rule), oldest change first, for the API's sync."""
    return await sync.page(db, access.visible_deals(actor).options(joinedload(Deal.stage)), Deal, window)


async def delete_deal(db: AsyncSession, actor: User, clock: Clock, deal_id: int, *, seen_version: int) -> None:
    """Delete a deal (admins, and the manager of its owner's team). Its history stays and ends in
    the deletion, so the past pipelines it was in (the weekly meeting's) keep it."""
    from salesdesk.quotes.models import Quote  # quotes build on deals

    deal = await access.get_deal(db, actor, deal_id)
    if not (actor.is_admin or (actor.is_manager and await access.may_edit(db, actor, deal))):
        raise Forbidden("deal.delete")
    await check_version(db, deal, seen_version)
    if await db.scalar(select(Quote.id).where(Quote.deal_id == deal.id).limit(1)):
        raise Invalid(deal="deal.has_quotes")
    history.record_deletion(db, deal, actor, at=clock.now())
    await db.delete(deal)
    await db.flush()
