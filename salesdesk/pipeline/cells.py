"""The forecast's cells (forecast_cells, funnel_cells): the board's and the deal list's sums read from them,
and both rebuilt from the deals.

The board's columns and the deal list's header sum every matching deal: linear in data size. When the filter
chooses owners only (and, on the list, a status), the same sums are the `close` cells of those stages and owners,
whose number follows the owners and the months, not the deals (`stage_sums`).

The triggers of migration 0022 keep them in the same transaction as every write of a deal or its history,
whatever writes it. Only a load with triggers off (PostgreSQL's `session_replication_role = replica`,
`pg_restore --disable-triggers`) can leave them behind: `salesdesk forecast rebuild` puts them right, in one
transaction, and says how many rows it wrote.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, cast, delete, extract, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.pipeline.filters import DealFilter, owner_conditions
from salesdesk.pipeline.models import Deal, DealEvent, ForecastCell, FunnelCell, Stage


def answers(f: DealFilter) -> bool:
    """Whether the cells hold this filter's sums per stage: it chooses owners (or a team) and nothing else
    of the deals; the cells know no ヨミ count, no close day, no company, no activity."""
    return not (
        f.forecast or f.period or f.close_from or f.close_to or f.company_id or f.company or f.stale or f.decider
    )


def stage_sums(actor: User, f: DealFilter, stage_ids: list[int]) -> Select:
    """(stage_id, deals, amount, amount without a probability of its own, Σ amount × own probability) of the
    deals of those stages whose owners the actor sees and the filter chooses; only where `answers(f)`."""
    cell = ForecastCell
    where = [
        cell.stage_id.in_(stage_ids),
        cell.kind == "close",
        cell.deals != 0,  # a cell its last deal left
        *owner_conditions(actor, f, func.nullif(cell.owner_key, 0)),
    ]
    if f.status in ("open", "won", "lost"):  # as filters.conditions chooses the deals
        where.append(cell.stage_id.in_(select(Stage.id).where(Stage.kind == f.status).scalar_subquery()))
    sums = (func.sum(cell.deals), func.sum(cell.amount_jpy), func.sum(cell.stage_odds_jpy), func.sum(cell.own_odds))
    return select(cell.stage_id, *sums).where(*where).group_by(cell.stage_id)


def _month(column: Any) -> Any:
    """yyyymm of a date or a UTC timestamp, 0 for none, as the triggers key them."""
    return func.coalesce(cast(extract("year", column) * 100 + extract("month", column), Integer), 0)


def _amount_if(condition: Any) -> Any:
    return func.sum(case((condition, func.coalesce(Deal.amount_jpy, 0)), else_=0))


async def rebuild(db: AsyncSession) -> tuple[int, int]:
    """Every deal's stages entered made whole from its history, then both tables written afresh from the
    deals; returns how many forecast and funnel cells there are."""
    await _stages_entered(db)
    await db.execute(delete(ForecastCell))
    await db.execute(delete(FunnelCell))
    owner = func.coalesce(Deal.owner_id, 0)  # each key built once: PostgreSQL matches GROUP BY to SELECT by its binds
    amount = func.coalesce(Deal.amount_jpy, 0)
    close_month, won_month = _month(Deal.expected_close_date), _month(Deal.won_on)
    close = select(
        Deal.stage_id,
        owner,
        literal("close"),
        close_month,
        func.count(),
        func.sum(amount),
        _amount_if(Deal.probability.is_(None)),
        func.sum(func.coalesce(Deal.amount_jpy * Deal.probability, 0)),
        *(_amount_if(Deal.forecast == rank) for rank in "ABC"),
    ).group_by(Deal.stage_id, owner, close_month)
    zero = literal(0)
    won = (
        select(
            Deal.stage_id,
            owner,
            literal("won"),
            won_month,
            func.count(),
            func.sum(amount),
            zero,
            zero,
            zero,
            zero,
            zero,
        )
        .where(Deal.won_on.is_not(None))
        .group_by(Deal.stage_id, owner, won_month)
    )
    figures = ["deals", "amount_jpy", "stage_odds_jpy", "own_odds", "a_jpy", "b_jpy", "c_jpy"]
    await db.execute(
        insert(ForecastCell).from_select(["stage_id", "owner_key", "kind", "month", *figures], union_all(close, won))
    )
    created = Deal.created_at if db.bind.dialect.name == "sqlite" else func.timezone("UTC", Deal.created_at)
    funnel_key = (Deal.pipeline_id, owner, _month(created), Deal.stages_entered, Deal.stage_id)
    await db.execute(
        insert(FunnelCell).from_select(
            ["pipeline_id", "owner_key", "month", "entered", "stage_id", "deals"],
            select(*funnel_key, func.count()).group_by(*funnel_key),
        )
    )
    counts = [await db.scalar(select(func.count()).select_from(table)) for table in (ForecastCell, FunnelCell)]
    return counts[0] or 0, counts[1] or 0


async def _stages_entered(db: AsyncSession) -> None:
    """Add to each deal's stages entered its stage now and every stage its history names (kept, not
    replaced: a stage the row held without an event stays)."""
    named: dict[int, set[str]] = defaultdict(set)
    for deal_id, value in await db.execute(
        select(DealEvent.deal_id, DealEvent.new_value).where(DealEvent.field == "stage_id")
    ):
        if value:
            named[deal_id].add(value)
    table = Deal.__table__
    changes = []
    for deal_id, stage_id, entered in await db.execute(select(Deal.id, Deal.stage_id, Deal.stages_entered)):
        have = [s for s in entered.split(",") if s]
        missing = sorted((named[deal_id] | {str(stage_id)}) - set(have))
        if missing:
            changes.append({"deal": deal_id, "entered": ",".join(["", *have, *missing, ""])})
    if changes:
        await db.execute(
            table.update().where(table.c.id == bindparam("deal")).values(stages_entered=bindparam("entered")),
            changes,
        )
