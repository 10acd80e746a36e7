"""Administration of pipelines, their stages, the lost reasons and the sales settings (admins only).

Rights first (`policy.may_configure_pipelines`), then the version the form was drawn with (409),
then the rules (422): a pipeline always keeps an open, a won and a lost stage; a stage with deals
in it is neither deleted nor turned into another kind; a lost reason that deals use is only ever
deactivated. The models are Audited, so every change lands in the audit log by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.pipeline import setup
from salesdesk.pipeline.admin_forms import SalesSettingsInput, StageInput, parse_name
from salesdesk.pipeline.models import Deal, LostReason, Pipeline, SalesSettings, Stage, StageKind
from salesdesk.versions import check_version, flush_or_stale


def ensure_may_configure(actor: User) -> None:
    if not policy.may_configure_pipelines(actor):
        raise Forbidden("pipeline.configure")


async def _stale(db: AsyncSession, row: Any, seen_version: int, **fields: Any) -> None:
    await check_version(db, row, seen_version, fields)


def _name(text: str, limit: int) -> str:
    """Kept as typed, runs of spaces made one; required, at most `limit` characters (Invalid)."""
    return parse_name(text, limit)


@dataclass
class Configuration:
    """What the administration page shows."""

    pipelines: list[Pipeline]
    deal_counts: dict[int, int]  # stage id -> deals in it now
    lost_reasons: list[LostReason]
    reason_counts: dict[int, int]  # lost reason id -> deals that give it
    settings: SalesSettings


async def configuration(db: AsyncSession, actor: User) -> Configuration:
    ensure_may_configure(actor)
    deal_counts = dict((await db.execute(select(Deal.stage_id, func.count()).group_by(Deal.stage_id))).tuples().all())
    reason_counts = dict(
        (
            await db.execute(
                select(Deal.lost_reason_id, func.count())
                .where(Deal.lost_reason_id.is_not(None))
                .group_by(Deal.lost_reason_id)
            )
        )
        .tuples()
        .all()
    )
    reasons = await setup.list_lost_reasons(db, active_only=False)
    return Configuration(
        await setup.list_pipelines(db), deal_counts, reasons, reason_counts, await setup.sales_settings(db)
    )


# --- pipelines ------------------------------------------------------------------------------


async def _pipeline(db: AsyncSession, actor: User, pipeline_id: int) -> Pipeline:
    ensure_may_configure(actor)
    return await setup.get_pipeline(db, pipeline_id)


async def _unique_pipeline_name(db: AsyncSession, name: str, pipeline_id: int | None = None) -> None:
    clash = select(Pipeline.id).where(Pipeline.name == name)
    if pipeline_id is not None:
        clash = clash.where(Pipeline.id != pipeline_id)
    if await db.scalar(clash):
        raise Invalid(name="pipeline.name_taken")


async def create_pipeline(db: AsyncSession, actor: User, *, name: str, copy_from_id: int | None) -> Pipeline:
    """A new pipeline (e.g. 更新案件 for renewals) starting with a copy of another one's stages."""
    ensure_may_configure(actor)
    name = _name(name, 100)
    await _unique_pipeline_name(db, name)
    try:
        source = await setup.get_pipeline(db, copy_from_id)
    except NotFound as error:
        raise Invalid(copy_from_id="pipeline.unknown") from error
    last = await db.scalar(select(func.max(Pipeline.position))) or 0
    pipeline = Pipeline(name=name, position=last + 1, is_default=False)
    pipeline.stages = [
        Stage(
            name=s.name,
            position=s.position,
            probability=s.probability,
            kind=s.kind,
            rotting_days=s.rotting_days,
            required_fields=list(s.required_fields),
        )
        for s in source.stages
    ]
    db.add(pipeline)
    await flush_or_stale(db, pipeline)  # a concurrent pipeline of the same name: 409
    return pipeline


async def rename_pipeline(db: AsyncSession, actor: User, pipeline_id: int, *, name: str, seen_version: int) -> Pipeline:
    pipeline = await _pipeline(db, actor, pipeline_id)
    await _stale(db, pipeline, seen_version, name=name)
    name = _name(name, 100)
    await _unique_pipeline_name(db, name, pipeline.id)
    pipeline.name = name
    await flush_or_stale(db, pipeline)
    return pipeline


async def make_default_pipeline(db: AsyncSession, actor: User, pipeline_id: int, *, seen_version: int) -> Pipeline:
    """The pipeline /pipeline opens and new deals start in."""
    pipeline = await _pipeline(db, actor, pipeline_id)
    await _stale(db, pipeline, seen_version, is_default=True)
    for other in await db.scalars(select(Pipeline).where(Pipeline.is_default.is_(True), Pipeline.id != pipeline.id)):
        other.is_default = False
    pipeline.is_default = True
    await flush_or_stale(db, pipeline)
    return pipeline


# --- stages ---------------------------------------------------------------------------------


async def _touch(db: AsyncSession, pipeline: Pipeline) -> None:
    """A pipeline is read with its stages (the API's sync pages pipelines by updated_at), so a
    stage's change moves its pipeline's updated_at too: bookkeeping, no version, no audit entry."""
    now = utcnow()
    await db.execute(
        update(Pipeline).where(Pipeline.id == pipeline.id).values(updated_at=now),
        execution_options={"synchronize_session": False},
    )
    set_committed_value(pipeline, "updated_at", now)


def _stage_values(data: StageInput) -> dict[str, Any]:
    return {
        "name": data.name,
        "probability": data.probability,
        "kind": data.kind,
        "rotting_days": data.rotting_days,
        "required_fields": list(data.required_fields),
    }


async def get_stage(db: AsyncSession, actor: User, stage_id: int) -> tuple[Stage, Pipeline]:
    """The stage and its pipeline (with every stage, in order)."""
    ensure_may_configure(actor)
    stage = await setup.get_stage(db, stage_id)
    return stage, await setup.get_pipeline(db, stage.pipeline_id)


async def _renumber(db: AsyncSession, model: type[Stage] | type[LostReason], rows: list[Any]) -> None:
    """Positions 0..n-1 in the given order, in one UPDATE (a CASE over the ids).

    Bookkeeping of the rows around the one that moved: no version bump, no audit entry. The
    moved or deleted row itself went through the version check first, which also serialises
    two concurrent reorderings (the loser's version-checked write matches no row: 409).
    """
    order = {row.id: position for position, row in enumerate(rows)}
    await db.execute(
        update(model).where(model.id.in_(list(order))).values(position=case(order, value=model.id)),
        execution_options={"synchronize_session": False},
    )
    for position, row in enumerate(rows):
        set_committed_value(row, "position", position)


async def add_stage(db: AsyncSession, actor: User, pipeline_id: int, data: StageInput) -> Stage:
    """A new open stage goes after the last open one (before 受注/失注); a closed one at the end."""
    pipeline = await _pipeline(db, actor, pipeline_id)
    values = _stage_values(data)
    if any(s.name == values["name"] for s in pipeline.stages):
        raise Invalid(name="stage.name_taken")
    stages = sorted(pipeline.stages, key=lambda s: s.position)
    opens = [n for n, s in enumerate(stages) if s.is_open]
    at = opens[-1] + 1 if values["kind"] == StageKind.open and opens else len(stages)
    stage = Stage(pipeline_id=pipeline.id, position=at, **values)
    pipeline.stages.append(stage)
    await flush_or_stale(db, stage)  # a concurrent stage of the same name: 409
    await _renumber(db, Stage, [*stages[:at], stage, *stages[at:]])
    await _touch(db, pipeline)
    return stage


async def _deals_in(db: AsyncSession, stage: Stage) -> int:
    return await db.scalar(select(func.count()).select_from(Deal).where(Deal.stage_id == stage.id)) or 0


def _last_of_kind(pipeline: Pipeline, stage: Stage) -> bool:
    return not any(s.kind == stage.kind and s.id != stage.id for s in pipeline.stages)


async def update_stage(db: AsyncSession, actor: User, stage_id: int, data: StageInput) -> Stage:
    stage, pipeline = await get_stage(db, actor, stage_id)
    values = _stage_values(data)
    await check_version(db, stage, data.seen_version, values)
    if any(s.name == values["name"] and s.id != stage.id for s in pipeline.stages):
        raise Invalid(name="stage.name_taken")
    if values["kind"] != stage.kind:
        if _last_of_kind(pipeline, stage):
            raise Invalid(kind="stage.last_of_kind")
        if await _deals_in(db, stage):
            raise Invalid(kind="stage.kind_has_deals")
    for key, value in values.items():
        setattr(stage, key, value)
    await flush_or_stale(db, stage)
    await _touch(db, pipeline)
    return stage


async def move_stage(db: AsyncSession, actor: User, stage_id: int, *, direction: str, seen_version: int) -> Stage:
    """One place up or down in the pipeline (the board's columns follow)."""
    stage, pipeline = await get_stage(db, actor, stage_id)
    await _stale(db, stage, seen_version, position=direction)
    if direction not in ("up", "down"):
        raise Invalid(direction="choice.invalid")
    stages = sorted(pipeline.stages, key=lambda s: s.position)  # the loaded collection may predate a move
    at = stages.index(stage)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(stages):
        stages[at], stages[to] = stages[to], stages[at]
        stage.position = to  # the version-checked write: of two moves drawn from one version one wins
        await flush_or_stale(db, stage)
        await _renumber(db, Stage, stages)
        await _touch(db, pipeline)
    return stage


async def delete_stage(db: AsyncSession, actor: User, stage_id: int, *, seen_version: int) -> Pipeline:
    stage, pipeline = await get_stage(db, actor, stage_id)
    await _stale(db, stage, seen_version, name=stage.name)
    if await _deals_in(db, stage):
        raise Invalid(stage="stage.has_deals")
    if _last_of_kind(pipeline, stage):
        raise Invalid(stage="stage.last_of_kind")
    pipeline.stages.remove(stage)
    await db.delete(stage)
    await flush_or_stale(db, stage)
    await _renumber(db, Stage, sorted(pipeline.stages, key=lambda s: s.position))
    await _touch(db, pipeline)
    return pipeline


# --- lost reasons ---------------------------------------------------------------------------


async def _reason(db: AsyncSession, actor: User, reason_id: int) -> LostReason:
    ensure_may_configure(actor)
    reason = await db.get(LostReason, reason_id)
    if reason is None:
        raise NotFound("lost_reason")
    return reason


async def _unique_reason_name(db: AsyncSession, name: str, reason_id: int | None = None) -> None:
    clash = select(LostReason.id).where(LostReason.name == name)
    if reason_id is not None:
        clash = clash.where(LostReason.id != reason_id)
    if await db.scalar(clash):
        raise Invalid(name="lost_reason.name_taken")


async def add_lost_reason(db: AsyncSession, actor: User, *, name: str) -> LostReason:
    ensure_may_configure(actor)
    name = _name(name, 100)
    await _unique_reason_name(db, name)
    last = await db.scalar(select(func.max(LostReason.position)))
    reason = LostReason(name=name, position=0 if last is None else last + 1, is_active=True)
    db.add(reason)
    await flush_or_stale(db, reason)  # a concurrent reason of the same name: 409
    return reason


async def rename_lost_reason(
    db: AsyncSession, actor: User, reason_id: int, *, name: str, seen_version: int
) -> LostReason:
    reason = await _reason(db, actor, reason_id)
    await _stale(db, reason, seen_version, name=name)
    name = _name(name, 100)
    await _unique_reason_name(db, name, reason.id)
    reason.name = name
    await flush_or_stale(db, reason)
    return reason


async def set_lost_reason_active(
    db: AsyncSession, actor: User, reason_id: int, *, active: bool, seen_version: int
) -> LostReason:
    """An inactive reason is no longer offered; the deals that gave it keep it."""
    reason = await _reason(db, actor, reason_id)
    await _stale(db, reason, seen_version, is_active=active)
    reason.is_active = active
    await flush_or_stale(db, reason)
    return reason


async def move_lost_reason(
    db: AsyncSession, actor: User, reason_id: int, *, direction: str, seen_version: int
) -> LostReason:
    reason = await _reason(db, actor, reason_id)
    await _stale(db, reason, seen_version, position=direction)
    if direction not in ("up", "down"):
        raise Invalid(direction="choice.invalid")
    reasons = await setup.list_lost_reasons(db, active_only=False)
    at = reasons.index(reason)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(reasons):
        reasons[at], reasons[to] = reasons[to], reasons[at]
        reason.position = to
        await flush_or_stale(db, reason)
        await _renumber(db, LostReason, reasons)
    return reason


async def delete_lost_reason(db: AsyncSession, actor: User, reason_id: int, *, seen_version: int) -> None:
    """Only a reason no deal gives; one in use can be deactivated instead."""
    reason = await _reason(db, actor, reason_id)
    await _stale(db, reason, seen_version, name=reason.name)
    if await db.scalar(select(Deal.id).where(Deal.lost_reason_id == reason.id).limit(1)):
        raise Invalid(lost_reason="lost_reason.in_use")
    await db.delete(reason)
    await flush_or_stale(db, reason)


# --- sales settings -------------------------------------------------------------------------


async def update_sales_settings(db: AsyncSession, actor: User, data: SalesSettingsInput) -> SalesSettings:
    """期首 (the fiscal year's first month: the forecast's months and quarters) and whether every
    open deal must have a next action."""
    ensure_may_configure(actor)
    settings = await db.scalar(select(SalesSettings).order_by(SalesSettings.id).limit(1))
    month, require = data.fiscal_year_start_month, data.require_next_action
    if settings is not None:
        await _stale(db, settings, data.seen_version, fiscal_year_start_month=month, require_next_action=require)
    if settings is None:  # an install from before the settings row: make it now
        settings = SalesSettings()
        db.add(settings)
    settings.fiscal_year_start_month, settings.require_next_action = month, require
    await flush_or_stale(db, settings)
    return settings
