"""Form bodies of the meeting's pages (strings, "" when empty) and their parsing into typed input."""

from __future__ import annotations

from dataclasses import dataclass

from salesdesk.inputs import NOTES, TITLE, Fields
from salesdesk.meetings.decisions import NextActionDecision
from salesdesk.pipeline.forms import MoveInput
from salesdesk.tasks.models import TaskKind


@dataclass
class StartForm:
    team_id: str = ""
    pipeline_id: str = ""


@dataclass
class StepForm:
    action: str = "next"  # next | prev | skip | a position
    at: str = ""  # the deal the lead's screen showed


@dataclass
class MeetingForecastForm:
    forecast: str = ""
    reason: str = ""
    version: str = ""


@dataclass
class MeetingStageForm:
    stage_id: str = ""
    version: str = ""
    lost_reason_id: str = ""


@dataclass
class NoteForm:
    note: str = ""


@dataclass
class NextActionForm:
    title: str = ""
    due_on: str = ""
    owner_id: str = ""
    kind: str = "call"


def parse_start(form: StartForm) -> tuple[int, int | None]:
    f = Fields()
    team_id = f.id("team_id", form.team_id, required=True)
    pipeline_id = f.id("pipeline_id", form.pipeline_id)
    f.done()
    assert team_id is not None
    return team_id, pipeline_id


def parse_forecast(form: MeetingForecastForm) -> tuple[str, str, int]:
    """The choice is checked by the pipeline's service (as on the deal page); the reason is kept as typed."""
    f = Fields()
    reason = f.text("forecast_reason", form.reason, limit=NOTES, lines=True)
    version = f.version(form.version)
    f.done()
    return form.forecast, reason, version


def parse_stage(form: MeetingStageForm) -> MoveInput:
    f = Fields()
    stage_id = f.id("stage_id", form.stage_id, required=True)
    lost_reason_id = f.id("lost_reason_id", form.lost_reason_id)
    version = f.version(form.version)
    f.done()
    assert stage_id is not None
    return MoveInput(stage_id=stage_id, seen_version=version, lost_reason_id=lost_reason_id)


def parse_note(form: NoteForm) -> str:
    f = Fields()
    note = f.text("note", form.note, limit=NOTES, required=True, lines=True)
    f.done()
    return note


def parse_next_action(form: NextActionForm) -> NextActionDecision:
    f = Fields()
    title = f.text("title", form.title, limit=TITLE, required=True)
    due_on = f.date("due_on", form.due_on, required=True)
    owner_id = f.id("owner_id", form.owner_id)
    kind = f.choice("kind", form.kind or "call", TaskKind)
    f.done()
    assert due_on is not None and kind is not None
    return NextActionDecision(title, due_on, owner_id, kind)
