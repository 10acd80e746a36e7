"""The pipeline as of any moment, reconstructed exactly from the deal history.

Today's deals are the state now; every DealEvent after the moment is undone (its field back to
its old value), newest first. Creation set `stage_id` from None and deletion back to None, so a
deal that did not exist yet (or any more) comes out with no stage, and a deleted deal comes back
as it was. Only the events after the moment are read: the work follows the changes since then,
not the number of deals. A deal's team is its owner's team then: users' team changes are undone
the same way (TeamMove).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Result, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.meetings.models import TeamMove
from salesdesk.pipeline.models import Deal, DealEvent

INT_FIELDS = ("stage_id", "amount_jpy", "probability", "owner_id")


class DealState(NamedTuple):
    """A deal's tracked values at one moment; `stage_id` None: it did not exist then. A plain
    tuple: a bridge makes two per changed deal."""

    stage_id: int | None = None
    amount_jpy: int | None = None
    expected_close_date: date | None = None
    forecast: str | None = None
    probability: int | None = None
    owner_id: int | None = None

    @property
    def exists(self) -> bool:
        return self.stage_id is not None


GONE = DealState()
FIELD_INDEX = {name: n for n, name in enumerate(DealState._fields)}


def typed(field_name: str, text: str | None) -> Any:
    """A DealEvent's text value as the deal column holds it."""
    if text is None:
        return None
    if field_name in INT_FIELDS:
        return int(text)
    if field_name == "expected_close_date":
        return date.fromisoformat(text)
    return text


class Event(NamedTuple):
    """One tracked field's change, as far as the bridge reads it (not who, nor its change set)."""

    deal_id: int
    at: datetime
    field: str
    old: Any
    new: Any
    note: str
    id: int

    @property
    def creates(self) -> bool:
        return self.field == "stage_id" and self.old is None

    @property
    def deletes(self) -> bool:
        return self.field == "stage_id" and self.new is None


@dataclass
class History:
    """Every deal event and team move after `after`, oldest first, by deal and by user."""

    after: datetime
    by_deal: dict[int, list[Event]] = field(default_factory=dict)
    moves_by_user: dict[int, list[tuple[datetime, int | None]]] = field(default_factory=dict)  # (at, old team)

    def state_at(self, deal_id: int, now: DealState, moment: datetime) -> DealState:
        """The deal at `moment` (not before `after`), from its state now."""
        assert moment >= self.after, "the history read starts later than the moment asked for"
        events = self.by_deal.get(deal_id)
        if not events or events[-1].at <= moment:
            return now
        values = list(now)
        for event in reversed(events):
            if event.at <= moment:
                break
            values[FIELD_INDEX[event.field]] = event.old
        return DealState(*values)

    def team_at(self, user_id: int | None, team_now: int | None, moment: datetime) -> int | None:
        team = team_now
        for at, old_team in reversed(self.moves_by_user.get(user_id or 0, ())):
            if at <= moment:
                break
            team = old_team
        return team

    def events_between(self, deal_id: int, since: datetime, until: datetime) -> list[Event]:
        return [e for e in self.by_deal.get(deal_id, ()) if since < e.at <= until]

    def tombstone(self, deal_id: int) -> dict[str, Any]:
        """What a deleted deal's deletion kept of it (title, company_id)."""
        for event in reversed(self.by_deal.get(deal_id, ())):
            if event.deletes and event.note:
                return json.loads(event.note)
        return {}


async def plain_rows(db: AsyncSession, query: Select) -> Result[Any]:
    """A select of plain columns run on the session's connection: Core rows, without the ORM's
    per-row loading (a third of the time of the bridge's bulk reads). Flushes first, as the
    session's own execute would."""
    await db.flush()
    return await (await db.connection()).execute(query)


async def read_events(db: AsyncSession, *where: ColumnElement[bool]) -> list[Event]:
    """The deal events that match, oldest first."""
    rows = await plain_rows(
        db,
        select(DealEvent.deal_id, DealEvent.at, DealEvent.field, DealEvent.old_value, DealEvent.new_value)
        .add_columns(DealEvent.note, DealEvent.id)
        .where(*where)
        .order_by(DealEvent.at, DealEvent.id),
    )
    return [
        Event(deal_id, at, name, typed(name, old), typed(name, new), note, event_id)
        for deal_id, at, name, old, new, note, event_id in rows
    ]


async def read_history(db: AsyncSession, after: datetime) -> History:
    """Two statements: the deal events and the team moves after the moment."""
    history = History(after)
    by_deal = history.by_deal
    for event in await read_events(db, DealEvent.at > after):
        if event.deal_id in by_deal:
            by_deal[event.deal_id].append(event)
        else:
            by_deal[event.deal_id] = [event]
    moves = await db.execute(
        select(TeamMove.user_id, TeamMove.at, TeamMove.old_team_id).where(TeamMove.at > after).order_by(TeamMove.at)
    )
    for user_id, at, old_team in moves:
        history.moves_by_user.setdefault(user_id, []).append((at, old_team))
    return history


def state_columns() -> Select:
    return select(
        Deal.id,
        Deal.stage_id,
        Deal.amount_jpy,
        Deal.expected_close_date,
        Deal.forecast,
        Deal.probability,
        Deal.owner_id,
    )


def state_of(row: Any) -> DealState:
    """A row of state_columns() (the id, then DealState's fields in order) as a DealState."""
    return DealState(*row[1:7])


async def pipeline_at(db: AsyncSession, moment: datetime) -> dict[int, DealState]:
    """Every deal that existed at `moment`, as it was then (deleted ones included)."""
    history = await read_history(db, moment)
    now = {row.id: state_of(row) for row in await plain_rows(db, state_columns())}
    states = {
        deal_id: history.state_at(deal_id, now.get(deal_id, GONE), moment)
        for deal_id in now.keys() | history.by_deal.keys()
    }
    return {deal_id: state for deal_id, state in states.items() if state.exists}
