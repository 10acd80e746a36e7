"""The data both route matrices walk (tests/test_route_matrix.py and tests/api/test_api_matrix.py)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from salesdesk.accounts import people, timeline
from salesdesk.accounts import services as accounts
from salesdesk.accounts.forms import ActivityInput, CompanyInput, DepartmentInput, PersonInput
from salesdesk.clock import Clock
from salesdesk.meetings.models import Meeting
from salesdesk.pipeline import committee, setup
from salesdesk.pipeline import services as deals
from salesdesk.pipeline.forms import ContactForm, DealForm, parse_contact, parse_deal
from salesdesk.quotes import services as quotes
from salesdesk.quotes.forms import LineInput, QuoteInput
from salesdesk.quotes.models import Product
from salesdesk.tasks.models import Task


async def matrix_account(db, rep) -> dict[str, int]:
    """A company of rep's with a department, a person and an activity of rep's, and rep's deal there
    (in 提案, the person in its committee) with a next-action task."""
    company = await accounts.create_company(db, rep, CompanyInput(name="株式会社マトリクス"))
    department = await people.create_department(db, rep, company.id, DepartmentInput(name="本社"))
    person = await people.create_person(
        db, rep, company.id, PersonInput(name="山田 太郎", department_id=department.id), Clock.of(rep)
    )
    activity = await timeline.add_activity(db, rep, company.id, ActivityInput(subject="電話"), clock=Clock.of(rep))
    pipeline = await setup.ensure_defaults(db)
    proposal = next(s for s in pipeline.stages if s.name == "提案")
    deal = await deals.create_deal(
        db,
        rep,
        Clock.of(rep),
        parse_deal(
            DealForm(
                company_id=str(company.id),
                title="マトリクス案件",
                stage_id=str(proposal.id),
                next_title="訪問",
                next_due_on="2030-01-10",
            )
        ),
    )
    await committee.add_contact(
        db, rep, deal.id, parse_contact(ContactForm(person_id=str(person.id), role="decision_maker"))
    )
    product = Product(code="MX-1", name="マトリクス製品", unit="式", unit_price_jpy=10_000, tax_category="standard")
    db.add(product)
    lines = (LineInput("作業", Decimal(1), 10_000),)
    quote = await quotes.create_quote(db, rep, Clock.of(rep), deal.id, QuoteInput("株式会社マトリクス", "見積", lines))
    task = await db.scalar(select(Task).where(Task.deal_id == deal.id))
    lost_reason = (await setup.list_lost_reasons(db))[0]
    # a finished meeting of rep's team that rep led (made as a row: the matrix walks the rules, and
    # every write to a finished meeting is refused harmlessly, 409 for its lead)
    now = Clock().now()
    meeting = Meeting(team_id=rep.team_id, lead_id=rep.id, since=now, until=now, status="finished", finished_at=now)
    meeting.agenda, meeting.reviewed, meeting.skipped = [], [], []
    db.add(meeting)
    await db.commit()
    return {
        "company": company.id,
        "department": department.id,
        "person": person.id,
        "activity": activity.id,
        "deal": deal.id,
        "task": task.id,
        "pipeline": pipeline.id,
        "stage": proposal.id,
        "lost_reason": lost_reason.id,
        "quote": quote.id,
        "product": product.id,
        "meeting": meeting.id,
    }
