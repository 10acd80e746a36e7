"""The forecast (売上予測) of a fiscal year: the open pipeline by expected close month and quarter, raw
and weighted, beside what was won in each month, per owner and per team; and the stage funnel.

The open pipeline and the won amounts are read from forecast_cells, the funnel from funnel_cells: sums
kept beside the deals by triggers in the same transaction as every change (migration 0022), a row
per stage, owner and month. So the page reads the same few rows at 10,000 deals as at 50,000, and the
figures are never behind the deals. Only the owners the actor sees (`access.owned_by_visible`) and
picked are summed. Weighted sums stay in yen-percent (Σ amount × p) until they are shown, then round
half up once (`board.weighted`), whatever they add up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from salesdesk.auth.models import Team, User
from salesdesk.db import StatementCache, utcnow
from salesdesk.i18n import local_today
from salesdesk.pipeline import fiscal, setup
from salesdesk.pipeline.board import weighted
from salesdesk.pipeline.filters import DealFilter, conditions, owner_conditions
from salesdesk.pipeline.funnel import Funnel, funnel, month_key
from salesdesk.pipeline.models import Deal, ForecastCell, Pipeline, Stage, StageKind

UNDATED_SHOWN = 20  # deals without a close date listed by name (the rest are counted)
# The page's statements, built once per viewer, owner or team picked, and stages (db.StatementCache); the
# year's months and the funnel's cut edges are parameters.
STATEMENTS = StatementCache(256)
PEOPLE = (
    select(User.id, User.name, User.team_id, Team.name)
    .outerjoin(Team, User.team_id == Team.id)
    .where(User.id.in_(bindparam("ids", expanding=True)))
)


@dataclass
class Figures:
    """Open pipeline (count, raw total, weighted in yen-percent) and won (count, amount) of a cell."""

    count: int = 0
    raw_jpy: int = 0
    weighted_raw: int = 0  # Σ amount × probability%: rounded once, when read
    won_count: int = 0
    won_jpy: int = 0
    a_jpy: int = 0  # the open pipeline by ヨミ (A: as good as won, B: likely, C: possible)
    b_jpy: int = 0
    c_jpy: int = 0

    @property
    def commit_jpy(self) -> int:
        """The ヨミ表's commit: what is won plus the open ヨミ A."""
        return self.won_jpy + self.a_jpy

    @property
    def best_case_jpy(self) -> int:
        """The ヨミ表's best case: won plus ヨミ A and B."""
        return self.won_jpy + self.a_jpy + self.b_jpy

    @property
    def weighted_jpy(self) -> int:
        return weighted(self.weighted_raw)

    @property
    def landing_jpy(self) -> int:
        """着地見込み: what is won plus what the open pipeline is worth weighted."""
        return self.won_jpy + self.weighted_jpy

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.count + other.count,
            self.raw_jpy + other.raw_jpy,
            self.weighted_raw + other.weighted_raw,
            self.won_count + other.won_count,
            self.won_jpy + other.won_jpy,
            self.a_jpy + other.a_jpy,
            self.b_jpy + other.b_jpy,
            self.c_jpy + other.c_jpy,
        )


def total(figures: list[Figures]) -> Figures:
    return sum(figures, Figures())


@dataclass
class Breakdown:
    """One owner's (or team's) row: the quarters and the year."""

    key: int | None
    name: str
    quarters: list[Figures]

    @property
    def year(self) -> Figures:
        return total(self.quarters)


@dataclass
class Forecast:
    fy: int
    start_month: int
    first: date
    last: date
    today: date
    months: list[date]
    by_month: list[Figures]
    owners: list[Breakdown]
    teams: list[Breakdown]
    undated: Figures
    undated_deals: list[Deal]
    funnel: Funnel
    pipelines: list[Pipeline]
    pipeline: Pipeline | None  # None: every pipeline
    owner_id: int | None = None
    team_id: int | None = None
    years: list[int] = field(default_factory=list)

    @property
    def quarters(self) -> list[Figures]:
        return [total(self.by_month[n : n + 3]) for n in range(0, 12, 3)]

    @property
    def year(self) -> Figures:
        return total(self.by_month)


async def forecast(
    db: AsyncSession,
    actor: User,
    *,
    fy: int | None = None,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    cohort: str = "fy",
    today: date | None = None,
) -> Forecast:
    today = today or local_today()
    start_month = (await setup.sales_settings(db)).fiscal_year_start_month
    this_fy = fiscal.fiscal_year(today, start_month)
    fy = fy if fy is not None and 2000 <= fy <= 2100 else this_fy
    first, last = fiscal.year_range(fy, start_month)
    pipelines = await setup.list_pipelines(db)
    pipeline = next((p for p in pipelines if p.id == pipeline_id), None)
    stages = list(pipeline.stages) if pipeline is not None else [s for p in pipelines for s in p.stages]
    picked = DealFilter(owner_id=owner_id, team_id=team_id)

    def where() -> list[ColumnElement[bool]]:
        """The deals the actor sees and picked (of the pipeline picked), for the statements built afresh."""
        found = conditions(actor, picked, stages, now=utcnow(), today=today, fy_start_month=start_month)
        return [*found, Deal.pipeline_id == pipeline.id] if pipeline is not None else found

    def owners(column: Any) -> list[ColumnElement[bool]]:
        """The same choice of owners as `where`, on a cell's owner (None: nobody's)."""
        return owner_conditions(actor, picked, column)

    viewer = (actor.id, actor.role, actor.team_id, owner_id, team_id)
    shape = (*viewer, pipeline and pipeline.id, *((s.id, s.kind) for s in stages))
    months = fiscal.months(fy, start_month)
    year = {"first_month": month_key(first), "last_month": month_key(last)}
    cells = await _open_cells(db, shape, owners, stages, year)
    for key, won in (await _won_cells(db, shape, owners, stages, year)).items():
        cells[key] = cells.get(key, Figures()) + won
    people = await _people(db, {owner for _, owner in cells})
    funnel_pipeline = pipeline or next((p for p in pipelines if p.is_default), pipelines[0])
    return Forecast(
        fy=fy,
        start_month=start_month,
        first=first,
        last=last,
        today=today,
        months=months,
        by_month=[total([f for (month, _), f in cells.items() if month == m]) for m in months],
        owners=_breakdown(cells, months, {uid: name for uid, (name, _, _) in people.items()}),
        teams=_breakdown(_by_team(cells, people), months, {tid: team for _, tid, team in people.values()}),
        undated=total([f for (month, _), f in cells.items() if month is None]),
        undated_deals=await _undated_deals(db, shape, where),
        funnel=await funnel(db, shape, owners, where, funnel_pipeline, cohort, first, last),
        pipelines=pipelines,
        pipeline=pipeline,
        owner_id=owner_id,
        team_id=team_id,
        years=list(range(this_fy - 3, this_fy + 2)),
    )


Cells = dict[tuple[date | None, int | None], Figures]  # (month's first day or None, owner id) -> figures


def _month(key: int) -> date | None:
    """The first day of a cell's month (yyyymm), None for no date (0)."""
    return date(key // 100, key % 100, 1) if key else None


def _owner(key: int) -> int | None:
    return key or None


async def _open_cells(db: AsyncSession, shape: tuple, owners: Any, stages: list[Stage], year: dict) -> Cells:
    """The open pipeline by expected close month and owner; deals without a close date under None.

    Read off forecast_cells (kept by triggers on deals): a row per open stage, owner and close month. The
    stage's probability is applied here, per stage, as the board's totals do."""
    cell = ForecastCell
    opens = {s.id: s for s in stages if s.is_open}
    query = STATEMENTS.get(
        ("open", *shape),
        lambda: select(
            cell.month,
            cell.owner_key,
            cell.stage_id,
            cell.deals,
            cell.amount_jpy,
            cell.stage_odds_jpy,
            cell.own_odds,
            cell.a_jpy,
            cell.b_jpy,
            cell.c_jpy,
        ).where(
            *owners(func.nullif(cell.owner_key, 0)),
            cell.kind == "close",
            cell.stage_id.in_(list(opens)),
            or_(cell.month.between(bindparam("first_month"), bindparam("last_month")), cell.month == 0),
            cell.deals != 0,
        ),
    )
    rows = await db.execute(query, year)
    cells: Cells = {}
    for month, owner, stage_id, count, amount, at_stage_odds, own_odds, a, b, c in rows:
        raw = opens[stage_id].probability * at_stage_odds + own_odds
        key = (_month(month), _owner(owner))
        cells[key] = cells.get(key, Figures()) + Figures(count, amount, raw, a_jpy=a, b_jpy=b, c_jpy=c)
    return cells


async def _won_cells(db: AsyncSession, shape: tuple, owners: Any, stages: list[Stage], year: dict) -> Cells:
    """What was won in each month of the year (by the day it was won), by owner, off forecast_cells."""
    cell = ForecastCell
    query = STATEMENTS.get(
        ("won", *shape),
        lambda: select(cell.month, cell.owner_key, cell.deals, cell.amount_jpy).where(
            *owners(func.nullif(cell.owner_key, 0)),
            cell.kind == "won",
            cell.stage_id.in_([s.id for s in stages if s.is_won]),
            cell.month.between(bindparam("first_month"), bindparam("last_month")),
            cell.deals != 0,
        ),
    )
    rows = await db.execute(query, year)
    cells: Cells = {}
    for month, owner, count, amount in rows:
        key = (_month(month), _owner(owner))
        cells[key] = cells.get(key, Figures()) + Figures(won_count=count, won_jpy=amount)
    return cells


async def _people(db: AsyncSession, owner_ids: set[int | None]) -> dict[int, tuple[str, int | None, str]]:
    """owner id -> (name, team id, team name) for the owners that have figures."""
    ids = [i for i in owner_ids if i is not None]
    if not ids:
        return {}
    rows = await db.execute(PEOPLE, {"ids": ids})
    return {uid: (name, team_id, team_name or "") for uid, name, team_id, team_name in rows}


def _by_team(cells: Cells, people: dict[int, tuple[str, int | None, str]]) -> Cells:
    teams: Cells = {}
    for (month, owner), figures in cells.items():
        key = (month, people[owner][1] if owner in people else None)
        teams[key] = teams.get(key, Figures()) + figures
    return teams


def _breakdown(cells: Cells, months: list[date], names: dict[int, str]) -> list[Breakdown]:
    """Rows per key (owner or team) with the four quarters; deals without a close date are left out."""
    quarter_of = {m: n // 3 for n, m in enumerate(months)}
    rows: dict[int | None, list[Figures]] = defaultdict(lambda: [Figures() for _ in range(4)])
    for (month, key), figures in cells.items():
        if month is not None:
            rows[key][quarter_of[month]] += figures
    found = [Breakdown(key, names.get(key, "") if key is not None else "", quarters) for key, quarters in rows.items()]
    return sorted(found, key=lambda b: (b.key is None, -b.year.landing_jpy, b.name))


async def _undated_deals(db: AsyncSession, shape: tuple, where: Any) -> list[Deal]:
    query = STATEMENTS.get(
        ("undated", *shape),
        lambda: (
            select(Deal)
            .join(Stage, Deal.stage_id == Stage.id)
            .where(*where(), Stage.kind == StageKind.open, Deal.expected_close_date.is_(None))
            .options(joinedload(Deal.company), joinedload(Deal.owner), joinedload(Deal.stage))
            .order_by(Deal.amount_jpy.desc().nulls_last(), Deal.id)
            .limit(UNDATED_SHOWN)
        ),
    )
    return list(await db.scalars(query))
