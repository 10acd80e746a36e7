"""The kanban board: one column per open stage, each with its first page of cards and totals.

The totals (count, amount, weighted amount) are one GROUP BY over every deal that matches the
filters, computed by the database. The cards of every column come in one more statement: a
UNION ALL of one LIMIT branch per column, each walking the (stage, board_rank) index and stopping
after a page, so its work follows what is shown, not what exists. Cards are plain rows of the
columns a card shows (company and owner names joined in), not ORM objects; the next actions of
all shown cards are one more query. So a board costs the same handful of statements at 100 or
100,000 deals.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import CompoundSelect, Row, Select, and_, bindparam, case, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.models import Company
from salesdesk.auth import policy
from salesdesk.auth.models import User, initials
from salesdesk.db import StatementCache, in_sql, plain, utcnow
from salesdesk.i18n import _, local_today
from salesdesk.ids import MAX_ID, parse_id, parse_int
from salesdesk.pipeline import access, cells, setup
from salesdesk.pipeline.filters import DECIDER_CUTOFF, DealFilter, conditions, decider_cutoff, decider_uncontacted
from salesdesk.pipeline.models import Deal, Pipeline, Stage
from salesdesk.tasks import services as tasks

CARDS_PER_PAGE = 12  # a screenful and then some; the rest load as the column scrolls


def weighted(raw: int) -> int:
    """Σ amount × probability% is kept in yen-percent; the total is rounded half up once, at the end."""
    return (raw + 50) // 100


# What a card shows, read as plain columns: the deal's own, its company's name and its owner's.
CARD_COLUMNS = (
    Deal.id,
    Deal.title,
    Deal.version,
    Deal.pipeline_id,
    Deal.stage_id,
    Deal.company_id,
    Deal.owner_id,
    Deal.amount_jpy,
    Deal.probability,
    Deal.forecast,
    Deal.expected_close_date,
    Deal.board_rank,
    Deal.last_activity_at,
    Deal.created_at,
    Company.name.label("company_name"),
    User.name.label("owner_name"),
    User.email.label("owner_email"),
    User.team_id.label("owner_team_id"),
)


@dataclass(slots=True)
class Card:
    """One card: the deal's row (CARD_COLUMNS), its stage, its next action (a row of
    tasks.services.next_action_rows) and what the page shows, derived here rather than in the template."""

    deal: Row
    stage: Stage
    next_action: Row | None
    today: date
    now: datetime
    decider_uncontacted: bool = False  # read with the card's row (filters.decider_uncontacted)
    movable: bool = True  # the actor may move it and plan on it (policy.may_edit_deal)
    owner_initials: str = ""

    @property
    def no_decider_contact(self) -> bool:
        """決裁者未接触, shown on open deals only: a closed deal has nobody left to meet."""
        return self.stage.is_open and self.decider_uncontacted

    @property
    def probability(self) -> int:
        return self.deal.probability if self.deal.probability is not None else self.stage.probability

    @property
    def idle_since(self) -> datetime:
        return self.deal.last_activity_at or self.deal.created_at  # Deal.idle_since, from the row

    @property
    def idle_days(self) -> int:
        return (self.now - self.idle_since).days

    @property
    def is_idle(self) -> bool:
        """Stale by age: no completed activity or task for longer than the stage's rotting days."""
        return self.stage.is_open and self.stage.rotting_days is not None and self.idle_days > self.stage.rotting_days

    @property
    def idle_label(self) -> str:
        """The idle badge's words, translated here: a translation called in the template's loop costs a
        context of its own per card."""
        return _("Idle %(days)d days") % {"days": self.idle_days}

    @property
    def idle_hint(self) -> str:
        days = self.stage.rotting_days
        return _("No activity for longer than this stage allows (%(days)d days)") % {"days": days}

    @property
    def lacks_next_action(self) -> bool:
        """Stale for want of a plan: an open deal without an open task."""
        return self.stage.is_open and self.next_action is None

    @property
    def is_stale(self) -> bool:
        return self.is_idle or self.lacks_next_action

    @property
    def overdue(self) -> bool:
        return self.next_action is not None and self.next_action.due_on < self.today

    @property
    def close_passed(self) -> bool:
        return self.deal.expected_close_date is not None and self.deal.expected_close_date < self.today


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total_jpy: int = 0
    weighted_jpy: int = 0
    cards: list[Card] = field(default_factory=list)
    cursor: str | None = None  # where the next page of cards starts ("rank:id"), None at the end


class ColumnTotals:
    """The whole board's figures: the sum of its open columns' (each already rounded once)."""

    columns: list[Column]

    @property
    def count(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def total_jpy(self) -> int:
        return sum(c.total_jpy for c in self.columns)

    @property
    def weighted_jpy(self) -> int:
        return sum(c.weighted_jpy for c in self.columns)


@dataclass
class Board(ColumnTotals):
    pipeline: Pipeline
    pipelines: list[Pipeline]
    columns: list[Column]  # the open stages
    closed: list[Stage]  # won and lost: drop targets
    filters: DealFilter


STATEMENTS = StatementCache()  # the board's statements, built once per shape (db.StatementCache)


@dataclass
class Context:
    """What every board query needs: who asks, the filter as WHERE clauses, and the clock."""

    actor: User
    filters: DealFilter
    stages: list[Stage]
    now: datetime
    today: date
    where: list = field(default_factory=list)
    fy_start: int = 4  # the fiscal year's first month, when the filter's period depends on it

    @property
    def shape(self) -> tuple | None:
        """What the WHERE clauses depend on, for StatementCache; None when they hold the moment (the stale
        filters) or the data (a company name's matches)."""
        f, actor = self.filters, self.actor
        if f.company or f.stale or f.decider:
            return None
        return actor.id, actor.role, actor.team_id, astuple(f), self.today, self.fy_start

    @property
    def params(self) -> dict[str, datetime]:
        return {"decider_cutoff": decider_cutoff(self.now)}


async def context(
    db: AsyncSession, actor: User, f: DealFilter, stages: list[Stage], now: datetime | None = None
) -> Context:
    now = now or utcnow()
    today = local_today()
    fy_start = await setup.fiscal_start_month(db, f.period)
    where = conditions(actor, f, stages, now=now, today=today, fy_start_month=fy_start)
    return Context(actor, f, stages, now, today, where, fy_start)


async def board(
    db: AsyncSession,
    actor: User,
    f: DealFilter,
    *,
    pipeline_id: int | None = None,
    per_page: int = CARDS_PER_PAGE,
    now: datetime | None = None,
) -> Board:
    pipelines = await setup.list_pipelines(db)
    pipeline = next((p for p in pipelines if p.id == pipeline_id), None) if pipeline_id else None
    if pipeline is None:
        pipeline = await setup.get_pipeline(db, pipeline_id) if pipeline_id else _default(pipelines)
    ctx = await context(db, actor, f, pipeline.stages, now)
    open_stages = [s for s in pipeline.stages if s.is_open]
    columns = [Column(stage) for stage in open_stages]
    totals = await column_totals(db, ctx, open_stages)
    for column in columns:
        column.count, column.total_jpy, column.weighted_jpy = totals.get(column.stage.id, (0, 0, 0))
    pages = await _pages(db, ctx, open_stages, None, per_page)
    cards = await _cards(db, ctx, [row for rows, _ in pages.values() for row in rows])
    for column in columns:
        rows, column.cursor = pages[column.stage.id]
        column.cards = [cards[row.id] for row in rows]
    return Board(pipeline, pipelines, columns, [s for s in pipeline.stages if not s.is_open], f)


def _default(pipelines: list[Pipeline]) -> Pipeline:
    if not pipelines:
        from salesdesk.errors import NotFound

        raise NotFound("pipeline")
    return next((p for p in pipelines if p.is_default), pipelines[0])


async def column_totals(db: AsyncSession, ctx: Context, stages: list[Stage]) -> dict[int, tuple[int, int, int]]:
    """stage id -> (count, total, weighted) over every matching deal, in one GROUP BY: of the forecast's cells
    when the filter chooses owners only, else of the deals.

    The weighted sum needs no join: deals without their own probability take the stage's, so
    Σ amount × p = stage p × Σ amount (no override) + Σ amount × override.
    """
    by_id = {s.id: s for s in stages}
    if cells.answers(ctx.filters):  # owners only: the forecast's cells hold these sums (cells.py)
        key, build = "cell-totals", lambda: cells.stage_sums(ctx.actor, ctx.filters, list(by_id))
    else:
        key, build = "totals", lambda: deal_sums(ctx.where, list(by_id))
    query = STATEMENTS.get(ctx.shape and (key, *ctx.shape, *by_id), build)
    rows = await db.execute(query)
    totals = {}
    for stage_id, count, total, at_stage_odds, overridden in rows:
        raw = by_id[stage_id].probability * int(at_stage_odds or 0) + int(overridden or 0)
        totals[stage_id] = (int(count), int(total or 0), weighted(raw))  # a sum of cells: numeric on PostgreSQL
    return totals


def deal_sums(where: list, stage_ids: list[int]) -> Select:
    """cells.stage_sums' figures summed from the matching deals themselves, for any filter."""
    return (
        select(
            Deal.stage_id,
            func.count(),
            func.sum(Deal.amount_jpy),
            func.sum(case((Deal.probability.is_(None), Deal.amount_jpy), else_=0)),
            func.sum(Deal.amount_jpy * Deal.probability),
        )
        .where(Deal.stage_id.in_(stage_ids), *where)
        .group_by(Deal.stage_id)
    )


async def _pages(
    db: AsyncSession, ctx: Context, stages: list[Stage], cursor: str | None, per_page: int
) -> dict[int, tuple[list[Row], str | None]]:
    """Each column's next cards in board order (stage id -> its rows and the next page's cursor), in one
    statement: a LIMIT branch per column, so each reads a page off the index however many deals match."""
    after = _parse_cursor(cursor) if cursor else None
    shape = ctx.shape
    query = STATEMENTS.get(
        shape and ("pages", *shape, *(s.id for s in stages), after is not None, per_page),
        lambda: _pages_statement(ctx, stages, after is not None, per_page),
    )
    params = ctx.params | ({"after_rank": after[0], "after_id": after[1]} if after else {})
    found: dict[int, list[Row]] = {stage.id: [] for stage in stages}
    for row in await db.execute(query, params):
        found[row.stage_id].append(row)
    pages = {}
    for stage_id, rows in found.items():
        rows.sort(key=lambda r: (r.board_rank, r.id))  # a UNION keeps no order across branches
        more = len(rows) > per_page
        rows = rows[:per_page]
        pages[stage_id] = (rows, f"{rows[-1].board_rank}:{rows[-1].id}" if more else None)
    return pages


def _card_rows(decider: Any) -> Select:
    """Cards as rows: CARD_COLUMNS (company and owner joined) and the 決裁者未接触 flag given."""
    return (
        select(*CARD_COLUMNS, decider)
        .join(Company, Company.id == Deal.company_id)
        .outerjoin(User, User.id == Deal.owner_id)
    )


def _pages_statement(ctx: Context, stages: list[Stage], after: bool, per_page: int) -> Select | CompoundSelect:
    """A LIMIT branch per column, each a subquery so it keeps its ORDER BY and LIMIT; the cursor and the
    決裁者未接触 cutoff are parameters (after_rank, after_id, decider_cutoff)."""
    decider = decider_uncontacted(DECIDER_CUTOFF).label("decider_uncontacted")  # correlated in each branch
    branches = []
    for stage in stages:
        branch = (
            _card_rows(decider)
            .where(Deal.stage_id == stage.id, *ctx.where)
            .order_by(Deal.board_rank, Deal.id)
            .limit(in_sql("per_column", per_page + 1))
        )
        if after:
            rank, deal_id = bindparam("after_rank"), bindparam("after_id")
            branch = branch.where(or_(Deal.board_rank > rank, and_(Deal.board_rank == rank, Deal.id > deal_id)))
        branches.append(branch.subquery().select())
    return branches[0] if len(branches) == 1 else union_all(*branches)


def _parse_cursor(cursor: str) -> tuple[int, int] | None:
    rank, _, deal_id = cursor.partition(":")
    parsed = parse_int(rank, low=-MAX_ID), parse_id(deal_id)
    return None if None in parsed else parsed  # type: ignore[return-value]


async def _cards(db: AsyncSession, ctx: Context, rows: list[Row]) -> dict[int, Card]:
    rows = plain(rows)  # a card's fields are read ~25 times per card
    nexts = await tasks.next_action_rows(db, [row.id for row in rows])
    by_id = {s.id: s for s in ctx.stages}
    actor = ctx.actor
    names: dict[int, str] = {}  # an owner's initials, worked out once per page
    cards = {}
    for row in rows:
        if row.owner_id is not None and row.owner_id not in names:
            names[row.owner_id] = initials(row.owner_name, row.owner_email)
        movable = policy.may_edit_deal(actor, owner_id=row.owner_id, owner_team_id=row.owner_team_id)
        cards[row.id] = Card(
            row,
            by_id[row.stage_id],
            nexts.get(row.id),
            ctx.today,
            ctx.now,
            bool(row.decider_uncontacted),
            movable,
            names.get(row.owner_id, "") if row.owner_id is not None else "",
        )
    return cards


async def more_cards(
    db: AsyncSession,
    actor: User,
    f: DealFilter,
    stage_id: int,
    cursor: str | None,
    *,
    per_page: int = CARDS_PER_PAGE,
    now: datetime | None = None,
) -> Column:
    """The next page of a column's cards (infinite scroll); totals are not recomputed."""
    stage = await setup.get_stage(db, stage_id)
    pipeline = await setup.get_pipeline(db, stage.pipeline_id)
    ctx = await context(db, actor, f, pipeline.stages, now)
    rows, next_cursor = (await _pages(db, ctx, [stage], cursor, per_page))[stage.id]
    cards = await _cards(db, ctx, rows)
    return Column(stage, cards=[cards[row.id] for row in rows], cursor=next_cursor)


async def totals_for(
    db: AsyncSession, actor: User, f: DealFilter, pipeline_id: int, *, now: datetime | None = None
) -> list[Column]:
    """Every open column's header figures without cards: what a move refreshes."""
    pipeline = await setup.get_pipeline(db, pipeline_id)
    ctx = await context(db, actor, f, pipeline.stages, now)
    open_stages = [s for s in pipeline.stages if s.is_open]
    totals = await column_totals(db, ctx, open_stages)
    return [Column(s, *totals.get(s.id, (0, 0, 0))) for s in open_stages]


async def card(db: AsyncSession, actor: User, deal_id: int, *, now: datetime | None = None) -> Card:
    """One card, drawn again after a change (a move, a new next action)."""
    deal = await access.get_deal(db, actor, deal_id)
    pipeline = await setup.get_pipeline(db, deal.pipeline_id)
    ctx = Context(actor, DealFilter(), pipeline.stages, now or utcnow(), local_today())
    row = (
        await db.execute(
            _card_rows(decider_uncontacted(ctx.now).label("decider_uncontacted")).where(Deal.id == deal.id)
        )
    ).one()
    return (await _cards(db, ctx, [row]))[deal.id]
