"""The issuer's seal (角印) and logo: uploaded by an admin on the quote settings page, checked (PNG or
JPEG by their bytes, size, sides, shape), stored in the database, shown to logged-in users only,
and printed on the quote's PDF (pdfimages finds them; page 1 is kept as a picture to look at)."""

from __future__ import annotations

import io
import subprocess

from PIL import Image, ImageDraw
from sqlalchemy import select

from salesdesk.quotes.models import IssuerSettings
from salesdesk.settings import ROOT
from tests.quotes.conftest import line

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


def picture(width: int = 300, height: int = 300, fmt: str = "PNG") -> bytes:
    """A red 角印-like square stamp (or any picture of that size) as PNG, JPEG or GIF bytes."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, width - 5, height - 5), outline=(200, 30, 30), width=max(2, min(width, height) // 20))
    draw.line((0, 0, width, height), fill=(200, 30, 30), width=3)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


async def upload(client, kind: str, content: bytes, version: int, filename: str = "image.png"):
    return await client.post(
        f"/admin/quote-settings/images/{kind}",
        data={"version": str(version)},
        files={"file": (filename, content, "image/png")},
    )


async def saved(db) -> IssuerSettings:
    return await db.scalar(select(IssuerSettings).execution_options(populate_existing=True))


async def test_an_admin_uploads_a_seal_and_a_logo_and_every_logged_in_user_sees_them(
    db, login, admin, rep, anonymous, issuer_settings
):
    client = await login(admin)
    seal, logo = picture(), picture(600, 150, "JPEG")

    r1 = await upload(client, "seal", seal, issuer_settings.version)
    r2 = await upload(client, "logo", logo, issuer_settings.version + 1, "logo.jpg")
    page = await client.get("/admin/quote-settings")
    shown = await (await login(rep)).get("/quote-images/seal")
    anonymous_view = await anonymous.get("/quote-images/seal")

    assert (r1.status_code, r2.status_code) == (303, 303), r1.text
    settings = await saved(db)
    assert (settings.seal_image, settings.seal_media_type) == (seal, "image/png")
    assert (settings.logo_image, settings.logo_media_type) == (logo, "image/jpeg")
    assert f'src="/quote-images/seal?v={settings.version}"' in page.text and 'src="/quote-images/logo?v=' in page.text
    assert shown.status_code == 200 and shown.content == seal
    assert shown.headers["content-type"] == "image/png" and "private" in shown.headers["cache-control"]
    assert anonymous_view.status_code == 303 and anonymous_view.headers["location"].startswith("/login")


async def test_only_png_or_jpeg_of_a_printable_size_and_shape_is_kept(db, login, admin, issuer_settings):
    client = await login(admin)
    version = issuer_settings.version

    refused = {
        "gif": await upload(client, "seal", picture(fmt="GIF"), version),
        "text": await upload(client, "seal", b"not an image at all", version, "seal.png"),
        "truncated": await upload(client, "seal", picture()[:200], version),
        "too large": await upload(client, "seal", b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024), version),
        "too small": await upload(client, "seal", picture(40, 40), version),
        "too big": await upload(client, "logo", picture(2400, 600), version),
        "not square": await upload(client, "seal", picture(400, 100), version),
        "too wide": await upload(client, "logo", picture(1800, 100), version),
        "empty": await upload(client, "logo", b"", version),
    }

    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 422)
    assert "PNG または JPEG" in refused["gif"].text and "512 KB" in refused["too large"].text
    assert 'aria-invalid="true"' in refused["not square"].text
    settings = await saved(db)
    assert (settings.seal_image, settings.logo_image, settings.version) == (None, None, version)


async def test_a_rep_or_manager_may_not_upload_and_an_unknown_kind_is_404(login, rep, manager, admin, issuer_settings):
    for user in (rep, manager):
        r = await upload(await login(user), "seal", picture(), issuer_settings.version)
        assert r.status_code == 403
    assert (await upload(await login(admin), "stamp", picture(), issuer_settings.version)).status_code == 404


async def test_a_stale_version_is_409_and_an_upload_before_any_settings_starts_them(db, login, admin):
    client = await login(admin)

    first = await upload(client, "seal", picture(), 0)
    stale = await upload(client, "logo", picture(), 0)

    assert first.status_code == 303 and stale.status_code == 409
    assert (await saved(db)).seal_media_type == "image/png"


async def test_a_removed_seal_is_no_longer_served(login, admin, rep, issuer_settings):
    client = await login(admin)
    await upload(client, "seal", picture(), issuer_settings.version)

    removed = await client.post(
        "/admin/quote-settings/images/seal/delete", data={"version": str(issuer_settings.version + 1)}
    )

    assert removed.status_code == 303
    assert (await (await login(rep)).get("/quote-images/seal")).status_code == 404


async def test_the_pdf_carries_the_seal_and_the_logo(
    login, admin, rep, make_deal, make_quote, issuer_settings, tmp_path
):
    client = await login(admin)
    await upload(client, "seal", picture(), issuer_settings.version)
    await upload(client, "logo", picture(600, 150, "JPEG"), issuer_settings.version + 1, "logo.jpg")
    quote = await make_quote(rep, await make_deal(rep), line(price=100_000))

    r = await (await login(rep)).get(f"/quotes/{quote.id}/pdf")

    path = tmp_path / "quote.pdf"
    path.write_bytes(r.content)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [row.split() for row in listed.splitlines()[2:]]
    assert sorted((row[3], row[4], row[5]) for row in rows if row[2] == "image") == [
        ("300", "300", "rgb"),
        ("600", "150", "rgb"),
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(path), str(ARTIFACTS / "quote-seal")],
        check=True,
    )
