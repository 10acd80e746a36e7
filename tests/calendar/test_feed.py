"""A rep subscribes to their secret feed URL: every open task is an event that calendar apps read
exactly (checked with two parsers that share no code with the writer), the URL can be revoked,
an unchanged feed is a 304, and no event ever names an attendee or organizer."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompleteForm, parse_completion
from tests.calendar.feed_helpers import by_ical, by_vobject, feed_token

TOKYO = ZoneInfo("Asia/Tokyo")


async def get_feed(anonymous, token, **headers):
    return await anonymous.get(f"/calendar/{token}.ics", headers=headers)


async def test_all_day_and_timed_tasks_read_the_same_in_two_independent_parsers(
    db, anonymous, rep, make_deal, make_task
):
    deal = await make_deal(rep, "提案", next_action=False, title="基幹システム刷新")
    all_day = await make_task(rep, deal, title="見積提出", due_in_days=3)
    timed = await make_task(rep, deal, title="訪問 @本社", due_in_days=4, due_time="10:30", duration_minutes="90")

    r = await get_feed(anonymous, await feed_token(db, rep))

    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    for events in (by_vobject(r.text), by_ical(r.text)):
        assert events[all_day.uid]["start"] == all_day.due_on
        assert events[all_day.uid]["end"] == all_day.due_on + timedelta(days=1)  # exclusive: one day
        start = events[timed.uid]["start"]
        assert start == datetime.combine(timed.due_on, datetime.min.time().replace(hour=10, minute=30), TOKYO)
        assert start.utcoffset() == timedelta(hours=9) and events[timed.uid]["end"] - start == timedelta(minutes=90)
        assert events[timed.uid]["summary"] == "訪問 @本社"
    read = by_vobject(r.text)[timed.uid]
    assert "基幹システム刷新" in read["description"] and read["url"].endswith(f"/deals/{deal.id}")
    assert "BEGIN:VTIMEZONE" in r.text and "TZID:Asia/Tokyo" in r.text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in r.text and "X-PUBLISHED-TTL:PT1H" in r.text


async def test_a_reminder_is_an_alarm_all_day_ones_count_from_nine_oclock(db, anonymous, rep, make_task):
    await make_task(rep, title="電話", due_in_days=2, due_time="15:00", reminder="10")
    await make_task(rep, title="請求書送付", due_in_days=2, reminder="1440")

    events = by_vobject((await get_feed(anonymous, await feed_token(db, rep))).text)

    assert sorted(e["alarms"][0] for e in events.values()) == [timedelta(hours=-15), timedelta(minutes=-10)]


async def test_done_and_cancelled_tasks_leave_the_feed(db, anonymous, rep, make_task, clock):
    done = await make_task(rep, title="済んだ電話")
    cancelled = await make_task(rep, title="取り消した訪問")
    kept = await make_task(rep, title="残る訪問")
    await tasks.complete_task(db, rep, clock, done.id, parse_completion(CompleteForm(version=done.version)))
    await tasks.cancel_task(db, rep, cancelled.id, seen_version=cancelled.version)
    await db.commit()

    events = by_ical((await get_feed(anonymous, await feed_token(db, rep))).text)

    assert set(events) == {kept.uid}


async def test_an_unchanged_feed_answers_304_and_a_change_bumps_sequence_and_etag(db, anonymous, rep, make_task, clock):
    task = await make_task(rep, title="電話")
    token = await feed_token(db, rep)
    first = await get_feed(anonymous, token)

    again = await get_feed(anonymous, token, **{"If-None-Match": first.headers["etag"]})
    await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()
    changed = await get_feed(anonymous, token, **{"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304 and again.content == b""
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]


async def test_editing_a_task_bumps_its_sequence_and_keeps_its_uid(db, anonymous, rep, make_task, clock, login):
    task = await make_task(rep, title="電話")
    token = await feed_token(db, rep)
    before = by_vobject((await get_feed(anonymous, token)).text)[task.uid]
    client = await login(rep)

    await client.post(
        f"/tasks/{task.id}", data={"title": "電話(時間変更)", "due_on": "2030-01-07", "version": task.version}
    )

    after = by_vobject((await get_feed(anonymous, token)).text)[task.uid]
    assert after["sequence"] > before["sequence"] and after["start"] == date(2030, 1, 7)


async def test_regenerating_the_url_revokes_the_old_one_at_once(db, anonymous, login, rep, make_task):
    await make_task(rep)
    old = await feed_token(db, rep)
    client = await login(rep)

    r = await client.post("/settings/calendar", data={"feed": "own"})

    new = await feed_token(db, rep)
    assert r.status_code == 303 and new != old
    assert (await get_feed(anonymous, old)).status_code == 404
    assert (await get_feed(anonymous, new)).status_code == 200


async def test_unknown_tokens_and_other_paths_are_404(anonymous):
    assert (await get_feed(anonymous, "no-such-token")).status_code == 404
    assert (await anonymous.get("/calendar/anything")).status_code == 404


async def test_a_deactivated_users_feed_is_gone(db, anonymous, rep):
    token = await feed_token(db, rep)
    rep.is_active = False
    db.add(rep)
    await db.commit()

    assert (await get_feed(anonymous, token)).status_code == 404


async def test_the_managers_team_feed_shows_each_reps_tasks_with_their_name(
    db, anonymous, login, manager, rep, other_rep, make_task
):
    mine = await make_task(rep, title="訪問")
    theirs = await make_task(other_rep, title="他チームの訪問")
    client = await login(manager)
    await client.post("/settings/calendar", data={"feed": "team"})

    events = by_vobject((await get_feed(anonymous, await feed_token(db, manager, team=True))).text)

    assert events[mine.uid]["summary"] == "鈴木 美咲: 訪問"
    assert theirs.uid not in events


async def test_a_rep_has_no_team_feed(login, rep):
    client = await login(rep)

    assert (await client.post("/settings/calendar", data={"feed": "team"})).status_code == 403


async def test_a_weekly_meeting_is_one_recurring_event_that_moves_on_when_completed(
    db, anonymous, rep, make_task, clock
):
    first = await make_task(rep, title="定例会議", due_in_days=0, due_time="10:00", repeat="weekly")
    token = await feed_token(db, rep)
    feed = (await get_feed(anonymous, token)).text
    slot = datetime.combine(first.due_on, datetime.min.time().replace(hour=10), TOKYO)

    by_v, by_i = by_vobject(feed)[first.uid], by_ical(feed)[first.uid]
    weekly = [slot + timedelta(weeks=n) for n in range(3)]
    assert by_v["rrule"].startswith("FREQ=WEEKLY;BYDAY=") and by_v["next"] == weekly
    assert by_i["occurrences"][:3] == weekly

    task = await tasks.get_task(db, rep, first.id)
    await tasks.complete_task(db, rep, clock, task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()
    moved = by_vobject((await get_feed(anonymous, token)).text)

    assert list(moved) == [first.uid]  # the same series, not a second event
    assert moved[first.uid]["start"] == weekly[1] and moved[first.uid]["sequence"] > by_v["sequence"]


async def test_the_settings_page_shows_https_and_webcal_links_with_copy_buttons(db, login, rep):
    client = await login(rep)

    page = (await client.get("/settings")).text

    token = await feed_token(db, rep)
    assert f'value="http://testserver.local/calendar/{token}.ics"' in page
    assert f'value="webcal://testserver.local/calendar/{token}.ics"' in page
    assert 'data-copy="feed-own-https"' in page and "/static/js/copy.js" in page
    assert "feed-team" not in page  # a rep has no team feed


async def test_renaming_the_deal_changes_the_events_description_and_the_etag(db, anonymous, rep, make_deal, make_task):
    deal = await make_deal(rep, "提案", next_action=False, title="旧案件名")
    task = await make_task(rep, deal)
    token = await feed_token(db, rep)
    first = await get_feed(anonymous, token)
    saved = await db.get(type(deal), deal.id)
    saved.title = "新案件名"
    await db.commit()

    again = await get_feed(anonymous, token, **{"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200 and "新案件名" in by_vobject(again.text)[task.uid]["description"]
