"""/api/v1/tasks: the task pages' rules through the API (seen like deals: another team's is 404;
changed by its owner, their manager and admins: a teammate gets 403), completion and cancellation
by PATCH `status`, 409 with `current`, audit by token, and sync by `updated_since` + cursor."""

from __future__ import annotations

from sqlalchemy import select

from salesdesk.auth.models import ApiToken, Role
from tests.api.test_auth import assert_error
from tests.api.test_departments import walk
from tests.pipeline import conftest as pipeline_fixtures

# The pipeline tests' fixtures: the default pipeline, deals (with a next action) made through the services.
clock, pipeline, make_deal, require_next_action = (
    pipeline_fixtures.clock,
    pipeline_fixtures.pipeline,
    pipeline_fixtures.make_deal,
    pipeline_fixtures.require_next_action,
)


async def _next_action(client, deal) -> dict:
    items = (await client.get(f"/api/v1/tasks?deal_id={deal.id}")).json()["items"]
    assert len(items) == 1
    return items[0]


async def test_create_read_update_and_list_a_deals_task(api, rep, make_deal):
    deal = await make_deal(rep)
    client = await api(rep)
    person = (await client.post("/api/v1/persons", json={"company_id": deal.company_id, "name": "山田 太郎"})).json()

    created = await client.post(
        "/api/v1/tasks",
        json={
            "title": "デモ",
            "kind": "meeting",
            "due_on": "2030-01-10",
            "due_time": "14:30",
            "duration_minutes": 90,
            "deal_id": deal.id,
            "person_ids": [person["id"]],
        },
    )
    task = created.json()
    read = await client.get(f"/api/v1/tasks/{task['id']}")
    patched = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"version": 1, "title": "製品デモ", "due_time": None}
    )
    listed = await client.get(f"/api/v1/tasks?deal_id={deal.id}")

    assert created.status_code == 201, created.text
    assert (task["deal_id"], task["company_id"], task["owner_id"]) == (deal.id, deal.company_id, rep.id)
    assert (task["due_on"], task["due_time"], task["duration_minutes"]) == ("2030-01-10", "14:30", 90)
    assert task["starts_at"] == "2030-01-10T05:30:00Z" and task["ends_at"] == "2030-01-10T07:00:00Z"
    assert task["status"] == "open" and task["kind"] == "meeting" and task["person_ids"] == [person["id"]]
    assert read.json() == task
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "製品デモ" and patched.json()["starts_at"] is None  # now all day
    assert patched.json()["person_ids"] == [person["id"]] and patched.json()["version"] == 2  # kept
    assert task["id"] in [t["id"] for t in listed.json()["items"]] and len(listed.json()["items"]) == 2


async def test_an_accounts_task_and_a_task_of_ones_own(api, rep):
    client = await api(rep)
    company = (await client.post("/api/v1/companies", json={"name": "株式会社テスト"})).json()["id"]

    on_company = await client.post(
        "/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10", "company_id": company}
    )
    own = await client.post("/api/v1/tasks", json={"title": "経費精算", "due_on": "2030-01-10", "kind": "todo"})

    assert (on_company.json()["company_id"], on_company.json()["deal_id"]) == (company, None)
    assert own.status_code == 201 and own.json()["company_id"] is None and own.json()["due_time"] is None


async def test_done_completes_it_logs_it_and_cancelled_cancels(api, rep, make_deal):
    deal = await make_deal(rep)
    client = await api(rep)
    task = await _next_action(client, deal)
    other = (await client.post("/api/v1/tasks", json={"title": "資料送付", "due_on": "2030-01-10"})).json()

    done = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"version": 1, "status": "done", "log_activity": True, "outcome": "前向き", "next_title": "見積提出",
              "next_due_on": "2030-02-01"},
    )  # fmt: skip
    cancelled = await client.patch(f"/api/v1/tasks/{other['id']}", json={"version": 1, "status": "cancelled"})
    logged = (await client.get(f"/api/v1/activities?deal_id={deal.id}")).json()["items"]
    open_now = [
        t for t in (await client.get(f"/api/v1/tasks?deal_id={deal.id}")).json()["items"] if t["status"] == "open"
    ]

    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["completed_at"].endswith("Z")
    assert [(a["task_id"], a["subject"], a["body"]) for a in logged] == [(task["id"], task["title"], "前向き")]
    assert [(t["title"], t["due_on"]) for t in open_now] == [("見積提出", "2030-02-01")]
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_fields_and_done_in_one_patch_are_the_edit_then_the_completion(api, rep):
    client = await api(rep)
    task = (await client.post("/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10"})).json()

    r = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "notes": "不在", "status": "done"})

    assert r.status_code == 200, r.text
    assert (r.json()["notes"], r.json()["status"], r.json()["version"]) == ("不在", "done", 3)


async def test_the_completion_steps_rules_apply(api, rep, make_deal, require_next_action):
    deal = await make_deal(rep)
    await require_next_action()
    client = await api(rep)
    task = await _next_action(client, deal)

    without_next = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "done"})
    done = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "cancelled"})
    reopen = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 2, "status": "open"})

    assert_error(without_next, 422, "validation_failed")
    assert list(without_next.json()["error"]["fields"]) == ["next_title"]
    assert done.status_code == 200  # cancelling asks for nothing, as on the page
    assert_error(reopen, 422, "validation_failed")
    assert list(reopen.json()["error"]["fields"]) == ["status"]


async def test_a_weekly_task_with_a_reminder_keeps_both_and_done_plans_the_next_one(api, rep):
    client = await api(rep)
    body = {"title": "定例会", "due_on": "2030-01-10", "due_time": "10:00", "repeat": "weekly", "reminder_minutes": 30}
    task = (await client.post("/api/v1/tasks", json=body)).json()

    renamed = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "title": "週次定例"})
    done = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 2, "status": "done"})
    open_now = [t for t in (await client.get("/api/v1/tasks")).json()["items"] if t["status"] == "open"]

    assert (task["repeat"], task["repeat_until"], task["reminder_minutes"]) == ("weekly", None, 30)
    assert (renamed.json()["repeat"], renamed.json()["reminder_minutes"]) == ("weekly", 30)
    assert done.status_code == 200, done.text
    assert [(t["title"], t["due_on"], t["due_time"], t["repeat"]) for t in open_now] == [
        ("週次定例", "2030-01-17", "10:00", "weekly")
    ]


async def test_a_stale_version_gets_409_with_the_task_as_saved_now(api, rep):
    client = await api(rep)
    task = (await client.post("/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10"})).json()
    await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "title": "訪問"})

    edit = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "title": "メール"})
    complete = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "done"})

    for r in (edit, complete):
        assert_error(r, 409, "conflict")
        assert r.json()["current"]["title"] == "訪問" and r.json()["current"]["version"] == 2
        assert r.json()["current"]["status"] == "open"


async def test_another_teams_rep_gets_404_for_the_task_of_a_deal_they_do_not_see(api, rep, other_rep, make_deal):
    deal = await make_deal(rep)
    task = await _next_action(await api(rep), deal)
    intruder = await api(other_rep)

    read = await intruder.get(f"/api/v1/tasks/{task['id']}")
    edit = await intruder.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "done"})
    add = await intruder.post("/api/v1/tasks", json={"title": "横取り", "due_on": "2030-01-10", "deal_id": deal.id})
    listed = await intruder.get("/api/v1/tasks")

    for r in (read, edit, add):
        assert_error(r, 404, "not_found")
    assert listed.json()["items"] == []
    assert (await (await api(rep)).get(f"/api/v1/tasks/{task['id']}")).json() == task


async def test_a_teammate_sees_the_task_but_gets_403_changing_it_and_a_rep_gives_tasks_to_no_one(
    api, rep, make_user, team_east, make_deal
):
    deal = await make_deal(rep)
    task = await _next_action(await api(rep), deal)
    teammate = await api(await make_user(Role.rep, team_east))

    read = await teammate.get(f"/api/v1/tasks/{task['id']}")
    edit = await teammate.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "title": "x"})
    add = await teammate.post("/api/v1/tasks", json={"title": "x", "due_on": "2030-01-10", "deal_id": deal.id})
    give = await teammate.post("/api/v1/tasks", json={"title": "x", "due_on": "2030-01-10", "owner_id": rep.id})

    assert read.json() == task
    assert_error(edit, 403, "forbidden")
    assert_error(add, 403, "forbidden")
    assert_error(give, 422, "validation_failed")
    assert list(give.json()["error"]["fields"]) == ["owner_id"]


async def test_a_managers_task_for_a_rep_is_timed_in_the_reps_zone(api, rep, manager, make_user, team_east, db):
    abroad = await make_user(Role.rep, team_east)
    abroad.time_zone = "UTC"
    await db.commit()
    client = await api(manager)
    task = (
        await client.post(
            "/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10", "due_time": "10:00", "owner_id": rep.id}
        )
    ).json()

    handed = await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "owner_id": abroad.id})

    assert task["owner_id"] == rep.id and task["starts_at"] == "2030-01-10T01:00:00Z"
    assert handed.status_code == 200, handed.text
    assert (handed.json()["owner_id"], handed.json()["due_time"]) == (abroad.id, "10:00")
    assert handed.json()["starts_at"] == "2030-01-10T10:00:00Z"


async def test_a_read_token_cannot_write(api, rep):
    client, reader = await api(rep), await api(rep, "read")
    task = (await client.post("/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10"})).json()

    add = await reader.post("/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10"})
    done = await reader.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "done"})
    remove = await client.delete(f"/api/v1/tasks/{task['id']}")

    assert_error(add, 403, "forbidden")
    assert_error(done, 403, "forbidden")
    assert remove.status_code == 405  # tasks are cancelled, never deleted
    assert (await reader.get(f"/api/v1/tasks/{task['id']}")).json() == task


async def test_the_audit_entries_say_api_and_name_the_token(api, rep, db, audit_of):
    client = await api(rep)
    task = (await client.post("/api/v1/tasks", json={"title": "電話", "due_on": "2030-01-10"})).json()
    await client.patch(f"/api/v1/tasks/{task['id']}", json={"version": 1, "status": "done"})
    token_id = await db.scalar(select(ApiToken.id))

    entries = await audit_of("tasks", task["id"])

    assert [(e.action, e.via, e.token_id, e.actor_id) for e in entries] == [
        ("insert", "api", token_id, rep.id),
        ("update", "api", token_id, rep.id),
    ]
    assert entries[1].changes["status"] == ["open", "done"]


async def test_paging_meets_every_task_once_while_others_are_written(api, rep):
    client = await api(rep)
    tasks = [
        (await client.post("/api/v1/tasks", json={"title": f"電話{i}", "due_on": "2030-01-10"})).json()
        for i in range(5)
    ]
    added = []

    async def write(page: int) -> None:
        if page == 1:
            added.append((await client.post("/api/v1/tasks", json={"title": "追加", "due_on": "2030-01-11"})).json())
            await client.patch(f"/api/v1/tasks/{tasks[0]['id']}", json={"version": 1, "status": "done"})

    items = await walk(client, "/api/v1/tasks", between=write)

    ids = [item["id"] for item in items]
    assert set(ids) == {t["id"] for t in tasks} | {added[0]["id"]}
    assert ids.count(tasks[0]["id"]) == 2 and items[-1]["status"] == "done"
    assert all(ids.count(i) == 1 for i in set(ids) - {tasks[0]["id"]})


async def test_updated_since_leaves_older_tasks_out(api, rep):
    client = await api(rep)
    old = (await client.post("/api/v1/tasks", json={"title": "古い", "due_on": "2030-01-10"})).json()
    new = (await client.post("/api/v1/tasks", json={"title": "新しい", "due_on": "2030-01-10"})).json()

    items = await walk(client, f"/api/v1/tasks?updated_since={new['updated_at']}")

    assert new["id"] in {t["id"] for t in items} and old["id"] not in {t["id"] for t in items}


async def test_a_missing_task_is_404(api, rep):
    assert_error(await (await api(rep)).get("/api/v1/tasks/999999"), 404, "not_found")
