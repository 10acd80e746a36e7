"""The issuer's 角印 (seal) and logo: uploaded by admins on the quote settings page, kept in the
database with the issuer settings, printed on every quote's PDF (pdf.py embeds them as data: URLs)
and shown to logged-in users only (the settings page's preview).

An upload is checked as WeasyPrint will read it: Pillow must recognise a PNG or JPEG from its bytes
(the file name and the browser's content type are not trusted), at most MAX_BYTES, with sides in
the kind's bounds (read from the header, before any pixel is decoded) and a shape that prints:
a seal about square, a logo no wider than eight times its height.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth import policy
from salesdesk.auth.models import User
from salesdesk.errors import Forbidden, Invalid, NotFound
from salesdesk.quotes.issuer import issuer
from salesdesk.quotes.models import IssuerSettings
from salesdesk.versions import check_version, flush_or_stale

MAX_BYTES = 512 * 1024
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Bounds:
    min_side: int  # pixels
    max_side: int
    max_ratio: float  # the long side over the short one


KINDS = {"seal": Bounds(64, 2000, 1.5), "logo": Bounds(32, 2000, 8.0)}


def _kind(kind: str) -> Bounds:
    if kind not in KINDS:
        raise NotFound("image")
    return KINDS[kind]


def checked_media_type(kind: str, content: bytes) -> str:
    """The image's media type (image/png or image/jpeg); Invalid, keyed by the kind, if it won't do."""
    bounds = _kind(kind)
    if not content:
        raise Invalid(**{kind: "image.missing"})
    if len(content) > MAX_BYTES:
        raise Invalid(**{kind: "image.too_large"})
    try:
        with Image.open(io.BytesIO(content)) as image:
            found, (width, height) = image.format, image.size
            if found not in MEDIA_TYPES:
                raise Invalid(**{kind: "image.format"})
            if not (bounds.min_side <= min(width, height) and max(width, height) <= bounds.max_side):
                raise Invalid(**{kind: "image.size"})
            if max(width, height) / min(width, height) > bounds.max_ratio:
                raise Invalid(**{kind: f"image.shape_{kind}"})
            image.verify()  # the whole file is intact (decoding the PNG/JPEG structure, not the pixels)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid(**{kind: "image.format"}) from None
    return MEDIA_TYPES[found]


def _ensure_admin(actor: User) -> None:
    if not policy.may_administer(actor):
        raise Forbidden("quotes.issuer")


async def _settings(db: AsyncSession, seen_version: int) -> IssuerSettings:
    settings = await issuer(db)
    if settings.id is None:  # nothing saved yet: the image starts the row, with the defaults
        await check_version(db, settings, seen_version)
        settings = IssuerSettings()
        db.add(settings)
        return settings
    await check_version(db, settings, seen_version)
    return settings


async def save_image(db: AsyncSession, actor: User, kind: str, content: bytes, seen_version: int) -> IssuerSettings:
    """Keep the seal or logo (replacing the one before)."""
    _ensure_admin(actor)
    media_type = checked_media_type(kind, content)
    settings = await _settings(db, seen_version)
    setattr(settings, f"{kind}_image", content)
    setattr(settings, f"{kind}_media_type", media_type)
    await flush_or_stale(db, settings)
    return settings


async def remove_image(db: AsyncSession, actor: User, kind: str, seen_version: int) -> IssuerSettings:
    _ensure_admin(actor)
    _kind(kind)
    settings = await _settings(db, seen_version)
    setattr(settings, f"{kind}_image", None)
    setattr(settings, f"{kind}_media_type", "")
    await flush_or_stale(db, settings)
    return settings


async def image(db: AsyncSession, kind: str) -> tuple[bytes, str]:
    """The stored seal or logo and its media type (for any logged-in user); NotFound when none."""
    _kind(kind)
    settings = await issuer(db)
    content, media_type = getattr(settings, f"{kind}_image"), getattr(settings, f"{kind}_media_type")
    if not content or media_type not in MEDIA_TYPES.values():
        raise NotFound("image")
    return content, media_type


def has_image(settings: IssuerSettings, kind: str) -> bool:
    return bool(getattr(settings, f"{kind}_image", None))
