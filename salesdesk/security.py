"""Security headers on every response, set by one `before_send` hook.

A `before_send` hook sees every response the app sends, including the 404 of an unknown
path and the error pages, which per-route middleware and `after_request` never see.

The policy allows only this origin's own files: no inline script, handler or style
anywhere (templates carry none; `tests/browser/test_csp.py` watches for violations),
and htmx runs with `includeIndicatorStyles=false` and `allowEval=false` (base.html's
htmx-config), so it neither injects a <style> nor evaluates attribute code.
A header the response already carries is left as the route set it.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the empty favicon (and small inline images)
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Browser features salesdesk never uses; only names Chromium knows (an unknown one is logged as an error).
DENIED_FEATURES = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": ", ".join(f"{feature}=()" for feature in DENIED_FEATURES),
    "cross-origin-opener-policy": "same-origin",
}

# Sent only when the request came over https: uvicorn sets the scope's scheme, from
# X-Forwarded-Proto only when the proxy is one of its --forwarded-allow-ips.
HSTS = "max-age=31536000; includeSubDomains"

# Pages show one user's customers and deals, exports hold them in bulk, the login page a
# CSRF token: nothing but the static assets may stay in a browser's or a proxy's cache.
CACHEABLE_PREFIX = "/static/"


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    message.setdefault("headers", [])
    headers = MutableScopeHeaders.from_message(message)
    wanted = dict(HEADERS)
    if scope.get("scheme") == "https":
        wanted["strict-transport-security"] = HSTS
    if not scope["path"].startswith(CACHEABLE_PREFIX):
        wanted["cache-control"] = "no-store"
    for name, value in wanted.items():
        if name not in headers:
            headers[name] = value
