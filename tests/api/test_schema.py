"""The schema at /api/v1/openapi.json and the docs page at /api/v1/docs."""

from __future__ import annotations

import json
import re

ERROR = {"$ref": "#/components/schemas/ApiError"}


async def _schema(client) -> dict:
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return json.loads(r.text)


async def test_the_openapi_schema_is_3_1_and_documents_the_api_only(anonymous):
    schema = await _schema(anonymous)

    assert schema["openapi"].startswith("3.1.")
    assert "/api/v1/me" in schema["paths"] and "/api/v1/users" in schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = schema["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}] and "401" in me["responses"]


async def test_every_operation_lists_its_errors_in_the_apis_shape_and_no_400(anonymous):
    """Litestar would list its own 400 shape; the API answers bad input 422 in API.md's shape."""
    schema = await _schema(anonymous)

    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "400" not in responses, f"{method} {path}"
            errors = {code: r for code, r in responses.items() if code[0] in "45"}
            assert {"401", "422", "429"} <= set(errors), f"{method} {path}"
            for code, response in errors.items():
                assert response["content"]["application/json"]["schema"] == ERROR, f"{method} {path} {code}"
            assert "Retry-After" in responses["429"]["headers"]
            if method != "get":
                assert {"403", "404", "409"} <= set(errors), f"{method} {path}"


async def test_the_docs_page_loads_swagger_ui_from_the_app_with_no_inline_script(anonymous):
    r = await anonymous.get("/api/v1/docs")

    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all(body.strip() == "" and 'src="/static/' in attrs for attrs, body in scripts)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text):
        assert (await anonymous.get(asset)).status_code == 200, asset
    assert 'data-schema="/api/v1/openapi.json"' in r.text
