"""The forecast's ヨミ表 as a file: per close month, quarter, the year and per owner, what is won
beside the open pipeline by ヨミ A / B / C, the commit (won + A) and the best case (won + A + B).

The figures are the forecast's own (`forecast.Figures`); this module only lays them out for Excel,
with Japanese headers like the deal export's.
"""

from __future__ import annotations

from typing import Any

from salesdesk.accounts.exporting import CHARSETS, ENCODINGS, FORMATS, XLSX_TYPE, ExportFile, to_csv, to_xlsx
from salesdesk.i18n import local_today
from salesdesk.pipeline.forecast import Figures, Forecast

HEADERS = ["区分", "期間・担当", "受注", "ヨミA", "ヨミB", "ヨミC", "コミット(受注+A)", "ベストケース(受注+A+B)"]


def _row(kind: str, label: str, f: Figures, xlsx: bool) -> list[Any]:
    values = [f.won_jpy, f.a_jpy, f.b_jpy, f.c_jpy, f.commit_jpy, f.best_case_jpy]
    return [kind, label, *(values if xlsx else [str(v) for v in values])]


def rows(result: Forecast, *, xlsx: bool = False) -> list[list[Any]]:
    table = [_row("月", f"{month:%Y/%m}", f, xlsx) for month, f in zip(result.months, result.by_month, strict=True)]
    table += [_row("四半期", f"第{n}四半期", f, xlsx) for n, f in enumerate(result.quarters, 1)]
    table.append(_row("年度", f"{result.fy}年度", result.year, xlsx))
    table += [_row("担当", owner.name or "(未割当)", owner.year, xlsx) for owner in result.owners]
    return table


def export(result: Forecast, *, format: str = "csv", encoding: str = "utf-8-sig") -> ExportFile:
    format = format if format in FORMATS else "csv"
    encoding = encoding if encoding in ENCODINGS else "utf-8-sig"
    filename = f"yomi-{result.fy}-{local_today():%Y%m%d}.{format}"
    if format == "xlsx":
        return ExportFile(filename, to_xlsx(HEADERS, rows(result, xlsx=True), "ヨミ表"), XLSX_TYPE)
    content, replaced = to_csv(HEADERS, rows(result), encoding)
    return ExportFile(filename, content, "text/csv", CHARSETS[encoding], replaced)
