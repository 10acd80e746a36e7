"""The deal filters of the board, the list, the export and the forecast, kept in the URL so a
filtered view can be bookmarked and shared."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import search
from salesdesk.accounts.models import Activity, BuyingRole, activity_persons
from salesdesk.auth.models import Role, Team, User
from salesdesk.db import StatementCache
from salesdesk.ids import parse_id, parse_page
from salesdesk.pipeline import access, fiscal
from salesdesk.pipeline.committee import DECISION_MAKER_CONTACT_DAYS
from salesdesk.pipeline.forms import parse_date
from salesdesk.pipeline.models import Deal, DealContact, Forecast, Stage
from salesdesk.tasks.models import Task, TaskStatus

PERIODS = ("this_month", "next_month", "this_quarter", "next_quarter", "this_fy", "past_due", "no_date")
STALE = ("any", "idle", "no_next")  # either reason, no activity beyond the stage's rotting days, no next action
# The deal's stage kind; "" does not restrict (the board shows open stages anyway), "all" says so in a URL
# whose page would otherwise default to open deals (the list).
STATUSES = ("open", "won", "lost", "all")
DECIDERS = ("uncontacted",)  # 決裁者未接触: open deals whose decision maker nobody has met lately


@dataclass
class DealFilter:
    owner_id: int | None = None
    team_id: int | None = None
    forecast: str = ""
    period: str = ""  # one of PERIODS, or close_from/close_to
    close_from: date | None = None
    close_to: date | None = None
    company_id: int | None = None
    company: str = ""  # a company name or kana, as typed
    stale: str = ""
    status: str = ""  # one of STATUSES or ""
    decider: str = ""  # one of DECIDERS or ""
    sort: str = ""  # the list view's column
    page: int = 1  # the list view's page

    @classmethod
    def from_query(cls, params: Any) -> DealFilter:
        """From a URL's query parameters; anything malformed is ignored, not an error."""

        def day(key: str) -> date | None:
            try:
                return parse_date(params.get(key) or "")
            except ValueError:
                return None

        return cls(
            owner_id=parse_id(params.get("owner_id")),
            team_id=parse_id(params.get("team_id")),
            forecast=params.get("forecast") if params.get("forecast") in Forecast.__members__ else "",
            period=params.get("period") if params.get("period") in PERIODS else "",
            close_from=day("close_from"),
            close_to=day("close_to"),
            company_id=parse_id(params.get("company_id")),
            company=(params.get("company") or "").strip()[:100],
            stale=params.get("stale") if params.get("stale") in STALE else "",
            status=params.get("status") if params.get("status") in STATUSES else "",
            decider=params.get("decider") if params.get("decider") in DECIDERS else "",
            sort=(params.get("sort") or "")[:30],
            page=parse_page(params.get("page")),
        )

    def query_string(self, **overrides: Any) -> str:
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        return urlencode(
            {
                k: v.isoformat() if isinstance(v, date) else v
                for k, v in values.items()
                if v not in (None, "") and not (k == "page" and v == 1)
            }
        )

    @property
    def active(self) -> bool:
        return bool(self.query_string(sort="", page=1))


def close_range(f: DealFilter, today: date, fy_start_month: int) -> tuple[date | None, date | None]:
    """The expected close dates the period stands for (from, to), either end open."""
    if f.period == "this_month":
        return today.replace(day=1), fiscal.month_end(today)
    if f.period == "next_month":
        first = fiscal.add_months(today, 1)
        return first, fiscal.month_end(first)
    if f.period == "this_quarter":
        return fiscal.quarter_range(today, fy_start_month)
    if f.period == "next_quarter":
        return fiscal.quarter_range(fiscal.add_months(today, 3), fy_start_month)
    if f.period == "this_fy":
        return fiscal.year_range(fiscal.fiscal_year(today, fy_start_month), fy_start_month)
    if f.period == "past_due":
        return None, today - timedelta(days=1)
    return f.close_from, f.close_to


def idle_condition(stages: list[Stage], now: datetime) -> ColumnElement[bool]:
    """In an open stage with rotting days, with no completed activity or task for longer than them."""
    idle_since = func.coalesce(Deal.last_activity_at, Deal.created_at)
    parts = [
        and_(Deal.stage_id == s.id, idle_since < now - timedelta(days=s.rotting_days))
        for s in stages
        if s.is_open and s.rotting_days
    ]
    return or_(*parts) if parts else false()


def no_next_condition(stages: list[Stage]) -> ColumnElement[bool]:
    """In an open stage without an open task (closed deals need no next action)."""
    return and_(
        Deal.stage_id.in_([s.id for s in stages if s.is_open]),
        ~exists(select(Task.id).where(Task.deal_id == Deal.id, Task.status == TaskStatus.open)),
    )


def decider_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=DECISION_MAKER_CONTACT_DAYS)


# The cutoff as a parameter given at execution (decider_cutoff(now)): for a statement built once.
DECIDER_CUTOFF = bindparam("decider_cutoff", type_=Activity.__table__.c.occurred_at.type)


def decider_uncontacted(now: datetime | BindParameter) -> ColumnElement[bool]:
    """決裁者未接触 as SQL, the deal page's warning for many deals at once: no decision maker of the
    committee has been in an activity within the last DECISION_MAKER_CONTACT_DAYS (none attached
    counts too). Correlated to the query's Deal, so a page of cards reads it in its own query.
    `now`, or DECIDER_CUTOFF for a statement that is given the cutoff when it runs."""
    cutoff = now if isinstance(now, BindParameter) else decider_cutoff(now)
    return ~exists(
        select(DealContact.id)
        .join(activity_persons, activity_persons.c.person_id == DealContact.person_id)
        .join(Activity, Activity.id == activity_persons.c.activity_id)
        .where(
            DealContact.deal_id == Deal.id,
            DealContact.role == BuyingRole.decision_maker,
            Activity.occurred_at >= cutoff,
        )
    )


def stages_of(f: DealFilter, stages: list[Stage]) -> list[Stage]:
    """The stages a deal matching the filter can be in (what `conditions` asks of the stage): its status's
    kind, and only open ones for 決裁者未接触. The deal list walks these, one per stage."""
    return [
        s
        for s in stages
        if (f.status not in ("open", "won", "lost") or s.kind == f.status) and (f.decider != "uncontacted" or s.is_open)
    ]


def owner_conditions(actor: User, f: DealFilter, owner: ColumnElement) -> list[ColumnElement[bool]]:
    """The owners whose deals the actor sees, narrowed to the filter's owner or team, on an owner column
    (a deal's, or the forecast's cells', where None is nobody's)."""
    where = [access.owned_by_visible(actor, owner)]
    if f.owner_id is not None:
        where.append(owner == f.owner_id)
    if f.team_id is not None:
        where.append(owner.in_(select(User.id).where(User.team_id == f.team_id).scalar_subquery()))
    return where


def conditions(
    actor: User, f: DealFilter, stages: list[Stage], *, now: datetime, today: date, fy_start_month: int
) -> list[ColumnElement[bool]]:
    """WHERE clauses for the deals the actor sees that match the filter (stages: the pipeline's)."""
    where = owner_conditions(actor, f, Deal.owner_id)
    if f.forecast:
        where.append(Deal.forecast == f.forecast)
    if f.period == "no_date":
        where.append(Deal.expected_close_date.is_(None))
    else:
        start, end = close_range(f, today, fy_start_month)
        if start is not None:
            where.append(Deal.expected_close_date >= start)
        if end is not None:
            where.append(Deal.expected_close_date <= end)
    if f.company_id is not None:
        where.append(Deal.company_id == f.company_id)
    if f.company and (ids := search.matching_ids(f.company, "company", limit=None)) is not None:
        where.append(Deal.company_id.in_(ids))
    if f.stale == "idle":
        where.append(idle_condition(stages, now))
    elif f.stale == "no_next":
        where.append(no_next_condition(stages))
    elif f.stale == "any":
        where.append(or_(idle_condition(stages, now), no_next_condition(stages)))
    if f.decider == "uncontacted":
        where += [Deal.stage_id.in_([s.id for s in stages if s.is_open]), decider_uncontacted(now)]
    if f.status in ("open", "won", "lost"):
        where.append(Deal.stage_id.in_(select(Stage.id).where(Stage.kind == f.status).scalar_subquery()))
    return where


CHOICES = StatementCache(256)  # filter_choices' statement per viewer


def _choices_statement(actor: User) -> CompoundSelect:
    owners = select(literal("owner").label("kind"), User.id, User.name).where(
        User.is_active.is_(True), access.owned_by_visible(actor, User.id)
    )
    teams = select(literal("team").label("kind"), Team.id, Team.name)
    if actor.role != Role.admin:
        teams = teams.where(Team.id == actor.team_id)
    return union_all(owners, teams)


async def filter_choices(db: AsyncSession, actor: User) -> dict[str, list]:
    """The owners and teams the filter offers (rows of id and name), in one statement built once per viewer:
    the people whose deals the actor sees, and the teams."""
    query = CHOICES.get((actor.id, actor.role, actor.team_id), lambda: _choices_statement(actor))
    rows = list(await db.execute(query))
    by_name = sorted(rows, key=lambda row: (row.name, row.id))
    return {"owners": [r for r in by_name if r.kind == "owner"], "teams": [r for r in by_name if r.kind == "team"]}
