"""Account input at the edge: the form bodies Litestar parses (every field a string that defaults
to "", so nothing is refused before we can name the field) and the typed input the services take.

`parse_*` turn a form into typed input or raise Invalid with every field's error (422, the form
drawn again with the input kept); every text has a limit checked here, never cut silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.models import EMPLOYEE_BANDS, ActivityKind, BuyingRole, Stance
from salesdesk.clock import Clock
from salesdesk.ids import parse_id
from salesdesk.inputs import LINE, NAME, NOTES, TITLE, Fields, too_long


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
    parent_id: str = ""  # the API's way to name the parent
    parent_name: str = ""  # the page's: the parent company's name as typed or picked from the suggestions
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
    version: int = 0  # the edit form's; the quick-add form sends none
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


# --- typed input: what the services take (the JSON API builds the same) ----------------

TAG = 50  # the tag column's width
TAGS = 20  # tags per company
KANA = 100  # a person's フリガナ
PHONE = 40
EMAIL = 254
INDUSTRY = 100
QUERY = 1000  # a saved view's query string


@dataclass(frozen=True)
class CompanyInput:
    name: str
    name_kana: str = ""
    corporate_number: str | None = None  # 13 digits with a valid check digit
    industry: str = ""
    employee_band: str = ""
    fiscal_year_end_month: int | None = None
    website: str = ""
    phone: str = ""
    address: str = ""
    owner_id: int | None = None  # None on a new account: a rep's own, nobody's for a manager
    parent_id: int | None = None
    parent_name: str = ""  # a name to resolve to parent_id (the page's search-as-you-type field)
    is_target: bool = False
    tags: tuple[str, ...] = ()
    notes: str = ""
    confirm_duplicate: bool = False
    seen_version: int = 0


@dataclass(frozen=True)
class DepartmentInput:
    name: str
    parent_id: int | None = None
    seen_version: int = 0


@dataclass(frozen=True)
class DepartmentRemoval:
    seen_version: int
    move_to_id: int | None = None


@dataclass(frozen=True)
class PersonInput:
    name: str
    name_kana: str = ""
    department_id: int | None = None
    title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    reports_to_id: int | None = None
    buying_role: BuyingRole | None = None
    stance: Stance = Stance.neutral
    left_company: bool = False
    notes: str = ""
    moved_on: date | None = None  # 異動日; None: today in the actor's zone
    confirm_duplicate: bool = False
    seen_version: int = 0


@dataclass(frozen=True)
class ActivityInput:
    subject: str
    kind: ActivityKind = ActivityKind.call
    occurred_at: datetime | None = None  # aware; None: now
    body: str = ""
    person_ids: tuple[int, ...] = ()
    seen_version: int = 0


@dataclass(frozen=True)
class SavedViewInput:
    name: str
    query: str
    shared: bool = False


@dataclass(frozen=True)
class MergeInput:
    other_id: int | None
    confirmed: bool


def activity_form(activity: Any, clock: Clock) -> ActivityForm:
    """The edit form of a saved activity, its time as a datetime-local in the user's zone."""
    return ActivityForm(
        kind=activity.kind,
        occurred_at=clock.local(activity.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        subject=activity.subject,
        body=activity.body,
        version=activity.version,
    )


def company_form(company: Any) -> CompanyForm:
    """The edit form of a saved company (the edit page, and the base of an API PATCH)."""
    return CompanyForm(
        name=company.name,
        name_kana=company.name_kana,
        corporate_number=company.corporate_number or "",
        industry=company.industry,
        employee_band=company.employee_band,
        fiscal_year_end_month=str(company.fiscal_year_end_month or ""),
        website=company.website,
        phone=company.phone,
        address=company.address,
        owner_id=str(company.owner_id or ""),
        parent_id=str(company.parent_id or ""),
        is_target="1" if company.is_target else "",
        tags=", ".join(company.tag_names),
        notes=company.notes,
        version=company.version,
    )


def department_form(department: Any) -> DepartmentForm:
    """The rename form of a saved department (the base of an API PATCH)."""
    return DepartmentForm(name=department.name, parent_id=str(department.parent_id or ""), version=department.version)


def person_form(person: Any) -> PersonForm:
    """The edit form of a saved person (the edit page, and the base of an API PATCH)."""
    return PersonForm(
        name=person.name,
        name_kana=person.name_kana,
        department_id=str(person.department_id or ""),
        title=person.title,
        email=person.email,
        phone=person.phone,
        mobile=person.mobile,
        reports_to_id=str(person.reports_to_id or ""),
        buying_role=person.buying_role or "",
        stance=person.stance,
        left_company="1" if person.left_company else "",
        notes=person.notes,
        version=person.version,
    )


def parse_company(form: CompanyForm) -> CompanyInput:
    f = Fields()
    number = norm.clean_corporate_number(form.corporate_number)
    if number and not norm.is_corporate_number(number):
        f.fail("corporate_number", "corporate_number.invalid")
    month = f.number("fiscal_year_end_month", form.fiscal_year_end_month, low=1, high=12, key="month.invalid")
    if form.employee_band and form.employee_band not in EMPLOYEE_BANDS:
        f.fail("employee_band", "choice.invalid")
    website, is_url = norm.website(f.text("website", form.website, limit=LINE))
    if not is_url:
        f.fail("website", "website.invalid")
    elif len(website) > LINE:
        f.fail("website", too_long(LINE - len("https://")))
    data = CompanyInput(
        name=f.text("name", form.name, limit=TITLE, required=True),
        name_kana=_kana(f, form.name_kana, TITLE),
        corporate_number=number or None,
        industry=norm.nfkc(f.text("industry", form.industry, limit=INDUSTRY)),
        employee_band=form.employee_band,
        fiscal_year_end_month=month,
        website=website,
        phone=_phone(f, "phone", form.phone),
        address=norm.nfkc(f.text("address", form.address, limit=LINE)),
        owner_id=f.id("owner_id", form.owner_id),
        parent_id=f.id("parent_id", form.parent_id),
        parent_name=f.text("parent_name", form.parent_name, limit=TITLE),
        is_target=f.flag(form.is_target),
        tags=_tags(f, form.tags),
        notes=f.text("notes", form.notes, limit=NOTES, lines=True),
        confirm_duplicate=form.confirm_duplicate == "1",
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def _kana(f: Fields, value: str, limit: int) -> str:
    kana = norm.nfkc(f.text("name_kana", value, limit=limit))
    if not norm.is_kana(kana):
        f.fail("name_kana", "kana.invalid")
    return kana


def _phone(f: Fields, field: str, value: str) -> str:
    phone = norm.nfkc(f.text(field, value, limit=PHONE))
    if phone and not 6 <= len(norm.phone_digits(phone)) <= 15:
        f.fail(field, "phone.invalid")
    return phone


def split_tags(text: str) -> tuple[str, ...]:
    """Tags as typed in one field (comma, 、 or line separated), each once, sorted."""
    names = {" ".join(t.split()) for t in re.split(r"[,、，;\n]", norm.nfkc(text.replace("\x00", "")))} - {""}
    return tuple(sorted(names))


def _tags(f: Fields, text: str) -> tuple[str, ...]:
    names = split_tags(text)
    if any(len(name) > TAG for name in names):
        f.fail("tags", too_long(TAG))
    elif len(names) > TAGS:
        f.fail("tags", "tags.too_many")
    return names


def parse_department(form: DepartmentForm) -> DepartmentInput:
    f = Fields()
    data = DepartmentInput(
        name=norm.nfkc(f.text("name", form.name, limit=NAME, required=True)),
        parent_id=f.id("parent_id", form.parent_id),
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def parse_department_removal(form: DeleteForm) -> DepartmentRemoval:
    f = Fields()
    data = DepartmentRemoval(seen_version=f.version(form.version), move_to_id=f.id("move_to_id", form.move_to_id))
    f.done()
    return data


def parse_person(form: PersonForm) -> PersonInput:
    f = Fields()
    email = norm.nfkc(f.text("email", form.email, limit=EMAIL))
    if email and "email" not in f.errors and not norm.is_email(email):
        f.fail("email", "email.invalid")
    data = PersonInput(
        name=_as_typed(f.text("name", form.name, limit=NAME, required=True, lines=True)),
        name_kana=_kana(f, form.name_kana, KANA),
        department_id=f.id("department_id", form.department_id),
        title=norm.nfkc(f.text("title", form.title, limit=NAME)),
        email=email,
        phone=_phone(f, "phone", form.phone),
        mobile=_phone(f, "mobile", form.mobile),
        reports_to_id=f.id("reports_to_id", form.reports_to_id),
        buying_role=f.choice("buying_role", form.buying_role, BuyingRole, required=False),
        stance=f.choice("stance", form.stance or Stance.neutral, Stance) or Stance.neutral,
        left_company=f.flag(form.left_company),
        notes=f.text("notes", form.notes, limit=NOTES, lines=True),
        moved_on=f.date("moved_on", form.moved_on),
        confirm_duplicate=form.confirm_duplicate == "1",
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def _as_typed(name: str) -> str:
    """A person's name kept as typed (姓 名 with a full-width space or none), on one line."""
    return " ".join(name.splitlines())


def parse_activity(form: ActivityForm, clock: Clock, person_ids: list[str] | tuple[str, ...] = ()) -> ActivityInput:
    """`occurred_at` is a datetime-local, read in the clock's zone (the logged-in user's)."""
    f = Fields()
    data = ActivityInput(
        subject=f.text("subject", form.subject, limit=TITLE, required=True),
        kind=f.choice("kind", form.kind, ActivityKind) or ActivityKind.call,
        occurred_at=_moment(f, "occurred_at", form.occurred_at, clock),
        body=f.text("body", form.body, limit=NOTES, lines=True),
        person_ids=tuple(f.ids("person_ids", [str(p) for p in person_ids])),
        seen_version=f.version(form.version),
    )
    f.done()
    return data


def _moment(f: Fields, field: str, value: str, clock: Clock) -> datetime | None:
    text = norm.nfkc(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        f.fail(field, "date.invalid")
        return None
    return (moment.replace(tzinfo=clock.zone) if moment.tzinfo is None else moment).astimezone(UTC)


def parse_saved_view(form: SavedViewForm) -> SavedViewInput:
    f = Fields()
    data = SavedViewInput(
        name=f.text("name", form.name, limit=NAME, required=True),
        query=f.text("query", form.query.lstrip("?"), limit=QUERY),
        shared=form.shared == "1",
    )
    f.done()
    return data


def parse_merge(form: MergeForm) -> MergeInput:
    """A malformed or missing other id is "nothing chosen", which the merge refuses by name."""
    return MergeInput(other_id=parse_id(form.other_id), confirmed=form.confirm == "1")
