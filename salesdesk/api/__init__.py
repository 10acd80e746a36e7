"""The JSON API for integrations, /api/v1 (conventions: ../shared/API.md).

Handlers here are thin like the pages' routes: parse, call the same service, shape the answer.
`auth.py` turns a bearer token into the acting user, `errors.py` gives every error the API's
shape, `schemas.py` holds what the OpenAPI schema documents.
"""

PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)
