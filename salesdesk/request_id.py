"""One id per request: in the log line of an unexpected error, on its error page and in the
X-Request-ID response header, so a user's screenshot leads to the traceback.

A load balancer's X-Request-ID is kept when it looks like an id (it then matches the
proxy's own log); anything else is replaced, so a header cannot inject text into a log line.
"""

from __future__ import annotations

import re
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def request_id(scope: Scope) -> str:
    """The request's id: made (or taken from the proxy's header) at its first use."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == HEADER.encode()), "")
        state["request_id"] = given if _SANE.fullmatch(given) else uuid.uuid4().hex
    return state["request_id"]


async def add_request_id(message: Message, scope: Scope) -> None:
    """`before_send` hook: every response, error pages and unknown paths included, names its request."""
    if message["type"] == "http.response.start":
        message.setdefault("headers", [])
        MutableScopeHeaders.from_message(message)[HEADER] = request_id(scope)
