"""The 御見積書 as an A4 PDF, drawn by WeasyPrint from templates/quotes/pdf.html.

Glyphs: the stylesheet names "Noto Sans CJK JP" (Debian's fonts-noto-cjk, installed by the setup;
no font file is kept in the repository) and the document says lang="ja", so Japanese text is set
in the Japanese face, never a Chinese one picked by fallback; the yen sign is U+00A5, drawn by
that face as ¥. The document's labels are in the quote's language (ja, or en for customers
abroad), whoever downloads it. Nothing is fetched while rendering: only the seal and the logo,
embedded as data: URLs, are outside resources (no request can be made to another host through a
quote). The seal is stamped over the company name in the issuer block, as a 角印 is.
"""

from __future__ import annotations

import base64
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from salesdesk.i18n import translations
from salesdesk.quotes.forms import fmt_quantity
from salesdesk.quotes.models import IssuerSettings, Quote
from salesdesk.quotes.tax import TaxCategory, totals
from salesdesk.settings import ROOT

STYLESHEET = ROOT / "static" / "css" / "quote-pdf.css"
EN_MONTHS = ("January February March April May June July August September October November December").split()


def long_date(day: date, locale: str) -> str:
    """2026年12月1日, or December 1, 2026."""
    if locale == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def amount(value: int) -> str:
    """Grouped yen; a negative amount (a discount) marked ▲ as Japanese documents do."""
    return f"▲{-value:,}" if value < 0 else f"{value:,}"


@lru_cache(maxsize=2)
def environment(locale: str) -> Environment:
    """One Jinja environment per document language (rendering may run in worker threads)."""
    env = Environment(
        loader=FileSystemLoader(ROOT / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(amount=amount, quantity=fmt_quantity, long_date=lambda d: long_date(d, locale))
    return env


def image_url(settings: IssuerSettings, kind: str) -> str | None:
    """The seal or the logo as a data: URL (images.py checked it on upload); None without one."""
    content, media_type = getattr(settings, f"{kind}_image"), getattr(settings, f"{kind}_media_type") or ""
    if not content or not media_type.startswith("image/"):
        return None
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


def render_html(quote: Quote, settings: IssuerSettings) -> str:
    locale = quote.locale if quote.locale in ("ja", "en") else "ja"
    result = totals([line.tax_line for line in quote.lines], quote.rounding, quote.prices_include_tax)
    return (
        environment(locale)
        .get_template("quotes/pdf.html")
        .render(
            quote=quote,
            issuer=settings,
            totals=result,
            lines=list(quote.lines),
            locale=locale,
            seal=image_url(settings, "seal"),
            logo=image_url(settings, "logo"),
            TaxCategory=TaxCategory,
        )
    )


def render_pdf(quote: Quote, settings: IssuerSettings, *, pdf_a: bool = False) -> bytes:
    """The PDF's bytes. CPU-bound (tens to hundreds of milliseconds): routes run it in a thread.

    WeasyPrint is imported here, on the first PDF: importing it takes seconds, which every worker
    and every command would otherwise pay at start-up."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})  # the seal and logo only: no file, no host is ever read
    document = HTML(string=render_html(quote, settings), base_url=str(ROOT), url_fetcher=fetcher)
    options: dict[str, Any] = {"pdf_variant": "pdf/a-3b"} if pdf_a else {}
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))], **options)
