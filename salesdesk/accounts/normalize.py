"""Matching keys for Japanese company names, kana, phones, emails and 法人番号.

Keys are for comparing and searching only; what the user typed is kept for display.
See ../shared/JAPAN.md: NFKC first (全角英数 → 半角, ㈱ → (株), ｶﾀｶﾅ → カタカナ), then drop the
legal-form words and every space, then case-fold Latin.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Longest first, so 医療法人社団 is removed whole rather than leaving 社団 behind.
LEGAL_FORMS = sorted(
    [
        "株式会社",
        "有限会社",
        "合同会社",
        "合資会社",
        "合名会社",
        "相互会社",
        "一般社団法人",
        "一般財団法人",
        "公益社団法人",
        "公益財団法人",
        "特定非営利活動法人",
        "NPO法人",
        "医療法人社団",
        "医療法人財団",
        "医療法人",
        "学校法人",
        "社会福祉法人",
        "宗教法人",
        "独立行政法人",
        "(株)",
        "(有)",
        "(同)",
        "(資)",
        "(名)",
        "(一社)",
        "(一財)",
        "(公社)",
        "(公財)",
        "(特非)",
        "(医)",
        "(学)",
        "(福)",
        "(独)",
    ],
    key=len,
    reverse=True,
)
LEGAL_FORMS_KANA = sorted(
    [
        "カブシキガイシャ",
        "カブシキカイシャ",
        "ユウゲンガイシャ",
        "ユウゲンカイシャ",
        "ゴウドウガイシャ",
        "ゴウドウカイシャ",
        "ゴウシガイシャ",
        "ゴウメイガイシャ",
        "(カ)",
        "カ)",
        "(カ",
        "(ユ)",
        "ユ)",
        "(ユ",
    ],
    key=len,
    reverse=True,
)
# English legal forms only count at the end of the name ("Co." inside a name is part of it), and only as a
# word of their own: after a space, comma or dot, or right after Japanese ("Cisco" and "Zinc" keep their letters).
ENGLISH_SUFFIX = re.compile(
    r"(?:[\s,.]+|(?<=[^\x00-\x7f]))(kabushiki\s*kaisha|k\.\s*k\.?|co\.?,?\s*ltd\.?|ltd\.?|inc\.?|corporation|corp\.?|llc|g\.?k\.?|co\.?)$"
)
SPACES = re.compile(r"[\s\u3000]+")
HIRAGANA = re.compile(r"[\u3041-\u3096]")


def nfkc(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def compact(text: str | None) -> str:
    """NFKC, no spaces (incl. U+3000), case-folded: how names are compared."""
    return SPACES.sub("", nfkc(text)).casefold()


def _strip_forms(text: str, forms: list[str]) -> str:
    for form in forms:
        if text.startswith(form):
            text = text[len(form) :]
        if text.endswith(form):
            text = text[: -len(form)]
    return text


def company_key(name: str | None) -> str:
    """株式会社サンプル, (株)サンプル, ㈱サンプル and サンプル株式会社 all give サンプル."""
    text = SPACES.sub(" ", nfkc(name)).casefold()
    text = ENGLISH_SUFFIX.sub("", text)
    text = text.replace(" ", "")
    for _ in range(2):  # "株式会社サンプル(株)" happens in hand-kept sheets
        text = _strip_forms(text, LEGAL_FORMS)
    return text


def katakana(text: str | None) -> str:
    """ひらがな → カタカナ, after NFKC (which also widens ﾊﾝｶｸ)."""
    return HIRAGANA.sub(lambda m: chr(ord(m.group()) + 0x60), nfkc(text))


def kana_key(text: str | None) -> str:
    """Search key for フリガナ: katakana, no spaces or middle dots, legal forms dropped."""
    key = SPACES.sub("", katakana(text)).replace("・", "").casefold()
    return _strip_forms(key, LEGAL_FORMS_KANA)


def phone_digits(text: str | None) -> str:
    """The digits of the domestic form: +81 3-1234-5678 and ０３（１２３４）５６７８ give 0312345678."""
    text = nfkc(text)
    digits = re.sub(r"\D", "", text)
    if text.startswith("+81") or text.startswith("0081"):
        rest = digits[2:] if text.startswith("+") else digits[4:]
        rest = rest[1:] if rest.startswith("0") else rest  # "+81 (0)3 …"
        return "0" + rest
    return digits


def looks_like_phone(text: str | None) -> bool:
    """Mostly digits and phone punctuation: search it as a number."""
    text = nfkc(text)
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 3 and re.fullmatch(r"[\d\s+\-().\u2010-\u2015\u2212ー]+", text) is not None  # − from macOS IMEs


def email_key(text: str | None) -> str:
    return nfkc(text).lower()


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(text: str) -> bool:
    return EMAIL.match(text) is not None


def corporate_number_check_digit(base: str) -> int:
    """Check digit over the 12-digit base: 9 − (Σ Pn×Qn mod 9), n counted from the right."""
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def is_corporate_number(value: str) -> bool:
    return (
        len(value) == 13
        and value.isascii()
        and value.isdigit()
        and int(value[0]) == corporate_number_check_digit(value[1:])
    )


def clean_corporate_number(value: str | None) -> str:
    """Digits only (users paste "6-0100-0100-0001" or full-width digits)."""
    return re.sub(r"[\s\-]", "", nfkc(value))


TERM_CHARS = 40  # a search term holds this much of a suffix; queries are cut to it as well


def suffixes(key: str, shortest: int = 1, longest: int = TERM_CHARS) -> set[str]:
    """Every suffix of a key, each cut to `longest`: a prefix search over suffixes finds a substring anywhere."""
    return {key[i : i + longest] for i in range(len(key)) if len(key) - i >= shortest}


WEB_HOST = re.compile(r"^(?=.{1,253}$)([^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$")


def website(text: str | None) -> tuple[str, bool]:
    """A website as saved (https:// added when no scheme was typed) and whether it is an http(s) URL with a host."""
    url = nfkc(text)
    if not url:
        return "", True
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        return url, False
    return url, not SPACES.search(url) and (host == "localhost" or WEB_HOST.match(host) is not None)


KANA_TEXT = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe・\s\u3000]*$")


def is_kana(text: str | None) -> bool:
    """フリガナ: katakana or hiragana, ー, ・ and spaces only ("kana123" is not)."""
    return KANA_TEXT.match(nfkc(text)) is not None


def word_suffixes(key: str) -> set[str]:
    """An email or a host from each word on (sato@test-seiko.co.jp: test-seiko.co.jp, seiko.co.jp, co.jp), so part
    of an address is found; the top-level domain alone is left out."""
    starts = [0] + [m.end() for m in re.finditer(r"[@.\-_+]", key)]
    return {key[i:][:TERM_CHARS] for i in starts if key[i:] and (i == 0 or "." in key[i:])}


def digit_suffixes(digits: str) -> set[str]:
    """A phone's digits and every tail of at least 4 of them: the last eight digits find 03-1234-5678."""
    return suffixes(digits, shortest=4) if digits else set()


TWO_DIGIT_AREAS = ("03", "06")  # 東京・大阪: 03-1234-5678
FREE_DIAL = ("0120", "0800", "0570", "0990")  # 0120-123-456
THREE_FOUR_FOUR = ("020", "050", "060", "070", "080", "090")  # mobile and IP phones: 090-1234-5678


def display_phone(text: str | None) -> str:
    """One way to write a Japanese number for exports: the domestic form with hyphens (+81 3 1234 5678 and
    ０３（１２３４）５６７８ give 03-1234-5678). The area code's length decides the groups; where that needs the
    full area-code table (045 vs 0466), the groups the user typed are kept. Anything else stays as typed."""
    digits = phone_digits(text)
    if not digits.startswith("0"):
        return nfkc(text)
    if len(digits) == 10 and digits.startswith(FREE_DIAL):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 11 and digits.startswith(THREE_FOUR_FOUR):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith(TWO_DIGIT_AREAS):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10:
        typed = [g for g in re.split(r"\D+", nfkc(text).removeprefix("+81")) if g]
        if len(typed) == 3 and "".join(typed).lstrip("0") == digits.lstrip("0") and typed[0].startswith("0"):
            return "-".join(typed)
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"  # the most common: 045-123-4567, 092-…, 011-…
    return nfkc(text)
