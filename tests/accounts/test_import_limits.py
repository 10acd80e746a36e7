"""Import files that would exhaust the server are read by their real cells or refused with the
limit named: a workbook declaring the whole sheet, thousands of columns, too many rows."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from salesdesk.accounts.import_files import MAX_COLUMNS, MAX_ROWS, ImportFileError, read_table


def declared_whole_sheet(cell: str, value: str) -> bytes:
    """A workbook with a header and one cell at `cell`, whose sheet declares A1:XFD1048576 (Excel's maximum)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "会社名"
    sheet[cell] = value
    written = io.BytesIO()
    workbook.save(written)
    patched = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, found = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
                assert found == 1
            target.writestr(item, data)
    return patched.getvalue()


def csv_file(rows: list[list[str]]) -> bytes:
    return ("\r\n".join(",".join(row) for row in rows) + "\r\n").encode("utf-8")


async def upload(client, filename: str, content: bytes):
    token = client.headers["X-CSRFToken"]
    return await client.post("/accounts/import", data={"_csrf_token": token}, files={"file": (filename, content)})


def test_a_workbook_declaring_the_whole_sheet_is_read_by_its_real_cells_quickly_and_in_little_memory():
    content = declared_whole_sheet("A1048576", "株式会社最終行")
    assert len(content) < 8_000

    started = time.process_time()
    table = read_table(content, "declared.xlsx")
    seconds = time.process_time() - started
    tracemalloc.start()  # apart from the timing: tracing slows every allocation
    try:
        read_table(content, "declared.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert table.headers == ["会社名"] and table.rows == [["株式会社最終行"]]
    assert table.numbers == [1_048_576]  # issues name the row Excel shows
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert seconds < 5, f"{seconds:.1f} s"


def test_a_workbook_with_a_value_past_the_column_cap_is_refused_naming_the_cap():
    content = declared_whole_sheet("XFD1048576", "はみ出し")

    with pytest.raises(ImportFileError, match=f"more than {MAX_COLUMNS} columns"):
        read_table(content, "wide.xlsx")


def test_trailing_empty_cells_are_not_columns():
    blank = [""] * 5000
    table = read_table(csv_file([["会社名", "担当者名", *blank], ["株式会社サンプル", "山田 太郎", *blank]]))

    assert table.headers == ["会社名", "担当者名"] and table.rows == [["株式会社サンプル", "山田 太郎"]]


async def test_a_csv_with_16384_columns_is_refused_on_the_upload_form_with_the_cap(login, rep):
    client = await login(rep)
    header = ["会社名", *(f"列{n}" for n in range(2, 16_385))]

    response = await upload(client, "wide.csv", csv_file([header, ["株式会社サンプル"]]))

    assert response.status_code == 422 and 'id="file-error"' in response.text
    assert f"{MAX_COLUMNS} 列" in response.text
    assert len(response.text) < 100_000  # the form again, no mapping page of 16,384 columns


async def test_a_file_over_the_row_cap_is_refused_on_the_upload_form_naming_the_cap(login, rep):
    client = await login(rep)
    rows = [["会社名"], *([f"株式会社{n}"] for n in range(MAX_ROWS + 1))]

    response = await upload(client, "many.csv", csv_file(rows))

    assert response.status_code == 422 and 'id="file-error"' in response.text
    assert f"{MAX_ROWS:,} 行" in response.text


def test_a_file_of_exactly_the_row_cap_is_read():
    table = read_table(csv_file([["会社名"], *([f"株式会社{n}"] for n in range(MAX_ROWS))]))

    assert len(table.rows) == MAX_ROWS and table.numbers[-1] == MAX_ROWS + 1


def test_blank_lines_keep_the_row_numbers_excel_shows():
    table = read_table(csv_file([["会社名"], ["株式会社一"], [""], [""], ["株式会社四"]]))

    assert table.rows == [["株式会社一"], ["株式会社四"]] and table.numbers == [2, 5]
