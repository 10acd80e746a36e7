"""/api/v1/activities: what was done with an account (call, visit, meeting …), read, logged and
deleted through accounts.timeline like the pages. Anyone may log an activity on any account (it
is their own record); on a deal (`deal_id`) only whoever sees the deal, like the deal page.
Its author and the account's editors delete it. The pages do not edit activities: no PATCH."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import delete, get, post
from litestar.params import JSONBody, Parameter
from msgspec import UNSET, Meta, Struct, UnsetType

from salesdesk import sync
from salesdesk.accounts import timeline
from salesdesk.accounts.forms import ActivityForm, parse_activity
from salesdesk.accounts.models import Activity, ActivityKind
from salesdesk.api.common import ITEM_ID, Cursor, Limit, UpdatedSince, as_form
from salesdesk.api.errors import READ_ERRORS, WRITE_ERRORS
from salesdesk.deps import DB, Actor, Now
from salesdesk.errors import Invalid
from salesdesk.inputs import NOTES, TITLE
from salesdesk.pipeline import deal_page

TAGS = ["accounts"]
Id = Annotated[int, Meta(ge=1, le=2**53)]
COMPANY = "The account it was done with. Give it, or `deal_id` (then the deal's company)."
DEAL = "The deal it was done for (on the deal's timeline too); only a deal the user sees."
TASK = "The task whose completion logged it (set by completing a task with `log_activity`)."
OCCURRED_AT = "When it happened, with a zone (e.g. 2030-01-10T05:30:00Z); default now."
CompanyFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only the activities of this company.")]
DealFilter = Annotated[int | None, Parameter(ge=1, le=2**53, description="Only the activities of this deal.")]


class ActivityOut(Struct):
    id: int
    kind: ActivityKind
    occurred_at: datetime
    subject: str
    body: str
    company_id: int
    deal_id: int | None
    task_id: Annotated[int | None, Meta(description=TASK)]
    user_id: Annotated[int | None, Meta(description="Who logged it.")]
    person_ids: Annotated[list[int], Meta(description="The company's persons it was with.")]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: Activity) -> ActivityOut:
        return cls(
            a.id, ActivityKind(a.kind), a.occurred_at, a.subject, a.body, a.company_id, a.deal_id, a.task_id,
            a.user_id, [p.id for p in a.persons], a.created_at, a.updated_at,
        )  # fmt: skip


class ActivityList(Struct):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    company_id: Annotated[Id, Meta(description=COMPANY)] | UnsetType = UNSET
    deal_id: Annotated[Id, Meta(description=DEAL)] | UnsetType = UNSET
    kind: ActivityKind | UnsetType = UNSET
    occurred_at: Annotated[datetime, Meta(tz=True, description=OCCURRED_AT)] | UnsetType = UNSET
    subject: Annotated[str, Meta(max_length=TITLE)]
    body: Annotated[str, Meta(max_length=NOTES)] | UnsetType = UNSET
    person_ids: Annotated[list[Id], Meta(max_length=100, description="Persons of its company.")] | UnsetType = UNSET


@get("/activities", responses=READ_ERRORS, tags=TAGS, summary="Activities, oldest change first")
async def list_activities(
    db_session: DB,
    actor: Actor,
    limit: Limit = sync.DEFAULT_LIMIT,
    cursor: Cursor = None,
    updated_since: UpdatedSince = None,
    company_id: CompanyFilter = None,
    deal_id: DealFilter = None,
) -> ActivityList:
    window = sync.parse_window(limit, cursor, updated_since)
    rows, next_cursor = await timeline.activities_changed(
        db_session, actor, window, company_id=company_id, deal_id=deal_id
    )
    return ActivityList([ActivityOut.of(row) for row in rows], next_cursor)


@get("/activities/{activity_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="One activity")
async def get_activity(db_session: DB, actor: Actor, activity_id: Annotated[int, ITEM_ID]) -> ActivityOut:
    return ActivityOut.of(await timeline.get_activity(db_session, actor, activity_id))


@post("/activities", responses=WRITE_ERRORS, tags=TAGS, summary="Log an activity on an account or a deal")
async def create_activity(db_session: DB, actor: Actor, clock: Now, data: JSONBody[ActivityCreate]) -> ActivityOut:
    person_ids = [str(p) for p in data.person_ids or ()]
    logged = parse_activity(as_form(ActivityForm, data), clock, person_ids)
    if not isinstance(data.deal_id, UnsetType):  # the deal page's quick log
        activity = await deal_page.log_activity(db_session, actor, clock, data.deal_id, logged)
        if data.company_id not in (UNSET, activity.company_id):  # the write is rolled back with the 422
            raise Invalid(deal_id="deal.unknown")
    elif not isinstance(data.company_id, UnsetType):  # the company timeline's quick add
        activity = await timeline.add_activity(db_session, actor, data.company_id, logged, clock=clock)
    else:
        raise Invalid(company_id="required")
    return ActivityOut.of(activity)


@delete("/activities/{activity_id:int}", responses=WRITE_ERRORS, tags=TAGS, summary="Delete an activity")
async def delete_activity(db_session: DB, actor: Actor, activity_id: Annotated[int, ITEM_ID]) -> None:
    await timeline.delete_activity(db_session, actor, activity_id)


ROUTES = [list_activities, get_activity, create_activity, delete_activity]
