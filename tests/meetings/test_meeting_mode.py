"""Meeting mode: the period a meeting fixes, the order of its walk, the decisions landing on the deals,
pause and resume, and a finished meeting staying as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from salesdesk.accounts import timeline
from salesdesk.accounts.forms import ActivityInput
from salesdesk.accounts.models import Activity, ActivityKind, BuyingRole
from salesdesk.audit.hook import set_actor
from salesdesk.clock import Clock
from salesdesk.errors import Conflict, Forbidden, Invalid, NotFound
from salesdesk.meetings import decisions, meeting, minutes
from salesdesk.meetings.models import Meeting, MeetingDecision
from salesdesk.pipeline import committee
from salesdesk.pipeline.forms import ContactInput, MoveInput
from salesdesk.tasks import services as tasks
from salesdesk.tasks.forms import CompleteForm, parse_completion
from salesdesk.tasks.models import Task, TaskStatus
from tests.meetings.helpers import edit, now
from tests.pipeline.conftest import reload


async def start(db, lead, team, **values) -> Meeting:
    set_actor(db, lead)
    started = await meeting.start(db, lead, Clock(), team_id=team.id, pipeline_id=values.get("pipeline_id"))
    await db.commit()
    return started


async def finish(db, lead, m: Meeting) -> Meeting:
    done = await meeting.finish(db, lead, Clock(), m.id)
    await db.commit()
    return done


async def a_week_of_changes(db, make_deal, make_company, make_person, manager, rep, team_east):
    """Deals before the last meeting, then the week: two cut, one pushed out twice, one without a
    next action, one grown whose decision maker was met, one grown whose decision maker was not."""
    cut_big = await make_deal(rep, "提案", title="大幅減額", amount_jpy="1000000")
    cut_small = await make_deal(rep, "提案", title="小幅減額", amount_jpy="500000")
    pushed = await make_deal(rep, "提案", title="再延期", amount_jpy="800000", expected_close_date="2027-01-15")
    no_next = await make_deal(rep, "提案", title="次アクションなし", amount_jpy="300000", next_action=False)
    company = await make_company(rep, "株式会社面談済み")
    met = await make_deal(rep, "提案", company, title="決裁者面談済み", amount_jpy="200000")
    not_met = await make_deal(rep, "提案", title="決裁者未接触", amount_jpy="100000")
    person = await make_person(rep, company, name="社長 一郎")
    set_actor(db, rep)
    await committee.add_contact(db, rep, met.id, ContactInput(person.id, BuyingRole.decision_maker))
    await timeline.add_activity(
        db, rep, met.company_id, ActivityInput("社長面談", ActivityKind.visit, person_ids=(person.id,)), deal_id=met.id
    )
    await db.commit()
    await finish(db, manager, await start(db, manager, team_east))  # the last meeting: its period ends now
    await edit(db, rep, cut_big, amount_jpy="400000")
    await edit(db, rep, cut_small, amount_jpy="400000")
    pushed = await edit(db, rep, pushed, expected_close_date="2027-02-15")
    await edit(db, rep, pushed, expected_close_date="2027-03-15")
    await edit(db, rep, met, amount_jpy="900000")
    await edit(db, rep, not_met, amount_jpy="150000")
    return [cut_big, cut_small, pushed, no_next, not_met, met]


async def test_the_walk_takes_the_losses_and_slips_first_then_no_next_action_then_no_decision_maker_then_the_rest(
    db, make_deal, make_company, make_person, manager, rep, team_east
):
    expected = await a_week_of_changes(db, make_deal, make_company, make_person, manager, rep, team_east)
    before = await db.scalar(select(Meeting.until).where(Meeting.status == "finished"))

    m = await start(db, manager, team_east)

    assert m.since == before  # the period starts where the team's last finished meeting ended
    titles = [item["title"] for item in m.agenda]
    assert titles == [d.title for d in expected]
    reasons = [item["reason"] for item in m.agenda]
    assert reasons == ["negative", "negative", "negative", "no_next_action", "decision_maker", "changed"]
    assert m.agenda[0]["amount_delta_jpy"] == -600_000 and "pushed_repeatedly" in m.agenda[2]["flags"]


async def test_a_deal_gone_stale_comes_after_the_losses_and_slips_and_before_no_next_action(
    db, make_deal, manager, rep, team_east
):
    cut = await make_deal(rep, "提案", title="減額", amount_jpy="1000000")
    pushed = await make_deal(rep, "提案", title="再延期", amount_jpy="800000", expected_close_date="2027-01-15")
    stale = await make_deal(rep, "提案", title="停滞", amount_jpy="2000000")  # the largest, with its next action
    await make_deal(rep, "提案", title="次アクションなし", amount_jpy="3000000", next_action=False)
    await finish(db, manager, await start(db, manager, team_east))  # the last meeting: its period ends now
    await edit(db, rep, cut, amount_jpy="900000")
    pushed = await edit(db, rep, pushed, expected_close_date="2027-02-15")
    await edit(db, rep, pushed, expected_close_date="2027-03-15")
    task = await db.scalar(select(Task).where(Task.deal_id == stale.id, Task.status == TaskStatus.open))
    set_actor(db, rep)  # its only next action done in the week and none set: it went stale in the period
    await tasks.complete_task(db, rep, Clock(), task.id, parse_completion(CompleteForm(version=task.version)))
    await db.commit()

    m = await start(db, manager, team_east)

    assert [(item["title"], item["reason"]) for item in m.agenda] == [
        ("減額", "negative"),
        ("再延期", "negative"),
        ("停滞", "stale"),
        ("次アクションなし", "no_next_action"),
    ]
    assert {"became_stale", "no_next_action"} <= set(m.agenda[2]["flags"])
    assert "became_stale" not in m.agenda[3]["flags"]  # without a next action all along: not newly stale


async def test_decisions_land_on_the_deals_and_in_the_minutes(db, make_deal, manager, rep, team_east):
    deal = await make_deal(rep, "提案", title="基幹刷新", amount_jpy="1000000", forecast="A")
    m = await start(db, manager, team_east)
    deal_id, meeting_id, rep_id, clock = deal.id, m.id, rep.id, Clock()

    with pytest.raises(Invalid) as refused:  # lowering ヨミ needs its reason, as on the deal page
        await decisions.set_forecast(db, manager, clock, meeting_id, deal_id, forecast="C", reason="", seen_version=1)
    assert "forecast_reason" in refused.value.errors
    await decisions.set_forecast(
        db, manager, clock, meeting_id, deal_id, forecast="C", reason="予算凍結", seen_version=1
    )
    await decisions.add_note(db, manager, clock, meeting_id, deal_id, "来期予算で再提案する")
    due = clock.today() + timedelta(days=3)
    await decisions.assign_next_action(
        db, manager, clock, meeting_id, deal_id, decisions.NextActionDecision("部長に再提案", due, rep_id)
    )
    await db.commit()

    deal = await reload(db, deal)
    assert deal.forecast == "C"
    note = await db.scalar(select(Activity).where(Activity.deal_id == deal_id, Activity.kind == "note"))
    assert note.body == "来期予算で再提案する" and "会議" in note.subject  # marked as the meeting's
    task = await db.scalar(select(Task).where(Task.deal_id == deal_id, Task.title == "部長に再提案"))
    assert (task.owner_id, task.due_on, task.status) == (rep_id, due, TaskStatus.open)
    rows = list(await db.scalars(select(MeetingDecision).where(MeetingDecision.meeting_id == meeting_id)))
    assert [(r.kind, r.new_value, r.text) for r in rows] == [
        ("forecast", "C", "予算凍結"),
        ("note", None, "来期予算で再提案する"),
        ("next_action", None, "部長に再提案"),
    ]
    await db.refresh(m)
    assert m.reviewed == [deal_id]  # a decision counts the deal as reviewed


async def test_a_stage_move_from_the_meeting_runs_the_boards_rules(db, make_deal, manager, rep, team_east, stage):
    deal = await make_deal(rep, "提案", title="失注候補", amount_jpy="500000", expected_close_date="2027-03-31")
    m = await start(db, manager, team_east)
    meeting_id, deal_id, lost, negotiation = m.id, deal.id, stage("失注").id, stage("交渉").id

    with pytest.raises(Invalid) as refused:  # 失注 needs its reason, as a drag on the board does
        await decisions.move_stage(db, manager, Clock(), meeting_id, deal_id, MoveInput(lost, 1))
    assert "lost_reason_id" in refused.value.errors
    await decisions.move_stage(db, manager, Clock(), meeting_id, deal_id, MoveInput(negotiation, 1))
    await db.commit()

    assert (await reload(db, deal)).stage_id == negotiation
    row = await db.scalar(select(MeetingDecision).where(MeetingDecision.meeting_id == meeting_id))
    assert (row.kind, row.old_value, row.new_value) == ("stage", "提案", "交渉")


async def test_next_skip_back_pause_and_resume(db, make_deal, manager, rep, team_east):
    first = await make_deal(rep, "提案", amount_jpy="300000")
    second = await make_deal(rep, "提案", amount_jpy="200000")
    m = await start(db, manager, team_east)
    order = [item["deal_id"] for item in m.agenda]
    assert set(order) == {first.id, second.id}

    await meeting.step(db, manager, m.id, at_deal=order[0], action="next")
    await meeting.step(db, manager, m.id, at_deal=order[0], action="next")  # the same key twice: one step
    await meeting.step(db, manager, m.id, at_deal=order[1], action="skip")
    await meeting.pause(db, manager, m.id)
    await db.commit()
    with pytest.raises(Conflict):  # paused: no step until it resumes
        await meeting.step(db, manager, m.id, at_deal=None, action="prev")
    await meeting.resume(db, manager, m.id)
    await meeting.step(db, manager, m.id, at_deal=None, action="prev")
    await db.commit()

    await db.refresh(m)
    assert (m.reviewed, m.skipped, m.position, m.status) == ([order[0]], [order[1]], 1, "running")


async def test_only_the_teams_manager_or_an_admin_starts_and_only_the_lead_leads(
    db, make_deal, manager, rep, other_rep, team_east
):
    await make_deal(rep, "提案", amount_jpy="300000")
    with pytest.raises(Forbidden):
        await meeting.start(db, rep, Clock(), team_id=team_east.id, pipeline_id=None)
    m = await start(db, manager, team_east)
    with pytest.raises(Forbidden):
        await meeting.step(db, rep, m.id, at_deal=None, action="next")
    with pytest.raises(NotFound):  # another team's rep does not even see it
        await meeting.get(db, other_rep, m.id)
    assert (await meeting.get(db, rep, m.id)).id == m.id


def amounts(view: minutes.Minutes) -> tuple:
    return view.result.start.amount_jpy, view.result.end.amount_jpy, [r.amount_jpy for r in view.result.bridge]


async def test_a_finished_meeting_is_immutable_and_its_minutes_keep_their_figures(
    db, make_deal, manager, rep, team_east
):
    deal = await make_deal(rep, "提案", title="保守更新", amount_jpy="1000000")
    m = await start(db, manager, team_east)
    await decisions.add_note(db, manager, Clock(), m.id, deal.id, "継続")
    await db.commit()
    await finish(db, manager, m)
    first = await minutes.minutes(db, manager, m.id)
    figures = amounts(first)

    await edit(db, rep, deal, amount_jpy="5000000")  # the deal moves on after the meeting
    for attempt in (
        decisions.add_note(db, manager, Clock(), m.id, deal.id, "後から"),
        meeting.step(db, manager, m.id, at_deal=None, action="next"),
        meeting.resume(db, manager, m.id),
        meeting.finish(db, manager, Clock(), m.id),
    ):
        with pytest.raises(Conflict):
            await attempt
    again = await minutes.minutes(db, manager, m.id)

    assert amounts(again) == figures
    assert figures[1] == 1_000_000 and [d.text for d in again.decisions] == ["継続"]
    assert now() > m.until
