"""How stored rows read to a user: the tables, columns and coded values that the audit log and a 409
page show. A code (``decision_maker``, ``half_up``, ``True``) gets its label; anything else is data
(a name, a note, a number) and is shown as it is."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from salesdesk.i18n import fmt_date, fmt_datetime, gettext, yen
from salesdesk.i18n.messages import FIELD_LABELS, N_, field_label

ENTITY_LABELS = {
    "activities": N_("Activity"),
    "caldav_connections": N_("Calendar sync"),
    "calendar_settings": N_("Business calendar"),
    "companies": N_("Company"),
    "deal_contacts": N_("Buying committee"),
    "deals": N_("Deal"),
    "departments": N_("Department"),
    "issuer_settings": N_("Quote settings"),
    "lost_reasons": N_("Lost reason"),
    "persons": N_("Person"),
    "pipelines": N_("Pipeline"),
    "products": N_("Product"),
    "quotes": N_("Quote"),
    "sales_settings": N_("Sales settings"),
    "stages": N_("Stage"),
    "tasks": N_("Task"),
    "teams": N_("Team"),
    "users": N_("User"),
    "webhook_endpoints": N_("Webhook"),
}

# The columns FIELD_LABELS (the forms' fields) does not name.
COLUMN_LABELS = {
    "won_on": N_("Won on"),
    "lost_on": N_("Lost on"),
    "stage_entered_at": N_("In this stage since"),
    "contract_end_on": N_("Contract ends on"),
    "renewal_lead_days": N_("Renewal deal (days before the contract ends)"),
    "occurred_at": N_("When"),
    "subject": N_("Subject"),
    "body": N_("Details"),
    "deal_id": N_("Deal"),
    "task_id": N_("Task"),
    "user_id": N_("User"),
    "person_id": N_("Person"),
    "role": N_("Role"),
    "is_primary": N_("Main contact"),
    "password_hash": N_("Password"),
    "team_id": N_("Team"),
    "locale": N_("Language"),
    "time_zone": N_("Time zone"),
    "calendar_token": N_("Calendar feed address"),
    "team_calendar_token": N_("Team calendar feed address"),
    "invite_token_hash": N_("Invitation"),
    "invite_expires_at": N_("Invitation valid until"),
    "last_login_at": N_("Last login"),
    "registration_number": N_("Registration number"),
    "bank_notes": N_("Bank account"),
    "default_payment_terms": N_("Default payment terms"),
    "default_rounding": N_("Default tax rounding"),
    "default_validity_days": N_("Default validity (days)"),
    "number_pattern": N_("Quote number pattern"),
    "approval_threshold_percent": N_("Discount needing approval (%)"),
    "seal_media_type": N_("Seal image"),
    "logo_media_type": N_("Logo image"),
    "number": N_("Quote number"),
    "revision": N_("Revision"),
    "is_latest": N_("Latest revision"),
    "fiscal_year": N_("Fiscal year"),
    "sequence": N_("Sequence number"),
    "created_by_id": N_("Created by"),
    "addressee_company": N_("Addressee company"),
    "addressee_department": N_("Addressee department"),
    "addressee_person": N_("Addressee person"),
    "honorific": N_("Honorific"),
    "issue_date": N_("Issue date"),
    "valid_until": N_("Valid until"),
    "delivery": N_("Delivery"),
    "delivery_place": N_("Place of delivery"),
    "payment_terms": N_("Payment terms"),
    "rounding": N_("Tax rounding"),
    "quote_rounding": N_("Tax rounding on quotes"),
    "prices_include_tax": N_("Prices include tax"),
    "subtotal_jpy": N_("Subtotal"),
    "tax_jpy": N_("Tax amount"),
    "total_jpy": N_("Total"),
    "discount_percent": N_("Discount (%)"),
    "sent_at": N_("Sent at"),
    "decided_on": N_("Decided on"),
    "approved_by_id": N_("Approved by"),
    "approval_note": N_("Approval note"),
    "approval_task_id": N_("Approval task"),
    "completed_at": N_("Completed at"),
    "uid": N_("Calendar event ID"),
    "reminder_minutes": N_("Reminder (minutes before)"),
    "recurrence": N_("Repeats"),
    "series_uid": N_("Series"),
    "recurrence_id": N_("Occurrence"),
    "renewal_key": N_("Renewal of"),
    "url": N_("URL"),
    "username": N_("User name"),
    "password_encrypted": N_("App password"),
    "last_synced_at": N_("Last synced"),
    "last_error": N_("Last error"),
    "failures": N_("Failures"),
    "closes_year_end": N_("Closed over the new year"),
    "closes_obon": N_("Closed for obon"),
    "closed_days": N_("Further closure days"),
    "code": N_("Product code"),
    "description": N_("Description"),
    "unit": N_("Unit"),
    "unit_price_jpy": N_("Unit price"),
    "tax_category": N_("Tax category"),
    "reports_to_id": N_("Reports to"),
    "left_company": N_("Left the company"),
    "events": N_("Events"),
    "secret": N_("Signing secret"),
    "manager_id": N_("Manager"),
    "required_fields": N_("Required fields"),
    "direction": N_("Direction"),
}

# A name or title means another thing per table: 会社名, not 氏名; a task's title, not a job title.
TABLE_COLUMN_LABELS = {
    "companies": {"name": N_("Company name")},
    "issuer_settings": {"name": N_("Company name")},
    "departments": {"name": N_("Department name")},
    "products": {"name": N_("Product name")},
    "teams": {"name": N_("Team name")},
    "pipelines": {"name": N_("Pipeline name")},
    "stages": {"name": N_("Stage name")},
    "lost_reasons": {"name": N_("Lost reason")},
    "persons": {"title": N_("Job title")},
    "deals": {"title": N_("Deal title")},
    "tasks": {"title": N_("Task title")},
}

_ROLES = {"admin": N_("Administrator"), "manager": N_("Manager"), "rep": N_("Sales rep")}
_BUYING_ROLES = {
    "decision_maker": N_("Decision maker"),
    "approver": N_("Approver"),
    "champion": N_("Champion"),
    "influencer": N_("Influencer"),
    "user": N_("End user"),
    "gatekeeper": N_("Gatekeeper"),
    "blocker": N_("Blocker"),
}
_KINDS = {
    "call": N_("Call"),
    "visit": N_("Visit"),
    "meeting": N_("Meeting"),
    "email": N_("Email"),
    "note": N_("Note"),
    "inquiry": N_("Inquiry"),
    "change": N_("Change"),
    "todo": N_("To-do"),
    # a stage's kind
    "open": N_("In progress"),
    "won": N_("Won"),
    "lost": N_("Lost"),
}
_STATUSES = {
    "open": N_("Open"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "draft": N_("Draft"),
    "approval_requested": N_("Approval requested"),
    "approved": N_("Approved"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "expired": N_("Expired"),
}
_ROUNDING = {
    "floor": N_("Round down (切り捨て)"),
    "half_up": N_("Round half up (四捨五入)"),
    "ceil": N_("Round up (切り上げ)"),
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "role": _ROLES | _BUYING_ROLES,
    "buying_role": _BUYING_ROLES,
    "stance": {"supporter": N_("Supporter"), "neutral": N_("Neutral"), "opponent": N_("Opponent")},
    "kind": _KINDS,
    "status": _STATUSES,
    "forecast": {"A": N_("A: likely to close"), "B": N_("B: possible"), "C": N_("C: unlikely")},
    "rounding": _ROUNDING,
    "default_rounding": _ROUNDING,
    "quote_rounding": _ROUNDING,
    "tax_category": {"standard": N_("Standard rate 10%"), "reduced": N_("Reduced rate 8%"), "exempt": N_("Tax exempt")},
    "locale": {"ja": "日本語", "en": "English"},
    "direction": {"up": N_("Up"), "down": N_("Down")},
    "events": {  # a webhook's events, as its page names them
        "deal.created": N_("Deal created"),
        "deal.stage_changed": N_("Deal moved to another stage"),
        "deal.won": N_("Deal won"),
        "deal.lost": N_("Deal lost"),
        "deal.amount_changed": N_("Deal amount changed"),
        "deal.close_date_changed": N_("Expected close date changed"),
        "company.created": N_("Company created"),
        "company.merged": N_("Companies merged"),
        "task.completed": N_("Task completed"),
    },
    "required_fields": {
        "amount_jpy": N_("Amount"),
        "expected_close_date": N_("Expected close"),
        "primary_contact": N_("Primary contact"),
        "competitors": N_("Competitors"),
        "challenges": N_("Customer challenges"),
        "lost_reason": N_("Lost reason"),
    },
}
_YES_NO = {True: N_("Yes"), False: N_("No")}
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def entity_label(table: str) -> str:
    return gettext(ENTITY_LABELS[table]) if table in ENTITY_LABELS else table


def column_label(column: str, table: Any = "") -> str:
    """A column's name: its table's own word for it, else the form's label, else the log's own.
    `table` is a table name or a row (a 409's current row)."""
    table = getattr(table, "__tablename__", table)
    if column in TABLE_COLUMN_LABELS.get(table, {}):
        return gettext(TABLE_COLUMN_LABELS[table][column])
    if column not in FIELD_LABELS and column in COLUMN_LABELS:
        return gettext(COLUMN_LABELS[column])
    return field_label(column)


def value_label(column: str, value: Any) -> str:
    """A stored value as words: a code's label, yes/no, a list one item after the other; data unchanged."""
    if isinstance(value, bool):
        return gettext(_YES_NO[value])
    if isinstance(value, list):
        return ", ".join(value_label(column, item) for item in value)
    labels = VALUE_LABELS.get(column, {})
    if isinstance(value, str) and value in labels:
        return gettext(labels[value])
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):  # the log keeps dates and times as ISO text
        value = datetime.fromisoformat(value)
    elif isinstance(value, str) and ISO_DAY.fullmatch(value):
        value = date.fromisoformat(value)
    if column.endswith("_jpy") and isinstance(value, int | str) and str(value).lstrip("-").isdigit():
        return yen(int(value))
    if isinstance(value, datetime):
        return fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value, with_weekday=False)
    return "" if value is None else str(value)


def is_code(column: str, value: Any) -> bool:
    """Whether value_label gives words of the UI (to translate) rather than data (a name, a note)."""
    if isinstance(value, list):
        return bool(value) and all(is_code(column, item) for item in value)
    return isinstance(value, bool) or (isinstance(value, str) and value in VALUE_LABELS.get(column, {}))
