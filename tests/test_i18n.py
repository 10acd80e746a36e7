from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from salesdesk.i18n import current_locale, current_time_zone, fmt_date, fmt_datetime, pick_locale, yen


def test_yen_is_grouped_integer_yen():
    assert yen(1234567) == "¥1,234,567"
    assert yen(-500) == "-¥500"


def test_japanese_dates_have_the_weekday_and_english_dates_read_naturally():
    current_locale.set("ja")
    assert fmt_date(date(2026, 11, 23)) == "2026/11/23(月)"
    current_locale.set("en")
    assert fmt_date(date(2026, 11, 23)) == "Nov 23, 2026 (Mon)"
    current_locale.set("ja")


def test_utc_times_are_shown_in_tokyo_unless_the_user_chose_another_zone():
    moment = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    current_locale.set("ja")
    current_time_zone.set("Asia/Tokyo")
    assert fmt_datetime(moment) == "2026/11/24(火) 00:30"
    current_time_zone.set("Europe/London")
    assert fmt_datetime(moment) == "2026/11/23(月) 15:30"
    current_time_zone.set("Asia/Tokyo")


def test_browser_language_picks_a_supported_locale_and_defaults_to_japanese():
    assert pick_locale(None, "en-US,en;q=0.9") == "en"
    assert pick_locale(None, "fr-FR") == "ja"
    assert pick_locale("en", "ja") == "en"


def test_a_plural_message_in_a_template_may_carry_more_placeholders_than_num(app):
    template = app.template_engine.engine.from_string(
        '{{ ngettext("%(num)d deal at %(company)s", "%(num)d deals at %(company)s", 3, company="株式会社サンプル") }}'
    )

    assert template.render() == "3 deals at 株式会社サンプル"


def test_date_times_read_as_cldrs_patterns_would_write_them_in_every_zone_and_language():
    from babel.dates import format_datetime

    patterns = {"ja": "yyyy/MM/dd(E) HH:mm", "en": "MMM d, yyyy h:mm a"}  # what the lists and timelines show
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [
        start + timedelta(minutes=37 * n) for n in range(0, 60 * 24 * 400 // 37, 29)
    ]  # every hour, both DST changes
    try:
        for zone in ("Asia/Tokyo", "Europe/London", "America/New_York"):
            current_time_zone.set(zone)
            for locale, pattern in patterns.items():
                current_locale.set(locale)
                for moment in moments:
                    cldr = format_datetime(moment, pattern, tzinfo=ZoneInfo(zone), locale=locale)
                    assert fmt_datetime(moment) == cldr
    finally:
        current_locale.set("ja")
        current_time_zone.set("Asia/Tokyo")
