"""The deal list (a sortable, paged table with the board's filters) and its CSV/XLSX export.

Both start from the board's WHERE clauses (`filters.conditions`, so `visible_deals` decides who
sees what) across every pipeline. The header's totals are one aggregate over every matching
deal, the weighted total rounded once at the end like the board's (`board.weighted`); a page is
one query of plain rows (the board card's columns; stage, company, owner and each row's next action
joined). The export reads whole deals: it writes more of their fields.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, contains_eager

from salesdesk.accounts.exporting import CHARSETS, ENCODINGS, FORMATS, XLSX_TYPE, ExportFile, to_csv, to_xlsx
from salesdesk.accounts.models import Company
from salesdesk.auth.models import User
from salesdesk.db import in_sql, plain, utcnow
from salesdesk.i18n import local, local_today
from salesdesk.pipeline import cells, setup
from salesdesk.pipeline.board import CARD_COLUMNS, STATEMENTS, Card, Context, deal_sums, weighted
from salesdesk.pipeline.filters import (
    DECIDER_CUTOFF,
    DealFilter,
    conditions,
    decider_cutoff,
    decider_uncontacted,
    stages_of,
)
from salesdesk.pipeline.models import Deal, Pipeline, Stage
from salesdesk.tasks.models import Task, TaskStatus, earliest_first

PER_PAGE = 50
DEFAULT_SORT = "close"
EXPORT_HEADERS = [
    "案件名",
    "会社名",
    "ステージ",
    "金額(税抜)",
    "確度",
    "加重金額",
    "受注予定日",
    "ヨミ",
    "担当者",
    "次のアクション",
    "次のアクション期日",
    "流入元",
    "競合",
    "失注理由",
    "受注日",
    "失注日",
    "作成日",
    "更新日",
]


def _next_due() -> Any:
    return (
        select(func.min(Task.due_on))
        .where(Task.deal_id == Deal.id, Task.status == TaskStatus.open)
        .correlate(Deal)
        .scalar_subquery()
    )


NEXT = aliased(Task, name="next_task")
NEXT_COLUMNS = (NEXT.id, NEXT.deal_id, NEXT.title, NEXT.due_on, NEXT.starts_at)  # tasks.next_action_rows' row


def _first_open_task() -> Any:
    """The deal's next action: its earliest open task (tasks.services.next_actions' rule)."""
    first = select(Task.id).where(Task.deal_id == Deal.id, Task.status == TaskStatus.open)
    return first.order_by(*earliest_first()).limit(in_sql("first", 1)).correlate(Deal).scalar_subquery()


def _weighted_raw() -> ColumnElement[int]:
    """amount × probability% in yen-percent: the deal's own probability, else its stage's."""
    return Deal.amount_jpy * func.coalesce(Deal.probability, Stage.probability)


# column key -> what it sorts by (before the id that makes the order total)
SORTS: dict[str, Any] = {
    "title": lambda: (Deal.title,),
    "company": lambda: (Company.kana_key, Company.normalized_name),
    "stage": lambda: (Stage.pipeline_id, Stage.position),
    "amount": lambda: (Deal.amount_jpy,),
    "weighted": lambda: (_weighted_raw(),),
    "close": lambda: (Deal.expected_close_date,),
    "forecast": lambda: (Deal.forecast,),
    "owner": lambda: (User.name,),
    "next_action": lambda: (_next_due(),),
    "activity": lambda: (func.coalesce(Deal.last_activity_at, Deal.created_at),),
}


def sort_key(sort: str) -> tuple[str, bool]:
    """("amount", True) for "-amount": the column and whether it runs descending."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    return (column, descending) if column in SORTS else (DEFAULT_SORT, False)


def _ordered(query: Select, sort: str) -> Select:
    column, descending = sort_key(sort)
    # Empty values (no amount, no close date, no next action) go last both ways, on SQLite as on PostgreSQL.
    order = [(c.desc() if descending else c.asc()).nulls_last() for c in SORTS[column]()]
    return query.order_by(*order, Deal.id.desc() if descending else Deal.id)


def _joined(query: Select) -> Select:
    return (
        query.join(Stage, Deal.stage_id == Stage.id)
        .join(Company, Deal.company_id == Company.id)
        .outerjoin(User, Deal.owner_id == User.id)
    )


def _sort_joined(query: Select, sort: str) -> Select:
    """Only the join the sort needs: joining every matching deal's stage, company and owner costs more
    than sorting them."""
    column, _ = sort_key(sort)
    if column in ("stage", "weighted"):
        return query.join(Stage, Deal.stage_id == Stage.id)
    if column == "company":
        return query.join(Company, Deal.company_id == Company.id)
    if column == "owner":
        return query.outerjoin(User, Deal.owner_id == User.id)
    return query


@dataclass
class Row(Card):
    """A deal of the list: the board card's facts (next action, stale flags) and its weighted amount."""

    @property
    def weighted_jpy(self) -> int | None:
        amount = self.deal.amount_jpy
        return None if amount is None else weighted(amount * self.probability)


@dataclass
class Totals:
    count: int = 0
    total_jpy: int = 0
    weighted_jpy: int = 0


@dataclass
class DealList:
    rows: list[Row]
    totals: Totals
    filters: DealFilter
    page: int
    pages: int
    pipelines: list[Pipeline]

    @property
    def status(self) -> str:
        return self.filters.status or "open"

    @property
    def pipeline_names(self) -> dict[int, str]:
        return {p.id: p.name for p in self.pipelines}


@dataclass
class Scope:
    """The WHERE clauses of a filtered list, and what its rows are drawn with."""

    filters: DealFilter
    where: list
    pipelines: list[Pipeline]
    stages: dict[int, Stage]
    now: datetime
    today: date
    shape: tuple | None  # what the statements depend on (board.Context.shape; the page is a parameter)


async def _scope(db: AsyncSession, actor: User, f: DealFilter, now: datetime | None) -> Scope:
    f = replace(f, status=f.status or "open")  # the list's default; "all" lists closed deals too
    pipelines = await setup.list_pipelines(db)
    stages = [s for p in pipelines for s in p.stages]
    fy_start = await setup.fiscal_start_month(db, f.period)
    now, today = now or utcnow(), local_today()
    where = conditions(actor, f, stages, now=now, today=today, fy_start_month=fy_start)
    shape = Context(actor, replace(f, page=1), stages, now, today, where, fy_start).shape
    # the page walks one stage after another (_page_ids): a stage added, removed or of another kind is another shape
    shape = shape and (*shape, *((s.id, s.kind) for s in stages))
    return Scope(f, where, pipelines, {s.id: s for s in stages}, now, today, shape)


async def _totals(db: AsyncSession, scope: Scope, actor: User) -> Totals:
    """The count, amount and weighted amount of every matching deal, summed per stage: from the forecast's
    cells when the filter chooses owners and a status only (cells.py), else from the deals."""
    f = scope.filters
    if cells.answers(f):
        key, build = "list-cell-totals", lambda: cells.stage_sums(actor, f, list(scope.stages))
    else:
        key, build = "list-totals", lambda: deal_sums(scope.where, list(scope.stages))
    count = total = raw = 0
    for stage_id, deals, amount, at_stage_odds, overridden in await db.execute(
        STATEMENTS.get(scope.shape and (key, *scope.shape), build)
    ):
        count, total = count + int(deals), total + int(amount or 0)
        raw += scope.stages[stage_id].probability * int(at_stage_odds or 0) + int(overridden or 0)
    return Totals(count, total, weighted(raw))


def _page_statement(scope: Scope, per_page: int) -> Select:
    """The page's ids first, sorted by their keys alone; then what the table shows for those only (the
    決裁者未接触 subquery, the names): sorting whole rows made the database work each of them out for
    every matching deal. The offset and the 決裁者未接触 cutoff are parameters."""
    sort = scope.filters.sort
    page_ids = _page_ids(scope, sort, per_page).offset(in_sql("offset")).correlate(None)
    next_action = [c.label(f"next_{c.key}") for c in NEXT_COLUMNS]  # each row's next action, in the same statement
    query = _joined(
        select(*CARD_COLUMNS, decider_uncontacted(DECIDER_CUTOFF).label("decider_uncontacted"), *next_action)
    )
    query = query.outerjoin(NEXT, NEXT.id == _first_open_task())
    return _ordered(query.where(Deal.id.in_(page_ids.scalar_subquery())), sort)


def _page_ids(scope: Scope, sort: str, per_page: int) -> Select:
    """The page's ids. In the default order (close date, undated last) each stage's deals are walked
    in the order of an index (ix_deals_stage_id_close_order) up to the page's end, as the board's
    columns are, and the walks merged: the page costs what it shows, not a sort of every matching
    deal. Other orders sort the matching deals by their keys."""
    column, descending = sort_key(sort)
    if column != "close" or descending:
        ids = _ordered(_sort_joined(select(Deal.id), sort).where(*scope.where), sort)
        return ids.limit(in_sql("per_page", per_page))
    stages = stages_of(scope.filters, list(scope.stages.values()))
    key = (Deal.expected_close_date.is_(None).label("undated"), Deal.expected_close_date.label("close"), Deal.id)
    walks = [
        select(*key)
        .where(Deal.stage_id == stage.id, *scope.where)
        .order_by(*key)
        .limit(in_sql("reach"))
        .subquery()
        .select()
        for stage in stages
    ] or [select(*key).where(false())]
    merged = (walks[0] if len(walks) == 1 else union_all(*walks)).subquery()
    ordered = select(merged.c.id).order_by(merged.c.undated, merged.c.close, merged.c.id)
    return ordered.limit(in_sql("per_page", per_page))


NextAction = namedtuple("NextAction", [c.key for c in NEXT_COLUMNS])


def _next_action(row: Any) -> Any | None:
    return None if row.next_id is None else NextAction(*(getattr(row, f"next_{c.key}") for c in NEXT_COLUMNS))


async def list_deals(
    db: AsyncSession, actor: User, f: DealFilter, *, per_page: int = PER_PAGE, now: datetime | None = None
) -> DealList:
    """One page of the filtered deals in the chosen order, with the totals of all of them."""
    scope = await _scope(db, actor, f, now)
    totals = await _totals(db, scope, actor)
    pages = max(1, -(-totals.count // per_page))
    page = min(max(1, f.page), pages)
    query = STATEMENTS.get(
        scope.shape and ("list-page", *scope.shape, per_page), lambda: _page_statement(scope, per_page)
    )
    offset = (page - 1) * per_page
    params = {"offset": offset, "reach": offset + per_page, "decider_cutoff": decider_cutoff(scope.now)}
    found = plain(await db.execute(query, params))  # plain rows of what the table shows, no ORM objects
    rows = [
        Row(row, scope.stages[row.stage_id], _next_action(row), scope.today, scope.now, bool(row.decider_uncontacted))
        for row in found
    ]
    return DealList(rows, totals, f, page, pages, scope.pipelines)


# --- export ----------------------------------------------------------------------------------


def _day(value: date | datetime | None, xlsx: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return value if xlsx else f"{value:%Y/%m/%d}"


def _export_row(row: Row, reason: str, xlsx: bool) -> list[Any]:
    deal, task = row.deal, row.next_action

    def number(value: int | None) -> Any:  # XLSX keeps numbers numbers; in CSV everything is text anyway
        return "" if value is None else value if xlsx else str(value)

    lost = " / ".join(part for part in (reason, deal.lost_note) if part)
    return [
        deal.title,
        deal.company.name,
        row.stage.name,
        number(deal.amount_jpy),
        number(row.probability),
        number(row.weighted_jpy),
        _day(deal.expected_close_date, xlsx),
        deal.forecast,
        deal.owner.name if deal.owner else "",
        task.title if task else "",
        _day(task.due_on if task else None, xlsx),
        deal.source,
        deal.competitors,
        lost,
        _day(deal.won_on, xlsx),
        _day(deal.lost_on, xlsx),
        _day(deal.created_at, xlsx),
        _day(deal.updated_at, xlsx),
    ]


async def _next_actions_of(db: AsyncSession, scope: Scope) -> dict[int, Task]:
    """The next action of every matching deal in one query (the deal ids stay in the database)."""
    ids = select(Deal.id).where(*scope.where)
    found: dict[int, Task] = {}
    for task in await db.scalars(
        select(Task).where(Task.status == TaskStatus.open, Task.deal_id.in_(ids)).order_by(*earliest_first())
    ):
        found.setdefault(task.deal_id, task)  # type: ignore[arg-type]
    return found


async def export_deals(
    db: AsyncSession,
    actor: User,
    f: DealFilter,
    *,
    format: str = "csv",
    encoding: str = "utf-8-sig",
    now: datetime | None = None,
) -> ExportFile:
    """Every deal of the list's filters in its order, Japanese headers, amounts as plain integers.

    CSV is UTF-8 with BOM unless CP932 is asked for; characters CP932 cannot hold become "?"
    (ExportFile.replaced counts them).
    """
    format = format if format in FORMATS else "csv"
    encoding = encoding if encoding in ENCODINGS else "utf-8-sig"
    scope = await _scope(db, actor, f, now)
    query = (
        _joined(select(Deal))
        .where(*scope.where)
        .options(contains_eager(Deal.stage), contains_eager(Deal.company), contains_eager(Deal.owner))
    )
    deals = list(await db.scalars(_ordered(query, f.sort)))
    nexts = await _next_actions_of(db, scope)
    reasons = {r.id: r.name for r in await setup.list_lost_reasons(db, active_only=False)}
    xlsx = format == "xlsx"
    rows = [
        _export_row(
            Row(d, scope.stages[d.stage_id], nexts.get(d.id), scope.today, scope.now),
            reasons.get(d.lost_reason_id or 0, ""),
            xlsx,
        )
        for d in deals
    ]
    filename = f"deals-{local_today():%Y%m%d}.{format}"
    if xlsx:
        return ExportFile(filename, to_xlsx(EXPORT_HEADERS, rows, "deals"), XLSX_TYPE)
    content, replaced = to_csv(EXPORT_HEADERS, rows, encoding)
    return ExportFile(filename, content, "text/csv", CHARSETS[encoding], replaced)
