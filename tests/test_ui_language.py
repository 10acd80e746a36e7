"""Every page and form as a user reads it, in English and in Japanese: no code shows through (a snake_case
value like decision_maker, a msgid-shaped key like parent.unknown), and no label, heading, button or choice
is left in the other language. A property over the route list (the route matrix's GET pages), so a page
added later is checked too; names and data (companies, persons, stages) are left out by where they stand."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.matrix_data import matrix_account
from tests.test_route_matrix import RULES

CODE = re.compile(r"(?<![\w@./:-])([a-z]+(?:_[a-z]+)+|[a-z]+\.[a-z_]+(?:\.[a-z_]+)*)(?![\w@/-])")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z][A-Za-z]{2,}\b")
ALLOWED_LATIN = {"salesdesk", "Excel", "CSV", "PDF", "URL", "API", "Web", "xlsx", "e.g", "English", "日本語"}
DATA_CLASSES = re.compile(r"person-picks|org-|dept-list|user-menu|lang")  # names and data, not the UI's words
# The areas this property covers: the account pages. Another area joins by adding its prefix once its pages
# pass (the admin audit log, for one, still shows raw column names).
AREAS = ("/accounts", "/persons", "/activities", "/search")
LABELS = {"label", "th", "button", "legend", "summary", "h2", "h3", "option", "dt"}
DATA_SELECTS = re.compile(r"(_id|_ids|owner|company|stage|pipeline|team|user|tag|industry|view)$")
SKIP = re.compile(r"^/(api/|static/|lang/|logout|healthz)|export|\.pdf|\.ics|\.csv|\.xlsx|/calendar/feed")


class Visible(HTMLParser):
    """The text a user sees, and separately the texts that are the UI's own words (labels, headings,
    buttons, the choices of non-data selects, placeholders and titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.labels: list[str] = []
        self.select_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "select":
            self.select_name = values.get("name", "")
        for attr in ("placeholder", "title", "aria-label"):
            if values.get(attr):
                self.labels.append(values[attr])
                self.texts.append(values[attr])
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


def pages(account: dict[str, int], rep_id: int) -> list[str]:
    ids = {"user": rep_id, "team": 0} | account
    urls = []
    for (method, path), rule in RULES.items():
        if method == "GET" and rule.expect.get("admin") == 200 and path.startswith(AREAS) and not SKIP.search(path):
            urls.append((rule.url or path).format(**ids))
    return sorted(set(urls))


def problems(url: str, text: str, locale: str) -> list[str]:
    page = Visible()
    page.feed(text)
    found = [f"{url}: code {m!r}" for t in page.texts for m in CODE.findall(t) if m not in ALLOWED_LATIN]
    found += [
        f"{url}: code {t!r}"
        for t in page.texts
        if re.fullmatch(r"[a-z]+(?:_[a-z]+)*", t) and len(t) > 3 and t not in ALLOWED_LATIN
    ]
    for label in page.labels:
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
    client = await login(admin)

    found = []
    for url in pages(account, rep.id):
        r = await client.get(url)
        if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html"):
            found += problems(url, r.text, locale)

    assert not found, "\n".join(sorted(set(found)))
