"""Reading spreadsheets for the accounts import: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX,
guessing which column holds what, and reading cell values (dates, numbers kept as text).

Excel on Japanese Windows writes CP932 without a BOM, newer Excel UTF-8 with a BOM: strict
UTF-8 first, then CP932 (see ../shared/JAPAN.md). Row numbers are the ones Excel shows: the
header is row 1, the first data row 2.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from salesdesk.accounts import normalize as norm
from salesdesk.i18n.messages import N_

MAX_ROWS = 100_000
MAX_COLUMNS = 200
IGNORE = "ignore"

# (target, label msgid) in the order the mapping screen offers them.
TARGETS: list[tuple[str, str]] = [
    (IGNORE, N_("Do not import")),
    ("company.name", N_("Company name")),
    ("company.name_kana", N_("Company name (kana)")),
    ("company.corporate_number", N_("Corporate number")),
    ("company.industry", N_("Industry")),
    ("company.employee_band", N_("Employees")),
    ("company.fiscal_year_end_month", N_("Fiscal year end (month)")),
    ("company.phone", N_("Company phone")),
    ("company.address", N_("Address")),
    ("company.website", N_("Website")),
    ("company.tags", N_("Tags")),
    ("company.owner_email", N_("Owner (email)")),
    ("company.is_target", N_("Target account")),
    ("company.parent", N_("Parent company (name)")),
    ("company.notes", N_("Company notes")),
    ("department", N_("Department")),
    ("person.name", N_("Person name")),
    ("person.name_kana", N_("Person name (kana)")),
    ("person.title", N_("Job title")),
    ("person.email", N_("Person email")),
    ("person.phone", N_("Person phone")),
    ("person.mobile", N_("Mobile phone")),
    ("person.buying_role", N_("Buying role")),
    ("last_contact", N_("Last contact date")),
    ("memo", N_("Memo")),
]
TARGET_KEYS = {key for key, _label in TARGETS}


def header_key(header: str) -> str:
    """NFKC, lower case, no spaces, underscores, hyphens or required-field marks."""
    return re.sub(r"[\s_\-*※:：]", "", norm.nfkc(header)).lower()


# Header (after header_key) -> target. The phone headers below are decided by context.
HEADERS: dict[str, str] = {}
for _target, _names in {
    "company.name": "会社名 企業名 取引先名 社名 法人名 顧客名 取引先 company companyname account accountname "
    "organization organisation",
    "company.name_kana": "フリガナ ふりがな カナ かな よみ 読み 会社名カナ 会社名フリガナ 会社名ふりがな 企業名カナ "
    "企業名フリガナ 取引先名カナ 取引先名フリガナ 会社フリガナ companykana companynamekana kana",
    "company.corporate_number": "法人番号 corporatenumber",
    "company.industry": "業種 業界 industry",
    "company.employee_band": "従業員規模 従業員数 社員数 規模 employees employeeband employeecount",
    "company.fiscal_year_end_month": "決算月 決算期 fiscalyearend fiscalyearendmonth",
    "company.phone": "代表電話 代表電話番号 会社電話番号 会社電話 companyphone",
    "company.address": "住所 所在地 本社所在地 address",
    "company.website": "url ホームページ hp website web webサイト ウェブサイト サイト",
    "company.tags": "タグ tags tag",
    "company.owner_email": "担当営業 営業担当 自社担当 担当営業メール owner owneremail",
    "company.is_target": "重点顧客 重点 ターゲット target targetaccount istarget",
    "company.parent": "親会社 親会社名 parent parentcompany",
    "company.notes": "会社メモ 会社備考 companynotes companymemo",
    "department": "部署 部署名 部門 所属 所属部署 department dept division",
    "person.name": "担当者名 担当者 担当者氏名 氏名 名前 お名前 contact contactname name fullname person",
    "person.name_kana": "担当者フリガナ 担当者ふりがな 担当者カナ 氏名カナ 氏名フリガナ 氏名ふりがな フリガナ(氏名) "
    "contactkana namekana",
    "person.title": "役職 役職名 肩書 肩書き title jobtitle position",
    "person.email": "メールアドレス メール email emailaddress mail mailaddress",
    "person.phone": "担当者電話番号 担当者電話 直通 直通電話 直通電話番号",
    "person.mobile": "携帯 携帯電話 携帯電話番号 携帯番号 mobile mobilephone cell cellphone",
    "person.buying_role": "役割 購買での役割 購買役割 buyingrole role",
    "last_contact": "最終対応日 最終接触日 最終接触 最終コンタクト日 lastcontact lastcontactdate lastcontacted",
    "memo": "メモ 備考 notes note memo コメント comment comments",
}.items():
    for _name in _names.split():
        HEADERS[header_key(_name)] = _target
# Buying roles in a file: the key, the English label, or the Japanese word (the first one is what exports write).
ROLE_WORDS: dict[str, list[str]] = {
    "decision_maker": ["決裁者", "decision maker"],
    "approver": ["承認者", "approver"],
    "champion": ["推進者", "champion"],
    "influencer": ["影響者", "influencer"],
    "user": ["利用者", "user"],
    "gatekeeper": ["窓口", "gatekeeper", "ゲートキーパー"],
    "blocker": ["反対者", "blocker"],
}
ROLES = {header_key(word): key for key, words in ROLE_WORDS.items() for word in [key, *words]}
# A bare 電話番号 is the person's phone in a sheet of persons, the company's otherwise.
PHONE_HEADERS = {"電話番号", "電話", "tel", "tel番号", "phone", "telephone", "phonenumber"}
PERSON_SIGNS = {"person.name", "person.email", "person.name_kana", "person.title"}


@dataclass
class Table:
    filename: str
    headers: list[str]
    rows: list[list[Any]]  # the data rows that have a value, each up to its last value
    numbers: list[int] = field(default_factory=list)  # each row's number as Excel shows it (the header is 1)

    def __post_init__(self) -> None:
        if not self.numbers:
            self.numbers = list(range(2, len(self.rows) + 2))

    def samples(self, column: int, count: int = 3) -> list[str]:
        found: list[str] = []
        for row in self.rows:
            text = cell_text(row[column]) if column < len(row) else ""
            if text:
                found.append(text)
                if len(found) == count:
                    break
        return found


# --- reading ---------------------------------------------------------------------------
# Only real cells are kept: blank rows are left out (their numbers are kept) and a row ends at
# its last value, so a file's cost follows what it holds, never what it declares.

TOO_MANY_ROWS = N_("The file has more than %(rows)s rows; split it.")
TOO_MANY_COLUMNS = N_("The file has more than %(columns)s columns; delete the columns you do not import.")
NOT_XLSX = N_("The file is not a readable Excel workbook (.xlsx).")
SHEET_ROWS = 1_048_576  # Excel's last row: a workbook numbering rows past it is damaged


class ImportFileError(Exception):
    """The file cannot be read as a table: an English msgid and its %-parameters (translated when shown)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params

    def translated(self, translate: Callable[..., str]) -> str:
        return translate(self.message, **self.params)


def _too_many_rows() -> ImportFileError:
    return ImportFileError(TOO_MANY_ROWS, rows=f"{MAX_ROWS:,}")


def _cells(values: Sequence[Any]) -> list[Any]:
    """A row up to its last value; refused past MAX_COLUMNS (checked in C: rows may be 16,384 wide)."""
    if len(values) > MAX_COLUMNS:
        tail = values[MAX_COLUMNS:]
        if tail.count(None) + tail.count("") != len(tail):
            raise ImportFileError(TOO_MANY_COLUMNS, columns=f"{MAX_COLUMNS:,}")
        values = values[:MAX_COLUMNS]
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return list(values[:end])


def read_table(content: bytes, filename: str = "") -> Table:
    if not content.strip():
        raise ImportFileError(N_("The file is empty."))
    if content[:4] == b"\xd0\xcf\x11\xe0" or filename.lower().endswith(".xls"):
        raise ImportFileError(N_("Old Excel files (.xls) cannot be read; save the file as .xlsx or CSV."))
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(decode_text(content))
    if not rows or rows[0][0] != 1 or not any(cell_text(value) for value in rows[0][1]):
        raise ImportFileError(N_("The first row must name the columns."))
    width = max(len(cells) for _number, cells in rows)
    header = rows[0][1]
    headers = _unique_headers([cell_text(v) for v in header] + [""] * (width - len(header)))
    return Table(filename, headers, [cells for _n, cells in rows[1:]], [number for number, _c in rows[1:]])


def decode_text(content: bytes) -> str:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16, tab-separated
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(N_("The file is neither UTF-8 nor Shift_JIS (CP932) text, nor an Excel workbook."))


def _csv_rows(text: str) -> list[tuple[int, list[Any]]]:
    """(record number, cells) of the records with a value."""
    if "\x00" in text:
        raise ImportFileError(N_("The file is neither UTF-8 nor Shift_JIS (CP932) text, nor an Excel workbook."))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if cells := _cells(record):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise _too_many_rows()
    except csv.Error as error:
        raise ImportFileError(N_("The file is not a valid CSV file.")) from error
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet's rows with a value; the sheet's declared size is ignored."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileError(NOT_XLSX) from error
    rows: list[tuple[int, list[Any]]] = []
    try:
        sheet = workbook.worksheets[0]
        # <dimension ref="A1:XFD1048576"/> would pad every row to 16,384 cells and yield every
        # row up to 1,048,576: without it a row ends at its last cell and a missing row is ().
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > SHEET_ROWS:
                raise ImportFileError(NOT_XLSX)
            if values and (cells := _cells(values)):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise _too_many_rows()
    except ImportFileError:
        raise
    except Exception as error:  # a damaged workbook fails in many ways (zip, XML, cell values)
        raise ImportFileError(NOT_XLSX) from error
    finally:
        workbook.close()
    return rows


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for number, header in enumerate(headers, start=1):
        header = header.strip() or f"#{number}"
        seen[header] = seen.get(header, 0) + 1
        result.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return result


# --- mapping ----------------------------------------------------------------------------


def guess_mapping(headers: list[str]) -> list[str]:
    """A target per column; each target once (the first column wins), everything else ignored."""
    keys = [header_key(h) for h in headers]
    mapping = [HEADERS.get(key, IGNORE) for key in keys]
    taken: set[str] = set()
    for i, target in enumerate(mapping):
        if target != IGNORE:
            if target in taken:
                mapping[i] = IGNORE
            taken.add(target)
    persons = bool(taken & PERSON_SIGNS)
    preference = ["person.phone", "company.phone"] if persons else ["company.phone", "person.phone"]
    for i, key in enumerate(keys):
        if key in PHONE_HEADERS and mapping[i] == IGNORE:
            target = next((t for t in preference if t not in taken), IGNORE)
            mapping[i] = target
            taken.add(target)
    return mapping


def mapping_from_names(headers: list[str], names: dict[str, str]) -> list[str]:
    """A mapping file ({"header": "target"}) over the guess; unknown targets are an error."""
    mapping = guess_mapping(headers)
    by_key = {header_key(h): i for i, h in enumerate(headers)}
    for header, target in names.items():
        if target not in TARGET_KEYS:
            raise ImportFileError(N_("Unknown target %(target)r for column %(header)r."), target=target, header=header)
        index = headers.index(header) if header in headers else by_key.get(header_key(header))
        if index is None:
            raise ImportFileError(N_("The file has no column %(header)r."), header=header)
        mapping[index] = target
    return mapping


def clean_mapping(mapping: list[str], width: int) -> list[str]:
    """Unknown targets become ignore; a target chosen twice keeps its first column."""
    result, taken = [], set()
    for target in (mapping + [IGNORE] * width)[:width]:
        if target not in TARGET_KEYS or (target != IGNORE and target in taken):
            target = IGNORE
        taken.add(target)
        result.append(target)
    return result


# --- cells ----------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text: integers stay integers (法人番号 typed as a number), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and (text[1] in "=+-@" or text[1:].isdigit()):  # our CSV export's guards
        text = text[1:]
    return text


ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988, "昭和": 1925, "s": 1925}
DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[/\-.](?P<m>\d{1,2})[/\-.](?P<d>\d{1,2})(?:[ t](?P<time>\d{1,2}:\d{2})(?::\d{2})?)?$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?(?:\s*(?P<time>\d{1,2}:\d{2})(?::\d{2})?)?$"),
    re.compile(r"^(?P<era>令和|平成|昭和|r|h|s)\s*(?P<y>\d{1,2}|元)[年/.\-](?P<m>\d{1,2})[月/.\-](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
EXCEL_EPOCH = date(1899, 12, 30)


def parse_when(value: Any) -> tuple[date, time | None] | None:
    """A date (and a time when one is given), from a cell; None when it is not a date."""
    if isinstance(value, datetime):
        return value.date(), (value.time() if value.time() != time() else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = norm.nfkc(str(value)).lower().replace("　", " ")
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text))
    for pattern in DATE_PATTERNS:
        if match := pattern.match(text):
            parts = match.groupdict()
            year = 1 if parts["y"] == "元" else int(parts["y"])
            year += ERAS.get(parts.get("era") or "", 0)
            try:
                day = date(year, int(parts["m"]), int(parts["d"]))
                clock = time.fromisoformat(parts["time"].zfill(5)) if parts.get("time") else None
            except ValueError:
                return None
            return day, clock
    return None


def _excel_serial(serial: float) -> tuple[date, time | None] | None:
    if not 1 <= serial < 2_958_466:  # Excel's range: 1900-01-01 .. 9999-12-31
        return None
    moment = datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=serial)
    return moment.date(), (moment.time().replace(microsecond=0) if moment.time() != time() else None)
