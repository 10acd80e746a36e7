"""The demo pipeline's stories (see `demo`): who owns which deals, in which stage, since when, and the
history that led there, replayed into backdated DealEvents. Decided before any row is written."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from salesdesk.accounts.models import Company, Person
from salesdesk.auth.models import User
from salesdesk.calendar.business_days import BusinessCalendar
from salesdesk.pipeline import demo_catalog as catalog
from salesdesk.pipeline.models import FORECAST_RANK, TRACKED_FIELDS, DealEvent, Forecast, Pipeline, Stage

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class Plan:
    """One deal's story, decided before any row is written."""

    owner: User
    company: Company
    title: str
    amount: int | None
    source: str
    path: list[Stage]  # every stage it entered, in order; the last is where it is now
    reached: int  # index of the last open stage it entered (0 = リード)
    entered: list[datetime] = field(default_factory=list)
    close: date | None = None  # expected close date now
    closed_on: date | None = None
    last_at: datetime | None = None  # open deals: its newest completed activity
    due: str = "none"  # open deals: when its next action is due (catalog.DUE_CYCLE)
    flags: set[str] = field(default_factory=set)  # idle, drop, override, handover

    @property
    def stage(self) -> Stage:
        return self.path[-1]


class Story:
    """A deal's values replayed through time: every tracked change becomes a DealEvent (as
    history.change does, but backdated)."""

    def __init__(self, values: dict[str, Any], at: datetime, actor_id: int) -> None:
        self.values = values
        self.events = [
            DealEvent(
                at=at,
                change_set=uuid.uuid4().hex,
                actor_id=actor_id,
                field="stage_id",
                old_value=None,
                new_value=str(values["stage_id"]),
            )
        ]  # as history.record_creation

    def change(self, at: datetime, actor_id: int, note: str = "", **values: Any) -> None:
        change_set = uuid.uuid4().hex  # one save
        for key, value in values.items():
            old = self.values[key]
            if old == value:
                continue
            if key in TRACKED_FIELDS:
                self.events.append(
                    DealEvent(
                        at=at,
                        change_set=change_set,
                        actor_id=actor_id,
                        field=key,
                        old_value=DealEvent.text(old),
                        new_value=DealEvent.text(value),
                        note=note if key == "forecast" else "",
                    )
                )
            self.values[key] = value


def workday(day: date) -> date:
    """A weekend, a public holiday (the `holidays` package) or the year-end closure moves back to the business
    day before: B2B sales happen on business days."""
    return BusinessCalendar().on_or_before(day)


def _yen(amount: float) -> int:
    """A quoted amount: to ten thousand yen, within ¥300,000 … ¥48,000,000."""
    return min(48_000_000, max(300_000, round(amount / 10_000) * 10_000))


class Planner:
    """Decides every demo deal's story from the seeded Random, relative to `now` and `today`."""

    def __init__(
        self,
        pipeline: Pipeline,
        users: dict[str, User],
        companies: dict[str, Company],
        persons: list[Person],
        reasons: dict[str, int],
        *,
        now: datetime,
        today: date,
    ) -> None:
        self.rng = random.Random(catalog.SEED)
        self.pipeline, self.users, self.companies, self.reasons = pipeline, users, companies, reasons
        self.now, self.today = now, today
        self.open = [s for s in pipeline.stages if s.is_open]
        self.won = next(s for s in pipeline.stages if s.is_won)
        self.lost = next(s for s in pipeline.stages if s.is_lost)
        self.persons: dict[int, dict[str, Person]] = {}
        for person in persons:
            self.persons.setdefault(person.company_id, {}).setdefault(person.buying_role or "", person)
        self.titles: dict[int, list[tuple[str, int]]] = {}

    # --- deciding the stories ------------------------------------------------------------

    def plans(self) -> list[Plan]:
        plans: list[Plan] = []
        for n, (email, open_counts, won, lost, accounts) in enumerate(catalog.OWNERS):
            owner = self.users.get(email)
            names = [name for name, weight in accounts.items() for _ in range(weight) if name in self.companies]
            if owner is None or not names:
                continue
            self.rng.shuffle(names)
            kinds: list[int | str] = [k for k, count in enumerate(open_counts) for _ in range(count)]
            mine = [
                self._plan(owner, self.companies[names[i % len(names)]], kind)
                for i, kind in enumerate([*kinds, *["won"] * won, *["lost"] * lost])
            ]
            self._mark(n, [p for p in mine if p.stage.is_open])
            plans += mine
        for plan in plans:
            self._schedule(plan)
        return plans

    def _title(self, company: Company) -> tuple[str, int]:
        if company.id not in self.titles:
            own, generic = list(catalog.TITLES.get(company.industry, [])), list(catalog.GENERIC_TITLES)
            self.rng.shuffle(own)
            self.rng.shuffle(generic)
            self.titles[company.id] = own + generic
        pool = self.titles[company.id]
        title, amount = pool.pop(0)
        pool.append((f"{title}(第2期)", amount // 2))  # a follow-up project, should an account need many
        return title, amount

    def _plan(self, owner: User, company: Company, kind: int | str) -> Plan:
        rng, last_open = self.rng, len(self.open) - 1
        title, typical = self._title(company)
        amount = _yen(typical * rng.uniform(0.8, 1.2))
        source = rng.choices([s for s, _ in catalog.SOURCES], [w for _, w in catalog.SOURCES])[0]
        if kind == "won":
            reached = last_open - (1 if amount < 5_000_000 and rng.random() < 0.4 else 0)  # small ones skip 交渉
        elif kind == "lost":
            reached = rng.choices(range(5), weights=(1, 2, 3, 3, 2))[0]
        else:
            reached = int(kind)
        reached = max(0, min(reached, last_open))
        start = min({"既存顧客": 2, "紹介": 1}.get(source, 0), reached)  # renewals start at 提案
        path = self.open[start : reached + 1] + ([self.won] if kind == "won" else [self.lost] if kind == "lost" else [])
        plan = Plan(owner, company, title, amount, source, path, reached)
        if (
            plan.stage.is_open
            and reached == 0
            and rng.random() < 0.4
            and "amount_jpy" not in plan.stage.required_fields
        ):
            plan.amount = None  # a fresh lead: nobody has talked money yet
        return plan

    def _mark(self, n: int, open_plans: list[Plan]) -> None:
        """Spread what makes a board interesting over each owner's open deals, by their place."""
        for i, plan in enumerate(open_plans):
            j = i + 3 * n
            plan.due = catalog.DUE_CYCLE[j % len(catalog.DUE_CYCLE)]
            if j % 9 == 4:
                plan.flags.add("idle")
            if j % 7 == 5 and plan.reached >= 2:
                plan.flags.add("drop")
            if j % 6 == 2 and plan.reached >= 2:
                plan.flags.add("override")
            if n == 0 and i in (9, 21) and len(plan.path) > 1:
                plan.flags.add("handover")

    def _at(self, days_ago: int) -> datetime:
        """A moment in office hours (Tokyo) that many days ago, never in the future."""
        day = workday(self.today - timedelta(days=days_ago))
        at = datetime.combine(day, time(self.rng.randint(9, 18), self.rng.choice((0, 15, 30, 45))), TOKYO)
        return min(at.astimezone(UTC), self.now - timedelta(minutes=self.rng.randint(20, 90)))

    def _during(self, start: datetime, end: datetime, fraction: float) -> datetime:
        """The moment `fraction` into [start, end], moved into its day's office hours, kept inside."""
        local = (start + (end - start) * fraction).astimezone(TOKYO)
        if not 9 <= local.hour < 19:
            local = local.replace(hour=9 if local.hour < 9 else 18)
        local = datetime.combine(workday(local.date()), local.time(), TOKYO)
        at = local.astimezone(UTC).replace(second=0, microsecond=0)
        return min(max(at, start + timedelta(minutes=1)), end - timedelta(minutes=1))

    def _schedule(self, plan: Plan) -> None:
        rng = self.rng
        if plan.stage.is_open:
            rotting = plan.stage.rotting_days or 30
            if "idle" in plan.flags:  # gone quiet: no activity for longer than the stage allows
                days = rotting + rng.randint(6, 25)
                idle = rng.randint(rotting + 2, days)
            else:
                days = rng.randint(0, max(1, rotting - 4))
                idle = rng.randint(0, max(0, min(days, rotting - 2)))
            low, high = catalog.CLOSE_IN_DAYS[min(plan.reached, 4)]
            plan.close = workday(self.today + timedelta(days=rng.randint(low, high)))
            if plan.reached == 0 and rng.random() < 0.25 and "expected_close_date" not in plan.stage.required_fields:
                plan.close = None
        else:
            days = rng.randint(2, 225)
            plan.closed_on = workday(self.today - timedelta(days=days))
            planned = workday(plan.closed_on + timedelta(days=rng.randint(0, 45)))  # a lost deal's last hope
            plan.close = plan.closed_on if plan.stage.is_won else planned
        offsets = [days]
        for stage in reversed(plan.path[:-1]):
            low, high = catalog.STAGE_DAYS[min(self.open.index(stage), 4)]
            offsets.insert(0, offsets[0] + rng.randint(low, high))
        plan.entered = [self._at(d) for d in offsets]
        for i in range(1, len(plan.entered)):  # two stages entered on one workday: in the path's order
            later = max(plan.entered[i], plan.entered[i - 1] + timedelta(minutes=5))
            plan.entered[i] = min(later, self.now - timedelta(minutes=1))
        if plan.stage.is_open:
            plan.last_at = min(
                max(self._at(idle), plan.entered[0] + timedelta(minutes=30)), self.now - timedelta(minutes=5)
            )

    # --- history ---------------------------------------------------------------------------

    def _story(self, plan: Plan) -> Story:
        owner = plan.owner
        first = (self.users.get(catalog.HANDED_OVER_FROM) if "handover" in plan.flags else None) or owner
        values, amount_from, slipped = self._initial(plan)
        story = Story(values | {"owner_id": first.id}, plan.entered[0], first.id)
        ends = [*plan.entered[1:], self.now]
        for i, stage in enumerate(plan.path):
            if i:
                story.change(plan.entered[i], owner.id, **self._entry(plan, stage))
            for fraction, changes, note, by in self._in_stage(plan, i, story, amount_from, slipped):
                # Never before the story's last change: two changes of one stay after office hours both move
                # to 18:xx, and the later one could otherwise land first (a history that does not replay).
                at = max(self._during(plan.entered[i], ends[i], fraction), story.events[-1].at)
                story.change(at, (by or (first if i == 0 else owner)).id, note, **changes)
        return story

    def _initial(self, plan: Plan) -> tuple[dict[str, Any], int | None, bool]:
        """The deal as first entered; when (path index) its amount became today's; whether its close slipped."""
        rng = self.rng
        amount_from, amount = None, plan.amount
        if (
            plan.amount is not None
            and len(plan.path) > 1
            and rng.random() < 0.3
            and "amount_jpy" not in plan.path[1].required_fields
        ):
            amount, amount_from = None, 1  # priced once the need was qualified
        elif plan.amount is not None and plan.reached >= 3 and rng.random() < 0.5:
            amount = _yen(plan.amount * rng.uniform(1.08, 1.3))  # then a discount in the last open stage
            amount_from = len(plan.path) - (1 if plan.stage.is_open else 2)
        close = plan.close
        slipped = close is not None and len(plan.path) > 1 and rng.random() < 0.35
        if close is not None and slipped:
            close -= timedelta(days=rng.randint(20, 60))
        competitors = rng.sample(catalog.COMPETITORS, k=rng.choice((0, 1, 1, 2))) if plan.reached >= 1 else []
        return (
            {
                "pipeline_id": self.pipeline.id,
                "stage_id": plan.path[0].id,
                "company_id": plan.company.id,
                "title": plan.title,
                "amount_jpy": amount,
                "expected_close_date": close,
                "forecast": Forecast.C.value,
                "probability": None,
                "source": plan.source,
                "competitors": "、".join(competitors),
                "challenges": "\n".join(rng.sample(catalog.CHALLENGES, k=rng.choice((1, 1, 2)))),
                "lost_reason_id": None,
                "lost_note": "",
                "won_on": None,
                "lost_on": None,
            },
            amount_from,
            slipped,
        )

    def _entry(self, plan: Plan, stage: Stage) -> dict[str, Any]:
        """What entering a stage sets (moves.enter_stage): won/lost dates, the lost reason."""
        values: dict[str, Any] = {"stage_id": stage.id, "probability": None}
        if stage.is_won:
            values |= {"won_on": plan.closed_on, "expected_close_date": plan.closed_on}
        elif stage.is_lost:
            name, note, _ = self.rng.choices(catalog.LOST, [w for *_, w in catalog.LOST])[0]
            reason_id = self.reasons.get(name) or next(iter(self.reasons.values()), None)
            values |= {"lost_on": plan.closed_on, "lost_reason_id": reason_id, "lost_note": note}
        return values

    def _in_stage(
        self, plan: Plan, i: int, story: Story, amount_from: int | None, slipped: bool
    ) -> list[tuple[float, dict[str, Any], str, User | None]]:
        """Changes while the deal sat in its i-th stage, as (fraction of the stay, values, note, actor)."""
        rng, stage, last = self.rng, plan.path[i], len(plan.path) - 1
        changes: list[tuple[float, dict[str, Any], str, User | None]] = []
        forecast = story.values["forecast"]
        if stage.is_open:
            given = rng.choice(catalog.FORECASTS[min(self.open.index(stage), 4)])
            if FORECAST_RANK[Forecast(given)] > FORECAST_RANK[Forecast(forecast)]:
                changes.append((0.05, {"forecast": given}, "", None))
                forecast = given
        if i == amount_from:
            changes.append((0.1, {"amount_jpy": plan.amount}, "", None))
        if i == 0 and "handover" in plan.flags:
            changes.append((0.5, {"owner_id": plan.owner.id}, "", self.users.get(catalog.TEAM_MANAGER)))
        if slipped and i == last - 1:
            changes.append((0.4, {"expected_close_date": plan.close}, "", None))
        if i == last - 1 and plan.stage.is_won:
            changes.append((0.7, {"forecast": Forecast.A.value}, "", None))
        if i == last - 1 and plan.stage.is_lost and plan.reached >= 2 and rng.random() < 0.5:
            changes.append((0.8, {"forecast": Forecast.C.value}, rng.choice(catalog.FORECAST_DROPS), None))
        if i == last and stage.is_open and "override" in plan.flags:
            changes.append((0.2, {"probability": {2: 30, 3: 70}.get(plan.reached, 90)}, "", None))
        if i == last and stage.is_open and "drop" in plan.flags:
            lower = {"A": "B", "B": "C"}.get(forecast)
            if lower:
                changes.append((0.5, {"forecast": lower}, rng.choice(catalog.FORECAST_DROPS), None))
        return sorted(changes, key=lambda change: change[0])
