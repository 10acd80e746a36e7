"""What users type for amounts, dates and probabilities, and the fiscal calendar (no database)."""

from datetime import date, time

import pytest

from salesdesk.pipeline import fiscal
from salesdesk.pipeline.forms import parse_date, parse_percent, parse_time, parse_yen


@pytest.mark.parametrize(
    ("typed", "yen"),
    [
        ("1200000", 1_200_000),
        ("1,200,000", 1_200_000),
        ("¥1,200,000", 1_200_000),
        ("￥１，２００，０００", 1_200_000),
        ("1200000円", 1_200_000),
        ("120万", 1_200_000),
        ("120万円", 1_200_000),
        ("1.5億", 150_000_000),
        ("2.5万", 25_000),
        ("12.34万", 123_400),
        ("300千", 300_000),
        (" 5 ", 5),
        ("", None),
        ("   ", None),
    ],
)
def test_amounts_are_read_as_integer_yen_however_they_are_typed(typed, yen):
    assert parse_yen(typed) == yen


@pytest.mark.parametrize("typed", ["-5", "1.5", "1.23456万", "abc", "1,2,3x", "1e6", "10000000000000"])
def test_amounts_that_are_not_whole_positive_yen_are_refused(typed):
    with pytest.raises(ValueError):
        parse_yen(typed)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-12-10", date(2026, 12, 10)),
        ("2026/12/10", date(2026, 12, 10)),
        ("２０２６／１２／１０", date(2026, 12, 10)),
        ("2026年12月10日", date(2026, 12, 10)),
        ("令和8年12月10日", date(2026, 12, 10)),
        ("", None),
    ],
)
def test_dates_are_read_in_the_usual_japanese_forms(typed, day):
    assert parse_date(typed) == day


@pytest.mark.parametrize("typed", ["2026-02-30", "来月", "12/10"])
def test_a_typed_non_date_is_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_times_and_probabilities():
    assert parse_time("14:30") == time(14, 30) and parse_time("9時05分") == time(9, 5) and parse_time("") is None
    assert parse_percent("40") == 40 and parse_percent("４０％") == 40 and parse_percent("") is None
    for bad_time in ("25:00", "1430"):
        with pytest.raises(ValueError):
            parse_time(bad_time)
    with pytest.raises(ValueError):
        parse_percent("101")


def test_an_april_fiscal_year_is_named_by_the_year_it_starts():
    assert fiscal.fiscal_year(date(2027, 3, 31), 4) == 2026
    assert fiscal.fiscal_year(date(2027, 4, 1), 4) == 2027
    assert fiscal.year_range(2026, 4) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal.months(2026, 4)[0] == date(2026, 4, 1) and fiscal.months(2026, 4)[-1] == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("day", "start", "number", "first", "last"),
    [
        (date(2026, 4, 1), 4, 1, date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 11, 24), 4, 3, date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 2, 28), 4, 4, date(2027, 1, 1), date(2027, 3, 31)),
        (date(2026, 11, 24), 1, 4, date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 2, 1), 10, 2, date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_quarters_follow_the_fiscal_year_start(day, start, number, first, last):
    assert fiscal.quarter(day, start) == number
    assert fiscal.quarter_range(day, start) == (first, last)
