"""The board: GET /pipeline (the default pipeline), its columns' next pages, moving cards.

A move answers the board's script with HTML: 200 the card and every column's figures
(out-of-band), 422 the dialog asking what the stage still needs, 409 a note saying who won.
Without JavaScript the card's "Move" link opens the move page, which posts and redirects back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.calendar.business_days import business_days_if_asked
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid, StaleEdit
from salesdesk.i18n import _
from salesdesk.ids import parse_id
from salesdesk.meetings.board_changes import board_changes
from salesdesk.pipeline import board, board_views, filters, moves, setup
from salesdesk.pipeline.filters import DealFilter
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.tasks.models import TaskKind
from salesdesk.web import FORM, Page, is_fragment_request, redirect, render


async def _board_page(request: Request, db: AsyncSession, actor: User, pipeline_id: int | None) -> Page:
    f = DealFilter.from_query(request.query_params)
    result = await board.board(db, actor, f, pipeline_id=pipeline_id)
    choices = await filters.filter_choices(db, actor)
    url = board_views.board_url(result.pipeline.id, f, default=result.pipeline.is_default)
    # The filter form pushes the canonical address (no empty fields) into the history.
    headers = {"HX-Push-Url": url} if is_fragment_request(request) else {}
    since_meeting = None  # the "前回の会議から" toggle: badges from the weekly meeting's bridge
    if request.query_params.get("changes"):
        since_meeting = await board_changes(db, actor, result.pipeline.id, f)
    return render(
        "pipeline/board.html",
        block="board",
        headers=headers,
        since_meeting=since_meeting,
        board=result,
        f=f,
        board_url=url,
        stages=result.pipeline.stages,
        TaskKind=TaskKind,
        **choices,
    )


@get("/pipeline")
async def default_board(request: Request, db_session: DB, actor: Actor) -> Page:
    return await _board_page(request, db_session, actor, None)


@get("/pipeline/{pipeline_id:int}")
async def pipeline_board(request: Request, db_session: DB, actor: Actor, pipeline_id: int) -> Page:
    return await _board_page(request, db_session, actor, pipeline_id)


@get("/pipeline/stages/{stage_id:int}/cards")
async def more_cards(request: Request, db_session: DB, actor: Actor, stage_id: int, cursor: str = "") -> Page:
    """The next page of a column (infinite scroll; a page of its own without JavaScript)."""
    f = DealFilter.from_query(request.query_params)
    column = await board.more_cards(db_session, actor, f, stage_id, cursor or None)
    return render(
        "pipeline/_board_column.html",
        block="more_cards",
        column=column,
        f=f,
        qs=f.query_string(sort="", page=1),
        board_url=board_views.board_url(column.stage.pipeline_id, f),
    )


@get("/deals/{deal_id:int}/move")
async def move_page(request: Request, db_session: DB, actor: Actor, deal_id: int, stage_id: str = "") -> Page:
    """The card's "Move" without JavaScript: pick a stage, give what it needs. For the board's script
    (htmx), the dialog for one stage: 受注 and 失注 always ask (the date, the amount, the reason, the
    deal's open tasks) before anything is saved."""
    f = DealFilter.from_query(request.query_params)
    ctx = await board_views.move_context(db_session, actor, deal_id, parse_id(stage_id))
    form = MoveForm(stage_id=stage_id or str(ctx.deal.stage_id), version=ctx.deal.version, close_tasks="1")
    return render(
        "pipeline/move.html",
        block="move_dialog",
        ctx=ctx,
        form=form,
        errors={},
        dialog=is_fragment_request(request),
        qs=f.query_string(sort="", page=1),
        board_url=board_views.board_url(ctx.deal.pipeline_id, f),
    )


async def _move_dialog(
    db: AsyncSession, actor: User, deal_id: int, form: MoveForm, f: DealFilter, *, fragment: bool, **answer: Any
) -> Page:
    """The move dialog (or page) again with the user's input: 422 with the errors beside the fields,
    409 with what is saved now and the current version (so moving again is a deliberate choice)."""
    ctx = await board_views.move_context(db, actor, deal_id, parse_id(form.stage_id))
    return render(
        "pipeline/move.html",
        block="move_dialog",
        ctx=ctx,
        form=form,
        dialog=fragment,
        qs=f.query_string(sort="", page=1),
        board_url=board_views.board_url(ctx.deal.pipeline_id, f),
        **({"errors": {}} | answer),
    )


@post("/deals/{deal_id:int}/move")
async def move_deal(
    request: Request, db_session: DB, actor: Actor, clock: Now, deal_id: int, data: Annotated[MoveForm, FORM]
) -> Any:
    """A drop, a choice in the card's move menu, the dialog or the move page. The board's filters
    come in the query string, so the column figures in the answer are the filtered ones."""
    f = DealFilter.from_query(request.query_params)
    fragment = is_fragment_request(request)
    try:
        due_from = await business_days_if_asked(db_session, clock.today(), data.next_due_in)
        move = await moves.move_deal(db_session, actor, clock, deal_id, parse_move(data, due_from=due_from))
    except Invalid as error:
        return await _move_dialog(
            db_session, actor, deal_id, data, f, fragment=fragment, status_code=422, errors=error.errors
        )
    except StaleEdit as stale:
        if fragment:  # the board: the card goes back, a note says who changed the deal meanwhile
            return render(
                "pipeline/board.html",
                block="move_conflict",
                status_code=409,
                deal=stale.current,
                stale=stale,
                stage_names={
                    s.id: s.name for s in (await setup.get_pipeline(db_session, stale.current.pipeline_id)).stages
                },
                board_url=board_views.board_url(stale.current.pipeline_id, f),
            )
        form = replace(data, version=stale.current.version)
        return await _move_dialog(db_session, actor, deal_id, form, f, fragment=fragment, status_code=409, stale=stale)
    url = board_views.board_url(move.deal.pipeline_id, f)
    if not fragment:
        message = board_views.move_message(move)
        if move.needs_next_action:
            return redirect(request, url, flash=("warning", f"{message} {_('Plan the next action for this deal.')}"))
        return redirect(request, url, flash=("success", message))
    moved = await board_views.after_move(db_session, actor, move, f)
    return render(
        "pipeline/board.html",
        block="moved",
        moved=moved,
        f=f,
        board_url=url,
        card=moved.card,
        stages=moved.stages,
        prompt_next=moved.prompt_next,
        TaskKind=TaskKind,
    )


ROUTES = [default_board, pipeline_board, more_cards, move_page, move_deal]
