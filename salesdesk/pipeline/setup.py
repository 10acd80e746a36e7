"""Reading the configuration: pipelines with their stages, lost reasons, the sales settings;
and the defaults a new database starts with (migration 0004 writes the same for production)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from salesdesk import sync
from salesdesk.auth.models import User
from salesdesk.errors import NotFound
from salesdesk.pipeline.models import LostReason, Pipeline, SalesSettings, Stage, StageKind

DEFAULT_PIPELINE = "新規営業"
# name, probability %, kind, rotting days, required fields
DEFAULT_STAGES = [
    ("リード", 10, StageKind.open, 30, []),
    ("商談化", 20, StageKind.open, 21, []),
    ("提案", 40, StageKind.open, 21, []),
    ("見積提出", 60, StageKind.open, 14, ["amount_jpy", "expected_close_date"]),
    ("交渉", 80, StageKind.open, 14, ["amount_jpy", "expected_close_date"]),
    ("受注", 100, StageKind.won, None, ["amount_jpy", "expected_close_date"]),
    ("失注", 0, StageKind.lost, None, ["lost_reason"]),
]
DEFAULT_LOST_REASONS = [
    "価格",
    "競合に敗北",
    "予算なし・予算凍結",
    "時期延期",
    "要件不一致",
    "決裁者の反対",
    "連絡途絶",
    "その他",
]


async def ensure_defaults(db: AsyncSession) -> Pipeline:
    """The default pipeline, lost reasons and settings row, each only when none exists yet."""
    if not await db.scalar(select(func.count()).select_from(Pipeline)):
        pipeline = Pipeline(name=DEFAULT_PIPELINE, position=0, is_default=True)
        pipeline.stages = [
            Stage(
                name=name,
                position=n,
                probability=probability,
                kind=kind,
                rotting_days=rotting,
                required_fields=list(required),
            )
            for n, (name, probability, kind, rotting, required) in enumerate(DEFAULT_STAGES)
        ]
        db.add(pipeline)
    if not await db.scalar(select(func.count()).select_from(LostReason)):
        db.add_all(LostReason(name=name, position=n) for n, name in enumerate(DEFAULT_LOST_REASONS))
    if not await db.scalar(select(func.count()).select_from(SalesSettings)):
        db.add(SalesSettings(fiscal_year_start_month=4, require_next_action=False))
    await db.flush()
    return await get_pipeline(db, None)


PIPELINES = select(Pipeline).options(joinedload(Pipeline.stages)).order_by(Pipeline.position, Pipeline.id)


async def list_pipelines(db: AsyncSession) -> list[Pipeline]:
    """Every pipeline with its stages, in one statement (the stages joined; built once)."""
    return list((await db.scalars(PIPELINES)).unique())


async def get_pipeline(db: AsyncSession, pipeline_id: int | None) -> Pipeline:
    """The pipeline with its stages in order; None means the default one."""
    query = select(Pipeline).options(joinedload(Pipeline.stages))  # one statement, the stages joined
    if pipeline_id is None:
        query = query.order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.id).limit(1)
    else:
        query = query.where(Pipeline.id == pipeline_id)
    pipeline = (await db.scalars(query)).unique().first()
    if pipeline is None:
        raise NotFound("pipeline")
    return pipeline


async def get_stage(db: AsyncSession, stage_id: int) -> Stage:
    stage = await db.get(Stage, stage_id)
    if stage is None:
        raise NotFound("stage")
    return stage


async def get_lost_reason(db: AsyncSession, reason_id: int) -> LostReason:
    reason = await db.get(LostReason, reason_id)
    if reason is None:
        raise NotFound("lost_reason")
    return reason


async def pipelines_changed(db: AsyncSession, actor: User, window: sync.Window) -> tuple[list[Pipeline], str | None]:
    """Every pipeline with its stages (everyone reads the configuration), oldest change first, for
    the API's sync; a change of a stage counts as its pipeline's (configure touches it)."""
    return await sync.page(db, select(Pipeline).options(selectinload(Pipeline.stages)), Pipeline, window)


async def lost_reasons_changed(
    db: AsyncSession, actor: User, window: sync.Window
) -> tuple[list[LostReason], str | None]:
    """Every lost reason, retired ones too (deals keep them), oldest change first, for the API's sync."""
    return await sync.page(db, select(LostReason), LostReason, window)


async def list_lost_reasons(db: AsyncSession, *, active_only: bool = True) -> list[LostReason]:
    query = select(LostReason).order_by(LostReason.position, LostReason.id)
    if active_only:
        query = query.where(LostReason.is_active.is_(True))
    return list(await db.scalars(query))


FISCAL_PERIODS = frozenset({"this_quarter", "next_quarter", "this_fy"})  # the periods the fiscal year decides


async def fiscal_start_month(db: AsyncSession, period: str) -> int:
    """The fiscal year's first month when a filter's period depends on it; a page filtering by another
    period (or none) reads no settings for it."""
    return (await sales_settings(db)).fiscal_year_start_month if period in FISCAL_PERIODS else 4


async def sales_settings(db: AsyncSession) -> SalesSettings:
    """The settings row; the defaults (not saved) when an install has none yet."""
    settings = await db.scalar(select(SalesSettings).order_by(SalesSettings.id).limit(1))
    return settings or SalesSettings(fiscal_year_start_month=4, require_next_action=False)
