"""Checks every request passes before its handler runs (app-wide guards), so a route added
tomorrow is covered without a line of its own.

- An `{x:int}` path segment must be a row id: ASCII digits within the database's integer
  range. Litestar's converter also takes '-1', '+7', '٣' and numbers of any size, which the
  database driver answers with an OverflowError; such a URL names no row: 404.
- No path segment longer than a file name may be (255): the static files would answer
  with an OSError; no route has such a segment. 404.
- No NUL character in the path, the query or a URL-encoded form: PostgreSQL refuses it in
  text ("invalid byte sequence"), and no person types one. Refused with 400 before any
  query runs. (Multipart uploads are files, read by the importer as bytes.)
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, NotFoundException
from litestar.handlers.base import BaseRouteHandler

from salesdesk.ids import DIGITS, MAX_ID

FORM_TYPE = b"application/x-www-form-urlencoded"
MAX_SEGMENT = 255


def path_ids_in_range(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if any(len(segment) > MAX_SEGMENT for segment in connection.scope["path"].split("/")):
        raise NotFoundException()
    template = connection.scope.get("path_template") or ""
    params = connection.path_params
    if not params:
        return
    raw = connection.scope["path"].split("/")
    for index, part in enumerate(template.split("/")):
        if not (part.startswith("{") and isinstance(params.get(part[1:-1]), int)):
            continue
        segment = raw[index] if index < len(raw) else ""
        if not DIGITS.fullmatch(segment) or not 1 <= int(segment) <= MAX_ID:
            raise NotFoundException()


async def no_nul_characters(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    query = connection.scope.get("query_string", b"")
    if "\x00" in connection.scope["path"] or b"%00" in query or b"\x00" in query:
        raise ClientException("NUL characters are not accepted")
    content_type = next((v for k, v in connection.scope["headers"] if k == b"content-type"), b"")
    if content_type.startswith(FORM_TYPE) and hasattr(connection, "body"):
        body = await connection.body()  # cached on the request: the form parser reads it again for free
        if b"%00" in body or b"\x00" in body:
            raise ClientException("NUL characters are not accepted")


GUARDS = [path_ids_in_range, no_nul_characters]
