"""What a task form accepts and whose clock it is read by: a time is the owner's wall-clock time,
limits are answered with 422 naming them, and a 409 keeps the user's input."""

from datetime import UTC, datetime

from sqlalchemy import select

from salesdesk.tasks.models import Task
from tests.pipeline.conftest import reload


async def in_zone(db, user, zone: str):
    user.time_zone = zone
    await db.commit()
    return user


async def test_a_manager_in_new_york_gives_a_tokyo_rep_a_10_oclock_call_and_it_is_10_in_tokyo(db, login, rep, manager):
    await in_zone(db, manager, "America/New_York")
    client = await login(manager)

    r = await client.post(
        "/tasks",
        data={
            "title": "与信の確認電話",
            "kind": "call",
            "due_on": "2030-01-10",
            "due_time": "10:00",
            "owner_id": str(rep.id),
        },
    )

    assert r.status_code == 303
    task = await db.scalar(select(Task).where(Task.title == "与信の確認電話"))
    assert task.owner_id == rep.id
    assert task.starts_at.astimezone(UTC) == datetime(2030, 1, 10, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    edit = await client.get(f"/tasks/{task.id}/edit")
    assert 'value="10:00"' in edit.text  # the form shows the owner's time, not New York's


async def test_a_task_title_over_200_characters_is_refused_naming_the_limit_and_kept(db, login, rep):
    client = await login(rep)
    title = "タ" * 201

    r = await client.post("/tasks", data={"title": title, "kind": "call", "due_on": "2030-01-10"})

    assert r.status_code == 422
    assert "200" in r.text and title in r.text
    assert await db.scalar(select(Task.id)) is None


async def test_saving_a_task_the_manager_changed_meanwhile_keeps_my_input_with_the_current_version(
    db, login, rep, manager, make_task
):
    task = await make_task(rep, title="訪問")
    form = {"title": "訪問(資料持参)", "kind": "visit", "due_on": "2030-01-10", "version": str(task.version)}
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(f"/tasks/{task.id}", data=form | {"title": "訪問(部長同行)"})

    r = await rep_tab.post(f"/tasks/{task.id}", data=form)

    assert r.status_code == 409
    saved = await db.scalar(select(Task).where(Task.id == task.id).execution_options(populate_existing=True))
    assert saved.title == "訪問(部長同行)"
    assert 'class="panel conflict"' in r.text and manager.name in r.text
    assert 'value="訪問(資料持参)"' in r.text
    assert f'name="version" value="{saved.version}"' in r.text


async def test_completing_a_task_changed_meanwhile_keeps_the_outcome_typed(
    db, login, rep, manager, make_deal, make_task
):
    deal = await make_deal(rep, "提案", next_action=False)
    task = await make_task(rep, deal, title="提案書の説明")
    rep_tab, manager_tab = await login(rep), await login(manager)
    await manager_tab.post(
        f"/tasks/{task.id}",
        data={"title": "提案書の説明(役員向け)", "kind": "call", "due_on": "2030-01-10", "version": str(task.version)},
    )

    r = await rep_tab.post(
        f"/tasks/{task.id}/complete",
        data={"version": str(task.version), "log_activity": "1", "outcome": "役員会で決裁予定"},
        headers={"HX-Request": "true"},
    )

    assert r.status_code == 409
    assert "<html" not in r.text and 'class="panel conflict"' in r.text
    assert "役員会で決裁予定" in r.text
    assert (await reload(db, deal)).stage_id == deal.stage_id
