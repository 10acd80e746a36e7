"""Merging duplicate accounts keeps the deals, tasks and buying committees they carry."""

from sqlalchemy import func, select

from salesdesk.accounts import merge
from salesdesk.pipeline import committee
from salesdesk.pipeline.forms import ContactForm, parse_contact
from salesdesk.pipeline.models import Deal, DealContact
from salesdesk.tasks.models import Task


async def test_merging_a_duplicate_company_moves_its_deals_and_tasks_to_the_survivor(
    db, rep, manager, make_company, make_deal
):
    survivor = await make_company(rep, "株式会社サンプル")
    duplicate = await make_company(rep, "（株）サンプル")
    deal = await make_deal(rep, "提案", company=duplicate)

    await merge.merge_companies(db, manager, survivor.id, duplicate.id)
    await db.commit()

    assert await db.scalar(select(Deal.company_id).where(Deal.id == deal.id)) == survivor.id
    assert await db.scalar(select(Task.company_id).where(Task.deal_id == deal.id)) == survivor.id
    assert set((await merge.orphan_counts(db)).values()) == {0}


async def test_merging_duplicate_persons_keeps_one_seat_in_a_committee_they_both_sat_in(
    db, rep, manager, make_company, make_person, make_deal
):
    company = await make_company(rep, "株式会社サンプル")
    person = await make_person(rep, company, "山田 太郎", email="yamada@example.jp")
    twin = await make_person(rep, company, "山田太郎", phone="03-1234-5678")
    both = await make_deal(rep, "提案", company=company, title="両方が関係者")
    only_twin = await make_deal(rep, "提案", company=company, title="片方だけ")
    for deal, people in ((both, (person, twin)), (only_twin, (twin,))):
        for p in people:
            await committee.add_contact(
                db, rep, deal.id, parse_contact(ContactForm(person_id=str(p.id), role="decision_maker"))
            )
    await db.commit()

    await merge.merge_persons(db, manager, person.id, twin.id)
    await db.commit()

    seats = (await db.execute(select(DealContact.deal_id, func.count()).group_by(DealContact.deal_id))).all()
    assert sorted(seats) == sorted([(both.id, 1), (only_twin.id, 1)])
    assert set(await db.scalars(select(DealContact.person_id))) == {person.id}
