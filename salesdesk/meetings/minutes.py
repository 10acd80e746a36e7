"""The minutes of a meeting: attendees, the period, the bridge (chart and table), the changes and
every decision — as a page and as an A4 PDF (WeasyPrint, Noto Sans CJK JP, lang="ja").

The same figures every time: the bridge is recomputed from the deals' history as of the
meeting's period (as the lead saw it), the changes are the agenda kept when the meeting started,
and the decisions are stored rows. Nothing here reads a deal as it is now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
from litestar import Response
from litestar.template import TemplateEngineProtocol
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import Team, User
from salesdesk.meetings import changes, decisions, meeting, review
from salesdesk.meetings.bridge import Scope
from salesdesk.meetings.changes import Changes
from salesdesk.meetings.models import Meeting, MeetingAttendee, MeetingDecision
from salesdesk.pipeline.models import Pipeline
from salesdesk.settings import ROOT

STYLESHEET = ROOT / "static" / "css" / "meeting-minutes-pdf.css"


@dataclass
class Minutes:
    meeting: Meeting
    team: str
    pipeline: str | None
    lead: str
    result: Changes
    bars: list[review.Bar]
    decisions: list[MeetingDecision]
    by_deal: dict[int, list[MeetingDecision]]
    attendees: list[tuple[str, MeetingAttendee]]
    users: dict[int, str]

    @property
    def discussed(self) -> list[dict[str, Any]]:
        """The agenda's deals that were reviewed or decided on, in the agenda's order."""
        seen = set(self.meeting.reviewed) | self.by_deal.keys()
        return [item for item in self.meeting.agenda if item["deal_id"] in seen]


async def figures(db: AsyncSession, m: Meeting, viewer: User) -> Changes:
    """The bridge of the meeting's period over the deals its lead saw (the viewer's, without a lead)."""
    lead = await db.get(User, m.lead_id) if m.lead_id is not None else None
    return await changes.compute(db, Scope(lead or viewer, m.pipeline_id, m.team_id), m.since, m.until)


async def minutes(db: AsyncSession, actor: User, meeting_id: int) -> Minutes:
    m = await meeting.get(db, actor, meeting_id)
    users = {row.id: row.name for row in await db.execute(select(User.id, User.name))}
    team = await db.scalar(select(Team.name).where(Team.id == m.team_id)) or ""
    pipeline = await db.scalar(select(Pipeline.name).where(Pipeline.id == m.pipeline_id)) if m.pipeline_id else None
    result = await figures(db, m, actor)
    rows = await decisions.of_meeting(db, m.id)
    by_deal: dict[int, list[MeetingDecision]] = defaultdict(list)
    for row in rows:
        by_deal[row.deal_id].append(row)
    people = [(users.get(a.user_id, ""), a) for a in await meeting.attendees(db, m.id)]
    return Minutes(
        m,
        team,
        pipeline,
        users.get(m.lead_id or 0, ""),
        result,
        review.waterfall(result),
        rows,
        dict(by_deal),
        sorted(people, key=lambda p: p[0]),
        users,
    )


def render_pdf(html: str) -> bytes:
    """The PDF's bytes from the minutes' HTML (CPU-bound: routes run it in a thread). Nothing is
    fetched: the chart is inline SVG, the fonts are the system's. WeasyPrint is imported on the first
    PDF, not when a worker starts (it takes seconds, as for the quotes)."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


async def pdf_response(engine: TemplateEngineProtocol, view: Minutes) -> Response[bytes]:
    """The minutes' PDF for the page and the API alike (drawn in a worker thread)."""
    html = engine.get_template("meetings/minutes_pdf.html").render(v=view, chart=review)
    content = await anyio.to_thread.run_sync(partial(render_pdf, html))
    name = f"minutes-{view.meeting.id}-{view.meeting.started_at:%Y%m%d}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
