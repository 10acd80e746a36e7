"""Form bodies of the pipeline administration (every field a string defaulting to "", so nothing
is refused before the page can answer with the input kept) and the typed input `configure` takes."""

from __future__ import annotations

from dataclasses import dataclass

from salesdesk.inputs import Fields
from salesdesk.pipeline.forms import parse_percent
from salesdesk.pipeline.models import REQUIRABLE_FIELDS, Stage, StageKind


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


def stage_form(stage: Stage) -> StageForm:
    """The stage's edit form as drawn for it (its required fields are passed beside the form)."""
    return StageForm(
        name=stage.name,
        probability=str(stage.probability),
        kind=stage.kind,
        rotting_days=str(stage.rotting_days or ""),
        version=stage.version,
    )


# --- typed input ---------------------------------------------------------------------------

STAGE_NAME = 50  # Stage.name is String(50): a board column's heading
PIPELINE_NAME = 100
LOST_REASON_NAME = 100
MAX_ROTTING_DAYS = 3650


@dataclass(frozen=True)
class StageInput:
    name: str
    probability: int
    kind: StageKind
    rotting_days: int | None = None  # None: deals in this stage never go stale by age
    required_fields: tuple[str, ...] = ()  # of REQUIRABLE_FIELDS, in their order
    seen_version: int = 0


@dataclass(frozen=True)
class SalesSettingsInput:
    fiscal_year_start_month: int
    require_next_action: bool
    seen_version: int = 0


def parse_stage(form: StageForm, required_fields: list[str] | tuple[str, ...] = ()) -> StageInput:
    f = Fields()
    name = f.text("name", form.name, limit=STAGE_NAME, required=True)
    probability = None
    try:
        probability = parse_percent(form.probability)
        if probability is None:
            f.fail("probability", "required")
    except ValueError:
        f.fail("probability", "probability.invalid")
    kind = f.choice("kind", form.kind, StageKind)
    days = f.number("rotting_days", form.rotting_days, low=1, high=MAX_ROTTING_DAYS, key="rotting_days.invalid")
    if any(field not in REQUIRABLE_FIELDS for field in required_fields):
        f.fail("required_fields", "choice.invalid")
    seen_version = f.version(form.version)
    f.done()
    assert probability is not None and kind is not None
    return StageInput(
        name,
        probability,
        kind,
        days if kind == StageKind.open else None,  # only open deals go stale by age
        tuple(field for field in REQUIRABLE_FIELDS if field in required_fields),  # in a stable order
        seen_version,
    )


def parse_sales_settings(form: SalesSettingsForm) -> SalesSettingsInput:
    f = Fields()
    month = f.number("fiscal_year_start_month", form.fiscal_year_start_month, low=1, high=12, key="month.invalid")
    if month is None:
        f.fail("fiscal_year_start_month", "month.invalid")
    seen_version = f.version(form.version)
    f.done()
    assert month is not None
    return SalesSettingsInput(month, f.flag(form.require_next_action), seen_version)


def parse_name(form_name: str, limit: int) -> str:
    """A pipeline's or a lost reason's name: required, at most `limit` characters."""
    f = Fields()
    name = f.text("name", form_name, limit=limit, required=True)
    f.done()
    return name
