"""Moving deals between stages: the stage's entry rules, won/lost, history, 409, who may move."""

from datetime import date

import pytest
from sqlalchemy import select

from salesdesk.errors import Forbidden, Invalid, NotFound, StaleEdit
from salesdesk.pipeline import moves
from salesdesk.pipeline.forms import MoveForm, parse_deal, parse_move
from salesdesk.pipeline.models import DealEvent, LostReason
from salesdesk.tasks.models import Task
from tests.pipeline.conftest import reload


def move(deal, stage, **values):
    return MoveForm(stage_id=str(stage.id), version=deal.version, **values)


async def test_rep_moving_a_deal_without_an_amount_into_quote_submitted_is_told_what_is_missing(
    db, rep, make_deal, stage, clock
):
    deal = await make_deal(rep, "提案")

    with pytest.raises(Invalid) as error:
        await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("見積提出"))))

    assert error.value.errors == {"amount_jpy": "stage.requires", "expected_close_date": "stage.requires"}
    assert (await reload(db, deal)).stage_id == stage("提案").id


async def test_rep_gives_the_missing_fields_with_the_move_and_the_deal_enters_the_stage(
    db, rep, make_deal, stage, clock
):
    deal = await make_deal(rep, "提案")

    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(move(deal, stage("見積提出"), amount_jpy="120万", expected_close_date="2027/01/31")),
    )
    await db.commit()

    saved = await reload(db, deal)
    assert saved.stage_id == stage("見積提出").id
    assert saved.amount_jpy == 1_200_000
    assert saved.expected_close_date == date(2027, 1, 31)


async def test_a_deal_that_has_the_required_fields_moves_without_asking(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "提案", amount_jpy="500000", expected_close_date="2027-02-01")

    await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("見積提出"))))

    assert deal.stage_id == stage("見積提出").id


async def test_moving_to_lost_needs_a_lost_reason_and_records_it_with_the_date(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "交渉", amount_jpy="500000", expected_close_date="2027-02-01")
    with pytest.raises(Invalid) as error:
        await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("失注"))))
    assert error.value.errors == {"lost_reason_id": "stage.requires"}
    deal = await reload(db, deal)
    reason = await db.scalar(select(LostReason).where(LostReason.name == "価格"))

    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(
            move(deal, stage("失注"), lost_reason_id=str(reason.id), lost_note="他社が2割安い", closed_on="2026-11-20")
        ),
    )

    assert (deal.lost_reason_id, deal.lost_note, deal.lost_on, deal.won_on) == (
        reason.id,
        "他社が2割安い",
        date(2026, 11, 20),
        None,
    )


async def test_moving_to_won_sets_the_won_date_and_the_probability_to_the_stages(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "交渉", amount_jpy="500000", expected_close_date="2027-02-01", probability="70")

    await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("受注"))))

    assert deal.won_on is not None and deal.lost_on is None
    assert deal.probability is None and deal.probability_in(stage("受注")) == 100


async def test_a_move_is_one_save_of_the_deal(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード")
    before = deal.version

    await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("商談化"), after_id="", before_id="")))
    await db.commit()

    assert (await reload(db, deal)).version == before + 1


async def test_editing_the_stage_in_the_deal_form_is_one_save_too(db, rep, make_deal, stage, clock):
    from salesdesk.pipeline import services
    from tests.pipeline.conftest import deal_form

    deal = await make_deal(rep, "リード")
    before = deal.version

    await services.update_deal(db, rep, clock, deal.id, parse_deal(deal_form(deal, stage_id=str(stage("商談化").id))))
    await db.commit()

    assert (await reload(db, deal)).version == before + 1


async def test_a_move_is_recorded_in_the_history_with_who_and_from_where(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード")

    await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("商談化"))))
    await db.commit()

    events = list(
        await db.scalars(
            select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.field == "stage_id").order_by(DealEvent.id)
        )
    )
    assert [(e.old_value, e.new_value) for e in events] == [
        (None, str(stage("リード").id)),
        (str(stage("リード").id), str(stage("商談化").id)),
    ]
    assert events[-1].actor_id == rep.id


async def test_a_move_into_an_open_stage_without_a_next_action_asks_for_one(db, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード", next_action=False)

    result = await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("商談化"))))

    assert result.needs_next_action
    assert deal.stage_id == stage("商談化").id


async def test_with_next_actions_mandatory_a_move_without_one_is_refused(
    db, rep, make_deal, stage, require_next_action, clock
):
    deal = await make_deal(rep, "リード", next_action=False)
    await require_next_action()

    with pytest.raises(Invalid) as error:
        await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("商談化"))))

    assert error.value.errors == {"next_title": "next_action.required"}


async def test_a_next_action_given_with_the_move_becomes_the_deals_task(
    db, rep, make_deal, stage, require_next_action, clock
):
    deal = await make_deal(rep, "リード", next_action=False)
    await require_next_action()

    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(move(deal, stage("商談化"), next_title="初回訪問", next_kind="visit", next_due_on="2026-12-01")),
    )

    task = await db.scalar(select(Task).where(Task.deal_id == deal.id))
    assert (task.title, task.kind, task.due_on, task.owner_id) == ("初回訪問", "visit", date(2026, 12, 1), rep.id)


async def test_rep_cannot_move_another_reps_deal_in_the_same_team(
    db, rep, make_user, team_east, make_deal, stage, clock
):
    colleague = await make_user("rep", team_east, name="同僚 一郎")
    deal = await make_deal(colleague, "リード")

    with pytest.raises(Forbidden):
        await moves.move_deal(db, rep, clock, deal.id, parse_move(move(deal, stage("商談化"))))


async def test_rep_of_another_team_does_not_even_see_the_deal(db, rep, other_rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード")

    with pytest.raises(NotFound):
        await moves.move_deal(db, other_rep, clock, deal.id, parse_move(move(deal, stage("商談化"))))


async def test_manager_moves_a_deal_of_the_team(db, rep, manager, make_deal, stage, clock):
    deal = await make_deal(rep, "リード")

    await moves.move_deal(db, manager, clock, deal.id, parse_move(move(deal, stage("商談化"))))

    assert deal.stage_id == stage("商談化").id


async def test_two_users_moving_the_same_card_from_the_same_board_the_second_gets_409(
    db, rep, manager, make_deal, stage, clock
):
    deal = await make_deal(rep, "提案", amount_jpy="300000", expected_close_date="2027-01-10")
    seen = deal.version  # both drew the board now
    await moves.move_deal(
        db, manager, clock, deal.id, parse_move(MoveForm(stage_id=str(stage("見積提出").id), version=seen))
    )
    await db.commit()

    with pytest.raises(StaleEdit):
        await moves.move_deal(
            db, rep, clock, deal.id, parse_move(MoveForm(stage_id=str(stage("交渉").id), version=seen))
        )

    assert (await reload(db, deal)).stage_id == stage("見積提出").id


async def test_reordering_within_a_column_keeps_the_dropped_order(db, rep, make_deal, stage, clock):
    first, second, third = [await make_deal(rep, "提案", title=f"案件{n}") for n in range(3)]
    # New deals go on top: the column reads third, second, first.

    await moves.move_deal(
        db,
        rep,
        clock,
        first.id,
        parse_move(
            MoveForm(
                stage_id=str(stage("提案").id), version=first.version, after_id=str(third.id), before_id=str(second.id)
            )
        ),
    )
    await db.commit()

    ranks = {d.id: (await reload(db, d)).board_rank for d in (first, second, third)}
    assert sorted(ranks, key=ranks.get) == [third.id, first.id, second.id]


async def test_a_drop_between_cards_with_no_room_left_renumbers_the_column(db, rep, make_deal, stage, clock):
    top, bottom, moving = [await make_deal(rep, "提案", title=f"案件{n}") for n in range(3)]
    await db.execute(__import__("sqlalchemy").update(type(top)).where(type(top).id == top.id).values(board_rank=10))
    await db.execute(__import__("sqlalchemy").update(type(top)).where(type(top).id == bottom.id).values(board_rank=11))
    await db.commit()

    await moves.move_deal(
        db,
        rep,
        clock,
        moving.id,
        parse_move(
            MoveForm(
                stage_id=str(stage("提案").id), version=moving.version, after_id=str(top.id), before_id=str(bottom.id)
            )
        ),
    )
    await db.commit()

    ranks = {d.id: (await reload(db, d)).board_rank for d in (top, bottom, moving)}
    assert ranks[top.id] < ranks[moving.id] < ranks[bottom.id]
