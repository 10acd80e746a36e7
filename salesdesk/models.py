"""Every model, imported in one place so Alembic and the tests see the whole schema."""

from salesdesk.accounts.models import (
    Activity,
    Company,
    CompanyTag,
    Department,
    ImportUpload,
    Person,
    PersonMove,
    SavedView,
    SearchTerm,
)
from salesdesk.audit.models import AuditEntry
from salesdesk.auth.models import ApiToken, LoginAttempt, Team, User, UserSession
from salesdesk.calendar.models import CaldavConnection, CaldavObject, CalendarSettings
from salesdesk.db import Base
from salesdesk.meetings.models import MeetingSchedule, TeamMove
from salesdesk.pipeline.models import (
    Deal,
    DealContact,
    DealEvent,
    ForecastCell,
    FunnelCell,
    LostReason,
    Pipeline,
    SalesSettings,
    Stage,
)
from salesdesk.quotes.models import IssuerSettings, Product, Quote, QuoteCounter, QuoteLine
from salesdesk.tasks.models import Task
from salesdesk.webhooks.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Base",
    "CalendarSettings",
    "CaldavConnection",
    "CaldavObject",
    "Activity",
    "Company",
    "CompanyTag",
    "Department",
    "ImportUpload",
    "Person",
    "PersonMove",
    "SavedView",
    "SearchTerm",
    "AuditEntry",
    "ApiToken",
    "LoginAttempt",
    "Team",
    "User",
    "UserSession",
    "Deal",
    "ForecastCell",
    "FunnelCell",
    "DealContact",
    "DealEvent",
    "MeetingSchedule",
    "TeamMove",
    "LostReason",
    "Pipeline",
    "SalesSettings",
    "Stage",
    "Task",
    "OutboxEvent",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "IssuerSettings",
    "Product",
    "Quote",
    "QuoteCounter",
    "QuoteLine",
]
