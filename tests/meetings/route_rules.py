"""Access rules of the weekly meeting's pages (merged into tests/test_route_matrix.py): the review
page and the meetings list are every logged-in user's; a meeting is its team's (and admins'): the
matrix's meeting is rep's team's, finished, led by rep, so another team's rep gets 404, the lead's
writes are refused as the minutes are immutable (409) and anyone else's as not the lead (403)."""

from tests.test_route_matrix import Rule, deal_editors, logged_in

MEETING = "/meetings/{meeting_id:int}"


def lead_writes() -> dict[str, int]:
    return {"anonymous": 303, "rep": 409, "other_rep": 404, "manager": 403, "admin": 403}


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/pipeline/changes"): Rule(logged_in(), url="/pipeline/changes?since=2026-01-05T09:00"),
    ("GET", "/meetings"): Rule(logged_in()),
    # the form is read before the rights: an empty team
    ("POST", "/meetings"): Rule(logged_in(422), data={"team_id": ""}),
    ("GET", MEETING): Rule(deal_editors(), url="/meetings/{meeting}"),
    ("GET", MEETING + "/now"): Rule(deal_editors(), url="/meetings/{meeting}/now"),
    ("GET", MEETING + "/minutes"): Rule(deal_editors(), url="/meetings/{meeting}/minutes"),
    ("GET", MEETING + "/minutes.pdf"): Rule(deal_editors(), url="/meetings/{meeting}/minutes.pdf"),
    ("POST", MEETING + "/step"): Rule(lead_writes(), url="/meetings/{meeting}/step", data={"action": "next"}),
    ("POST", MEETING + "/pause"): Rule(lead_writes(), url="/meetings/{meeting}/pause"),
    ("POST", MEETING + "/resume"): Rule(lead_writes(), url="/meetings/{meeting}/resume"),
    ("POST", MEETING + "/finish"): Rule(lead_writes(), url="/meetings/{meeting}/finish"),
    ("POST", MEETING + "/attendees"): Rule(lead_writes(), url="/meetings/{meeting}/attendees"),
    **{
        ("POST", MEETING + f"/deals/{{deal_id:int}}/{name}"): Rule(
            lead_writes(), url=f"/meetings/{{meeting}}/deals/{{deal}}/{name}", data=data
        )
        for name, data in (
            ("forecast", {"forecast": "A", "version": "0"}),
            ("stage", {"stage_id": "{stage}", "version": "0"}),
            ("note", {"note": "x"}),
            ("next-action", {"title": "x", "due_on": "2030-01-10"}),
        )
    },
}
