"""The feed's iCalendar writer: what a rep types (commas, semicolons, line breaks, long Japanese
titles) comes back exactly from two independent parsers (no database)."""

from datetime import UTC, date, datetime, timedelta

from salesdesk.calendar import ics
from salesdesk.calendar.feed import Item, render
from tests.calendar.feed_helpers import by_ical, by_vobject

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def item(**values) -> Item:
    base = dict(
        id=1, uid="u1@salesdesk", series_uid=None, title="電話", due_on=date(2027, 1, 5), starts_at=None,
        ends_at=None, status="open", notes="", sequence=3, reminder_minutes=None, recurrence=None, recurrence_id=None,
        created_at=NOW, updated_at=NOW, deal_id=None, deal_title=None, company_id=7, company_name="株式会社サンプル",
        owner_name="鈴木 美咲", owner_zone="Asia/Tokyo",
    )  # fmt: skip
    return Item(**(base | values))


def test_long_japanese_titles_fold_between_characters_and_special_characters_survive():
    title = "株式会社サンプル様向け、基幹システム刷新の提案書; 最終版を持参して訪問\\確認" * 2
    notes = "予算: 1,200万円;\n決裁者は部長\n\n次回: 来週"
    body = render([item(title=title, notes=notes)], name="テスト", base_url="https://crm.example.co.jp")

    assert all(len(line.encode()) <= 75 for line in body.decode().split("\r\n"))
    body.decode("utf-8")  # no character was cut in two
    for events in (by_vobject(body.decode()), by_ical(body.decode())):
        assert events["u1@salesdesk"]["summary"] == title
    assert notes in by_vobject(body.decode())["u1@salesdesk"]["description"]


def test_a_series_occurrence_is_named_by_its_series_uid():
    body = render(
        [item(series_uid="s1@salesdesk", recurrence="FREQ=MONTHLY;BYMONTHDAY=5")], name="x", base_url="https://x"
    ).decode()

    events = by_ical(body)
    assert list(events) == ["s1@salesdesk"]
    assert events["s1@salesdesk"]["occurrences"][:3] == [date(2027, 1, 5), date(2027, 2, 5), date(2027, 3, 5)]


def test_durations_are_written_as_rfc_5545_durations():
    assert [ics.duration(timedelta(minutes=m)) for m in (-10, 540, -900, 0, 90)] == [
        "-PT10M",
        "PT9H",
        "-PT15H",
        "PT0S",
        "PT1H30M",
    ]
