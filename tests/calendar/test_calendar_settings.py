"""The admin sets the company's closure days and each pipeline's renewal lead time; N営業日後 on a task
form follows them."""

from datetime import date

from sqlalchemy import select

from salesdesk.calendar.business_days import business_calendar
from salesdesk.pipeline.models import Pipeline


async def test_admin_closes_obon_and_a_founding_day_and_business_days_skip_them(db, login, admin):
    client = await login(admin)

    r = await client.post(
        "/admin/calendar",
        data={"closes_year_end": "1", "closes_obon": "1", "closed_days": "2027-06-01\n2027年6月2日", "version": "0"},
    )

    assert r.status_code == 303
    calendar = await business_calendar(db)
    assert calendar.add(date(2027, 8, 12), 1) == date(2027, 8, 17)
    assert calendar.add(date(2027, 5, 31), 1) == date(2027, 6, 3)
    page = await client.get("/admin/calendar")
    assert "2027-06-01\n2027-06-02</textarea>" in page.text


async def test_admin_opening_over_the_new_year_makes_12_29_a_business_day(db, login, admin):
    client = await login(admin)

    await client.post("/admin/calendar", data={"closes_year_end": "", "closed_days": "", "version": "0"})

    assert (await business_calendar(db)).is_business_day(date(2026, 12, 29))


async def test_a_bad_closure_date_is_refused_with_the_input_kept(login, admin):
    client = await login(admin)

    r = await client.post("/admin/calendar", data={"closes_year_end": "1", "closed_days": "6月31日", "version": "0"})

    assert r.status_code == 422
    assert "6月31日" in r.text


async def test_two_admins_saving_closures_from_the_same_page_the_second_gets_409(db, login, admin):
    first, second = await login(admin), await login(admin)
    await first.post("/admin/calendar", data={"closes_year_end": "1", "closed_days": "", "version": "0"})

    r = await second.post("/admin/calendar", data={"closes_year_end": "", "closed_days": "", "version": "0"})

    assert r.status_code == 409
    assert not (await business_calendar(db)).is_business_day(date(2026, 12, 29))


async def test_admin_sets_the_renewal_lead_time_of_a_pipeline(db, login, admin, pipeline):
    client = await login(admin)

    r = await client.post(
        f"/admin/calendar/pipelines/{pipeline.id}", data={"renewal_lead_days": "90", "version": str(pipeline.version)}
    )

    assert r.status_code == 303
    saved = await db.scalar(
        select(Pipeline).where(Pipeline.id == pipeline.id).execution_options(populate_existing=True)
    )
    assert saved.renewal_lead_days == 90


async def test_a_rep_may_not_see_or_change_the_calendar_settings(login, rep):
    client = await login(rep)

    assert (await client.get("/admin/calendar")).status_code == 403
    assert (await client.post("/admin/calendar", data={"version": "0"})).status_code == 403
