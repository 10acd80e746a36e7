"""The activity timeline of a company: what was done, newest first, and who changed its key fields."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from salesdesk.accounts import people, services
from salesdesk.accounts.models import Company
from salesdesk.accounts.timeline import CHANGE, PAGE_SIZE, add_activity, delete_activity, timeline
from salesdesk.audit.hook import set_actor
from salesdesk.errors import Invalid
from tests.accounts.conftest import CLOCK, activity, company_edit, person_edit

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
async def company(rep, make_company):
    return await make_company(rep, "株式会社サンプル")


async def log(db, actor, company, kind, subject, when="") -> None:
    await add_activity(db, actor, company.id, activity(kind=kind, subject=subject, occurred_at=when))
    await db.commit()


async def last_contact(db, company) -> datetime | None:
    return await db.scalar(select(Company.last_contact_at).where(Company.id == company.id))


async def test_logged_activities_show_newest_first_whatever_order_they_were_entered(db, rep, company):
    await log(db, rep, company, "visit", "初回訪問", "2026-04-01T10:00")
    await log(db, rep, company, "call", "お礼の電話", "2026-04-03T09:30")
    await log(db, rep, company, "meeting", "要件ヒアリング", "2026-04-02T15:00")

    page = await timeline(db, company_id=company.id)

    assert [item.activity.subject for item in page.items] == ["お礼の電話", "要件ヒアリング", "初回訪問"]


async def test_an_activity_time_typed_without_a_zone_is_the_reps_local_time(db, rep, company):
    await log(db, rep, company, "visit", "初回訪問", "2026/04/01 10:00")

    page = await timeline(db, company_id=company.id)

    assert page.items[0].at == datetime(2026, 4, 1, 10, 0, tzinfo=TOKYO)


async def test_the_timeline_filtered_by_kind_shows_only_that_kind(db, rep, company):
    await log(db, rep, company, "call", "電話1", "2026-04-01T10:00")
    await log(db, rep, company, "note", "メモ", "2026-04-02T10:00")
    await log(db, rep, company, "call", "電話2", "2026-04-03T10:00")

    page = await timeline(db, company_id=company.id, kind="call")

    assert [(item.kind, item.activity.subject) for item in page.items] == [("call", "電話2"), ("call", "電話1")]


async def test_an_owner_change_shows_in_the_timeline_as_a_change_with_before_and_after(db, rep, manager, company):
    await log(db, rep, company, "visit", "初回訪問", "2026-04-01T10:00")
    set_actor(db, manager)
    await services.update_company(db, manager, company.id, company_edit(company, owner_id=str(manager.id)))
    await db.commit()

    page = await timeline(db, company_id=company.id)

    change = page.items[0]
    assert (change.kind, change.change.actor_id) == (CHANGE, manager.id)
    assert change.fields == [("owner_id", rep.id, manager.id)]
    assert page.items[1].activity.subject == "初回訪問"


async def test_a_rename_shows_in_the_changes_only_timeline(db, rep, company):
    set_actor(db, rep)
    await services.update_company(db, rep, company.id, company_edit(company, name="株式会社サンプル商事"))
    await db.commit()

    page = await timeline(db, company_id=company.id, kind=CHANGE)

    assert [item.fields for item in page.items] == [[("name", "株式会社サンプル", "株式会社サンプル商事")]]


async def test_a_change_of_notes_only_is_not_shown_in_the_timeline(db, rep, company):
    set_actor(db, rep)
    await services.update_company(db, rep, company.id, company_edit(company, notes="受付は2階"))
    await db.commit()

    assert (await timeline(db, company_id=company.id)).items == []


async def test_a_call_updates_the_last_contact_of_the_company(db, rep, company):
    await log(db, rep, company, "call", "電話", "2026-04-01T10:00")

    assert await last_contact(db, company) == datetime(2026, 4, 1, 10, 0, tzinfo=TOKYO)


async def test_a_note_does_not_count_as_contact(db, rep, company):
    await log(db, rep, company, "note", "社内メモ", "2026-04-01T10:00")

    assert await last_contact(db, company) is None


async def test_logging_an_older_call_later_keeps_the_newest_contact(db, rep, company):
    await log(db, rep, company, "call", "最近の電話", "2026-04-10T10:00")
    await log(db, rep, company, "visit", "先月の訪問（後から記録）", "2026-03-10T10:00")

    assert await last_contact(db, company) == datetime(2026, 4, 10, 10, 0, tzinfo=TOKYO)


async def test_logging_a_call_does_not_make_an_open_edit_form_stale(db, rep, company):
    form = company_edit(company, industry="製造業")
    await log(db, rep, company, "call", "電話")

    await services.update_company(db, rep, company.id, form)

    assert company.industry == "製造業"


async def test_an_activity_without_a_subject_is_refused(db, rep, company):
    with pytest.raises(Invalid) as error:
        await add_activity(db, rep, company.id, activity(kind="call", subject="  "))

    assert error.value.errors == {"subject": "required"}


async def test_the_timeline_is_paged_and_says_when_more_follow(db, rep, company):
    start = datetime(2026, 1, 5, 9, 0, tzinfo=TOKYO)
    for n in range(1, PAGE_SIZE + 6):
        when = (start + timedelta(hours=n)).isoformat()
        await add_activity(db, rep, company.id, activity(kind="call", subject=f"電話{n}", occurred_at=when))
    await db.commit()

    first = await timeline(db, company_id=company.id)
    second = await timeline(db, company_id=company.id, page=2)

    assert (len(first.items), first.has_more) == (PAGE_SIZE, True)
    assert (len(second.items), second.has_more) == (5, False)
    subjects = [item.activity.subject for item in first.items + second.items]
    assert subjects == [f"電話{n}" for n in range(PAGE_SIZE + 5, 0, -1)]


async def test_deleting_the_only_call_clears_the_last_contact(db, rep, company):
    call = await add_activity(db, rep, company.id, activity(kind="call", subject="電話"))

    await delete_activity(db, rep, call.id)

    assert await last_contact(db, company) is None


async def test_a_persons_timeline_shows_the_activities_naming_them_and_their_promotion(db, rep, company, make_person):
    yamada = await make_person(rep, company, "山田 太郎", title="課長")
    sato = await make_person(rep, company, "佐藤 花子")
    await add_activity(
        db,
        rep,
        company.id,
        activity([str(yamada.id)], kind="visit", subject="山田さん訪問", occurred_at="2026-04-01T10:00"),
    )
    await add_activity(
        db,
        rep,
        company.id,
        activity([str(sato.id)], kind="call", subject="佐藤さんへ電話", occurred_at="2026-04-02T10:00"),
    )
    set_actor(db, rep)
    await people.update_person(db, rep, yamada.id, person_edit(yamada, title="部長"), CLOCK)
    await db.commit()

    page = await timeline(db, person_id=yamada.id)

    assert [(item.kind, item.fields or item.activity.subject) for item in page.items] == [
        (CHANGE, [("title", "課長", "部長")]),
        ("visit", "山田さん訪問"),
    ]
