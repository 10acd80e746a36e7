"""/api/v1/deals: deals, read and written through the pipeline services like the pages.

A PATCH that changes `stage_id` within the deal's pipeline is the board's move (moves.move_deal:
the stage's required fields, won/lost dates, the lost reason, the next-action rule), with the
fields the move takes from the body; any other field the body names is then saved the edit
page's way (services.update_deal: ヨミ lowered needs `forecast_reason`, owners, limits). A stage
of another pipeline is the edit page's change of pipeline (open stages only). Deals are never
deleted (the pages close them as won or lost).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from litestar import get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, Struct, UnsetType, structs
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form, given
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.deps import DB, Actor, Now
from salesdesk.pipeline import deal_page, moves, services
from salesdesk.pipeline.forms import MAX_YEN, SOURCE, DealForm, MoveForm, parse_deal, parse_move
from salesdesk.pipeline.models import Deal, Forecast, Stage, StageKind
from salesdesk.tasks import services as tasks
from salesdesk.tasks.models import Task, TaskKind

Yen = Annotated[int, Meta(ge=0, lt=MAX_YEN, description="Integer yen, excluding tax.")]
Percent = Annotated[int, Meta(ge=0, le=100)]
Id = Annotated[int, Meta(ge=1, le=2**53)]
Title = Annotated[str, Meta(max_length=200)]
Notes = Annotated[str, Meta(max_length=10_000)]
HHMM = Annotated[str, Meta(pattern=r"^\d{1,2}:\d{2}$", description="HH:MM in the token user's time zone.")]
FORECAST = "ヨミ: A = commit, B = best case, C = pipeline (the rep's own call, apart from the stage)."
PROBABILITY = "The deal's own probability in percent; null: its stage's."
MOVE_ONLY = "Only with a change of `stage_id` (a move); ignored otherwise."


class NextActionOut(Struct):
    """The deal's next action: its earliest open task (read and changed through /api/v1/tasks)."""

    id: int
    title: str
    kind: TaskKind
    due_on: date
    starts_at: datetime | None

    @classmethod
    def of(cls, task: Task) -> NextActionOut:
        return cls(task.id, task.title, TaskKind(task.kind), task.due_on, task.starts_at)


class DealOut(Struct):
    id: int
    title: str
    company_id: int
    pipeline_id: int
    stage_id: int
    status: Annotated[StageKind, Meta(description="The kind of its stage: open, won or lost.")]
    owner_id: int | None
    amount_jpy: Annotated[int | None, Meta(description="Integer yen, excluding tax.")]
    expected_close_date: date | None
    forecast: Annotated[Forecast, Meta(description=FORECAST)]
    probability: Annotated[int | None, Meta(description=PROBABILITY)]
    source: str
    competitors: str
    challenges: Annotated[str, Meta(description="課題: the customer's challenges.")]
    lost_reason_id: int | None
    lost_note: str
    won_on: date | None
    lost_on: date | None
    stage_entered_at: datetime
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    next_action: (
        Annotated[NextActionOut | None, Meta(description="The earliest open task; absent from a 409's `current`.")]
        | UnsetType
    ) = UNSET

    @classmethod
    def of(cls, d: Deal, next_action: Task | None | UnsetType = UNSET) -> DealOut:
        nxt = (
            next_action if next_action is None or isinstance(next_action, UnsetType) else NextActionOut.of(next_action)
        )
        return cls(
            d.id, d.title, d.company_id, d.pipeline_id, d.stage_id, StageKind(d.stage.kind), d.owner_id, d.amount_jpy,
            d.expected_close_date, Forecast(d.forecast), d.probability, d.source, d.competitors, d.challenges,
            d.lost_reason_id, d.lost_note, d.won_on, d.lost_on, d.stage_entered_at, d.last_activity_at, d.created_at,
            d.updated_at, d.version, nxt,
        )  # fmt: skip


shows(Deal, DealOut.of)


class DealList(Struct):
    items: list[DealOut]
    next_cursor: str | None


class DealFields(Struct, forbid_unknown_fields=True, kw_only=True):
    amount_jpy: Yen | None | UnsetType = UNSET
    expected_close_date: date | None | UnsetType = UNSET
    stage_id: Annotated[Id, Meta(description="PATCH: a move, with the board's rules.")] | UnsetType = UNSET
    owner_id: Annotated[Id | None, Meta(description="Empty: kept (new: the creating user).")] | UnsetType = UNSET
    forecast: Annotated[Forecast, Meta(description=FORECAST)] | UnsetType = UNSET
    probability: Annotated[Percent | None, Meta(description=PROBABILITY)] | UnsetType = UNSET
    source: Annotated[str, Meta(max_length=SOURCE)] | UnsetType = UNSET
    competitors: Notes | UnsetType = UNSET
    challenges: Notes | UnsetType = UNSET
    lost_reason_id: Annotated[Id | None, Meta(description="失注理由: see /api/v1/lost-reasons.")] | UnsetType = UNSET
    lost_note: Notes | UnsetType = UNSET
    next_title: Annotated[Title, Meta(description="A next action (a task) to plan with this write.")] | UnsetType = (
        UNSET
    )
    next_kind: TaskKind | UnsetType = UNSET
    next_due_on: date | UnsetType = UNSET
    next_due_time: HHMM | UnsetType = UNSET


class DealCreate(DealFields, kw_only=True):
    company_id: Id
    title: Title
    pipeline_id: Annotated[Id, Meta(description="Without `stage_id`: starts in its first stage.")] | UnsetType = UNSET


class DealPatch(DealFields, kw_only=True):
    version: Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
    title: Title | UnsetType = UNSET
    forecast_reason: Annotated[Notes, Meta(description="Required when `forecast` is lowered.")] | UnsetType = UNSET
    primary_person_id: Annotated[Id, Meta(description="The primary contact a stage requires. " + MOVE_ONLY)] | (
        UnsetType
    ) = UNSET
    closed_on: Annotated[date, Meta(description="The won/lost date (default: today). " + MOVE_ONLY)] | UnsetType = UNSET


# What a move takes from the body (the move form's fields); the rest is saved the edit page's way.
MOVE_FIELDS = {f.name for f in structs.fields(DealPatch) if f.name in MoveForm.__dataclass_fields__}
EDIT_ONLY = {f.name for f in structs.fields(DealPatch)} - MOVE_FIELDS


async def _out(db: AsyncSession, deal: Deal) -> DealOut:
    return DealOut.of(deal, await tasks.next_action(db, deal.id))


@get("/deals", responses=READ_ERRORS, tags=["pipeline"], summary="Deals the user sees, oldest change first")
async def list_deals(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> DealList:
    """Every deal the user's board shows them (a rep: their own and their team's). `next_action`
    is a convenience: a task's change does not move the deal in this order (sync /api/v1/tasks)."""
    rows, next_cursor = await services.deals_changed(db_session, actor, sync.parse_window(limit, cursor, updated_since))
    nexts = await tasks.next_actions(db_session, [row.id for row in rows])
    return DealList([DealOut.of(row, nexts.get(row.id)) for row in rows], next_cursor)


@get("/deals/{deal_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="One deal")
async def get_deal(db_session: DB, actor: Actor, deal_id: Annotated[int, ITEM_ID]) -> DealOut:
    return await _out(db_session, await services.get_deal(db_session, actor, deal_id))


@post("/deals", responses=WRITE_ERRORS, tags=["pipeline"], summary="Create a deal")
async def create_deal(db_session: DB, actor: Actor, clock: Now, data: JSONBody[DealCreate]) -> DealOut:
    deal = await services.create_deal(db_session, actor, clock, parse_deal(as_form(DealForm, data, DealForm())))
    return await _out(db_session, deal)


async def _move(db: AsyncSession, actor: User, clock: Clock, saved: Deal, data: DealPatch) -> Deal | None:
    """A change of stage within the deal's pipeline, the board's way; None when the body moves nothing."""
    if isinstance(data.stage_id, UnsetType) or data.stage_id == saved.stage_id:
        return None
    stage = await db.get(Stage, data.stage_id)
    if stage is None or stage.pipeline_id != saved.pipeline_id:
        return None  # the edit page's answer: stage.unknown, or a change of pipeline into an open stage
    move = await moves.move_deal(db, actor, clock, saved.id, parse_move(as_form(MoveForm, data, MoveForm())))
    return move.deal


def _edit_form(deal: Deal, data: DealPatch, *, moved: bool) -> DealForm:
    """The edit form as drawn for the deal, with the body's fields typed in (after a move: only
    those the move did not take, at the version the move left)."""
    if moved:
        rest: dict[str, Any] = {name: UNSET for name in MOVE_FIELDS if name != "version"}
        return as_form(DealForm, structs.replace(data, **rest, version=deal.version), deal_page.as_form(deal))
    return as_form(DealForm, data, deal_page.as_form(deal))


@patch("/deals/{deal_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Change a deal, or move it")
async def update_deal(
    db_session: DB, actor: Actor, clock: Now, deal_id: Annotated[int, ITEM_ID], data: JSONBody[DealPatch]
) -> DealOut:
    """`stage_id` moves the deal as the board does: 422 names each field the stage still needs
    (e.g. `amount_jpy`, `lost_reason_id`, `primary_person_id`); give them in the same body.
    Lowering `forecast` needs `forecast_reason`."""
    saved = await services.get_deal(db_session, actor, deal_id)
    deal = await _move(db_session, actor, clock, saved, data)
    if deal is None or set(given(data)) & EDIT_ONLY:
        form = _edit_form(deal or saved, data, moved=deal is not None)
        deal = await services.update_deal(db_session, actor, clock, deal_id, parse_deal(form))
    return await _out(db_session, deal)


ROUTES = [list_deals, get_deal, create_deal, update_deal]
