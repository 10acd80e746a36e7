"""The few WebDAV/CalDAV requests the sync makes (httpx, async): what a calendar says about itself,
what changed (RFC 6578 sync-collection, else an ETag listing), and GET/PUT/DELETE of one event.

Hrefs are kept as unquoted paths and quoted again on the way out, so a server that answers
`/cal/a%40b.ics` for our `/cal/a@b.ics` names the same object. A missing `getetag` is None, never
an error: the sync then compares content hashes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx

DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
TIMEOUT = 20.0
USER_AGENT = "salesdesk-caldav/1"
NO_INVITATIONS = {"Schedule-Reply": "F"}  # RFC 6638: a server must not send scheduling messages for this


class CaldavError(Exception):
    """The run cannot go on; `reason` is a code the settings page explains, `detail` the server's words."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class InvalidSyncToken(Exception):
    """The server no longer knows our sync-token (expired, or the calendar was restored)."""


@dataclass(frozen=True)
class Collection:
    ctag: str | None
    sync_token: str | None  # None: the server does not offer RFC 6578


@dataclass
class Changes:
    changed: dict[str, str | None] = field(default_factory=dict)  # href -> ETag (None: not given)
    deleted: set[str] = field(default_factory=set)
    sync_token: str | None = None
    complete: bool = False  # a full listing: a known href missing from `changed` may be gone


@dataclass(frozen=True)
class Fetched:
    href: str
    body: str
    etag: str | None


@dataclass(frozen=True)
class Written:
    status: int
    etag: str | None
    body: str = ""  # the error body (a 409's precondition names the object holding our UID)


def norm(href: str) -> str:
    return unquote(urlsplit(href).path)


def _props(*names: str) -> bytes:
    inner = "".join(names)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:cs="{CS}" '
        f'xmlns:c="{CALDAV}"><d:prop>{inner}</d:prop></d:propfind>'
    ).encode()


COLLECTION_PROPS = _props("<d:resourcetype/>", "<cs:getctag/>", "<d:sync-token/>")
ETAG_PROPS = _props("<d:resourcetype/>", "<d:getetag/>")


def _sync_report(token: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
        f"<d:sync-token>{_escape(token)}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    ).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(element: ET.Element | None) -> str | None:
    return element.text.strip() if element is not None and element.text and element.text.strip() else None


def _status_ok(element: ET.Element) -> bool:
    status = _text(element.find(f"{{{DAV}}}status"))
    return status is None or " 2" in status


def _responses(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise CaldavError("protocol", f"unreadable XML: {error}") from None


class Client:
    def __init__(self, http: httpx.AsyncClient, url: str, username: str, password: str) -> None:
        self.http = http
        self.url = url if url.endswith("/") else url + "/"
        self.auth = httpx.BasicAuth(username, password)
        self.path = norm(self.url)

    def href_for(self, name: str) -> str:
        return self.path + name

    def _url(self, href: str) -> str:
        return urljoin(self.url, quote(href, safe="/@:+,;=~!$'()*"))

    async def request(self, method: str, href: str | None, **kwargs) -> httpx.Response:
        headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
        url = self.url if href is None else self._url(href)
        try:
            response = await self.http.request(method, url, auth=self.auth, headers=headers, timeout=TIMEOUT, **kwargs)
        except httpx.TimeoutException:
            raise CaldavError("unreachable", f"no answer within {TIMEOUT:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
            raise CaldavError("unreachable", f"{type(error).__name__}: {error}"[:300]) from None
        if response.status_code == 401:
            raise CaldavError("unauthorized", "HTTP 401")
        if response.status_code >= 500:
            raise CaldavError("server_error", f"HTTP {response.status_code} on {method}")
        return response

    async def collection(self) -> Collection:
        """The calendar's CTag and sync-token; CaldavError("gone") when it was deleted."""
        response = await self.request("PROPFIND", None, content=COLLECTION_PROPS, headers={"Depth": "0"})
        if response.status_code == 403:
            raise CaldavError("unauthorized", "HTTP 403")
        if response.status_code in (404, 410):
            raise CaldavError("gone", f"HTTP {response.status_code}")
        if response.status_code != 207:
            raise CaldavError("protocol", f"PROPFIND answered HTTP {response.status_code}")
        root = _responses(response.content)
        ctag = token = None
        is_calendar = False
        for propstat in root.iter(f"{{{DAV}}}propstat"):
            if not _status_ok(propstat):
                continue
            ctag = ctag or _text(propstat.find(f".//{{{CS}}}getctag"))
            token = token or _text(propstat.find(f".//{{{DAV}}}sync-token"))
            is_calendar = is_calendar or propstat.find(f".//{{{CALDAV}}}calendar") is not None
        if not is_calendar:
            raise CaldavError("not_calendar", self.url)
        return Collection(ctag, token)

    async def changes_since(self, token: str) -> Changes:
        """RFC 6578: what changed since `token` (deleted objects answer 404 in the report)."""
        response = await self.request("REPORT", None, content=_sync_report(token), headers={"Depth": "1"})
        if response.status_code in (403, 409, 412) or (
            response.status_code == 400 and b"valid-sync-token" in response.content
        ):
            raise InvalidSyncToken
        if response.status_code != 207:
            raise InvalidSyncToken  # a server that stopped offering it: list everything instead
        root = _responses(response.content)
        changes = Changes(sync_token=_text(root.find(f"{{{DAV}}}sync-token")))
        for item in root.findall(f"{{{DAV}}}response"):
            href = _text(item.find(f"{{{DAV}}}href"))
            if href is None or norm(href) == self.path:
                continue
            status = _text(item.find(f"{{{DAV}}}status"))
            if status and " 404" in status:
                changes.deleted.add(norm(href))
            else:
                changes.changed[norm(href)] = _text(item.find(f".//{{{DAV}}}getetag"))
        return changes

    async def listing(self) -> Changes:
        """Every object of the calendar with its ETag where the server gives one."""
        response = await self.request("PROPFIND", None, content=ETAG_PROPS, headers={"Depth": "1"})
        if response.status_code in (404, 410):
            raise CaldavError("gone", f"HTTP {response.status_code}")
        if response.status_code != 207:
            raise CaldavError("protocol", f"PROPFIND answered HTTP {response.status_code}")
        changes = Changes(complete=True)
        for item in _responses(response.content).findall(f"{{{DAV}}}response"):
            href = _text(item.find(f"{{{DAV}}}href"))
            if href is None or norm(href) == self.path or item.find(f".//{{{DAV}}}collection") is not None:
                continue
            changes.changed[norm(href)] = _text(item.find(f".//{{{DAV}}}getetag"))
        return changes

    async def find_uid(self, uid: str) -> str | None:
        """The href of the object with this UID (a 409 that does not name it: Radicale's)."""
        query = (
            f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="{CALDAV}">'
            '<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
            f'<c:prop-filter name="UID"><c:text-match collation="i;octet">{_escape(uid)}</c:text-match>'
            "</c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
        ).encode()
        response = await self.request("REPORT", None, content=query, headers={"Depth": "1"})
        if response.status_code != 207:
            return None
        for item in _responses(response.content).findall(f"{{{DAV}}}response"):
            if (href := _text(item.find(f"{{{DAV}}}href"))) and norm(href) != self.path:
                return norm(href)
        return None

    async def get(self, href: str) -> Fetched | None:
        """The object, or None when it is not there (404/410)."""
        response = await self.request("GET", href)
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise CaldavError("protocol", f"GET answered HTTP {response.status_code}")
        return Fetched(href, response.text, response.headers.get("etag"))

    async def put(self, href: str, body: str, *, etag: str | None = None, create: bool = False) -> Written:
        """PUT with If-None-Match: * (create) or If-Match: etag (update of the version we saw)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8", **NO_INVITATIONS}
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = etag
        response = await self.request("PUT", href, content=body.encode(), headers=headers)
        if response.status_code not in (200, 201, 204, 404, 409, 412, 403):
            raise CaldavError("protocol", f"PUT answered HTTP {response.status_code}")
        return Written(response.status_code, response.headers.get("etag"), response.text[:4000])

    async def delete(self, href: str, etag: str | None) -> int:
        headers = {**NO_INVITATIONS, **({"If-Match": etag} if etag else {})}
        response = await self.request("DELETE", href, headers=headers)
        if response.status_code not in (200, 204, 404, 410, 412):
            raise CaldavError("protocol", f"DELETE answered HTTP {response.status_code}")
        return response.status_code


UID_CONFLICT = re.compile(r"no-uid-conflict.*?<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", re.S)


def uid_conflict_href(body: str) -> str | None:
    """The href a 409 `no-uid-conflict` (RFC 4791 5.3.2.1) names: the object that has our UID."""
    found = UID_CONFLICT.search(body)
    return norm(found.group(1).strip()) if found else None
