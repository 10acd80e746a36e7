"""The bridge identity on generated histories (hypothesis), on both databases.

Each example replays random saves through the real services — creates, amount and close-date
changes, stage moves (wins, losses, reopenings), ヨミ, owner changes, users changing team,
pipeline moves, deletions, several per deal — and records the deals table as it really was at
two moments (the "snapshots"). Then, from the history alone:
- the pipeline reconstructed at each moment equals what the snapshot recorded;
- start and end are the open deals in scope in the snapshots, and start + Σ bridge = end;
- every deal in scope at either moment is in exactly one category, the one the snapshots say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import CompanyForm, parse_company
from salesdesk.audit.hook import set_actor
from salesdesk.auth import services as auth
from salesdesk.auth.forms import UserInput
from salesdesk.auth.models import Role, Team, User
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.meetings import asof, changes, kept
from salesdesk.meetings.bridge import Scope, visible
from salesdesk.models import Base
from salesdesk.pipeline import moves, services, setup
from salesdesk.pipeline.forms import DealForm, MoveInput, parse_deal
from salesdesk.pipeline.models import Deal, Forecast, LostReason, Pipeline, Stage, StageKind
from tests.pipeline.conftest import edited

AMOUNT = st.one_of(st.none(), st.integers(1, 40).map(lambda n: n * 100_000))
DEAL = st.integers(0, 30)
CREATE = st.tuples(st.just("create"), st.integers(0, 2), st.integers(0, 3), AMOUNT)
SEEDS = st.lists(CREATE, min_size=2, max_size=5)  # the pipeline before anything else happens
OPS = st.lists(
    st.one_of(
        CREATE,
        st.tuples(st.just("amount"), DEAL, AMOUNT),
        st.tuples(st.just("move"), DEAL, st.integers(0, 6)),
        st.tuples(st.just("owner"), DEAL, st.integers(0, 2)),
        st.tuples(st.just("team"), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(st.just("pipeline"), DEAL),
        st.tuples(st.just("delete"), DEAL),
        st.tuples(st.just("close"), DEAL, st.integers(-40, 40)),
        st.tuples(st.just("forecast"), DEAL, st.sampled_from("ABC")),
    ),
    min_size=2,
    max_size=16,
)
CLOSE = date(2027, 1, 15)


@dataclass
class Stage_:  # what the reference needs of a stage
    pipeline_id: int
    kind: str
    probability: int


@dataclass
class Snapshot:
    at: datetime
    deals: dict[int, asof.DealState]
    teams: dict[int, int | None]


@dataclass
class Cast:
    """Plain ids: a rolled-back save expires every loaded object."""

    admin: int
    manager: int
    reps: list[int]
    teams: list[int]
    pipelines: dict[int, list[tuple[int, str]]]  # pipeline id -> its stages (id, kind) in order
    company: int
    reason: int
    stages: dict[int, Stage_] = field(default_factory=dict)


async def _fresh(engine) -> None:
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))
    kept.forget()


async def _cast(db: AsyncSession) -> Cast:
    await setup.ensure_defaults(db)
    second = Pipeline(name="更新", position=1)
    second.stages = [
        Stage(name="更新提案", position=0, probability=50, kind=StageKind.open, rotting_days=30),
        Stage(name="更新確定", position=1, probability=100, kind=StageKind.won),
        Stage(name="解約", position=2, probability=0, kind=StageKind.lost),
    ]
    teams = [Team(name="東日本営業部"), Team(name="西日本営業部")]
    db.add_all([second, *teams])
    await db.flush()
    make = auth.create_user
    admin = await make(db, email="a@x.test", name="管理者", role=Role.admin, team_id=None, password="x" * 12)
    password = "x" * 12
    manager = await make(db, email="m@x.test", name="佐藤", role=Role.manager, team_id=teams[0].id, password=password)
    reps = [
        await make(db, email=f"r{n}@x.test", name=f"r{n}", role=Role.rep, team_id=teams[n // 2].id, password=password)
        for n in range(3)
    ]
    company = await accounts.create_company(db, admin, parse_company(CompanyForm(name="株式会社テスト")))
    await db.commit()
    stages = list(await db.scalars(select(Stage).order_by(Stage.pipeline_id, Stage.position)))
    cast = Cast(admin.id, manager.id, [r.id for r in reps], [t.id for t in teams], {}, company.id, 0)
    cast.reason = await db.scalar(select(LostReason.id))
    for s in stages:
        cast.pipelines.setdefault(s.pipeline_id, []).append((s.id, s.kind))
        cast.stages[s.id] = Stage_(s.pipeline_id, s.kind, s.probability)
    return cast


async def _live(db: AsyncSession) -> list[Deal]:
    return list(await db.scalars(select(Deal).order_by(Deal.id).execution_options(populate_existing=True)))


async def _apply(db: AsyncSession, cast: Cast, op: tuple) -> None:
    clock, admin, kind = Clock(), await db.get(User, cast.admin), op[0]
    first = next(iter(cast.pipelines.values()))
    if kind == "create":
        stage = [i for i, k in first if k == StageKind.open][op[2]]
        form = DealForm(company_id=str(cast.company), title="案件", stage_id=str(stage),
                        owner_id=str(cast.reps[op[1]]), amount_jpy=str(op[3] or ""),
                        expected_close_date=CLOSE.isoformat())  # fmt: skip
        await services.create_deal(db, admin, clock, parse_deal(form))
        return
    if kind == "team":
        user = await db.get(User, cast.reps[op[1]], populate_existing=True)
        team = cast.teams[op[2]]
        await auth.update_user(db, admin, user.id, UserInput(user.name, Role.rep, team, user.version))
        return
    live = await _live(db)
    if not live:
        return
    deal = live[op[1] % len(live)]
    if kind == "amount":
        await services.update_deal(db, admin, clock, deal.id, edited(deal, amount_jpy=str(op[2] or "")))
    elif kind == "close":
        day = (CLOSE + timedelta(days=op[2])).isoformat()
        await services.update_deal(db, admin, clock, deal.id, edited(deal, expected_close_date=day))
    elif kind == "owner":
        await services.update_deal(db, admin, clock, deal.id, edited(deal, owner_id=str(cast.reps[op[2]])))
    elif kind == "forecast":
        forecast = Forecast(op[2])
        await services.set_forecast(db, admin, deal.id, forecast=forecast, reason="理由", seen_version=deal.version)
    elif kind == "delete":
        await services.delete_deal(db, admin, clock, deal.id, seen_version=deal.version)
    elif kind == "pipeline":
        target = next(p for pid, p in cast.pipelines.items() if pid != deal.pipeline_id)
        first_open = next(i for i, k in target if k == StageKind.open)
        await services.update_deal(db, admin, clock, deal.id, edited(deal, stage_id=str(first_open)))
    elif kind == "move":
        stages = cast.pipelines[deal.pipeline_id]
        stage, stage_kind = stages[op[2] % len(stages)]
        data = MoveInput(stage_id=stage, seen_version=deal.version, amount_jpy=deal.amount_jpy or 100_000,
                         expected_close_date=deal.expected_close_date or CLOSE,
                         lost_reason_id=cast.reason if stage_kind == StageKind.lost else None)  # fmt: skip
        await moves.move_deal(db, admin, clock, deal.id, data)


async def _snapshot(db: AsyncSession) -> Snapshot:
    deals = {row.id: asof.state_of(row) for row in await db.execute(asof.state_columns())}
    teams = {row.id: row.team_id for row in await db.execute(select(User.id, User.team_id))}
    return Snapshot(datetime.now(UTC), deals, teams)


def _in_scope(cast: Cast, scope: Scope, snap: Snapshot, state: asof.DealState) -> bool:
    stage = cast.stages[state.stage_id]
    team = snap.teams.get(state.owner_id) if state.owner_id is not None else None
    return (
        stage.kind == StageKind.open
        and scope.pipeline_id in (None, stage.pipeline_id)
        and scope.owner_id in (None, state.owner_id)
        and (scope.team_id is None or (state.owner_id is not None and team == scope.team_id))
        and visible(scope.actor, state.owner_id, team)
    )


def _expected(cast: Cast, scope: Scope, snap: Snapshot) -> tuple[dict[int, asof.DealState], tuple[int, int, int]]:
    scoped = {i: s for i, s in snap.deals.items() if _in_scope(cast, scope, snap, s)}
    raw = sum(
        (s.amount_jpy or 0) * (s.probability if s.probability is not None else cast.stages[s.stage_id].probability)
        for s in scoped.values()
    )
    return scoped, (len(scoped), sum(s.amount_jpy or 0 for s in scoped.values()), (raw + 50) // 100)


def _check(cast: Cast, result: changes.Changes, scope: Scope, first: Snapshot, last: Snapshot) -> None:
    at_since, start = _expected(cast, scope, first)
    at_until, end = _expected(cast, scope, last)
    assert (result.start.count, result.start.amount_jpy, result.start.weighted_jpy) == start
    assert (result.end.count, result.end.amount_jpy, result.end.weighted_jpy) == end
    assert result.start.amount_jpy + sum(row.amount_jpy for row in result.bridge) == result.end.amount_jpy
    quiet = [c.deal_id for c in result.quiet_deals]
    listed = [c.deal_id for c in result.deals] + quiet
    assert len(listed) == len(set(listed)), "a deal in two categories"
    assert sum(row.count for row in result.bridge) == len(listed)
    assert set(at_since) | set(at_until) <= set(listed)
    categories = {c.deal_id: c.category for c in result.deals} | dict.fromkeys(quiet, "unchanged")
    for deal_id, category in categories.items():
        before, after = at_since.get(deal_id), at_until.get(deal_id)
        if before and after:
            delta = (after.amount_jpy or 0) - (before.amount_jpy or 0)
            assert category == ("increased" if delta > 0 else "decreased" if delta < 0 else "unchanged")
        elif before:
            now = last.deals.get(deal_id)
            kind = cast.stages[now.stage_id].kind if now else None
            assert category == {"won": "won", "lost": "lost"}.get(kind, "removed")
        elif after:
            assert category == ("added" if deal_id in first.deals else "new")
        else:
            assert category == "created_and_closed" and deal_id not in first.deals


@given(seeds=SEEDS, changes_=OPS, marks=st.tuples(st.integers(0, 20), st.integers(0, 20)))
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_start_plus_the_bridge_is_the_end_and_the_past_is_what_it_was(engine, seeds, changes_, marks):
    await _fresh(engine)
    ops = seeds + changes_
    since_after = len(seeds) - 1 + marks[0] % (len(changes_) + 1)  # at least one save in the period
    until_after = since_after + 1 + marks[1] % (len(ops) - since_after)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        cast = await _cast(db)
        set_actor(db, await db.get(User, cast.admin))
        snaps: dict[str, Snapshot] = {}
        for n, op in enumerate([*ops, None]):
            if n == min(since_after, len(ops)):
                snaps.setdefault("since", await _snapshot(db))
            if n == min(until_after, len(ops)) and "since" in snaps:
                snaps.setdefault("until", await _snapshot(db))
                for scope in await _scopes(db, cast):  # the review page views the period: kept, then advanced
                    await kept.bridge(db, scope, snaps["since"].at, datetime.now(UTC), until_given=False)
            if op is not None:
                try:
                    await _apply(db, cast, op)
                    await db.commit()
                except Invalid:
                    await db.rollback()
        first, last = snaps["since"], snaps.get("until") or await _snapshot(db)
        for snap in (first, last):
            assert await asof.pipeline_at(db, snap.at) == snap.deals
        for scope in await _scopes(db, cast):
            result = await changes.compute(db, scope, first.at, last.at, list_quiet=True)
            _check(cast, result, scope, first, last)
            page = await kept.bridge(db, scope, first.at, datetime.now(UTC), until_given=False)
            assert _figures(page) == _figures(await changes.compute(db, scope, first.at, page.until, detailed=False))


async def _scopes(db: AsyncSession, cast: Cast) -> list[Scope]:
    default = next(iter(cast.pipelines))
    scopes = [(cast.admin, {}), (cast.manager, {"team_id": cast.teams[0]}), (cast.admin, {"pipeline_id": default}),
              (cast.reps[0], {}), (cast.manager, {"owner_id": cast.reps[1]})]  # fmt: skip
    return [Scope(await db.get(User, actor_id, populate_existing=True), **narrowed) for actor_id, narrowed in scopes]


def _figures(result: changes.Changes) -> tuple:
    """What the review page shows of a bridge (kept.py keeps it)."""
    return (
        (result.start.count, result.start.amount_jpy, result.start.weighted_raw),
        (result.end.count, result.end.amount_jpy, result.end.weighted_raw),
        [(row.category, row.count, row.amount_jpy) for row in result.bridge],
        sorted((d.deal_id, d.category, d.amount_delta_jpy, tuple(d.flags)) for d in result.deals),
        sorted((q.stage_id, q.owner_id, q.count, q.amount_jpy, q.weighted_raw) for q in result.quiet if q.count),
    )
