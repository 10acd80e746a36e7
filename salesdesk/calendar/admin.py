"""The admin's calendar settings: closure days (business days skip them) and, per pipeline, how many
days before a contract ends its renewal task is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.calendar.business_days import BusinessCalendar, calendar_of, load_settings
from salesdesk.calendar.forms import ClosuresInput, LeadDaysInput
from salesdesk.calendar.models import CalendarSettings
from salesdesk.errors import Forbidden, NotFound
from salesdesk.pipeline.models import Pipeline
from salesdesk.versions import check_version, flush_or_stale

PREVIEW_DAYS = 120


def _ensure_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise Forbidden("calendar.configure")


@dataclass
class CalendarConfiguration:
    settings: CalendarSettings
    pipelines: list[Pipeline]
    days_off: list[tuple[date, str]]  # the coming weekdays nobody works, with the reason


async def configuration(db: AsyncSession, actor: User, today: date) -> CalendarConfiguration:
    _ensure_admin(actor)
    settings = await load_settings(db) or CalendarSettings(closes_year_end=True, closes_obon=False, closed_days=[])
    pipelines = list(await db.scalars(select(Pipeline).order_by(Pipeline.position, Pipeline.id)))
    days_off = calendar_of(settings).days_off(today, today + timedelta(days=PREVIEW_DAYS))
    return CalendarConfiguration(settings, pipelines, days_off)


async def save_closures(db: AsyncSession, actor: User, data: ClosuresInput) -> BusinessCalendar:
    _ensure_admin(actor)
    settings = await load_settings(db)
    wanted = {
        "closes_year_end": data.closes_year_end,
        "closes_obon": data.closes_obon,
        "closed_days": [day.isoformat() for day in data.closed_days],
    }
    if settings is None:  # an install still on the defaults (shown as version 0): the first save makes the row
        defaults = CalendarSettings(closes_year_end=True, closes_obon=False, closed_days=[], version=0)
        await check_version(db, defaults, data.seen_version, wanted)
        settings = CalendarSettings()
        db.add(settings)
    else:
        await check_version(db, settings, data.seen_version, wanted)
    for key, value in wanted.items():
        setattr(settings, key, value)
    await flush_or_stale(db, settings, wanted)
    return calendar_of(settings)


async def save_lead_days(db: AsyncSession, actor: User, pipeline_id: int, data: LeadDaysInput) -> Pipeline:
    _ensure_admin(actor)
    pipeline = await db.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound("pipeline")
    wanted = {"renewal_lead_days": data.renewal_lead_days}
    await check_version(db, pipeline, data.seen_version, wanted)
    pipeline.renewal_lead_days = data.renewal_lead_days
    await flush_or_stale(db, pipeline, wanted)
    return pipeline
