from datetime import UTC, date, datetime

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
