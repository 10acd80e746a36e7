"""What every route uses: form bodies, page/fragment rendering, flash messages, redirects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from litestar.utils.scope.state import ScopeState

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
FLASH_COOKIE = "salesdesk_flash"


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode_flash(secret: str, messages: list[tuple[str, str]]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(messages, ensure_ascii=False).encode())
    return f"{payload.decode()}.{_sign(secret, payload)}"


def decode_flash(secret: str, value: str | None) -> list[tuple[str, str]]:
    if not value or "." not in value:
        return []
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, payload.encode())):
        return []
    try:
        return [(str(level), str(text)) for level, text in json.loads(base64.urlsafe_b64decode(payload))]
    except (ValueError, TypeError):
        return []


def is_fragment_request(request: Request) -> bool:
    """htmx asked for a part of a page (a boosted navigation, and Back to a page htmx no longer has
    in its history cache, want the whole page)."""
    headers = request.headers
    whole = headers.get("hx-boosted") == "true" or headers.get("hx-history-restore-request") == "true"
    return headers.get("hx-request") == "true" and not whole


class Page(Template):
    """A page, or only its named block when htmx asks for a fragment."""

    def __init__(self, template_name: str, *, block: str | None = None, **kwargs: Any) -> None:
        super().__init__(template_name=template_name, **kwargs)
        self.block = block

    def create_template_context(self, request: Request) -> dict[str, Any]:
        context = super().create_template_context(request)
        settings = request.app.state.settings
        context.setdefault("actor", request.scope.get("user"))
        context["flashes"] = decode_flash(settings.secret_key, request.cookies.get(FLASH_COOKIE))
        context["csrf_token"] = ScopeState.from_scope(request.scope).csrf_token or ""
        return context

    def to_asgi_response(self, app: Any, request: Request, **kwargs: Any) -> ASGIResponse:
        context = self.create_template_context(request)
        if context["flashes"]:
            self.cookies.append(Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="lax"))
        template = request.app.template_engine.get_template(self.template_name)
        if self.block and is_fragment_request(request):
            jinja_context = template.new_context(context)
            body = "".join(template.blocks[self.block](jinja_context))
        else:
            body = template.render(**context)
        headers = {**(kwargs.get("headers") or {}), **self.headers}
        return ASGIResponse(
            body=body.encode(),
            cookies=[*self.cookies, *(kwargs.get("cookies") or [])],
            encoded_headers=kwargs.get("encoded_headers"),
            headers=headers,
            is_head_response=kwargs.get("is_head_response", False),
            media_type=MediaType.HTML,
            status_code=self.status_code or kwargs.get("status_code") or 200,
            background=self.background or kwargs.get("background"),
        )


def render(
    template_name: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Page:
    return Page(template_name, block=block, context=context, status_code=status_code, headers=headers or {})


def flash_cookie(request: Request, level: str, message: str) -> Cookie:
    secret = request.app.state.settings.secret_key
    queued = decode_flash(secret, request.cookies.get(FLASH_COOKIE))
    return Cookie(
        key=FLASH_COOKIE,
        value=encode_flash(secret, [*queued, (level, message)]),
        path="/",
        httponly=True,
        samesite="lax",
        max_age=120,
    )


def redirect(request: Request, to: str, *, flash: tuple[str, str] | None = None) -> Redirect:
    """Post/redirect/get, optionally carrying a flash message to the next page."""
    cookies = [flash_cookie(request, *flash)] if flash else []
    return Redirect(to, status_code=303, cookies=cookies)


def safe_next(target: str | None, default: str = "/", *, host: str | None = None) -> str:
    """The one check for a link or redirect taken from input (`next`, the Referer): a path
    of this site, else `default`.

    Refused: any scheme (javascript:, data:, https:), a host (`//evil`), backslashes (browsers
    read `/\\evil` as `//evil`), control characters (browsers drop tabs and newlines, so
    `/<TAB>/evil` is `//evil`; CR/LF would split a header), and anything not starting with "/".
    With `host`, a full http(s) URL of that very host (a Referer) is accepted as its path.
    """
    if not target or len(target) > 2000:
        return default
    if "\\" in target or any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in target):
        return default
    try:
        if host is not None and not target.startswith("/"):
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and parts.netloc == host:
                target = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" in the host part
        return default
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target
