"""A company's deals for its account page: the ones the actor sees, and the account's figures.

The figures are the account's, like a CRM's roll-up fields on the account: the won total so far
(every won deal of the company: what the account is worth to us) beside its open pipeline. They
count every deal of the company, so a rep reading another team's account still learns its value;
the list shows only the deals the actor may see (access.visible_deals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from salesdesk.auth.models import User
from salesdesk.db import StatementCache
from salesdesk.pipeline import access
from salesdesk.pipeline.board import weighted
from salesdesk.pipeline.models import Deal, Stage, StageKind

LISTED = 50  # deals listed on the company page; the rest are counted


@dataclass
class CompanyDeals:
    deals: list[Deal] = field(default_factory=list)  # seen by the actor: open first (by close date), then closed
    open_count: int = 0
    open_total_jpy: int = 0
    open_weighted_jpy: int = 0
    won_count: int = 0
    won_total_jpy: int = 0
    lost_count: int = 0
    limit: int = LISTED

    @property
    def count(self) -> int:
        return self.open_count + self.won_count + self.lost_count

    @property
    def unlisted(self) -> int:
        """Deals counted in the figures but not listed (not the actor's to see, or past the cap)."""
        return self.count - len(self.deals)


async def company_deals(db: AsyncSession, actor: User, company_id: int) -> CompanyDeals:
    """Two statements, whatever the number of deals."""
    result = CompanyDeals()
    rows = await db.execute(FIGURES, {"company_id": company_id})
    for kind, count, total, raw_weighted in rows:
        if kind == StageKind.open:
            result.open_count, result.open_total_jpy = count, int(total or 0)
            result.open_weighted_jpy = weighted(int(raw_weighted or 0))
        elif kind == StageKind.won:
            result.won_count, result.won_total_jpy = count, int(total or 0)
        else:
            result.lost_count = count
    listed = STATEMENTS.get(("company-deals", actor.id, actor.role, actor.team_id), lambda: _listed(actor))
    result.deals = list(await db.scalars(listed, {"company_id": company_id}))
    return result


FIGURES = (  # built once; the list below once per actor (db.StatementCache)
    select(
        Stage.kind,
        func.count(),
        func.sum(Deal.amount_jpy),
        func.sum(Deal.amount_jpy * func.coalesce(Deal.probability, Stage.probability)),
    )
    .join(Stage, Stage.id == Deal.stage_id)
    .where(Deal.company_id == bindparam("company_id"))
    .group_by(Stage.kind)
)
STATEMENTS = StatementCache()


def _listed(actor: User) -> Select:
    closed_on = func.coalesce(Deal.won_on, Deal.lost_on)
    return (
        access.visible_deals(actor)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.company_id == bindparam("company_id"))
        .options(contains_eager(Deal.stage), joinedload(Deal.owner))
        .order_by(
            Stage.kind != StageKind.open,
            case((Stage.kind == StageKind.open, Deal.expected_close_date)).asc().nulls_last(),
            closed_on.desc().nulls_last(),
            Deal.id.desc(),
        )
        .limit(LISTED)
    )
