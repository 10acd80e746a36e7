"""/api/v1/pipelines (with their stages), /api/v1/stages and /api/v1/lost-reasons: the sales
configuration. Everyone reads it (the board and the deal forms show it to everyone); only admins
change it, through pipeline.configure like the administration page, with its rules (a pipeline
keeps an open, a won and a lost stage; a stage with deals is neither deleted nor given another
kind; a lost reason that deals give is only deactivated). A stage's change also moves its
pipeline's `updated_at`, so syncing /pipelines meets it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import delete, get, patch, post
from litestar.params import JSONBody, Parameter
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form, given
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS, shows
from salesdesk.deps import DB, Actor
from salesdesk.pipeline import configure, setup
from salesdesk.pipeline.admin_forms import (
    LOST_REASON_NAME,
    MAX_ROTTING_DAYS,
    PIPELINE_NAME,
    STAGE_NAME,
    StageForm,
    parse_stage,
    stage_form,
)
from salesdesk.pipeline.models import REQUIRABLE_FIELDS, LostReason, Pipeline, Stage, StageKind

ItemId = Annotated[int, ITEM_ID]
SeenVersion = Annotated[int, Parameter(ge=0, le=2**31, description="The version you read; stale: 409.")]
Version = Annotated[int, Meta(description="The version you read; a stale one gets 409 with `current`.")]
Requirable = Annotated[str, Meta(description="One of: " + ", ".join(REQUIRABLE_FIELDS) + ".")]
REQUIRED = "What a deal needs before it enters the stage (a deal's PATCH names the missing ones)."
ROTTING = "Days without activity after which an open deal here is stale; null: never (closed stages: null)."


class StageOut(Struct):
    id: int
    pipeline_id: int
    name: str
    position: int
    probability: Annotated[int, Meta(description="Percent, 0–100: the deals' probability here.")]
    kind: Annotated[StageKind, Meta(description="open, won (受注) or lost (失注).")]
    rotting_days: Annotated[int | None, Meta(description=ROTTING)]
    required_fields: Annotated[list[Requirable], Meta(description=REQUIRED)]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, s: Stage) -> StageOut:
        return cls(
            s.id, s.pipeline_id, s.name, s.position, s.probability, StageKind(s.kind), s.rotting_days,
            list(s.required_fields), s.created_at, s.updated_at, s.version,
        )  # fmt: skip


class PipelineOut(Struct):
    id: int
    name: str
    position: int
    is_default: Annotated[bool, Meta(description="The board opens it; a new deal without a stage starts in it.")]
    stages: Annotated[list[StageOut], Meta(description="In the board's order.")]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, p: Pipeline) -> PipelineOut:
        stages = [StageOut.of(s) for s in sorted(p.stages, key=lambda s: (s.position, s.id))]
        return cls(p.id, p.name, p.position, p.is_default, stages, p.created_at, p.updated_at, p.version)


class LostReasonOut(Struct):
    id: int
    name: str
    position: int
    is_active: Annotated[bool, Meta(description="false: no longer offered; deals that gave it keep it.")]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, r: LostReason) -> LostReasonOut:
        return cls(r.id, r.name, r.position, r.is_active, r.created_at, r.updated_at, r.version)


shows(Pipeline, PipelineOut.of)
shows(Stage, StageOut.of)
shows(LostReason, LostReasonOut.of)


class PipelineList(Struct):
    items: list[PipelineOut]
    next_cursor: str | None


class LostReasonList(Struct):
    items: list[LostReasonOut]
    next_cursor: str | None


# --- reading ---------------------------------------------------------------------------------


@get("/pipelines", responses=READ_ERRORS, tags=["pipeline"], summary="Pipelines with their stages")
async def list_pipelines(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> PipelineList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await setup.pipelines_changed(db_session, actor, window)
    return PipelineList([PipelineOut.of(row) for row in rows], next_cursor)


@get("/pipelines/{pipeline_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="One pipeline")
async def get_pipeline(db_session: DB, actor: Actor, pipeline_id: ItemId) -> PipelineOut:
    return PipelineOut.of(await setup.get_pipeline(db_session, pipeline_id))


@get("/lost-reasons", responses=READ_ERRORS, tags=["pipeline"], summary="Lost reasons (失注理由), retired ones too")
async def list_lost_reasons(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
) -> LostReasonList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await setup.lost_reasons_changed(db_session, actor, window)
    return LostReasonList([LostReasonOut.of(row) for row in rows], next_cursor)


@get("/lost-reasons/{reason_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="One lost reason")
async def get_lost_reason(db_session: DB, actor: Actor, reason_id: ItemId) -> LostReasonOut:
    return LostReasonOut.of(await setup.get_lost_reason(db_session, reason_id))


# --- pipelines (admins) ------------------------------------------------------------------------

PipelineName = Annotated[str, Meta(max_length=PIPELINE_NAME)]
COPY = "Copy this pipeline's stages; null: the default pipeline's."
DEFAULT = "true makes it the default pipeline (the previous one stops being it); false changes nothing."


class PipelineCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: PipelineName
    copy_from_id: Annotated[Annotated[int, Meta(ge=1, le=2**53)] | None, Meta(description=COPY)] = None


class PipelinePatch(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Version
    name: PipelineName | UnsetType = UNSET
    is_default: Annotated[bool, Meta(description=DEFAULT)] | UnsetType = UNSET


@post("/pipelines", responses=WRITE_ERRORS, tags=["pipeline"], summary="Create a pipeline (admins)")
async def create_pipeline(db_session: DB, actor: Actor, data: JSONBody[PipelineCreate]) -> PipelineOut:
    pipeline = await configure.create_pipeline(db_session, actor, name=data.name, copy_from_id=data.copy_from_id)
    return PipelineOut.of(pipeline)


@patch("/pipelines/{pipeline_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Rename, make default")
async def update_pipeline(
    db_session: DB, actor: Actor, pipeline_id: ItemId, data: JSONBody[PipelinePatch]
) -> PipelineOut:
    """Each change is the administration page's (the body's version is checked by the first)."""
    saved = await setup.get_pipeline(db_session, pipeline_id)
    name = saved.name if isinstance(data.name, UnsetType) else data.name
    pipeline = await configure.rename_pipeline(db_session, actor, pipeline_id, name=name, seen_version=data.version)
    if data.is_default is True:
        pipeline = await configure.make_default_pipeline(db_session, actor, pipeline_id, seen_version=pipeline.version)
    return PipelineOut.of(pipeline)


# --- stages (admins) ---------------------------------------------------------------------------


Days = Annotated[int, Meta(ge=1, le=MAX_ROTTING_DAYS)]


class StageFields(Struct, forbid_unknown_fields=True, kw_only=True):
    rotting_days: Annotated[Days | None, Meta(description=ROTTING)] | UnsetType = UNSET
    required_fields: Annotated[list[Requirable], Meta(max_length=len(REQUIRABLE_FIELDS), description=REQUIRED)] | (
        UnsetType
    ) = UNSET


class StageCreate(StageFields, kw_only=True):
    name: Annotated[str, Meta(max_length=STAGE_NAME)]
    probability: Annotated[int, Meta(ge=0, le=100)]
    kind: Annotated[StageKind, Meta(description="A new open stage goes after the last open one.")] = StageKind.open


class StagePatch(StageFields, kw_only=True):
    version: Version
    name: Annotated[str, Meta(max_length=STAGE_NAME)] | UnsetType = UNSET
    probability: Annotated[int, Meta(ge=0, le=100)] | UnsetType = UNSET
    kind: Annotated[StageKind, Meta(description="Not while deals are in the stage.")] | UnsetType = UNSET
    move: Annotated[str, Meta(pattern="^(up|down)$", description="One place up or down in the pipeline.")] | (
        UnsetType
    ) = UNSET


def _required(body: StageFields, saved: list[str] | tuple[str, ...] = ()) -> list[str]:
    return list(saved) if isinstance(body.required_fields, UnsetType) else body.required_fields


@post("/pipelines/{pipeline_id:int}/stages", responses=WRITE_ERRORS, tags=["pipeline"], summary="Add a stage (admins)")
async def add_stage(db_session: DB, actor: Actor, pipeline_id: ItemId, data: JSONBody[StageCreate]) -> StageOut:
    form = as_form(StageForm, data, StageForm())
    stage = await configure.add_stage(db_session, actor, pipeline_id, parse_stage(form, _required(data)))
    return StageOut.of(stage)


@patch("/stages/{stage_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Change a stage (admins)")
async def update_stage(db_session: DB, actor: Actor, stage_id: ItemId, data: JSONBody[StagePatch]) -> StageOut:
    """Fields as on the stage's page, then `move` as its arrows (the body's version is checked first)."""
    stage, _pipeline = await configure.get_stage(db_session, actor, stage_id)
    version = data.version
    if set(given(data)) - {"version", "move"} or isinstance(data.move, UnsetType):
        form = as_form(StageForm, data, stage_form(stage))
        required = _required(data, stage.required_fields)
        stage = await configure.update_stage(db_session, actor, stage_id, parse_stage(form, required))
        version = stage.version
    if not isinstance(data.move, UnsetType):
        stage = await configure.move_stage(db_session, actor, stage_id, direction=data.move, seen_version=version)
    return StageOut.of(stage)


@delete("/stages/{stage_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Delete a stage (admins)")
async def delete_stage(db_session: DB, actor: Actor, stage_id: ItemId, version: SeenVersion) -> None:
    """Only a stage without deals, and never a pipeline's last open, won or lost stage."""
    await configure.delete_stage(db_session, actor, stage_id, seen_version=version)


# --- lost reasons (admins) ---------------------------------------------------------------------

ReasonName = Annotated[str, Meta(max_length=LOST_REASON_NAME)]


class LostReasonCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: ReasonName


class LostReasonPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Version
    name: ReasonName | UnsetType = UNSET
    is_active: Annotated[bool, Meta(description="false: no longer offered (deals keep it).")] | UnsetType = UNSET


@post("/lost-reasons", responses=WRITE_ERRORS, tags=["pipeline"], summary="Add a lost reason (admins)")
async def add_lost_reason(db_session: DB, actor: Actor, data: JSONBody[LostReasonCreate]) -> LostReasonOut:
    return LostReasonOut.of(await configure.add_lost_reason(db_session, actor, name=data.name))


@patch("/lost-reasons/{reason_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Rename, (de)activate")
async def update_lost_reason(
    db_session: DB, actor: Actor, reason_id: ItemId, data: JSONBody[LostReasonPatch]
) -> LostReasonOut:
    """Each change is the administration page's (the body's version is checked by the first)."""
    saved = await setup.get_lost_reason(db_session, reason_id)
    name = saved.name if isinstance(data.name, UnsetType) else data.name
    reason = await configure.rename_lost_reason(db_session, actor, reason_id, name=name, seen_version=data.version)
    if not isinstance(data.is_active, UnsetType):
        reason = await configure.set_lost_reason_active(
            db_session, actor, reason_id, active=data.is_active, seen_version=reason.version
        )
    return LostReasonOut.of(reason)


@delete("/lost-reasons/{reason_id:int}", responses=WRITE_ERRORS, tags=["pipeline"], summary="Delete (admins)")
async def delete_lost_reason(db_session: DB, actor: Actor, reason_id: ItemId, version: SeenVersion) -> None:
    """Only a reason no deal gives; deactivate one in use instead (PATCH is_active false)."""
    await configure.delete_lost_reason(db_session, actor, reason_id, seen_version=version)


ROUTES = [
    list_pipelines,
    get_pipeline,
    create_pipeline,
    update_pipeline,
    add_stage,
    update_stage,
    delete_stage,
    list_lost_reasons,
    get_lost_reason,
    add_lost_reason,
    update_lost_reason,
    delete_lost_reason,
]
