"""The API's schema and its docs page, served by Litestar's OpenAPI plugin under /api/v1.

`ApiSchema` serves /api/v1/openapi.json as Litestar generates it, with two corrections so the
schema says what the API does: Litestar lists its own 400 "Validation Exception" under every
operation with parameters, but errors.py answers those as 422 in API.md's error shape (already
listed), so the 400 goes; and a 429 names its Retry-After header.

`ApiDocs` serves /api/v1/docs: Swagger UI from the npm package swagger-ui-dist, served by the
app under /static/swagger-ui (no CDN), started by static/js/api-docs.js (the CSP allows no inline
script).
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin

RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before the next request.", "schema": {"type": "integer"}}
}


def corrected(schema: dict[str, Any]) -> dict[str, Any]:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if not responses:
                continue
            responses.pop("400", None)
            if "429" in responses:
                responses["429"]["headers"] = RETRY_AFTER
    return schema


class ApiSchema(JsonRenderPlugin):
    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, corrected(openapi_schema))


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>salesdesk API</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-schema="{schema}"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


class ApiDocs(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/docs")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        schema = request.app.openapi_config.path.rstrip("/") + "/openapi.json"  # type: ignore[union-attr]
        return PAGE.format(schema=escape(schema)).encode()
