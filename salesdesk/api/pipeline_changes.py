"""/api/v1/pipeline/changes: what changed in the pipeline between two moments, to the yen.

`start` and `end` are the open deals in scope at `since` and `until`; `start.amount_jpy + Σ
bridge.amount_jpy = end.amount_jpy` exactly. Every deal in scope at either moment, or created
in between, is in `deals` once, with one category; its `amount_delta_jpy` is what it adds to the
bridge (won, lost and removed: minus its amount at `since`). Read through meetings.services
with the board's visibility, like the review page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import get
from litestar.params import Parameter
from msgspec import Meta, Struct

from salesdesk import sync
from salesdesk.api.errors import READ_ERRORS
from salesdesk.deps import DB, Actor, Now
from salesdesk.meetings import services
from salesdesk.meetings.bridge import CATEGORIES, FLAGS, DealChange, Placed, Totals
from salesdesk.meetings.changes import Changes

Moment = Annotated[
    str | None,
    Parameter(schema_extra={"format": "date-time"}, max_length=40, description="ISO 8601 (without an offset: UTC)."),
]
OptionalId = Annotated[int | None, Parameter(ge=1, le=2**53)]
SINCE = (
    "Default: the start of the team's last weekly meeting (its day and time in Asia/Tokyo; Monday 09:00),"
    " else 7 days before `until`."
)


class TotalsOut(Struct):
    count: int
    amount_jpy: int
    weighted_jpy: Annotated[int, Meta(description="Σ amount × probability, rounded half up once.")]

    @classmethod
    def of(cls, totals: Totals) -> TotalsOut:
        return cls(totals.count, totals.amount_jpy, totals.weighted_jpy)


class BridgeOut(Struct):
    category: Annotated[str, Meta(description="One of: " + ", ".join(CATEGORIES) + ".")]
    count: int
    amount_jpy: int


class StateOut(Struct):
    """The deal as it was at that moment."""

    stage_id: int
    pipeline_id: int | None
    status: Annotated[str | None, Meta(description="open, won or lost (its stage's kind).")]
    amount_jpy: int | None
    expected_close_date: date | None
    forecast: str | None
    probability: int | None
    owner_id: int | None
    team_id: Annotated[int | None, Meta(description="The owner's team at that moment.")]
    in_scope: Annotated[bool, Meta(description="An open deal of the asked scope at that moment.")]

    @classmethod
    def of(cls, placed: Placed | None) -> StateOut | None:
        if placed is None:
            return None
        s = placed.state
        return cls(
            s.stage_id, placed.stage.pipeline_id if placed.stage else None, placed.status, s.amount_jpy,
            s.expected_close_date, s.forecast, s.probability, s.owner_id, placed.team_id, placed.in_scope,
        )  # fmt: skip


class DealChangeOut(Struct):
    deal_id: int
    title: str
    category: Annotated[str, Meta(description="One of: " + ", ".join(CATEGORIES) + ".")]
    flags: Annotated[list[str], Meta(description="Any of: " + ", ".join(FLAGS) + ".")]
    before: Annotated[StateOut | None, Meta(description="At `since`; null: the deal did not exist yet.")]
    after: Annotated[StateOut | None, Meta(description="At `until`; null: deleted by then.")]
    amount_delta_jpy: Annotated[int, Meta(description="What the deal adds to the bridge.")]
    close_days: Annotated[int | None, Meta(description="pushed_out/pulled_in: days the expected close moved.")]
    forecast_reason: Annotated[str | None, Meta(description="forecast_up/down: the reason given.")]

    @classmethod
    def of(cls, change: DealChange, title: str) -> DealChangeOut:
        return cls(
            change.deal_id, title, change.category, list(change.flags), StateOut.of(change.before),
            StateOut.of(change.after), change.amount_delta_jpy, change.close_days, change.forecast_reason,
        )  # fmt: skip


class ChangesOut(Struct):
    since: datetime
    until: datetime
    start: TotalsOut
    end: TotalsOut
    bridge: list[BridgeOut]
    deals: list[DealChangeOut]

    @classmethod
    def of(cls, result: Changes) -> ChangesOut:
        deals = sorted([*result.deals, *result.quiet_deals], key=lambda c: c.deal_id)
        return cls(
            result.since,
            result.until,
            TotalsOut.of(result.start),
            TotalsOut.of(result.end),
            [BridgeOut(row.category, row.count, row.amount_jpy) for row in result.bridge],
            [DealChangeOut.of(change, result.titles.get(change.deal_id, ("", ""))[0]) for change in deals],
        )


@get(
    "/pipeline/changes",
    responses=READ_ERRORS,
    tags=["pipeline"],
    summary="What changed in the pipeline between two moments (the weekly meeting's bridge)",
)
async def pipeline_changes(
    db_session: DB,
    actor: Actor,
    clock: Now,
    since: Annotated[Moment, Parameter(description=SINCE)] = None,
    until: Annotated[Moment, Parameter(description="Default: now.")] = None,
    pipeline_id: OptionalId = None,
    team_id: OptionalId = None,
    owner_id: OptionalId = None,
) -> ChangesOut:
    """The deals the user sees (the board's rule), narrowed to a pipeline, a team (its members'
    deals at each moment) and/or an owner."""
    result = await services.pipeline_changes(
        db_session,
        actor,
        clock,
        since=sync.parse_moment("since", since),
        until=sync.parse_moment("until", until),
        pipeline_id=pipeline_id,
        team_id=team_id,
        owner_id=owner_id,
        list_quiet=True,
    )
    return ChangesOut.of(result)


ROUTES = [pipeline_changes]
