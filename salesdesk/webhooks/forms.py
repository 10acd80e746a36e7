"""The endpoint form of /admin/webhooks and the typed input the webhook services take."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from salesdesk.inputs import Fields
from salesdesk.webhooks.models import EVENTS

URL = 2000  # the column's width; longer URLs are refused by many servers anyway
DESCRIPTION = 200


@dataclass
class EndpointForm:
    url: str = ""
    description: str = ""
    version: int = 0


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str
    events: tuple[str, ...]
    seen_version: int = 0


def _url_problem(url: str) -> str | None:
    """Only http(s) URLs with a host: the deliverer posts nowhere else (no file:, no ftp:)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError:
        return "webhook.url_invalid"
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return "webhook.url_invalid"
    return None


def parse_endpoint(form: EndpointForm, ticked: list[str]) -> EndpointInput:
    """`ticked`: the event boxes ticked (the route reads them from the form: the field repeats)."""
    f = Fields()
    url = f.text("url", form.url, limit=URL, required=True)
    if url and "url" not in f.errors and (problem := _url_problem(url)):
        f.fail("url", problem)
    events = tuple(event for event in EVENTS if event in ticked)  # in the page's order, each once
    if not events:
        f.fail("events", "webhook.events_required")
    elif len(events) != len(set(ticked)):
        f.fail("events", "choice.invalid")
    data = EndpointInput(
        url=url,
        description=f.text("description", form.description, limit=DESCRIPTION),
        events=events,
        seen_version=f.version(form.version),
    )
    f.done()
    return data
