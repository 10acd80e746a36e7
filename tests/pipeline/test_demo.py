"""The demo pipeline (`salesdesk demo`): a board that tells a story on first start, whose history
agrees with every deal, and that a second run leaves alone. One demo database per backend serves
the module."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk import demo, migrate
from salesdesk.accounts.models import Activity
from salesdesk.auth.models import User
from salesdesk.db import run_async, utcnow
from salesdesk.i18n import local_today
from salesdesk.pipeline import board, committee, moves
from salesdesk.pipeline.demo_story import TOKYO
from salesdesk.pipeline.filters import DealFilter
from salesdesk.pipeline.models import Deal, DealContact, DealEvent, Stage
from salesdesk.tasks.models import Task, TaskStatus


@pytest.fixture(scope="module")
def loaded(db_url: str, fresh_database) -> tuple[str, dict[str, int]]:
    """A database of this module's own holding the demo, loaded once per backend: the tests only read it
    (loading takes seconds)."""
    url = fresh_database("sqlite" if db_url.startswith("sqlite") else "postgresql", "demo_story")
    migrate.upgrade(url)
    return url, run_async(_load_into(url))


async def _load_into(url: str) -> dict[str, int]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        created = await load_demo(session)
    await engine.dispose()
    return created


@pytest.fixture
async def db(loaded: tuple[str, dict[str, int]]) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(loaded[0], poolclass=NullPool)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    await engine.dispose()


async def load_demo(db: AsyncSession) -> dict[str, int]:
    created = await demo.load(db)
    await db.commit()
    return created


async def row_counts(db) -> dict[str, int]:
    return {
        model.__name__: await db.scalar(select(func.count()).select_from(model))
        for model in (Deal, DealEvent, DealContact, Task, Activity)
    }


async def demo_user(db, email: str) -> User:
    return await db.scalar(select(User).where(User.email == email))


async def test_demo_loads_about_120_deals_in_every_stage_and_a_second_run_changes_nothing(db, loaded):
    first = loaded[1]
    before = await row_counts(db)

    second = await load_demo(db)

    assert first["deals"] == 120 and second["deals"] == 0
    assert await row_counts(db) == before
    per_stage = Counter((await db.execute(select(Stage.name).join(Deal, Deal.stage_id == Stage.id))).scalars())
    assert set(per_stage) == {"リード", "商談化", "提案", "見積提出", "交渉", "受注", "失注"}
    assert per_stage["リード"] > per_stage["交渉"]  # a funnel: more early than late
    assert per_stage["受注"] >= 20 and per_stage["失注"] >= 15


async def test_rep_board_has_next_actions_some_overdue_some_today_and_a_few_stale_deals(db):
    rep = await demo_user(db, "rep@example.com")

    result = await board.board(db, rep, DealFilter(owner_id=rep.id), per_page=100)

    cards = [card for column in result.columns for card in column.cards]
    assert 25 <= len(cards) <= 30 and all(column.count for column in result.columns)
    assert sum(card.next_action is not None for card in cards) >= 20
    assert any(card.overdue for card in cards)
    assert any(card.next_action and card.next_action.due_on == local_today() for card in cards)
    assert any(card.is_idle and not card.lacks_next_action for card in cards)  # quiet for too long
    assert any(card.lacks_next_action and not card.is_idle for card in cards)  # active, but no plan
    assert len({card.deal.company_id for card in cards}) >= 5


async def test_manager_board_shows_the_whole_team_and_not_the_other_team(db):
    manager, rep = await demo_user(db, "manager@example.com"), await demo_user(db, "rep@example.com")

    result = await board.board(db, manager, DealFilter(), per_page=100)

    owners = {card.deal.owner_email for column in result.columns for card in column.cards}
    assert owners == {"rep@example.com", "rep3@example.com", "manager@example.com"}
    assert result.count > (await board.board(db, manager, DealFilter(owner_id=rep.id))).count


async def test_won_and_lost_deals_have_their_dates_amounts_and_lost_reasons(db):
    today = local_today()

    closed = list(
        await db.scalars(
            select(Deal).join(Stage, Deal.stage_id == Stage.id).where(Stage.kind != "open").order_by(Deal.id)
        )
    )

    won = [d for d in closed if d.won_on is not None]
    lost = [d for d in closed if d.lost_on is not None]
    assert len(won) + len(lost) == len(closed) and won and lost
    assert all(d.won_on <= today and d.amount_jpy and d.expected_close_date == d.won_on for d in won)
    assert all(d.lost_on <= today and d.lost_reason_id and d.lost_note for d in lost)
    assert len({d.won_on.month for d in won}) >= 5  # spread over the past months
    assert all(300_000 <= d.amount_jpy <= 48_000_000 for d in closed)


async def test_every_deal_history_replays_to_the_deal_as_it_is(db):
    now = utcnow()
    stages = {s.id: s for s in await db.scalars(select(Stage))}
    events: dict[int, list[DealEvent]] = {}
    for event in await db.scalars(select(DealEvent).order_by(DealEvent.at, DealEvent.id)):
        events.setdefault(event.deal_id, []).append(event)

    for deal in await db.scalars(select(Deal)):
        history = events[deal.id]
        assert history[0].field == "stage_id" and history[0].old_value is None and history[0].at == deal.created_at
        for field in {e.field for e in history}:
            chain = [e for e in history if e.field == field]
            assert all(a.new_value == b.old_value for a, b in zip(chain, chain[1:], strict=False)), (deal.title, field)
            assert chain[-1].new_value == DealEvent.text(getattr(deal, field)), (deal.title, field)
        assert [e for e in history if e.field == "stage_id"][-1].at == deal.stage_entered_at
        assert all(e.at <= now for e in history)
        values = {key: getattr(deal, key) for key in ("amount_jpy", "expected_close_date", "lost_reason_id")}
        assert not moves.missing_requirements(stages[deal.stage_id], values, has_primary=True), deal.title
        for entry in [e for e in history if e.field == "stage_id"][1:]:  # the stage's rules held when it was entered
            then = {
                key: value_at(history, key, entry.at, getattr(deal, key))
                for key in ("amount_jpy", "expected_close_date")
            }
            stage = stages[int(entry.new_value)]
            assert not moves.missing_requirements(stage, then | {"lost_reason_id": 1}, has_primary=True), deal.title
    fields = Counter(e.field for history in events.values() for e in history)
    assert {"stage_id", "amount_jpy", "expected_close_date", "forecast", "probability", "owner_id"} <= set(fields)


def value_at(history: list[DealEvent], field: str, at, now_value):
    """The field's value at `at`, as the events tell it (None when unset)."""
    later = [e for e in history if e.field == field and e.at > at]
    return later[0].old_value if later else DealEvent.text(now_value)


async def test_every_story_keeps_its_order_whenever_the_demo_is_loaded(db):
    """The stories are dated relative to the moment of loading: two stages entered on one workday, an evening
    change moved to office hours. Decided (not written) for a moment every 5 hours over 12 days from now, every
    deal's history runs forward from its creation, and nothing is in the future."""
    from salesdesk.pipeline import demo as pipeline_demo

    users = {u.email: u for u in await db.scalars(select(User))}
    found = await pipeline_demo.inputs(db, users)
    start = utcnow()
    for hours in range(0, 12 * 24, 5):
        now = start + timedelta(hours=hours)
        decided = pipeline_demo.Demo(**found, now=now, today=now.astimezone(TOKYO).date())
        for plan in decided.plans():
            built = decided.build(plan)
            history = [c for c in built.children if isinstance(c, DealEvent)]
            moments = [e.at for e in history]
            assert history[0].old_value is None and moments[0] == built.deal.created_at, (now, plan.title)
            assert moments == sorted(moments) and moments[-1] <= now, (now, plan.title, moments)


async def test_forecast_drops_carry_their_reason(db):

    drops = [
        e
        for e in await db.scalars(select(DealEvent).where(DealEvent.field == "forecast"))
        if e.old_value and e.new_value > e.old_value
    ]  # "C" > "B" > "A": a lower ヨミ

    assert drops and all(e.note for e in drops)


async def test_last_activity_is_the_newest_completed_activity_or_task_of_each_deal(db):
    newest: dict[int, list] = {}
    for deal_id, at in await db.execute(
        select(Activity.deal_id, Activity.occurred_at).where(Activity.deal_id.is_not(None))
    ):
        newest.setdefault(deal_id, []).append(at)
    for deal_id, at in await db.execute(select(Task.deal_id, Task.completed_at).where(Task.status == TaskStatus.done)):
        newest.setdefault(deal_id, []).append(at)

    deals = list(await db.scalars(select(Deal)))

    assert all(deal.last_activity_at == (max(newest[deal.id]) if deal.id in newest else None) for deal in deals)
    assert sum(deal.id in newest for deal in deals) >= 110


async def test_buying_committees_have_one_primary_contact_and_some_warn_about_the_decision_maker(db, clock):
    open_deals = list(
        await db.scalars(
            select(Deal).join(Stage, Deal.stage_id == Stage.id).where(Stage.kind == "open", Stage.position >= 2)
        )
    )

    warnings = Counter()
    for deal in open_deals:
        contacts = await committee.committee(db, deal.id)
        assert sum(c.is_primary for c in contacts) == 1, deal.title
        warnings[(await committee.coverage(db, contacts, now=clock.now())).warning] += 1

    assert warnings[None] >= 10  # most committees reach the decision maker …
    assert warnings["decision_maker.missing"] and warnings["decision_maker.not_contacted"]  # … a few do not
