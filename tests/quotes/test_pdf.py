"""The 御見積書 PDF, read back as a buyer's PDF reader would: its text (pdftotext), its fonts
(pdffonts), its pages, and a picture of page 1 (pdftoppm) kept in test-artifacts/ to look at."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

from salesdesk.quotes import pdf
from salesdesk.quotes.forms import derived_honorific
from salesdesk.quotes.models import IssuerSettings, Quote, QuoteLine
from salesdesk.quotes.tax import Rounding, TaxCategory, line_amount, totals
from salesdesk.settings import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
ISSUER = IssuerSettings(
    name="株式会社セールスデスク",
    address="東京都千代田区丸の内1-1-1\n丸の内ビル10階",
    phone="03-1234-5678",
    registration_number="T6010001000001",
    bank_notes="お振込先：みずほ銀行 丸の内支店 普通 1234567 カ）セールスデスク",
    seal_media_type="",
)


def document(*lines: tuple, person: str = "", department: str = "", locale: str = "ja", **values) -> Quote:
    """A quote as the services store it (lines with their amounts, totals), without a database."""
    rounding = Rounding(values.pop("rounding", "floor"))
    rows = []
    for n, (description, price, quantity, category, unit) in enumerate(lines):
        row = QuoteLine(
            position=n,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            unit_price_jpy=price,
            tax_category=category,
        )
        row.amount_jpy = line_amount(row.tax_line, rounding)
        rows.append(row)
    result = totals([r.tax_line for r in rows], rounding)
    quote = Quote(
        number="Q-2026-0042",
        revision=1,
        addressee_company="株式会社サンプル商事",
        addressee_department=department,
        addressee_person=person,
        honorific=derived_honorific(person).value,
        subject="営業支援システム導入のお見積り",
        issue_date=date(2026, 12, 1),
        valid_until=date(2026, 12, 31),
        delivery="ご発注後2週間",
        delivery_place="貴社指定場所",
        payment_terms="月末締め翌月末払い",
        rounding=rounding.value,
        prices_include_tax=False,
        locale=locale,
        subtotal_jpy=result.subtotal_jpy,
        tax_jpy=result.tax_jpy,
        total_jpy=result.total_jpy,
        **({"notes": ""} | values),
    )
    quote.lines = rows
    return quote


LICENCE = ("クラウド営業支援システム 年間ライセンス", 10_000, "10", TaxCategory.standard, "ライセンス")
LUNCH = ("会議用お弁当", 1_080, "20", TaxCategory.reduced, "個")
DISCOUNT = ("出精値引", -5_000, "1", TaxCategory.standard, "式")


def write(tmp_path: Path, quote: Quote) -> Path:
    path = tmp_path / "quote.pdf"
    path.write_bytes(pdf.render_pdf(quote, ISSUER))
    return path


def text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout


def squeezed(value: str) -> str:
    """pdftotext's text without the spaces it puts between spread-out characters and columns."""
    return re.sub(r"\s+", "", value)


def test_the_pdf_reads_as_a_quote_to_the_company_with_the_registration_number_and_boxed_total(tmp_path):
    content = text(write(tmp_path, document(("導入支援", 100_000, "1", TaxCategory.standard, "式"))))

    flat = squeezed(content)
    assert "株式会社サンプル商事御中" in flat
    assert "様" not in flat  # one honorific, never both
    assert "御見積書" in flat and "見積" in content
    assert "登録番号 T6010001000001" in content
    assert "¥110,000（内消費税 10,000円）" in content  # the boxed total, U+00A5 and the tax inside
    assert "\\" not in content  # no yen sign stood in by a backslash


def test_a_person_addressee_gets_sama_and_not_onchu(tmp_path):
    content = squeezed(text(write(tmp_path, document(LICENCE, person="山田 太郎", department="営業本部"))))

    assert "株式会社サンプル商事営業本部山田太郎様" in content
    assert "御中" not in content


def test_reduced_rate_lines_are_marked_and_each_rate_has_its_subtotal_and_tax(tmp_path):
    content = text(write(tmp_path, document(LICENCE, LUNCH, DISCOUNT)))

    flat = squeezed(content)
    assert "会議用お弁当※" in flat and "※は軽減税率対象" in flat
    assert "10%対象" in flat and "小計¥95,000" in flat and "消費税¥9,500" in flat
    assert "8%対象※" in flat and "小計¥21,600" in flat and "消費税¥1,728" in flat
    assert "▲5,000" in flat  # the discount line
    assert "合計¥127,828" in flat
    assert "¥127,828（内消費税11,228円）" in flat


def test_the_fonts_are_the_japanese_noto_face_embedded_and_none_is_in_the_repository(tmp_path):
    fonts = subprocess.run(
        ["pdffonts", str(write(tmp_path, document(LICENCE)))], capture_output=True, text=True, check=True
    ).stdout
    faces = [line.split()[0] for line in fonts.splitlines()[2:]]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert faces and all(re.search(r"Noto-?Sans-?CJK-?JP", face, re.I) for face in faces), fonts
    assert not re.search(r"CJK-?(SC|TC|HK|KR)", fonts, re.I)  # never a Chinese or Korean face by fallback
    assert all(line.split()[-4] == "yes" for line in fonts.splitlines()[2:])  # embedded
    assert not [f for f in tracked.splitlines() if f.lower().endswith((".ttf", ".otf", ".ttc", ".woff", ".woff2"))]


def test_a_sixty_line_quote_runs_over_pages_with_the_table_header_on_each(tmp_path):
    lines = [(f"作業項目 {n:02d}：要件定義・設計・開発・テストの各工程", 50_000 + n, "1", TaxCategory.standard, "人日")
             for n in range(1, 61)]  # fmt: skip
    path = write(tmp_path, document(*lines))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])

    assert pages >= 2
    for page in range(1, pages + 1):
        body = squeezed(text(path, page))
        assert "品名" in body and "数量" in body and "単価" in body, f"page {page} has no table header"
    assert "作業項目60" in squeezed(text(path))
    assert f"{pages}/{pages}" in squeezed(text(path, pages))  # the page counter


def test_an_english_customer_gets_the_english_layout(tmp_path):
    content = text(write(tmp_path, document(LICENCE, locale="en")))

    assert "Quotation" in content and "Registration No. T6010001000001" in content
    assert "December 1, 2026" in content and "御中" in content  # the addressee keeps its honorific


def test_page_one_is_drawn_as_a_picture_to_look_at(tmp_path):
    path = write(
        tmp_path,
        document(LICENCE, LUNCH, DISCOUNT, department="営業本部", notes="本見積の有効期限内にご発注ください。"),
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "quote-page1"

    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(path), str(target)], check=True
    )

    assert (ARTIFACTS / "quote-page1.png").stat().st_size > 20_000


def test_pdf_a_3b_is_an_option(tmp_path):
    path = tmp_path / "quote-a3b.pdf"
    path.write_bytes(pdf.render_pdf(document(LICENCE), ISSUER, pdf_a=True))

    meta = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"pdfaid:part[^0-9]*3", meta) and re.search(r"pdfaid:conformance[^A-Z]*B", meta), meta
