"""N営業日後 skips weekends, Japan's public holidays (from the `holidays` package) and the company's
closure days: 年末年始 by default, お盆 when the admin chooses it, and any day they add."""

from datetime import date

import pytest

from salesdesk.calendar.business_days import BusinessCalendar, parse_business_days, public_holiday

DEFAULT = BusinessCalendar()


def test_three_business_days_after_a_friday_is_the_wednesday_after():
    assert DEFAULT.add(date(2026, 11, 6), 3) == date(2026, 11, 11)


def test_golden_week_2027_is_skipped_with_its_holidays_and_weekend():
    # 4/29 (木) 昭和の日; 4/30 (金) is a working day; 5/1–5/2 weekend; 5/3–5/5 憲法記念日・みどりの日・こどもの日
    assert DEFAULT.add(date(2027, 4, 28), 1) == date(2027, 4, 30)
    assert DEFAULT.add(date(2027, 4, 28), 2) == date(2027, 5, 6)
    assert DEFAULT.add(date(2027, 4, 30), 1) == date(2027, 5, 6)
    assert [name for _, name in DEFAULT.days_off(date(2027, 4, 26), date(2027, 5, 7))] == [
        "昭和の日",
        "憲法記念日",
        "みどりの日",
        "こどもの日",
    ]


def test_a_substitute_holiday_in_golden_week_is_a_holiday_too():
    # 2026: 5/3 (日) 憲法記念日 -> 5/6 (水) 振替休日
    assert public_holiday(date(2026, 5, 6)) == "振替休日"
    assert DEFAULT.add(date(2026, 5, 1), 1) == date(2026, 5, 7)


def test_year_end_closure_runs_from_12_29_to_1_3_by_default():
    # 2026/12/28 (月) is the last working day; 12/29–1/3 closed; 1/4 (月) opens
    assert DEFAULT.add(date(2026, 12, 28), 1) == date(2027, 1, 4)
    assert DEFAULT.add(date(2026, 12, 25), 2) == date(2027, 1, 4)
    assert DEFAULT.add(date(2027, 1, 4), -1) == date(2026, 12, 28)


def test_without_the_year_end_closure_only_new_years_day_is_a_holiday():
    open_over_new_year = BusinessCalendar(closes_year_end=False)

    assert open_over_new_year.add(date(2026, 12, 28), 1) == date(2026, 12, 29)
    assert open_over_new_year.add(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1/1 元日, then a weekend


def test_obon_is_no_public_holiday_but_a_closure_when_the_admin_says_so():
    # 2027/8/11 (水) 山の日; 8/13 (金), 8/16 (月) are working days unless お盆 is closed
    assert DEFAULT.add(date(2027, 8, 12), 1) == date(2027, 8, 13)
    assert BusinessCalendar(closes_obon=True).add(date(2027, 8, 12), 1) == date(2027, 8, 17)


def test_a_day_the_admin_closes_is_skipped():
    founding_day = BusinessCalendar(closed_days=frozenset({date(2027, 6, 1)}))

    assert founding_day.add(date(2027, 5, 31), 1) == date(2027, 6, 2)


def test_zero_business_days_is_the_day_itself_or_the_next_business_day():
    assert DEFAULT.add(date(2027, 5, 6), 0) == date(2027, 5, 6)
    assert DEFAULT.add(date(2027, 5, 3), 0) == date(2027, 5, 6)
    assert DEFAULT.on_or_before(date(2027, 5, 5)) == date(2027, 4, 30)


@pytest.mark.parametrize(
    ("typed", "days"),
    [("3", 3), ("3営業日後", 3), ("３営業日後", 3), ("10 営業日", 10), ("5 business days", 5), ("2bd", 2), ("", None)],
)
def test_business_days_are_read_as_users_type_them(typed, days):
    assert parse_business_days(typed) == days


@pytest.mark.parametrize("typed", ["0", "-1", "三営業日後", "3日後", "999"])
def test_other_input_is_refused(typed):
    with pytest.raises(ValueError):
        parse_business_days(typed)
