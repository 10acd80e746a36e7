"""Form bodies of the account pages: every field a string that defaults to "", so a missing
or malformed field becomes a field error from the service (422 with the input kept)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CompanyForm:
    name: str = ""
    name_kana: str = ""
    corporate_number: str = ""
    industry: str = ""
    employee_band: str = ""
    fiscal_year_end_month: str = ""
    website: str = ""
    phone: str = ""
    address: str = ""
    owner_id: str = ""
    parent_id: str = ""
    is_target: str = ""
    tags: str = ""
    notes: str = ""
    confirm_duplicate: str = ""
    version: int = 0


@dataclass
class DepartmentForm:
    name: str = ""
    parent_id: str = ""
    version: int = 0


@dataclass
class DeleteForm:
    version: int = 0
    move_to_id: str = ""


@dataclass
class PersonForm:
    name: str = ""
    name_kana: str = ""
    department_id: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    reports_to_id: str = ""
    buying_role: str = ""
    stance: str = "neutral"
    left_company: str = ""
    notes: str = ""
    moved_on: str = ""  # 異動日: the date a department or title change takes effect
    confirm_duplicate: str = ""
    version: int = 0


@dataclass
class ActivityForm:
    kind: str = "call"
    occurred_at: str = ""  # datetime-local in the user's zone; empty means now
    subject: str = ""
    body: str = ""
    # person_ids is a repeated field: routes read it with request.form().getall() (a dataclass
    # field would refuse the single-value case).


@dataclass
class SavedViewForm:
    name: str = ""
    query: str = ""
    shared: str = ""


@dataclass
class MergeForm:
    other_id: str = ""
    confirm: str = ""
