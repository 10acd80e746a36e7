"""人事異動 recorded after the fact: the history reads by effective date, the post first recorded "as of the
day it was typed in" gives way to a back-dated move, and the timeline shows the move on its effective date."""

from __future__ import annotations

from datetime import timedelta

from salesdesk.accounts import people, timeline
from salesdesk.accounts.timeline import add_activity
from tests.accounts.conftest import CLOCK, activity, person_edit


async def test_a_back_dated_move_is_the_current_post_and_tops_the_history(db, rep, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    person = await make_person(rep, company, "佐藤 一郎", title="課長")  # entered today, post "as of today"
    effective = CLOCK.today() - timedelta(days=61)

    await people.update_person(
        db, rep, person.id, person_edit(person, title="部長", moved_on=effective.isoformat()), CLOCK
    )
    await db.commit()

    moves = await people.person_moves(db, person.id)
    assert [(m.effective_on, m.title) for m in moves] == [
        (effective, "部長"),
        (effective - timedelta(days=1), "課長"),  # held until the day before the move, as far as we know
    ]
    assert person.title == "部長"


async def test_a_move_dated_on_purpose_keeps_its_date(db, rep, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    person = await make_person(rep, company, "佐藤 一郎", title="課長", moved_on="2025-04-01")

    await people.update_person(db, rep, person.id, person_edit(person, title="部長", moved_on="2025-10-01"), CLOCK)

    moves = await people.person_moves(db, person.id)
    assert [(m.effective_on.isoformat(), m.title) for m in moves] == [("2025-10-01", "部長"), ("2025-04-01", "課長")]


async def test_the_timeline_shows_a_move_on_its_effective_date_not_the_day_it_was_typed_in(
    db, rep, make_company, make_person
):
    company = await make_company(rep, "青葉精機株式会社")
    person = await make_person(rep, company, "佐藤 一郎", title="課長", moved_on="2025-04-01")
    await add_activity(
        db, rep, company.id, activity([str(person.id)], subject="導入後の定例", occurred_at="2025-11-10T10:00")
    )
    await add_activity(
        db, rep, company.id, activity([str(person.id)], subject="更新の相談", occurred_at="2025-09-10T10:00")
    )
    await people.update_person(db, rep, person.id, person_edit(person, title="部長", moved_on="2025-10-01"), CLOCK)
    await db.commit()

    items = (await timeline.timeline(db, person_id=person.id)).items

    order = [item.activity.subject if item.activity else item.fields for item in items if item.activity or item.move]
    assert order == ["導入後の定例", [("title", "課長", "部長")], "更新の相談"]
    assert not [item for item in items if item.change and "title" in item.change.changes]  # no second entry today
