"""The bridge between two moments: which deals were the scope's open pipeline at `since` and at
`until`, each deal's one category, its contribution in yen, and its flags. Pure functions over
reconstructed states (asof.py); changes.py reads the rows.

The identity holds by construction: a deal in the open pipeline at both moments contributes
its amount's change, one only at `since` minus its amount then (won, lost, removed), one only
at `until` plus its amount then (new, added); so start + Σ bridge = end, to the yen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from salesdesk.auth.models import Role, User
from salesdesk.meetings.asof import DealState, Event, History
from salesdesk.pipeline.models import FORECAST_RANK, StageKind

CATEGORIES = (
    "new",
    "added",
    "increased",
    "decreased",
    "unchanged",
    "won",
    "lost",
    "removed",
    "created_and_closed",
)
FLAGS = (
    "pushed_out",
    "pulled_in",
    "stage_advanced",
    "stage_back",
    "forecast_up",
    "forecast_down",
    "owner_changed",
    "became_stale",
    "no_next_action",
    "pushed_repeatedly",
)
PUSHED_WINDOW = timedelta(days=90)


class Viewer(NamedTuple):
    """What the visibility rule reads of the actor, copied once (not an ORM attribute per deal)."""

    role: str
    id: int
    team_id: int | None


@dataclass(frozen=True)
class Scope:
    """Whose pipeline: what the actor sees, narrowed to a pipeline, a team and/or an owner."""

    actor: User
    pipeline_id: int | None = None
    team_id: int | None = None
    owner_id: int | None = None
    viewer: Viewer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "viewer", Viewer(self.actor.role, self.actor.id, self.actor.team_id))

    def of_owner(self, owner_id: int | None) -> Scope:
        return replace(self, owner_id=owner_id)


def visible(actor: User | Viewer, owner_id: int | None, owner_team: int | None) -> bool:
    """access.owned_by_visible for a past owner and the team they were in then."""
    if actor.role == Role.admin or owner_id == actor.id:
        return True
    if owner_id is None:
        return actor.role == Role.manager
    return actor.team_id is not None and owner_team == actor.team_id


class StageInfo(NamedTuple):
    """A stage's plain columns (read once per bridge; no ORM object per access)."""

    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    kind: str
    rotting_days: int | None


@dataclass
class World:
    """What the scope rule needs: the stages, each user's team now, and the history since."""

    stages: dict[int, StageInfo]
    teams_now: dict[int, int | None]
    history: History

    def team_at(self, owner_id: int | None, moment: datetime) -> int | None:
        if owner_id is None:
            return None
        if owner_id not in self.history.moves_by_user:  # the usual case: no team change since
            return self.teams_now.get(owner_id)
        return self.history.team_at(owner_id, self.teams_now.get(owner_id), moment)

    def stage(self, state: DealState) -> StageInfo | None:
        return self.stages.get(state.stage_id) if state.stage_id is not None else None

    def in_scope(self, scope: Scope, state: DealState, moment: datetime, *, open_only: bool = True) -> bool:
        stage = self.stage(state)
        return in_scope(scope, stage, state, self.team_at(state.owner_id, moment), open_only=open_only)

    def weighted_raw(self, state: DealState) -> int:
        """amount × probability %, in yen-percent (rounded once, on the total)."""
        stage = self.stage(state)
        probability = state.probability if state.probability is not None else (stage.probability if stage else 0)
        return (state.amount_jpy or 0) * probability


def in_scope(
    scope: Scope, stage: StageInfo | None, state: DealState, team: int | None, *, open_only: bool = True
) -> bool:
    """An (open) deal of the scope, given its stage and its owner's team at that moment."""
    if stage is None or (open_only and stage.kind != StageKind.open):
        return False
    if scope.pipeline_id is not None and stage.pipeline_id != scope.pipeline_id:
        return False
    if scope.owner_id is not None and state.owner_id != scope.owner_id:
        return False
    if scope.team_id is not None and (state.owner_id is None or team != scope.team_id):
        return False
    return visible(scope.viewer, state.owner_id, team)


@dataclass(slots=True)
class Placed:
    """A deal's state at one moment, with what follows from it then."""

    state: DealState
    moment: datetime
    in_scope: bool
    team_id: int | None
    stage: StageInfo | None

    @property
    def amount(self) -> int:
        return self.state.amount_jpy or 0

    @property
    def status(self) -> str | None:
        return self.stage.kind if self.stage else None


@dataclass(slots=True)
class Activity:
    """A deal's tasks and activities as far as stale-ness needs them, at "since" and at "until"
    (changes.py reads them with one GROUP BY): the newest activity (or done task), and whether
    an open task existed then (created, not yet done or cancelled)."""

    created_at: datetime | None = None
    last_activity: dict[str, datetime | None] = field(default_factory=dict)  # "since"/"until" -> newest
    open_task: dict[str, bool] = field(default_factory=dict)  # "since"/"until" -> an open task then

    def has_open_task(self, which: str) -> bool:
        return self.open_task.get(which, False)


@dataclass
class DealChange:
    deal_id: int
    category: str
    before: Placed | None  # None: the deal did not exist at `since`
    after: Placed | None  # None: deleted by `until`
    amount_delta_jpy: int
    flags: list[str] = field(default_factory=list)
    close_days: int | None = None  # how far the expected close moved (later: positive)
    forecast_reason: str | None = None
    events: list[Event] = field(default_factory=list)
    quiet: bool = False  # no event since `since`: counted by the quiet totals' GROUP BY

    @property
    def owner_id(self) -> int | None:
        """Whose deal it is on the review page: its owner at the end, else at the start."""
        return (self.after or self.before).state.owner_id  # type: ignore[union-attr]


def place(world: World, scope: Scope, state: DealState, moment: datetime) -> Placed | None:
    if not state.exists:
        return None
    stage, team = world.stage(state), world.team_at(state.owner_id, moment)
    return Placed(state, moment, in_scope(scope, stage, state, team), team, stage)


def classify(
    world: World, scope: Scope, deal_id: int, now: DealState, since: datetime, until: datetime
) -> DealChange | None:
    """The deal's category between the moments, or None when it is not part of this bridge."""
    history = world.history
    before = place(world, scope, history.state_at(deal_id, now, since), since)
    after = place(world, scope, history.state_at(deal_id, now, until), until)
    events = history.events_between(deal_id, since, until)
    in_since, in_until = bool(before and before.in_scope), bool(after and after.in_scope)
    if in_since and in_until:
        delta = after.amount - before.amount  # type: ignore[union-attr]
        category = "increased" if delta > 0 else "decreased" if delta < 0 else "unchanged"
    elif in_since:
        delta = -before.amount  # type: ignore[union-attr]
        status = after.status if after else None
        category = "won" if status == StageKind.won else "lost" if status == StageKind.lost else "removed"
    elif in_until:
        delta = after.amount  # type: ignore[union-attr]
        category = "new" if any(e.creates for e in events) else "added"
    elif any(e.creates for e in events) and _ever_in_scope(world, scope, deal_id, now, events):
        delta, category = 0, "created_and_closed"
    else:
        return None
    return DealChange(deal_id, category, before, after, delta, events=events)


def _ever_in_scope(world: World, scope: Scope, deal_id: int, now: DealState, events: list[Event]) -> bool:
    """Created in the period: was it ever the scope's deal (open or not) before `until`?"""
    return any(world.in_scope(scope, world.history.state_at(deal_id, now, e.at), e.at, open_only=False) for e in events)


def add_state_flags(change: DealChange) -> None:
    """The flags that follow from the deal's two states alone (no query)."""
    before, after = change.before, change.after
    if not (before and after):
        return
    flags = change.flags
    b, a = before.state, after.state
    if b.expected_close_date and a.expected_close_date and b.expected_close_date != a.expected_close_date:
        change.close_days = (a.expected_close_date - b.expected_close_date).days
        flags.append("pushed_out" if change.close_days > 0 else "pulled_in")
    if _both_open_in_one_pipeline(before, after) and before.stage.position != after.stage.position:  # type: ignore[union-attr]
        flags.append("stage_advanced" if after.stage.position > before.stage.position else "stage_back")  # type: ignore[union-attr]
    rank_b, rank_a = FORECAST_RANK.get(b.forecast, 0), FORECAST_RANK.get(a.forecast, 0)  # type: ignore[call-overload]
    if rank_b != rank_a:
        flags.append("forecast_up" if rank_a > rank_b else "forecast_down")
        reasons = [e.note for e in change.events if e.field == "forecast" and e.note]
        change.forecast_reason = reasons[-1] if reasons else None
    if b.owner_id != a.owner_id:
        flags.append("owner_changed")


def add_activity_flags(change: DealChange, *, pushed_repeatedly: bool, activity: Activity) -> None:
    """The flags that need the deal's tasks and activities (after the state flags, in FLAGS order)."""
    before, after = change.before, change.after
    if before and after and before.status == StageKind.open and after.status == StageKind.open:
        if is_stale(after, activity, "until") and not is_stale(before, activity, "since"):
            change.flags.append("became_stale")
    if after and after.status == StageKind.open and not activity.has_open_task("until"):
        change.flags.append("no_next_action")
    if pushed_repeatedly:
        change.flags.append("pushed_repeatedly")


def _both_open_in_one_pipeline(before: Placed, after: Placed) -> bool:
    return bool(
        before.stage
        and after.stage
        and before.status == StageKind.open
        and after.status == StageKind.open
        and before.stage.pipeline_id == after.stage.pipeline_id
    )


def is_stale(placed: Placed, activity: Activity, which: str) -> bool:
    """The board's stale rule at a past moment: idle beyond the stage's rotting days, or no next action."""
    if not activity.has_open_task(which):
        return True
    stage = placed.stage
    if stage is None or stage.rotting_days is None:
        return False
    idle_since = activity.last_activity.get(which) or activity.created_at
    return idle_since is not None and placed.moment - idle_since > timedelta(days=stage.rotting_days)


@dataclass
class Totals:
    count: int = 0
    amount_jpy: int = 0
    weighted_raw: int = 0

    def add(self, count: int, amount: int, weighted_raw: int) -> None:
        self.count += count
        self.amount_jpy += amount
        self.weighted_raw += weighted_raw

    @property
    def weighted_jpy(self) -> int:
        return (self.weighted_raw + 50) // 100  # as the board: half up, once


@dataclass
class BridgeRow:
    category: str
    count: int = 0
    amount_jpy: int = 0


def bridge_rows(changes: list[DealChange], quiet_count: int) -> list[BridgeRow]:
    rows = {category: BridgeRow(category) for category in CATEGORIES}
    rows["unchanged"].count += quiet_count
    for change in changes:
        rows[change.category].count += 1
        rows[change.category].amount_jpy += change.amount_delta_jpy
    return list(rows.values())
