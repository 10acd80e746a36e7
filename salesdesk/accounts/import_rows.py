"""One row of an import file, checked on its own (no database): values cleaned the way the
company and person forms clean them, with the reasons a row is refused (errors) or taken with
a remark (warnings). Reasons are English msgids with %-parameters, translated when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING, Any

from salesdesk.accounts import normalize as norm
from salesdesk.accounts.forms import EMAIL, INDUSTRY, KANA, PHONE, TAG, TAGS, split_tags
from salesdesk.accounts.import_files import IGNORE, ROLES, cell_text, header_key, parse_when
from salesdesk.accounts.models import EMPLOYEE_BANDS
from salesdesk.i18n.messages import N_
from salesdesk.inputs import LINE, NAME, NOTES, TITLE

if TYPE_CHECKING:
    from salesdesk.accounts.import_plans import CompanyPlan

Reason = tuple[str, dict[str, Any]]  # an English msgid and its %-parameters
YES = {"1", "yes", "y", "true", "はい", "○", "◯", "●", "重点", "対象"}
NO = {"", "0", "no", "n", "false", "いいえ", "×", "-"}


@dataclass
class Row:
    number: int
    values: list[str]
    company: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    key: str = ""  # normalize.company_key of the name
    owner_email: str = ""
    owner_id: int | None = None
    department: tuple[str, ...] = ()
    person: dict[str, Any] | None = None
    when: tuple[date, time | None] | None = None
    memo: str = ""
    parent: str = ""  # normalize.company_key of the parent company's name
    errors: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)
    plan: CompanyPlan | None = None

    def error(self, message: str, **params: Any) -> None:
        self.errors.append((message, params))

    def warn(self, message: str, **params: Any) -> None:
        self.warnings.append((message, params))


def _phone_text(value: Any) -> str:
    """Excel turns 0312345678 typed into a number cell into 312345678: a number cell gets its 0 back."""
    text = cell_text(value)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return "0" + text if numeric and text.isdigit() and not text.startswith("0") else text


def _limited(row: Row, text: str, limit: int) -> str:
    """The form's limit for the field: a longer value is the row's error, never cut."""
    if len(text) > limit:
        row.error(N_("“%(value)s…” is longer than %(limit)s characters."), value=text[:20], limit=f"{limit:,}")
    return text


def _phone(row: Row, text: str, message: str) -> str:
    if text and not 6 <= len(norm.phone_digits(text)) <= 15:
        row.error(message)
    return _limited(row, norm.nfkc(text), PHONE)


def _band(row: Row, text: str) -> str:
    value = norm.nfkc(text).replace(",", "").replace("人", "").replace("名", "").strip()
    if not value or value in EMPLOYEE_BANDS:
        return value
    if value.isdigit():  # a head count: its band
        limits = (9, 49, 99, 299, 999, 4999)
        return next((band for band, top in zip(EMPLOYEE_BANDS, limits, strict=False) if int(value) <= top), "5000+")
    row.warn(N_("Unknown employee band %(value)s; left empty."), value=text)
    return ""


def _month(row: Row, text: str) -> int | None:
    value = norm.nfkc(text).removesuffix("月").strip()
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    row.warn(N_("Fiscal year end %(value)s is not a month; left empty."), value=text)
    return None


def _flag(row: Row, text: str) -> bool:
    value = norm.nfkc(text).lower()
    if value not in YES | NO:
        row.warn(N_("Target account %(value)s is neither yes nor no; taken as no."), value=text)
    return value in YES


def _company_values(row: Row, cells: dict[str, Any]) -> None:
    text = {target: cell_text(value) for target, value in cells.items()}
    name = " ".join(text.get("company.name", "").split())
    if len(name) > TITLE:
        row.error(N_("The company name is longer than 200 characters."))
    number = norm.clean_corporate_number(text.get("company.corporate_number"))
    if number and not (len(number) == 13 and number.isascii() and number.isdigit()):
        row.error(N_("The corporate number must have 13 digits."))
    elif number and not norm.is_corporate_number(number):
        row.error(N_("The corporate number has a wrong check digit."))
    website, is_url = norm.website(text.get("company.website"))
    if not is_url:
        row.error(N_("The website is not a web address (e.g. https://www.example.co.jp)."))
    row.company = {
        "name": name,
        "name_kana": _limited(row, " ".join(norm.nfkc(text.get("company.name_kana")).split()), TITLE),
        "corporate_number": number or None,
        "industry": _limited(row, norm.nfkc(text.get("company.industry")).strip(), INDUSTRY),
        "employee_band": _band(row, text.get("company.employee_band", "")),
        "fiscal_year_end_month": _month(row, text.get("company.fiscal_year_end_month", "")),
        "website": _limited(row, website, LINE),
        "phone": _phone(row, _phone_text(cells.get("company.phone")), N_("The company phone is not valid.")),
        "address": _limited(row, norm.nfkc(text.get("company.address")).strip(), LINE),
        "is_target": _flag(row, text.get("company.is_target", "")),
        "notes": _limited(row, text.get("company.notes", "").strip(), NOTES),
    }
    row.parent = norm.company_key(text.get("company.parent"))
    row.key = norm.company_key(name)
    row.tags = list(split_tags(text.get("company.tags", "")))
    for tag in row.tags:
        _limited(row, tag, TAG)
    if len(row.tags) > TAGS:
        row.error(N_("Give at most %(limit)s tags."), limit=TAGS)
    row.owner_email = norm.email_key(text.get("company.owner_email"))


def _person_values(row: Row, cells: dict[str, Any]) -> None:
    text = {target[7:]: cell_text(value) for target, value in cells.items() if target.startswith("person.")}
    if not any(text.values()):
        return
    email = norm.nfkc(text.get("email"))
    if email and not norm.is_email(email):
        row.error(N_("The email address %(value)s is not valid."), value=email)
    role = text.get("buying_role", "")
    if role and header_key(role) not in ROLES:
        row.warn(N_("Unknown buying role %(value)s; left empty."), value=role)
    row.person = {
        "name": _limited(row, " ".join(text.get("name", "").strip().splitlines()), NAME),
        "name_kana": _limited(row, " ".join(norm.nfkc(text.get("name_kana")).split()), KANA),
        "title": _limited(row, norm.nfkc(text.get("title")).strip(), NAME),
        "email": _limited(row, email, EMAIL),
        "phone": _phone(row, _phone_text(cells.get("person.phone")), N_("The person's phone is not valid.")),
        "mobile": _phone(row, _phone_text(cells.get("person.mobile")), N_("The mobile phone is not valid.")),
        "buying_role": ROLES.get(header_key(role)) if role else None,
    }
    if not row.person["name"]:
        row.error(N_("The person's name is missing."))


def parse_row(number: int, raw: list[Any], mapping: list[str]) -> Row:
    """One data row, checked on its own (no database): values cleaned, errors and warnings noted."""
    row = Row(number, [cell_text(value) for value in raw])
    cells = {target: raw[i] for i, target in enumerate(mapping) if target != IGNORE and i < len(raw)}
    _company_values(row, cells)
    _person_values(row, cells)
    path = norm.nfkc(cell_text(cells.get("department"))).split(">")
    row.department = tuple(_limited(row, name, NAME) for name in (" ".join(part.split()) for part in path) if name)
    when = cells.get("last_contact")
    if cell_text(when):
        row.when = parse_when(when)
        if row.when is None:
            row.error(N_("The last contact date %(value)s is not a date."), value=cell_text(when))
    row.memo = _limited(row, cell_text(cells.get("memo")), NOTES)
    if not row.company["name"]:
        row.errors.insert(
            0,
            (N_("Person details without a company name."), {})
            if row.person
            else (N_("The company name is missing."), {}),
        )
    return row
