"""What every /api/v1 resource shares: the list parameters, and turning a JSON body into the
pages' form so the API parses input with the very same `parse_*` functions.

A PATCH body is a msgspec Struct whose fields default to UNSET: the form is first filled from
the row as saved (what the edit page would show), then each field the body names replaces its
value. The form's parser then checks everything as if a person had typed it, so a rule or limit
is written once, for both doors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

from litestar.params import Parameter
from msgspec import UNSET, Struct, structs

from salesdesk import sync
from salesdesk.errors import Invalid

F = TypeVar("F")

Limit = Annotated[int, Parameter(ge=1, le=sync.MAX_LIMIT, description="Rows per page (at most 500).")]
Cursor = Annotated[str | None, Parameter(max_length=200, description="`next_cursor` of the previous page.")]
# Text, parsed by sync.parse_window: msgspec alone would also take a number as a Unix time.
UpdatedSince = Annotated[
    str | None,
    Parameter(
        schema_extra={"format": "date-time"},
        max_length=40,
        description="Only rows saved at or after this moment (ISO 8601, e.g. 2026-12-01T00:00:00Z).",
    ),
]
ITEM_ID = Parameter(ge=1, le=2**53, description="The object's id.")


def form_value(value: Any) -> Any:
    """A JSON value as the pages' form would carry it: text, "1"/"" for flags, lists kept."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [form_value(v) for v in value]
    return str(value)


def given(body: Struct) -> dict[str, Any]:
    """The fields a JSON body names (UNSET ones left out)."""
    return {name: value for name, value in structs.asdict(body).items() if value is not UNSET}


def as_form(form_cls: type[F], body: Struct, base: F | None = None, **renamed: str) -> F:
    """`base` (the saved row as a form, or the form's defaults) with the body's fields put in;
    `renamed` maps a body field to the form field it fills when the names differ."""
    form = base if base is not None else form_cls()
    names = {f.name for f in dataclasses.fields(form_cls)}  # type: ignore[arg-type]
    values = {}
    for name, value in given(body).items():
        target = renamed.get(name, name)
        if target in names:
            values[target] = value if target == "version" else form_value(value)
    return dataclasses.replace(form, **values)  # type: ignore[type-var]


def joined(values: Iterable[str]) -> str:
    return ", ".join(values)


@contextmanager
def field_names(rename: Callable[[str], str]) -> Iterator[None]:
    """A 422 raised inside names the body's fields: `rename` maps a form field (e.g. unit_price,
    filled from `unit_price_jpy`) to the body field it came from."""
    try:
        yield
    except Invalid as invalid:
        raise Invalid(**{rename(name): key for name, key in invalid.errors.items()}) from None
