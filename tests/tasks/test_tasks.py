"""Next actions: a deal's next action is its earliest open task; completing one can log it as an
activity and plan the next in the same step, and leaving a deal without one prompts for it (or,
with the admin setting, is refused); the rep's own list in buckets."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from salesdesk.accounts.models import Activity
from salesdesk.accounts.timeline import timeline
from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.errors import Invalid
from salesdesk.i18n import local_today
from salesdesk.tasks import services as tasks
from salesdesk.tasks import views
from salesdesk.tasks.forms import CompleteForm, TaskForm, parse_completion, parse_task
from salesdesk.tasks.models import Task, TaskStatus
from tests.conftest import HTMX
from tests.pipeline.conftest import reload

TOKYO = ZoneInfo("Asia/Tokyo")


async def only_task(db, deal) -> Task:
    """The deal's one task, as saved now."""
    return await db.scalar(select(Task).where(Task.deal_id == deal.id).execution_options(populate_existing=True))


def soon(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


async def test_a_deals_next_action_is_its_earliest_open_task_by_date_then_time(db, rep, make_deal, make_task, clock):
    deal = await make_deal(rep, "提案", next_action=False)
    await make_task(rep, deal, title="三日後の訪問", due_in_days=3)
    await make_task(rep, deal, title="明日午後の電話", due_in_days=1, due_time="15:00")
    await make_task(rep, deal, title="明日朝の電話", due_in_days=1, due_time="09:00")
    done = await make_task(rep, deal, title="昨日の電話(完了)", due_in_days=-1)
    await tasks.complete_task(db, rep, clock, done.id, parse_completion(CompleteForm(version=done.version)))
    await db.commit()

    assert (await tasks.next_action(db, deal.id)).title == "明日朝の電話"


async def test_completing_with_log_as_activity_writes_it_on_the_deal_and_the_company_and_resets_the_clock(
    db, rep, make_deal, clock
):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    assert deal.last_activity_at is None

    done = await tasks.complete_task(
        db,
        rep,
        clock,
        task.id,
        parse_completion(CompleteForm(version=task.version, log_activity="1", outcome="予算は来月確定")),
    )
    await db.commit()

    activity = await db.scalar(select(Activity).where(Activity.id == done.activity.id))
    assert (activity.deal_id, activity.company_id, activity.subject, activity.body) == (
        deal.id,
        deal.company_id,
        "電話でフォロー",
        "予算は来月確定",
    )
    company_timeline = await timeline(db, company_id=deal.company_id)
    assert [i.activity.id for i in company_timeline.items if i.activity] == [activity.id]
    assert (await reload(db, deal)).last_activity_at is not None  # the stale clock starts again
    assert (await only_task(db, deal)).status == TaskStatus.done


async def test_completing_with_the_next_action_creates_it_and_it_becomes_the_next_action(db, rep, make_deal, clock):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)

    done = await tasks.complete_task(
        db,
        rep,
        clock,
        task.id,
        parse_completion(
            CompleteForm(
                version=task.version, next_title="見積書を持参して訪問", next_kind="visit", next_due_on=soon(5)
            )
        ),
    )
    await db.commit()

    assert not done.needs_next_action
    assert (await tasks.next_action(db, deal.id)).title == "見積書を持参して訪問"


async def test_completing_the_last_task_without_a_next_action_asks_for_one(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    r = await client.post(f"/tasks/{task.id}/complete", data={"version": task.version}, headers=HTMX)
    panel = await client.get(f"/tasks/panels/deal/{deal.id}", headers=HTMX)  # the deal page's panel, told by the event

    assert r.status_code == 200 and f"task-changed-deal-{deal.id}" in r.headers["hx-trigger"]
    assert panel.text.lstrip().startswith('<section id="next-actions"')
    assert "この案件には次のアクションがありません" in panel.text
    assert '<details class="add-task" open>' in panel.text


async def test_without_javascript_completing_the_last_task_redirects_to_the_deal_with_the_prompt(
    db, login, rep, make_deal
):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    r = await client.post(f"/tasks/{task.id}/complete", data={"version": task.version, "next": f"/deals/{deal.id}"})

    assert r.status_code == 303 and r.headers["location"] == f"/deals/{deal.id}"
    page = await client.get(r.headers["location"])
    assert "この案件の次のアクションを登録してください" in page.text


async def test_with_the_admin_setting_completing_without_a_next_action_is_refused_and_nothing_changes(
    db, login, rep, make_deal, require_next_action
):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    await require_next_action()
    client = await login(rep)

    r = await client.post(
        f"/tasks/{task.id}/complete", data={"version": task.version, "log_activity": "1"}, headers=HTMX
    )

    assert r.status_code == 422 and "次のアクションを登録してください" in r.text
    assert (await only_task(db, deal)).status == TaskStatus.open
    assert await db.scalar(select(func.count()).select_from(Activity)) == 0


async def test_with_the_admin_setting_the_service_refuses_too(db, rep, make_deal, require_next_action, clock):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    await require_next_action()

    with pytest.raises(Invalid) as error:
        await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))

    assert error.value.errors == {"next_title": "next_action.required"}


async def test_a_rep_cannot_complete_another_reps_task(db, login, rep, other_rep, make_user, team_east, make_deal):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    teammate = await make_user("rep", team_east)
    data = {"version": task.version}

    same_team = await (await login(teammate)).post(f"/tasks/{task.id}/complete", data=data)
    other_team = await (await login(other_rep)).post(f"/tasks/{task.id}/complete", data=data)

    assert (same_team.status_code, other_team.status_code) == (403, 404)
    assert (await only_task(db, deal)).status == TaskStatus.open


async def test_my_day_comes_in_overdue_today_the_next_7_days_and_later(db, rep, other_rep, clock):
    wednesday = Clock(fixed=datetime(2026, 11, 25, 12, tzinfo=TOKYO))  # rep's noon
    set_actor(db, rep)
    for title, due in [
        ("先週の電話", "2026-11-20"),
        ("昨日のメール", "2026-11-24"),
        ("今日の訪問", "2026-11-25"),
        ("金曜の会議", "2026-11-27"),
        ("来週水曜の訪問", "2026-12-02"),
        ("8日後の資料", "2026-12-03"),
    ]:
        await tasks.create_task(db, rep, clock, parse_task(TaskForm(title=title, due_on=due)))
    await tasks.create_task(db, other_rep, clock, parse_task(TaskForm(title="他人のタスク", due_on="2026-11-25")))
    await db.commit()

    day = await views.my_day(db, rep, wednesday)

    titles = {key: [t.title for t in getattr(day, key)] for key in ("overdue", "due_today", "next_days", "later")}
    assert titles == {
        "overdue": ["先週の電話", "昨日のメール"],
        "due_today": ["今日の訪問"],
        "next_days": ["金曜の会議", "来週水曜の訪問"],
        "later": ["8日後の資料"],
    }


async def test_the_home_page_lists_my_next_actions(db, login, rep, make_deal, make_task):
    deal = await make_deal(rep, "提案", next_action=False)
    await make_task(rep, deal, title="期限切れの電話", due_in_days=-2)
    await make_task(rep, deal, title="今日の訪問", due_in_days=0)
    client = await login(rep)

    r = await client.get("/")

    section = r.text[r.text.index('id="my-tasks"') :]
    assert section.index("期限切れの電話") < section.index("今日の訪問")
    assert "bucket-overdue" in section


async def test_the_add_task_form_works_without_javascript(login, rep, pipeline):
    client = await login(rep)

    r = await client.post("/tasks", data={"title": "", "due_on": soon(1)})

    form = r.text[r.text.index('class="task-form') :]
    form = form[: form.index("</form>")]
    assert r.status_code == 422 and 'name="_csrf_token"' in form  # a plain post carries its CSRF token


async def test_opening_add_on_a_card_fetches_a_form_answered_in_its_own_place(login, rep, other_rep, make_deal):
    deal = await make_deal(rep, "提案", next_action=False)
    client, stranger = await login(rep), await login(other_rep)

    r = await client.get(f"/tasks/new?deal_id={deal.id}&next=/pipeline", headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text
    assert f'id="new-task-deal-{deal.id}"' in r.text and 'hx-target="this"' in r.text
    assert 'name="_csrf_token"' in r.text
    assert (await stranger.get(f"/tasks/new?deal_id={deal.id}")).status_code == 404
