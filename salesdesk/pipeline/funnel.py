"""The forecast's stage funnel: how far the deals of a pipeline got.

A deal counts for every open stage up to the furthest it ever entered, and a won deal for all of
them and 受注; "furthest" is by the stages' order when the funnel is read, so an admin's reordering
shows at once. The cohort is the deals created in the fiscal year (its days in the reader's time
zone), or every deal of the pipeline.

It reads `funnel_cells` (models.FunnelCell: the deals per owner, month created in UTC, stages entered
and stage now, kept by triggers), so it costs the same at any number of deals. Where the fiscal year's
first or last local midnight falls inside a UTC month (every zone but UTC), the deals created in that
part of the month are grouped the same way from the deals themselves, off an index by creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, bindparam, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.db import StatementCache
from salesdesk.i18n import current_time_zone
from salesdesk.pipeline import fiscal
from salesdesk.pipeline.models import Deal, FunnelCell, Pipeline, Stage, StageKind

STATEMENTS = StatementCache(256)  # the funnel's statement per viewer, pick and year's cut (db.StatementCache)


@dataclass
class FunnelStep:
    stage: Stage
    reached: int
    previous: int | None  # how many reached the step before (None for the first)
    first: int  # how many reached the first step

    @property
    def conversion(self) -> float | None:
        """Stage-to-stage conversion, percent."""
        return None if not self.previous else 100 * self.reached / self.previous

    @property
    def of_first(self) -> float | None:
        return None if not self.first else 100 * self.reached / self.first


@dataclass
class Funnel:
    pipeline: Pipeline
    cohort: str  # "fy": deals created in the fiscal year; "all": every deal of the pipeline
    steps: list[FunnelStep]
    deals: int
    won: int
    lost: int

    @property
    def win_rate(self) -> float | None:
        """Won of closed, percent."""
        closed = self.won + self.lost
        return None if not closed else 100 * self.won / closed


@dataclass
class Tally:
    """Deals by the rank of the furthest stage they entered, and how many are won or lost now."""

    tops: dict[int, int]
    won: int = 0
    lost: int = 0

    def add(self, top: int, deals: int, won: int, lost: int) -> None:
        self.tops[top] = self.tops.get(top, 0) + deals
        self.won += won
        self.lost += lost


def month_key(day: date) -> int:
    """A month as funnel_cells and forecast_cells key it: yyyymm."""
    return day.year * 100 + day.month


def utc_months(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The first and last UTC months lying wholly in [start, end), or None."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date().replace(day=1)
    if datetime.combine(first, time(), UTC) < start:
        first = fiscal.add_months(first, 1)
    last = fiscal.add_months(end.date(), -1)  # the month before the one `end` falls in (or starts)
    return (first, last) if first <= last else None


async def funnel(
    db: AsyncSession,
    shape: tuple,
    owners: Any,
    deal_where: Any,
    pipeline: Pipeline,
    cohort: str,
    first: date,
    last: date,
) -> Funnel:
    """`owners(column)`: the conditions on an owner column for the deals the actor sees and picked;
    `deal_where()`: the same on deals; `shape`: what they depend on (the statement is built once per shape),
    the year's months and cut edges given as parameters."""
    open_stages = [s for s in pipeline.stages if s.is_open]
    won_stages = [s for s in pipeline.stages if s.is_won]
    ranks = {s.id: n for n, s in enumerate(open_stages, 1)} | {s.id: len(open_stages) + 1 for s in won_stages}
    kinds = {s.id: s.kind for s in pipeline.stages}
    months: tuple[date, date] | None = None
    edges: list[tuple[datetime, datetime]] = []
    if cohort != "all":
        zone = ZoneInfo(current_time_zone.get())
        start = datetime.combine(first, time(), zone)
        end = datetime.combine(fiscal.add_months(last, 1), time(), zone)
        months = utc_months(start, end)
        if months is None:
            edges = [(start, end)]
        else:
            month_start = datetime.combine(months[0], time(), UTC)
            month_end = datetime.combine(fiscal.add_months(months[1], 1), time(), UTC)
            edges = [(a, b) for a, b in ((start, month_start), (month_end, end)) if a < b]
    from_cells = cohort == "all" or months is not None

    def build() -> Select:
        parts = []
        if from_cells:
            parts.append(_from_cells(owners(func.nullif(FunnelCell.owner_key, 0)), pipeline, months is not None))
        parts += [_from_deals(deal_where(), pipeline, n) for n in range(len(edges))]
        return parts[0] if len(parts) == 1 else union_all(*parts)

    query = STATEMENTS.get(("funnel", *shape, pipeline.id, from_cells, months is not None, len(edges)), build)
    params: dict[str, Any] = {f"start{n}": a for n, (a, _) in enumerate(edges)}
    params |= {f"end{n}": b for n, (_, b) in enumerate(edges)}
    if months is not None:
        params |= {"first_month": month_key(months[0]), "last_month": month_key(months[1])}
    tally = Tally({})
    for entered, stage_id, count in await db.execute(query, params):
        deals = int(count)
        top = max((ranks.get(int(s), 0) for s in entered.split(",") if s), default=0)  # by today's order
        kind = kinds.get(stage_id)
        tally.add(top, deals, deals if kind == StageKind.won else 0, deals if kind == StageKind.lost else 0)
    reached = [sum(c for top, c in tally.tops.items() if top >= r) for r in range(1, len(open_stages) + 2)]
    chain = [*open_stages, *won_stages[:1]]
    steps = [FunnelStep(stage, reached[n], reached[n - 1] if n else None, reached[0]) for n, stage in enumerate(chain)]
    cohort = "all" if cohort == "all" else "fy"
    return Funnel(pipeline, cohort, steps, sum(tally.tops.values()), won=tally.won, lost=tally.lost)


def _from_cells(owners: list[ColumnElement[bool]], pipeline: Pipeline, by_month: bool) -> Select:
    """The deals of the whole months (first_month to last_month, or of every month) from their cells:
    (stages entered, stage now, deals)."""
    cell = FunnelCell
    where = [*owners, cell.pipeline_id == pipeline.id]
    if by_month:
        where.append(cell.month.between(bindparam("first_month"), bindparam("last_month")))
    return (
        select(cell.entered, cell.stage_id, func.sum(cell.deals))
        .where(*where)
        .group_by(cell.entered, cell.stage_id)
        .having(func.sum(cell.deals) != 0)
    )


def _from_deals(where: list[ColumnElement[bool]], pipeline: Pipeline, n: int) -> Select:
    """The deals created in a part of a month the year cuts (edge n: start{n} to end{n}), grouped as their
    cells are, off the index of a pipeline's deals by creation (one range per SELECT: SQLite walks no range
    of an OR)."""
    start, end = bindparam(f"start{n}"), bindparam(f"end{n}")
    return (
        select(Deal.stages_entered, Deal.stage_id, func.count())
        .where(*where, Deal.pipeline_id == pipeline.id, Deal.created_at >= start, Deal.created_at < end)
        .group_by(Deal.stages_entered, Deal.stage_id)
    )
