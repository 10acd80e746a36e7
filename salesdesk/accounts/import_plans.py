"""The plan of an import: what each row creates or fills (built by importing.Planner, written
by import_writer), and the result the preview and the commit report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from salesdesk.accounts.import_rows import Reason
from salesdesk.i18n import gettext

# The columns an import reads and writes: matched rows are loaded with them, new rows built from them.
COMPANY_FIELDS = (
    "name",
    "name_kana",
    "corporate_number",
    "industry",
    "employee_band",
    "fiscal_year_end_month",
    "website",
    "phone",
    "address",
    "owner_id",
    "is_target",
    "notes",
    "parent_id",  # read to fill only an empty parent; set by import_writer.link_parents from the parent's name
)
PERSON_FIELDS = ("name", "name_kana", "title", "email", "phone", "mobile", "buying_role")


@dataclass
class RowIssue:
    row: int  # as Excel shows it: the header is row 1
    reasons: list[Reason]
    values: list[str] = field(default_factory=list)

    def text(self, translate: Callable[..., str] | None = None) -> str:
        """English (for JSON and logs), or through `translate` (gettext) for a page."""
        return " ".join(translate(m, **p) if translate else (m % p if p else m) for m, p in self.reasons)

    def translated(self) -> str:
        return self.text(gettext)


@dataclass
class RowSample:
    """One row as the preview shows it before the commit: what it creates, or which fields it fills."""

    row: int
    company: str
    person: str = ""
    fills: list[str] = field(default_factory=list)  # the company's empty fields this row fills (matched rows)


@dataclass
class ImportResult:
    companies_new: int = 0
    companies_matched: int = 0
    persons_new: int = 0
    persons_matched: int = 0
    invalid: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    rows: int = 0
    new_rows: list[RowSample] = field(default_factory=list)  # the first rows creating a company
    matched_rows: list[RowSample] = field(default_factory=list)  # the first rows landing on an existing one

    def as_json(self) -> dict[str, Any]:
        return {
            "companies": {"new": self.companies_new, "matched": self.companies_matched},
            "persons": {"new": self.persons_new, "matched": self.persons_matched},
            "invalid": [{"row": issue.row, "reason": issue.text()} for issue in self.invalid],
            "warnings": [{"row": issue.row, "reason": issue.text()} for issue in self.warnings],
        }


# --- the plan ----------------------------------------------------------------------------


def blank(value: Any) -> bool:
    return value in (None, "", False)


@dataclass
class PersonPlan:
    company: CompanyPlan
    id: int | None
    values: dict[str, Any]  # new: every field; existing: what fills its empty fields
    current: dict[str, Any] | None = None
    department: tuple[str, ...] = ()
    rows: int = 0

    def get(self, key: str) -> Any:
        return self.values.get(key) if self.current is None or key in self.values else self.current.get(key)


@dataclass
class CompanyPlan:
    id: int | None
    values: dict[str, Any]  # new: every field; existing: what fills its empty fields
    current: dict[str, Any] | None = None
    editable: bool = True
    tags: set[str] = field(default_factory=set)  # to add
    current_tags: set[str] = field(default_factory=set)
    departments: set[tuple[str, ...]] = field(default_factory=set)  # paths, with every parent
    by_email: dict[str, PersonPlan] = field(default_factory=dict)
    by_name: dict[str, PersonPlan] = field(default_factory=dict)
    rows: int = 0
    warned: bool = False
    parent: str = ""  # the parent company's name (company_key), linked once every company of the file exists

    def get(self, key: str) -> Any:
        return self.values.get(key) if self.current is None or key in self.values else self.current.get(key)

    def fill(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values that land in empty fields (never the name)."""
        return {k: v for k, v in values.items() if k != "name" and not blank(v) and blank(self.get(k))}


@dataclass
class ActivityPlan:
    company: CompanyPlan
    person: PersonPlan | None
    occurred_at: datetime
    subject: str
    body: str
    contact: bool  # a last contact date was given: it moves companies.last_contact_at


@dataclass
class Plan:
    result: ImportResult
    companies: list[CompanyPlan]
    persons: list[PersonPlan]
    activities: list[ActivityPlan]
    filename: str = ""
