"""The issuer settings: our company as printed on quotes and the quotes' defaults (admins edit them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.errors import Forbidden
from salesdesk.quotes.forms import IssuerInput
from salesdesk.quotes.models import DEFAULT_NUMBER_PATTERN, DEFAULT_VALIDITY_DAYS, IssuerSettings
from salesdesk.quotes.tax import Rounding
from salesdesk.versions import check_version, flush_or_stale

MAX_SEAL_BYTES = 512 * 1024


async def issuer(db: AsyncSession) -> IssuerSettings:
    """The saved settings, or the defaults (not saved) until an admin saves them the first time."""
    found = await db.scalar(select(IssuerSettings).order_by(IssuerSettings.id).limit(1))
    if found is not None:
        return found
    return IssuerSettings(
        name="",
        address="",
        phone="",
        registration_number="",
        bank_notes="",
        default_payment_terms="",
        default_rounding=Rounding.floor,
        default_validity_days=DEFAULT_VALIDITY_DAYS,
        number_pattern=DEFAULT_NUMBER_PATTERN,
        approval_threshold_percent=None,
        seal_media_type="",
        logo_media_type="",
        version=0,
    )


async def admin_issuer(db: AsyncSession, actor: User) -> IssuerSettings:
    """The settings for their administration page (admins only)."""
    if not policy.may_administer(actor):
        raise Forbidden("quotes.issuer")
    return await issuer(db)


async def save_issuer(db: AsyncSession, actor: User, data: IssuerInput) -> IssuerSettings:
    if not policy.may_administer(actor):
        raise Forbidden("quotes.issuer")
    settings = await issuer(db)
    values = {
        "name": data.name,
        "address": data.address,
        "phone": data.phone,
        "registration_number": data.registration_number,
        "bank_notes": data.bank_notes,
        "default_payment_terms": data.default_payment_terms,
        "default_rounding": data.default_rounding.value,
        "default_validity_days": data.default_validity_days,
        "number_pattern": data.number_pattern,
        "approval_threshold_percent": data.approval_threshold_percent,
    }
    if settings.id is None:  # the first save: nothing to be stale against
        settings = IssuerSettings(**values, seal_media_type="", logo_media_type="")
        db.add(settings)
    else:
        await check_version(db, settings, data.seen_version, values)
        for key, value in values.items():
            setattr(settings, key, value)
    await flush_or_stale(db, settings, values)
    return settings
