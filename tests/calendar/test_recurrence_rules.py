"""定例 rules: what the form's choices are as RRULEs, and which occurrence comes next (no database)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from salesdesk.calendar.recurrence import Repeat, build_rule, next_slot, repeat_of

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("repeat", "first", "rule"),
    [
        (Repeat.weekly, date(2027, 1, 5), "FREQ=WEEKLY;BYDAY=TU"),
        (Repeat.biweekly, date(2027, 1, 8), "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        (Repeat.monthly, date(2027, 1, 15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (Repeat.monthly_weekday, date(2027, 1, 12), "FREQ=MONTHLY;BYDAY=+2TU"),
        (Repeat.monthly_weekday, date(2027, 1, 29), "FREQ=MONTHLY;BYDAY=-1FR"),
    ],
)
def test_each_choice_is_an_rrule_anchored_on_the_first_day(repeat, first, rule):
    assert build_rule(repeat, first, until=None, at=None, zone=TOKYO) == rule
    assert repeat_of(rule) == (repeat, None)


def test_an_end_date_is_a_date_for_all_day_series_and_utc_for_timed_ones():
    assert build_rule(Repeat.weekly, date(2027, 1, 5), until=date(2027, 3, 30), at=None, zone=TOKYO).endswith(
        "UNTIL=20270330"
    )
    timed = build_rule(Repeat.weekly, date(2027, 1, 5), until=date(2027, 3, 30), at=time(10), zone=TOKYO)
    assert timed.endswith("UNTIL=20270330T145959Z")  # 23:59:59 in Tokyo
    assert repeat_of(timed) == (Repeat.weekly, date(2027, 3, 30))


def test_the_next_weekly_meeting_is_a_week_later_at_the_same_tokyo_time():
    found = next_slot("FREQ=WEEKLY;BYDAY=TU", "2027-01-05T10:00", TOKYO, not_before=date(2027, 1, 5))

    assert found == datetime(2027, 1, 12, 10, 0, tzinfo=TOKYO)


def test_the_last_friday_of_the_month_stays_the_last():
    assert next_slot("FREQ=MONTHLY;BYDAY=-1FR", "2027-01-29", TOKYO, not_before=date(2027, 1, 29)) == date(2027, 2, 26)


def test_completing_a_long_overdue_occurrence_schedules_the_next_one_from_today():
    found = next_slot("FREQ=WEEKLY;BYDAY=TU", "2027-01-05", TOKYO, not_before=date(2027, 2, 3))

    assert found == date(2027, 2, 9)


def test_a_series_past_its_end_date_has_no_next_occurrence():
    assert next_slot("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270110", "2027-01-05", TOKYO, not_before=date(2027, 1, 5)) is None
    timed = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270110T145959Z"
    assert next_slot(timed, "2027-01-05T10:00", TOKYO, not_before=date(2027, 1, 5)) is None
