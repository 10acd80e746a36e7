"""Every page and form as a user reads it, in English and in Japanese: no code shows through (a snake_case
value like decision_maker, a msgid-shaped key like parent.unknown), and no label, heading, button or choice
is left in the other language. A property over the whole route list (the route matrix's pages, and its forms
answered with their errors or a conflict), so a page added later is checked too. Names and data (companies,
persons, stages, time zones) are left out by how a page marks them (translate="no", a data class); inside an
attribute, which cannot be marked in part, the database's names are taken out before the check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from salesdesk.accounts import import_uploads
from salesdesk.db import Base
from salesdesk.pipeline.models import Stage
from tests.matrix_data import matrix_account
from tests.test_route_matrix import RULES

CODE = re.compile(r"(?<![\w@./:-])([a-z]+(?:_[a-z]+)+|[a-z]+\.[a-z_]+(?:\.[a-z_]+)*)(?![\w@/-])")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z][A-Za-z]{2,}\b")
# brands and formats: the same words in both languages
ALLOWED_LATIN = {"salesdesk", "Excel", "CSV", "PDF", "URL", "API", "Web", "xlsx", "e.g", "English", "日本語"}
ALLOWED_LATIN |= {"http", "https", "webcal", "CalDAV", "Google", "Apple", "Outlook", "Mac", "iPhone"}
DATA_CLASSES = re.compile(r"person-picks|org-|dept-list|user-menu|lang")  # names and data, not the UI's words
LABELS = {"label", "th", "button", "legend", "summary", "h2", "h3", "option", "dt"}
DATA_SELECTS = re.compile(r"(_id|_ids|owner|company|stage|pipeline|team|user|tag|industry|view)$")
SKIP = re.compile(r"^/(api/|static/|lang/|logout|healthz)|export|\.pdf|\.ics|\.csv|\.xlsx|/calendar/feed")
NAME_COLUMNS = {"name", "title", "subject", "code"}
CATALOG = Path(__file__).parent.parent / "salesdesk/i18n/locales/ja/LC_MESSAGES/messages.po"
with CATALOG.open("rb") as po:
    MSGIDS = {m.id for m in read_po(po) if isinstance(m.id, str)}


class Visible(HTMLParser):
    """The text a user sees, and separately the texts that are the UI's own words (labels, headings,
    buttons, the choices of non-data selects, placeholders and titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.labels: list[str] = []
        self.in_attributes: set[str] = set()  # labels from attributes, where data cannot be marked
        self.select_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "select":
            self.select_name = values.get("name", "")
        for attr in ("placeholder", "title", "aria-label"):
            if values.get(attr):
                self.labels.append(values[attr])
                self.texts.append(values[attr])
                self.in_attributes.add(values[attr])
        if tag not in ("input", "br", "img", "meta", "link", "col", "hr"):
            self.stack.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == "select":
            self.select_name = ""

    def handle_data(self, data: str) -> None:
        tags = [t for t, _ in self.stack]
        if {"script", "style", "code", "pre", "textarea", "template"} & set(tags) or not data.strip():
            return
        if any(a.get("translate") == "no" or DATA_CLASSES.search(a.get("class", "")) for _, a in self.stack):
            return
        self.texts.append(data.strip())
        if tags and tags[-1] in LABELS and not (tags[-1] == "option" and DATA_SELECTS.search(self.select_name)):
            if "a" not in tags[-3:]:  # a link's text is data (a company, a person)
                self.labels.append(data.strip())


def requests(account: dict[str, int], rep_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    """Every page an admin may open (error pages too), then every form the route matrix refuses
    harmlessly (422, 409), which answers with the form and its messages."""
    ids = {"user": rep_id, "team": 0} | account
    found = []
    for (method, path), rule in RULES.items():
        refused = rule.expect.get("admin") in (409, 422)
        if SKIP.search(path) or not (method == "GET" or refused):
            continue
        data = None if method == "GET" else {k: v.format(**ids) for k, v in (rule.data or {}).items()}
        found.append((method, (rule.url or path).format(**ids), data))
    return sorted(found, key=lambda r: (r[0] != "GET", r[1]))


async def data_names(db) -> list[str]:
    """What the database holds as names (companies, persons, stages, tasks, products …), longest first."""
    names: set[str] = set()
    for table in Base.metadata.sorted_tables:
        for column in (c for c in table.c if c.name in NAME_COLUMNS):
            names.update(v for v in await db.scalars(select(column)) if isinstance(v, str) and v)
    return sorted(names, key=len, reverse=True)


def problems(url: str, text: str, locale: str, names: Sequence[str] = ()) -> list[str]:
    page = Visible()
    page.feed(text)
    found = [f"{url}: code {m!r}" for t in page.texts for m in CODE.findall(t) if m not in ALLOWED_LATIN]
    found += [
        f"{url}: code {t!r}"
        for t in page.texts
        if re.fullmatch(r"[a-z]+(?:_[a-z]+)*", t)
        and len(t) > 3
        and t not in ALLOWED_LATIN
        # an English word the catalog gives (a screen reader's "covered") is no code: ja shows its translation
        and not (locale == "en" and t in MSGIDS)
    ]
    for label in page.labels:
        for name in names if label in page.in_attributes else ():
            label = label.replace(name, "")
        if locale == "ja":
            words = [w for w in ENGLISH_WORDS.findall(label) if w not in ALLOWED_LATIN and "@" not in label]
            found += [f"{url}: English {label!r}" for _ in words[:1]]
        # "Kana (フリガナ)" names the Japanese term in parentheses: that is no untranslated text
        elif label not in ALLOWED_LATIN and JAPANESE.search(re.sub(r"[(（][^)）]*[)）]", "", label)):
            found.append(f"{url}: Japanese {label!r}")
    return found


@pytest.mark.parametrize("locale", ["en", "ja"])
async def test_no_page_shows_codes_or_the_other_language(locale, login, make_user, db, rep, team_east):
    admin = await make_user("admin", name="管理 花子" if locale == "ja" else "Hanako Admin", locale=locale)
    account = await matrix_account(db, rep)
    await db.commit()
    names = await data_names(db)
    client = await login(admin)
    client.headers["Accept-Language"] = locale  # the language of the pages before login

    found = []
    for method, url, data in requests(account, rep.id):
        r = await client.request(method, url, data=data)
        if r.headers.get("content-type", "").startswith("text/html"):
            found += problems(f"{method} {url}" if data is not None else url, r.text, locale, names)

    assert not found, "\n".join(sorted(set(found)))


@pytest.mark.parametrize("locale", ["en", "ja"])
async def test_the_move_dialog_for_every_stage_speaks_one_language(locale, login, make_user, db, rep, team_east):
    """The move page and the board's dialog (htmx) for each stage: its heading names the deal and the stage
    (data), the rest is the page's language."""
    admin = await make_user("admin", name="管理 花子" if locale == "ja" else "Hanako Admin", locale=locale)
    account = await matrix_account(db, rep)
    await db.commit()
    names = await data_names(db)
    client = await login(admin)

    found = []
    for stage_id in await db.scalars(select(Stage.id)):
        for headers in ({}, {"HX-Request": "true"}):
            url = f"/deals/{account['deal']}/move?stage_id={stage_id}"
            r = await client.get(url, headers=headers)
            assert r.status_code == 200, (url, r.status_code)
            found += problems(f"{url} {headers}", r.text, locale, names)

    assert not found, "\n".join(sorted(set(found)))


TEMPLATES = Path(__file__).parent.parent / "templates"
TOP_LEVEL_WORDS = re.compile(r"(?m)^\{% set \w+ = [^%]*\b_\(")  # words translated when the module is made
MACROS = re.compile(r"(?s)\{%-? macro .*?\{%-? endmacro -?%\}")
IMPORT = re.compile(r'\{% from "([^"]+)" import [^%]*%\}')


def test_a_template_that_translates_at_its_top_level_is_imported_with_context():
    """Jinja keeps a template imported without context, and what its top level set, in the language of the
    first request that imported it: the meeting's Start/End read English on Japanese pages after an English
    one. Imported with context, the module is made again for each page, in that page's language."""
    translating = {
        p.relative_to(TEMPLATES).as_posix()
        for p in TEMPLATES.rglob("*.html")
        if TOP_LEVEL_WORDS.search(MACROS.sub("", p.read_text()))
    }
    wrong = [
        f"{p.relative_to(TEMPLATES)}: {m.group(0)}"
        for p in TEMPLATES.rglob("*.html")
        for m in IMPORT.finditer(p.read_text())
        if m.group(1) in translating and "with context" not in m.group(0)
    ]

    assert not wrong


@pytest.mark.parametrize("locale", ["en", "ja"])
async def test_a_file_refused_for_its_size_is_refused_in_the_pages_language(locale, login, make_user):
    """Litestar refuses the body (413) while the route reads it, and its handler runs outside the request's
    context: the page was Japanese, the default, for an English user too. It speaks the user's language,
    whatever the browser's."""
    user = await make_user("rep", name="Misaki Suzuki" if locale == "en" else "鈴木 美咲", locale=locale)
    client = await login(user)
    client.headers["Accept-Language"] = "ja" if locale == "en" else "en"
    token = client.headers.pop("X-CSRFToken")

    huge = await client.post(
        "/accounts/import",
        data={"_csrf_token": token},
        files={"file": ("big.csv", b"x" * (import_uploads.MAX_UPLOAD_BYTES + 2 * 1024 * 1024))},
    )

    message = {"en": "The file is larger than 20 MB.", "ja": "ファイルが 20 MB を超えています。"}[locale]
    assert huge.status_code == 422 and message in huge.text
    assert not problems("/accounts/import (too large)", huge.text, locale)
