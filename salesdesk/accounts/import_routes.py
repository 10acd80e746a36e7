"""Import pages (upload → column mapping → preview → commit) and the export download.

The uploaded file waits in the database (ImportUpload) between the steps, so each step may
land on another worker; an upload belongs to its user (anyone else gets 404).
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.utils.scope.state import ScopeState

from salesdesk.accounts import exporting, import_uploads, importing
from salesdesk.accounts.import_files import IGNORE, TARGETS, ImportFileError, Table, guess_mapping
from salesdesk.accounts.services import CompanyFilter
from salesdesk.deps import DB, Actor, Now
from salesdesk.i18n import _, current_locale
from salesdesk.ids import parse_id
from salesdesk.web import Page, redirect, render

# The body limit leaves room for the multipart framing around a 20 MB file; the service
# refuses anything over 20 MB with a message, Litestar anything past this limit (413).
BODY_LIMIT = import_uploads.MAX_UPLOAD_BYTES + 1024 * 1024
SHOWN_ISSUES = 200  # rows listed per table on the preview page


def _upload_page(error: str = "", status_code: int = 200) -> Page:
    return render("accounts/import_upload.html", status_code=status_code, error=error)


def _too_large(request: Request, exc: RequestEntityTooLarge) -> Response:
    """The body was refused before the CSRF check ran: hand the page the cookie's token to post again,
    and the user's language (this handler runs outside the request's context, in the default one)."""
    ScopeState.from_scope(request.scope).csrf_token = request.cookies.get("csrftoken", "")
    if (user := request.scope.get("user")) is not None:
        current_locale.set(user.locale)
    return _upload_page(_("The file is larger than 20 MB."), 422)


@get("/accounts/import")
async def upload_page() -> Page:
    return _upload_page()


@post("/accounts/import", request_max_body_size=BODY_LIMIT, exception_handlers={RequestEntityTooLarge: _too_large})
async def upload(request: Request, db_session: DB, actor: Actor) -> Response | Page:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return _upload_page(_("Choose a file to import."), 422)
    try:
        stored = await import_uploads.store_upload(db_session, actor, file.filename, await file.read())
    except ImportFileError as error:
        return _upload_page(error.translated(_), 422)
    return redirect(request, f"/accounts/import/{stored.id}")


def _columns(table: Table, mapping: list[str]) -> list[dict]:
    return [
        {"index": i, "header": header, "target": mapping[i], "samples": table.samples(i)}
        for i, header in enumerate(table.headers)
    ]


@get("/accounts/import/{upload_id:int}")
async def mapping_page(db_session: DB, actor: Actor, upload_id: int) -> Page:
    stored, table = await import_uploads.get_upload(db_session, actor, upload_id)
    return render(
        "accounts/import_mapping.html",
        upload=stored,
        columns=_columns(table, guess_mapping(table.headers)),
        targets=TARGETS,
        rows=len(table.rows),
        owners=await importing.owner_choices(db_session, actor),
    )


async def _mapping(request: Request, table: Table) -> tuple[list[str], int | None]:
    """The column mapping, and the owner chosen for new companies without an owner column."""
    form = await request.form()
    mapping = [str(form.get(f"col_{i}") or IGNORE) for i in range(len(table.headers))]
    return mapping, parse_id(str(form.get("default_owner") or ""))


@post("/accounts/import/{upload_id:int}/preview")
async def preview(request: Request, db_session: DB, actor: Actor, upload_id: int) -> Page:
    stored, table = await import_uploads.get_upload(db_session, actor, upload_id)
    mapping, default_owner = await _mapping(request, table)
    result = await importing.preview(db_session, actor, table, mapping, default_owner)
    return render(
        "accounts/import_preview.html",
        upload=stored,
        result=result,
        default_owner=default_owner or "",
        columns=_columns(table, mapping),
        labels=dict(TARGETS),
        shown=SHOWN_ISSUES,
    )


@post("/accounts/import/{upload_id:int}/commit")
async def commit(request: Request, db_session: DB, actor: Actor, upload_id: int) -> Response:
    stored, table = await import_uploads.get_upload(db_session, actor, upload_id)
    result = await importing.commit(db_session, actor, table, *await _mapping(request, table))
    await import_uploads.delete_upload(db_session, stored)
    message = _(
        "Imported: %(companies)d new companies, %(matched)d matched; %(persons)d new persons, "
        "%(persons_matched)d matched; %(invalid)d rows skipped.",
        companies=result.companies_new,
        matched=result.companies_matched,
        persons=result.persons_new,
        persons_matched=result.persons_matched,
        invalid=len(result.invalid),
    )
    return redirect(request, "/accounts", flash=("success", message))


@get("/accounts/export")
async def export(request: Request, db_session: DB, actor: Actor, clock: Now) -> Response:
    params = request.query_params
    exported = await exporting.export_accounts(
        db_session,
        CompanyFilter.from_query(params),
        clock,
        what=params.get("what") or "companies",
        format=params.get("format") or "csv",
        encoding=params.get("encoding") or "utf-8-sig",
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        encoding=exported.charset,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


ROUTES = [upload_page, upload, mapping_page, preview, commit, export]
