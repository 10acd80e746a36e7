"""The deal page's panels: the inline ヨミ change (a reason when it drops, 409 from a stale page)
and the timeline with its activities, completed tasks and paging."""

from sqlalchemy import select

from salesdesk.accounts.forms import ActivityForm
from salesdesk.pipeline.models import DealEvent
from salesdesk.tasks.models import Task
from tests.conftest import HTMX
from tests.pipeline.conftest import add_activity, reload

# --- ヨミ on the deal page -----------------------------------------------------------------------


async def test_rep_lowers_the_forecast_inline_with_a_reason_and_gets_the_summary(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", forecast="A")
    client = await login(rep)

    r = await client.post(
        f"/deals/{deal.id}/forecast",
        headers=HTMX,
        data={"forecast": "B", "reason": "予算が来期に持ち越し", "version": deal.version},
    )

    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="deal-summary"') and "<html" not in r.text
    event = await db.scalar(select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.field == "forecast"))
    assert (event.old_value, event.new_value, event.note) == ("A", "B", "予算が来期に持ち越し")


async def test_lowering_the_forecast_inline_without_a_reason_is_refused_with_the_message(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", forecast="A")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/forecast", data={"forecast": "C", "version": deal.version}, headers=HTMX)

    assert r.status_code == 422
    assert "ヨミを下げる理由を入力してください" in r.text
    assert (await reload(db, deal)).forecast == "A"


async def test_raising_the_forecast_needs_no_reason_and_a_plain_post_redirects(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", forecast="C")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/forecast", data={"forecast": "A", "version": deal.version})

    assert r.status_code == 303 and r.headers["location"] == f"/deals/{deal.id}"
    assert (await reload(db, deal)).forecast == "A"


async def test_a_forecast_change_from_a_stale_page_is_409_and_keeps_the_other_change(
    db, login, rep, manager, make_deal
):
    deal = await make_deal(rep, "提案", forecast="B")
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(f"/deals/{deal.id}/forecast", data={"forecast": "A", "version": deal.version})

    r = await rep_tab.post(
        f"/deals/{deal.id}/forecast",
        data={"forecast": "C", "reason": "失注濃厚", "version": deal.version},
        headers=HTMX,
    )

    assert r.status_code == 409 and 'id="deal-summary"' in r.text
    assert (await reload(db, deal)).forecast == "A"


# --- the timeline and tasks on the page ----------------------------------------------------------


async def test_logging_an_activity_with_htmx_returns_the_timeline_with_it_on_top(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(
        f"/deals/{deal.id}/activities", data={"kind": "call", "subject": "決裁時期を確認"}, headers=HTMX
    )

    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="deal-timeline"')
    assert 'class="tl-item kind-call just-added"' in r.text and "決裁時期を確認" in r.text
    assert 'id="committee"' in r.text and 'hx-swap-oob="true"' in r.text  # the warning may have changed
    assert (await reload(db, deal)).last_activity_at is not None


async def test_an_activity_without_a_subject_is_refused_in_place(login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/activities", data={"kind": "call", "subject": ""}, headers=HTMX)

    assert r.status_code == 422 and 'aria-describedby="deal-activity-error"' in r.text


async def test_a_completed_task_shows_in_the_timeline_once_with_its_logged_activity(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    task = await db.scalar(select(Task).where(Task.deal_id == deal.id))
    client = await login(rep)

    await client.post(
        f"/tasks/{task.id}/complete",
        data={"version": task.version, "log_activity": "1", "outcome": "予算感を確認", "view": "deal"},
    )

    page = await client.get(f"/deals/{deal.id}")
    timeline = page.text[page.text.index('id="deal-timeline-items"') :]
    assert timeline.count("電話でフォロー") == 1 and "予算感を確認" in timeline
    assert "done-badge" in timeline


async def test_a_long_timeline_pages_and_htmx_gets_the_older_entries_alone(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    for n in range(25):
        await add_activity(
            db,
            rep,
            deal.company_id,
            ActivityForm(kind="note", subject=f"メモ{n:02d}", occurred_at=f"2026-10-{n + 1:02d}T10:00"),
            deal_id=deal.id,
        )
    await db.commit()
    client = await login(rep)

    first = await client.get(f"/deals/{deal.id}")
    older = await client.get(f"/deals/{deal.id}?page=2", headers=HTMX)

    # page 1: the deal's creation (today) and the 19 newest notes
    assert "メモ24" in first.text and "メモ06" in first.text and "メモ05" not in first.text
    assert f'hx-get="/deals/{deal.id}?page=2"' in first.text
    assert older.text.lstrip().startswith('<section id="deal-timeline"')
    assert "メモ05" in older.text and "メモ00" in older.text and "メモ24" not in older.text
