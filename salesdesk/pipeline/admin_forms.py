"""Form bodies of the pipeline administration (every field a string defaulting to "", so bad input
becomes a field error from `configure`, 422 with the input kept)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PipelineForm:
    name: str = ""
    copy_from_id: str = ""  # a new pipeline starts with a copy of this one's stages
    version: int = 0


@dataclass
class StageForm:
    name: str = ""
    probability: str = ""
    kind: str = "open"
    rotting_days: str = ""  # empty: deals in this stage never go stale by age
    version: int = 0
    # required_fields is a repeated field (checkboxes): routes read it with request.form().getall().


@dataclass
class OrderForm:
    direction: str = ""  # "up" or "down"
    version: int = 0


@dataclass
class VersionForm:
    version: int = 0


@dataclass
class LostReasonForm:
    name: str = ""
    version: int = 0


@dataclass
class ActiveForm:
    active: str = ""  # "1": in use, "0": no longer offered
    version: int = 0


@dataclass
class SalesSettingsForm:
    fiscal_year_start_month: str = ""
    require_next_action: str = ""  # "1" when the box is ticked
    version: int = 0
