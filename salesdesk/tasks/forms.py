"""Form bodies of the task pages: strings defaulting to "", errors come from the services."""

from __future__ import annotations

from dataclasses import dataclass

from salesdesk.pipeline.forms import NextActionFields


@dataclass
class TaskForm:
    title: str = ""
    kind: str = "call"
    due_on: str = ""
    due_time: str = ""  # empty: an all-day task
    duration_minutes: str = ""  # of a timed task; empty: 60
    owner_id: str = ""
    deal_id: str = ""
    company_id: str = ""
    notes: str = ""
    version: int = 0
    # person_ids is a repeated field: routes read it with request.form().getall().


@dataclass
class CompleteForm(NextActionFields):
    """Completing a task asks, in the same step, whether to log it and what happens next."""

    version: int = 0
    log_activity: str = ""  # "1": log it on the timeline as an activity
    outcome: str = ""  # what came of it: the activity's notes


@dataclass
class VersionForm:
    version: int = 0
