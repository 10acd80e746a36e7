"""My day in the rep's zone, the team's day for managers (per rep, overdue first), the header's overdue
badge, and what each costs: a fixed number of statements however many tasks there are."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.tasks import services as tasks
from salesdesk.tasks import views
from salesdesk.tasks.forms import TaskForm, parse_task
from tests.conftest import HTMX

TOKYO = ZoneInfo("Asia/Tokyo")


async def add(db, clock, owner, title: str, due_in_days: int, deal=None) -> None:
    set_actor(db, owner)
    due = clock.today() + timedelta(days=due_in_days)
    form = TaskForm(title=title, due_on=due.isoformat(), deal_id=str(deal.id) if deal else "")
    await tasks.create_task(db, owner, clock, parse_task(form))
    await db.commit()


async def test_at_half_past_midnight_in_tokyo_yesterdays_task_is_already_overdue(db, rep, clock):
    # 00:30 JST on 11/26 is still 11/25 in UTC: the rep's day has turned, the server's has not.
    just_after_midnight = Clock(fixed=datetime(2026, 11, 26, 0, 30, tzinfo=TOKYO))
    set_actor(db, rep)
    await tasks.create_task(db, rep, clock, parse_task(TaskForm(title="昨日の電話", due_on="2026-11-25")))
    await tasks.create_task(db, rep, clock, parse_task(TaskForm(title="今日の訪問", due_on="2026-11-26")))
    await db.commit()

    day = await views.my_day(db, rep, just_after_midnight)

    assert [t.title for t in day.overdue] == ["昨日の電話"]
    assert [t.title for t in day.due_today] == ["今日の訪問"]
    assert await views.overdue_count(db, rep, just_after_midnight) == 1


async def test_a_manager_sees_the_teams_next_actions_per_rep_with_overdue_reps_first(
    db, login, rep, manager, other_rep, make_user, team_east, clock
):
    calm = await make_user("rep", team_east, name="青木 一郎")  # sorts before rep by name
    late = await make_user("rep", team_east, name="渡部 遅子")
    await add(db, clock, calm, "来週の訪問", 3)
    await add(db, clock, late, "先週の電話", -5)
    await add(db, clock, late, "今日のメール", 0)
    await add(db, clock, other_rep, "他チームの電話", -1)
    client = await login(manager)

    home = (await client.get("/")).text
    page = (await client.get("/tasks")).text

    for text in (home, page):
        team = text[text.index('id="team-tasks"') :]
        assert team.index("渡部 遅子") < team.index("青木 一郎")  # overdue first
        assert team.index("先週の電話") < team.index("今日のメール")
        assert "期限切れ 1件" in team and "他チームの電話" not in team


async def test_a_rep_has_no_team_view(login, rep):
    client = await login(rep)

    assert 'id="team-tasks"' not in (await client.get("/tasks")).text
    assert (await client.get("/tasks/team")).status_code == 403


async def test_the_header_badge_counts_my_overdue_tasks_in_one_statement(db, login, rep, count_queries, clock):
    client = await login(rep)
    empty = await client.get("/tasks/overdue-badge", headers=HTMX)
    statements = count_queries()
    await client.get("/tasks/overdue-badge", headers=HTMX)
    few = len(statements)
    for n in range(4):
        await add(db, clock, rep, f"期限切れ{n}", -1 - n)
    await add(db, clock, rep, "明日の電話", 1)

    statements.clear()
    r = await client.get("/tasks/overdue-badge", headers=HTMX)

    assert 'id="overdue-badge"' in empty.text and "href" not in empty.text  # nothing overdue: nothing shown
    assert '<span aria-hidden="true">4</span>' in r.text and "期限切れのタスク 4件" in r.text
    assert len(statements) == few
    assert sum("count(" in s.lower() for s in statements) == 1
    page = (await client.get("/")).text
    assert 'hx-get="/tasks/overdue-badge" hx-trigger="load"' in page  # after the page: no page pays for it


async def test_my_day_the_team_view_and_the_panels_cost_the_same_with_more_tasks(
    db, login, rep, manager, make_deal, clock, count_queries
):
    deal = await make_deal(rep, "提案")
    await add(db, clock, manager, "自分の電話", 0, deal=deal)  # (with none, loading deals costs nothing)
    client = await login(manager)
    urls = [
        "/",
        "/tasks",
        "/tasks/team",
        f"/tasks/panels/card/{deal.id}",
        f"/tasks/panels/deal/{deal.id}",
        f"/tasks/panels/company/{deal.company_id}",
    ]
    statements = count_queries()
    few = {}
    for url in urls:
        statements.clear()
        await client.get(url, headers=HTMX if "/panels/" in url else {})
        few[url] = len(statements)
    for n in range(12):
        await add(db, clock, rep if n % 2 else manager, f"タスク{n}", n - 6, deal=deal)

    many = {}
    for url in urls:
        statements.clear()
        r = await client.get(url, headers=HTMX if "/panels/" in url else {})
        assert r.status_code == 200, url
        many[url] = len(statements)

    assert many == few


async def test_each_bucket_lists_its_first_tasks_counts_them_all_and_links_to_the_rest(
    db, login, rep, clock, monkeypatch, count_queries
):
    monkeypatch.setattr(views, "SHOWN", 2)  # 20 on the page: the same rule with fewer rows to add
    for n in range(5):
        await add(db, clock, rep, f"遅れ{n}", -10 + n)
    await add(db, clock, rep, "今日の電話", 0)
    for n in range(3):
        await add(db, clock, rep, f"来月{n}", 30 + n)
    client = await login(rep)

    day = await views.my_day(db, rep, clock)
    statements = count_queries()
    page = (await client.get("/tasks")).text
    capped = len(statements)
    in_full = (await client.get("/tasks?show=overdue")).text

    assert [t.title for t in day.overdue] == ["遅れ0", "遅れ1"] and [t.title for t in day.later] == ["来月0", "来月1"]
    assert day.counts == {"overdue": 5, "due_today": 1, "next_days": 0, "later": 3}
    overdue = page[page.index("bucket-overdue") : page.index("bucket-due_today")]
    assert "遅れ1" in overdue and "遅れ2" not in overdue
    assert '<small class="count">5</small>' in overdue
    assert '<a href="/tasks?show=overdue">全5件（ほか3件）</a>' in overdue
    assert 'href="/tasks?show=due_today"' not in page  # all of today's are listed
    assert 'href="/tasks?show=later"' in page
    assert all(f"遅れ{n}" in in_full for n in range(5)) and "来月2" not in in_full
    assert 'hx-get="/tasks?show=overdue"' in in_full  # a change fetches the same list again
    assert len(statements) == 2 * capped  # one statement lists the buckets, capped or in full
