"""Task writes answer in their own place with a `task-changed` event; the panels showing tasks (the
board card, the deal's next actions, My day, a company's or person's tasks) fetch themselves again.
Without JavaScript every write redirects back with a flash."""

import json
import re

from sqlalchemy import select

from salesdesk.accounts import people
from salesdesk.accounts.forms import PersonInput
from salesdesk.audit.hook import set_actor
from salesdesk.calendar.business_days import business_calendar
from salesdesk.clock import Clock
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import TaskInput
from salesdesk.tasks.models import Task, TaskStatus
from tests.conftest import HTMX
from tests.tasks.test_tasks import only_task, soon


async def test_completing_from_my_day_answers_a_note_and_the_event_naming_the_deal(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    r = await client.post(
        f"/tasks/{task.id}/complete",
        data={"version": task.version, "log_activity": "1", "outcome": "予算確定", "next": "/tasks"},
        headers=HTMX,
    )

    assert r.status_code == 200 and 'class="task-saved"' in r.text and "<html" not in r.text
    events = json.loads(r.headers["hx-trigger"])
    assert events["task-changed"] == {"task_id": task.id, "deal_id": deal.id, "company_id": deal.company_id}
    assert f"task-changed-deal-{deal.id}" in events
    assert (await only_task(db, deal)).status == TaskStatus.done


async def test_every_task_panel_listens_for_the_event_and_fetches_itself(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    board = (await client.get("/pipeline")).text
    deal_page = (await client.get(f"/deals/{deal.id}")).text
    home = (await client.get("/")).text
    company = (await client.get(f"/accounts/{deal.company_id}")).text

    assert f'hx-get="/tasks/panels/card/{deal.id}" hx-trigger="task-changed-deal-{deal.id} from:body"' in board
    assert f'hx-get="/tasks/panels/deal/{deal.id}" hx-trigger="task-changed-deal-{deal.id} from:body"' in deal_page
    assert 'hx-get="/tasks" hx-trigger="task-changed from:body"' in home
    assert f'hx-get="/tasks/panels/company/{deal.company_id}" hx-trigger="load"' in company
    panel = await client.get(f"/tasks/panels/company/{deal.company_id}", headers=HTMX)
    assert f'hx-get="/tasks/panels/company/{deal.company_id}" hx-trigger="task-changed from:body"' in panel.text
    assert "電話でフォロー" in panel.text


async def test_completing_with_the_next_action_in_3_business_days_schedules_it_then(db, login, rep, make_deal, clock):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    r = await client.post(
        f"/tasks/{task.id}/complete",
        data={"version": task.version, "next_title": "見積書を送付", "next_kind": "email", "next_due_in": "3"},
        headers=HTMX,
    )

    assert r.status_code == 200, r.text
    follow_up = await db.scalar(select(Task).where(Task.title == "見積書を送付"))
    assert follow_up.due_on == (await business_calendar(db)).add(clock.today(), 3)
    assert follow_up.deal_id == deal.id and follow_up.kind == "email"


async def test_a_next_action_in_business_days_without_a_title_keeps_the_input_and_says_what_is_missing(
    db, login, rep, make_deal
):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    r = await client.post(
        f"/tasks/{task.id}/complete", data={"version": task.version, "next_due_in": "5"}, headers=HTMX
    )

    assert r.status_code == 422 and f'id="complete-{task.id}"' in r.text
    assert '<option value="5" selected>' in r.text
    assert (await only_task(db, deal)).status == TaskStatus.open


async def test_editing_in_place_answers_a_note_and_the_event_and_without_js_goes_back(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    form = await client.get(f"/tasks/{task.id}/edit?next=/tasks", headers=HTMX)
    r = await client.post(
        f"/tasks/{task.id}",
        data={"title": "電話で予算確認", "kind": "call", "due_on": soon(2), "version": task.version},
        headers=HTMX,
    )
    again = await client.post(
        f"/tasks/{task.id}",
        data={"title": "電話で予算確認", "kind": "call", "due_on": soon(3), "version": task.version + 1, "next": "/"},
    )

    assert form.status_code == 200 and "<html" not in form.text and 'hx-target="this"' in form.text
    assert r.status_code == 200 and "task-changed" in r.headers["hx-trigger"]
    assert again.status_code == 303 and again.headers["location"] == "/"
    assert (await only_task(db, deal)).title == "電話で予算確認"


async def test_cancelling_from_the_done_step_answers_the_event_and_the_deal_asks_for_a_next_action(
    db, login, rep, make_deal
):
    deal = await make_deal(rep, "提案")
    task = await only_task(db, deal)
    client = await login(rep)

    step = await client.get(f"/tasks/{task.id}/complete", headers=HTMX)
    r = await client.post(f"/tasks/{task.id}/cancel", data={"version": task.version}, headers=HTMX)
    panel = await client.get(f"/tasks/panels/deal/{deal.id}", headers=HTMX)

    assert f'formaction="/tasks/{task.id}/cancel"' in step.text
    assert r.status_code == 200 and f"task-changed-deal-{deal.id}" in r.headers["hx-trigger"]
    assert (await only_task(db, deal)).status == TaskStatus.cancelled
    assert '<details class="add-task" open>' in panel.text


async def test_without_javascript_the_panels_of_a_deal_go_to_the_deal_page(login, rep, other_rep, make_deal):
    deal = await make_deal(rep, "提案")
    client, stranger = await login(rep), await login(other_rep)

    card = await client.get(f"/tasks/panels/card/{deal.id}")
    unseen = await stranger.get(f"/tasks/panels/card/{deal.id}", headers=HTMX)

    assert card.status_code == 303 and card.headers["location"] == f"/deals/{deal.id}"
    assert unseen.status_code == 404


async def test_adding_a_task_in_place_answers_a_fresh_form_and_the_event(db, login, rep, make_deal):
    deal = await make_deal(rep, "提案", next_action=False)
    client = await login(rep)

    r = await client.post(
        "/tasks",
        data={"title": "提案書を送る", "due_on": soon(2), "deal_id": str(deal.id), "form_id": "new-task-deal-9"},
        headers=HTMX,
    )

    assert r.status_code == 200 and 'id="new-task-deal-9"' in r.text and 'class="task-saved"' in r.text
    assert 'name="title" required maxlength="200" value=""' in r.text  # ready for the next one
    assert f"task-changed-deal-{deal.id}" in r.headers["hx-trigger"]


async def test_a_persons_page_shows_the_tasks_naming_them(db, login, rep, make_deal, make_task, clock):
    deal = await make_deal(rep, "提案", next_action=False)
    set_actor(db, rep)
    person = await people.create_person(db, rep, deal.company_id, PersonInput(name="山田 太郎"), Clock.of(rep))
    await tasks.create_task(
        db, rep, clock, TaskInput("山田さんと面談", clock.today(), deal_id=deal.id, person_ids=(person.id,))
    )
    await db.commit()
    await make_task(rep, deal, title="別件の電話")
    client = await login(rep)

    page = await client.get(f"/persons/{person.id}")
    panel = await client.get(f"/tasks/panels/person/{person.id}")

    assert f'hx-get="/tasks/panels/person/{person.id}"' in page.text
    assert panel.status_code == 200 and "<html" in panel.text  # a page of its own without JavaScript
    assert "山田さんと面談" in panel.text and "別件の電話" not in panel.text


async def test_the_done_step_offers_to_log_a_customer_facing_task_but_not_a_to_do(db, login, rep, make_deal, make_task):
    deal = await make_deal(rep, "提案", next_action=False)
    call = await make_task(rep, deal, title="課長に電話", kind="call")
    todo = await make_task(rep, deal, title="社内稟議の準備", kind="todo")
    client = await login(rep)

    call_step = await client.get(f"/tasks/{call.id}/complete", headers=HTMX)
    todo_step = await client.get(f"/tasks/{todo.id}/complete", headers=HTMX)

    assert re.search(r'name="log_activity" value="1"\s*checked', call_step.text)
    assert re.search(r'name="log_activity" value="1"\s*>', todo_step.text)
