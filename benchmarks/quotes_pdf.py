"""Time the 御見積書 PDF: a 1-page and a 5-page quote beside a minimal WeasyPrint document, in one run.

    .venv/bin/python -m benchmarks quotes-pdf [--repeat 20]

Rendering needs no database: the quotes are built in memory as the services store them. Every
document is drawn once before timing (fonts loaded, stylesheets parsed), as a running server would.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from weasyprint import HTML

from salesdesk.quotes import pdf
from salesdesk.quotes.models import IssuerSettings, Quote, QuoteLine
from salesdesk.quotes.tax import Rounding, TaxCategory, line_amount, totals

ISSUER = IssuerSettings(
    name="株式会社セールスデスク",
    address="東京都千代田区丸の内1-1-1",
    phone="03-1234-5678",
    registration_number="T6010001000001",
    bank_notes="お振込先：みずほ銀行 丸の内支店 普通 1234567",
    seal_media_type="",
)


def quote(lines: int) -> Quote:
    rows = []
    for n in range(lines):
        category = TaxCategory.reduced if n % 7 == 3 else TaxCategory.standard
        row = QuoteLine(
            position=n,
            description=f"作業項目 {n + 1}：要件定義・設計・開発・テスト",
            quantity=Decimal(1 + n % 3),
            unit="人日",
            unit_price_jpy=50_000 + n,
            tax_category=category,
        )
        row.amount_jpy = line_amount(row.tax_line, Rounding.floor)
        rows.append(row)
    result = totals([r.tax_line for r in rows])
    q = Quote(number="Q-2026-0042", revision=1, addressee_company="株式会社サンプル商事", addressee_department="",
              addressee_person="", honorific="御中", subject="システム開発のお見積り", issue_date=date(2026, 12, 1),
              valid_until=date(2026, 12, 31), delivery="別途協議", delivery_place="貴社指定場所",
              payment_terms="月末締め翌月末払い", notes="", rounding="floor", prices_include_tax=False, locale="ja",
              subtotal_jpy=result.subtotal_jpy, tax_jpy=result.tax_jpy, total_jpy=result.total_jpy)  # fmt: skip
    q.lines = rows
    return q


def pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        Path(file.name).write_bytes(data)
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def timed(render, repeat: int) -> dict:
    data = render()  # warm: fonts and stylesheets
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "pages": pages(data),
        "bytes": len(data),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
    }


def run(repeat: int) -> None:
    results = {
        "minimal weasyprint document": timed(lambda: HTML(string="<p lang=ja>見積</p>").write_pdf(), repeat),
        "quote, 5 lines": timed(lambda: pdf.render_pdf(quote(5), ISSUER), repeat),
        "quote, 75 lines": timed(lambda: pdf.render_pdf(quote(75), ISSUER), repeat),
    }
    for name, figures in results.items():
        print(f"{name:30} {figures['pages']} page(s)  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms")
    print(json.dumps(results, ensure_ascii=False))
