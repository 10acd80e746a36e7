"""Every error under /api/ as API.md's `{"error": {"code", "message", "fields"}}`, never HTML.

app.py's exception handlers hand a request under /api/ to `error_response`; the statuses are
the pages' (403/404/409/422/429), with two differences: a framework 400 for a query parameter of
the wrong type is a 422 naming the field, and a missing token is a 401 with WWW-Authenticate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from salesdesk.api.limits import RateLimited
from salesdesk.api.schemas import ApiError
from salesdesk.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, StaleEdit, Throttled
from salesdesk.i18n import gettext
from salesdesk.i18n.messages import error_text
from salesdesk.request_id import request_id

log = logging.getLogger("salesdesk")


def N_(message: str) -> str:  # marks a string for extraction; translated when sent
    return message


MESSAGES = {
    "unauthorized": N_("A valid API token is required: Authorization: Bearer <token>."),
    "forbidden": N_("This token may not do this."),
    "not_found": N_("Not found."),
    "conflict": N_("Someone saved this in the meantime. Read it again and retry."),
    "validation_failed": N_("Some values are not valid."),
    "rate_limited": N_("Too many requests. Wait and try again."),
    "internal_error": N_("Something went wrong on our side. Quote the request id when you report it."),
}
STATUS_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "not_found", 409: "conflict"}
STATUS_CODES |= {429: "rate_limited"}


# How each resource shows a row: a 409 carries the row as saved now (`current`) in that shape.
CURRENT: dict[type, Callable[[Any], msgspec.Struct]] = {}


def shows(model: type, out: Callable[[Any], msgspec.Struct]) -> None:
    """Register how the API shows rows of `model` (each resource module calls it once)."""
    CURRENT[model] = out


def _current(exc: StaleEdit) -> dict[str, Any]:
    out = CURRENT.get(type(exc.current))
    return {"current": msgspec.to_builtins(out(exc.current))} if out is not None else {}


def body(code: str, fields: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": gettext(MESSAGES[code]), "fields": fields or {}} | extra}


def _domain(exc: DomainError) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, Invalid):
        return 422, body("validation_failed", {field: error_text(key) for field, key in exc.errors.items()})
    if isinstance(exc, Forbidden):
        return 403, body("forbidden")
    if isinstance(exc, NotFound):
        return 404, body("not_found")
    if isinstance(exc, StaleEdit):
        return 409, body("conflict") | _current(exc)
    if isinstance(exc, Conflict):
        return 409, body("conflict")
    if isinstance(exc, Throttled):
        return 429, body("rate_limited")
    return 422, body("validation_failed")


def _http(exc: HTTPException) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, ValidationException) or exc.status_code in (400, 413, 415, 422):
        extra = exc.extra if isinstance(exc.extra, list) else []
        fields = {str(e.get("key")): str(e.get("message", "")) for e in extra if isinstance(e, dict) and e.get("key")}
        return (422 if exc.status_code == 400 else exc.status_code), body("validation_failed", fields)
    if exc.status_code >= 500:
        return exc.status_code, body("internal_error")
    return exc.status_code, body(STATUS_CODES.get(exc.status_code, "not_found"))


def error_response(request: Request, exc: Exception) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        status, content = _domain(exc)
        if isinstance(exc, RateLimited):
            headers["retry-after"] = str(exc.retry_after)
    elif isinstance(exc, HTTPException):
        status, content = _http(exc)
        if isinstance(exc, NotAuthorizedException):
            headers["www-authenticate"] = 'Bearer realm="salesdesk"'
    else:
        rid = request_id(request.scope)
        log.error("unhandled error in %s %s [request %s]", request.method, request.url.path, rid, exc_info=exc)
        status, content = 500, body("internal_error", request_id=rid)
    return Response(content, status_code=status, headers=headers, media_type="application/json")


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ApiError, description=description, generate_examples=False)


# What the schema lists under every operation (the codes each can answer).
READ_ERRORS = {
    401: _spec("unauthorized: no token, or an unknown or revoked one, or its user is deactivated"),
    422: _spec("validation_failed: `fields` names each bad parameter"),
    429: _spec("rate_limited"),
}
WRITE_ERRORS = READ_ERRORS | {
    403: _spec("forbidden: a read token, or the user's role may not do this"),
    404: _spec("not_found: also for objects the user may not see"),
    409: _spec("conflict: a stale `version` (with `current`, the object as saved now), or a concurrent write won"),
    413: _spec("validation_failed: the body is over 1 MiB"),
}
