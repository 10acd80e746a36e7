"""The meeting's pages over HTTP: starting from the review page's button, the lead's forms (no
JavaScript needed), a follower's poll with its ETag, finishing, the minutes page and its PDF read
back with pdftotext/pdffonts, page 1 drawn to test-artifacts/ to look at."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

from sqlalchemy import select

from salesdesk.clock import Clock
from salesdesk.meetings.models import Meeting
from salesdesk.settings import ROOT
from salesdesk.tasks.models import Task

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


def squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


async def test_a_meeting_from_the_review_page_to_the_minutes_pdf(
    db, login, make_deal, make_company, manager, rep, team_east, tmp_path
):
    company = await make_company(rep, "株式会社東京精密")
    deal = await make_deal(rep, "提案", company, title="生産管理刷新", amount_jpy="12345678", forecast="A")
    lead, follower = await login(manager), await login(rep)

    review = await lead.get("/pipeline/changes")
    assert 'action="/meetings"' in review.text and 'id="start-meeting"' in review.text
    started = await lead.post("/meetings", data={"team_id": str(team_east.id), "pipeline_id": ""})
    assert started.status_code == 303, started.text
    url = started.headers["location"]
    meeting_id = int(url.rsplit("/", 1)[1])

    page = await lead.get(url)
    assert page.status_code == 200 and "生産管理刷新" in page.text and 'data-key="j"' in page.text
    assert "0 / 1" in page.text and "<script" not in page.text.split("</head>")[1]  # no inline script
    watching = await follower.get(url)
    assert "生産管理刷新" in watching.text and 'hx-trigger="every 2s"' in watching.text
    first = await follower.get(f"{url}/now")
    tag = first.headers["etag"]
    assert first.status_code == 200 and "生産管理刷新" in first.text
    assert (await follower.get(f"{url}/now", headers={"If-None-Match": tag})).status_code == 304

    refused = await lead.post(f"{url}/deals/{deal.id}/forecast", data={"forecast": "C", "reason": "", "version": "1"})
    assert refused.status_code == 422 and 'id="meeting-forecast-reason"' in refused.text
    forms = {
        "forecast": {"forecast": "C", "reason": "予算凍結のため", "version": "1"},
        "note": {"note": "来期予算で再提案する"},
        "next-action": {"title": "部長へ再提案", "due_on": (Clock().today() + timedelta(days=5)).isoformat(),
                        "owner_id": str(rep.id)},
    }  # fmt: skip
    for name, data in forms.items():
        answer = await lead.post(f"{url}/deals/{deal.id}/{name}", data=data)
        assert answer.status_code == 303, (name, answer.text[:2000])
    moved = await follower.get(f"{url}/now", headers={"If-None-Match": tag})
    assert moved.status_code == 200 and "予算凍結のため" in moved.text  # the follower sees the decisions
    step = await lead.post(f"{url}/step", data={"action": "next", "at": str(deal.id)})
    assert step.status_code == 303
    assert (await lead.post(f"{url}/attendees", data={"user_ids": [str(manager.id), str(rep.id)]})).status_code == 303
    assert (await lead.post(f"{url}/finish")).status_code == 303
    assert (await lead.post(f"{url}/deals/{deal.id}/note", data={"note": "後から"})).status_code == 409

    task = await db.scalar(select(Task).where(Task.deal_id == deal.id, Task.title == "部長へ再提案"))
    assert task is not None and task.owner_id == rep.id
    minutes = await lead.get(f"{url}/minutes")
    assert minutes.status_code == 200 and "¥12,345,678" in minutes.text and "部長へ再提案" in minutes.text
    pdf = await follower.get(f"{url}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf.content)
    text = squeezed(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    decisions = ("予算凍結のため", "来期予算で再提案する", "部長へ再提案")
    for expected in ("株式会社東京精密", "生産管理刷新", "¥12,345,678", *decisions):
        assert expected in text, expected
    assert "A→C" in text and "鈴木美咲" in text  # the ヨミ decision, and the attendee (and owner)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("Noto-Sans-CJK-JP" in name for name in names), fonts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "meeting-minutes"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(target)], check=True)
    assert (await db.get(Meeting, meeting_id)).status == "finished"


async def test_the_meetings_list_shows_a_teams_meetings_and_other_teams_do_not_see_them(
    db, login, make_deal, manager, rep, other_rep, team_east
):
    await make_deal(rep, "提案", amount_jpy="100000")
    lead = await login(manager)
    started = await lead.post("/meetings", data={"team_id": str(team_east.id)})
    url = started.headers["location"]

    listing = await (await login(rep)).get("/meetings")
    outsider = await login(other_rep)

    assert f'href="{url}"' in listing.text
    assert (await outsider.get(url)).status_code == 404
    assert f'href="{url}"' not in (await outsider.get("/meetings")).text
