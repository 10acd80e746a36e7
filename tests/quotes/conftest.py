"""Quote tests arrange deals with the pipeline's fixtures and quotes through the quote services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.pipeline.models import Deal
from salesdesk.quotes import issuer, services
from salesdesk.quotes.forms import IssuerInput, LineInput, QuoteInput
from salesdesk.quotes.models import Quote
from salesdesk.quotes.tax import TaxCategory
from tests.pipeline import conftest as pipeline_fixtures
from tests.pipeline.conftest import reload  # noqa: F401

# The pipeline tests' fixtures: the default pipeline, its stages, deals made through the services.
clock, pipeline, stage, make_deal = (
    pipeline_fixtures.clock,
    pipeline_fixtures.pipeline,
    pipeline_fixtures.stage,
    pipeline_fixtures.make_deal,
)

ISSUER = IssuerInput(
    name="株式会社セールスデスク",
    address="東京都千代田区丸の内1-1-1",
    phone="03-1234-5678",
    registration_number="T6010001000001",
    bank_notes="みずほ銀行 丸の内支店 普通 1234567",
    default_payment_terms="月末締め翌月末払い",
)


def line(description: str = "導入支援", price: int = 100_000, quantity: str = "1", **more) -> LineInput:
    return LineInput(description, Decimal(quantity), price, more.pop("tax_category", TaxCategory.standard), **more)


def quote_input(*lines: LineInput, **values) -> QuoteInput:
    values = {"addressee_company": "株式会社サンプル", "subject": "営業支援システム導入"} | values
    return QuoteInput(lines=lines or (line(),), **values)


@pytest.fixture
async def issuer_settings(db: AsyncSession, admin: User):
    set_actor(db, admin)
    settings = await issuer.save_issuer(db, admin, ISSUER)
    await db.commit()
    return settings


@pytest.fixture
def make_quote(db: AsyncSession, clock: Clock) -> Callable[..., Awaitable[Quote]]:
    """make_quote(actor, deal, *lines, **quote values) -> a committed draft quote."""

    async def make(actor: User, deal: Deal, *lines: LineInput, **values) -> Quote:
        set_actor(db, actor)
        quote = await services.create_quote(db, actor, clock, deal.id, quote_input(*lines, **values))
        await db.commit()
        return quote

    return make
