"""Uploaded import files between the web steps (mapping, preview, commit), kept in the
database so each step may land on another worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.import_files import ImportFileError, Table, read_table
from salesdesk.accounts.models import ImportUpload
from salesdesk.auth.models import User
from salesdesk.db import utcnow
from salesdesk.errors import NotFound
from salesdesk.i18n.messages import N_

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


async def read_table_off_loop(content: bytes, filename: str) -> Table:
    """Reading 100,000 rows takes seconds of CPU: a worker thread keeps the event loop serving."""
    return await asyncio.to_thread(read_table, content, filename)


async def store_upload(db: AsyncSession, actor: User, filename: str, content: bytes) -> ImportUpload:
    """Keep a readable file for the mapping, preview and commit steps; drops the actor's day-old ones."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(N_("The file is larger than 20 MB."))
    await read_table_off_loop(content, filename)  # refuse an unreadable file now, not at the next step
    await db.execute(
        delete(ImportUpload).where(
            ImportUpload.user_id == actor.id, ImportUpload.created_at < utcnow() - timedelta(days=1)
        )
    )
    upload = ImportUpload(user_id=actor.id, filename=(filename or "import")[-255:], content=content)
    db.add(upload)
    await db.flush()
    return upload


async def get_upload(db: AsyncSession, actor: User, upload_id: int) -> tuple[ImportUpload, Table]:
    """The actor's own upload (anyone else's is NotFound) with its table."""
    upload = await db.get(ImportUpload, upload_id)
    if upload is None or upload.user_id != actor.id:
        raise NotFound("import_upload")
    return upload, await read_table_off_loop(upload.content, upload.filename)


async def delete_upload(db: AsyncSession, upload: ImportUpload) -> None:
    await db.delete(upload)
    await db.flush()
