"""The consumption tax of a quote: per rate the sum of the lines, taxed and rounded once."""

from decimal import Decimal

import pytest

from salesdesk.quotes.tax import (
    Line,
    Rounding,
    TaxCategory,
    clean_registration_number,
    discount_share,
    is_registration_number,
    line_amount,
    round_yen,
    totals,
)

STANDARD, REDUCED, EXEMPT = TaxCategory.standard, TaxCategory.reduced, TaxCategory.exempt


def line(price: int, category: TaxCategory = STANDARD, quantity: str = "1", **discount) -> Line:
    return Line(Decimal(quantity), price, category, **discount)


def by_category(result) -> dict[str, tuple[int, int, int]]:
    return {c.tax_category.value: (c.rate_percent, c.subtotal_jpy, c.tax_jpy) for c in result.by_category}


def test_12345_yen_at_10_percent_rounded_half_up_is_1235_yen_of_tax():
    assert totals([line(12_345)], Rounding.half_up).tax_jpy == 1_235
    assert totals([line(12_345)], Rounding.floor).tax_jpy == 1_234
    assert totals([line(12_345)], Rounding.ceil).tax_jpy == 1_235


# Three lines of ¥105 at 10% (¥10.5 of tax each) and three of ¥1,005 at 8% (¥80.4 each): rounding
# each line's tax would give another figure in every mode than rounding each rate's sum once.
MIXED = [line(105), line(105), line(105), line(1_005, REDUCED), line(1_005, REDUCED), line(1_005, REDUCED)]


@pytest.mark.parametrize(
    ("rounding", "standard_tax", "reduced_tax", "per_line_standard", "per_line_reduced"),
    [
        (Rounding.floor, 31, 241, 30, 240),  # 31.5 → 31, 241.2 → 241 (per line: 3 × 10, 3 × 80)
        (Rounding.half_up, 32, 241, 33, 240),  # 31.5 → 32, 241.2 → 241 (per line: 3 × 11, 3 × 80)
        (Rounding.ceil, 32, 242, 33, 243),  # 31.5 → 32, 241.2 → 242 (per line: 3 × 11, 3 × 81)
    ],
)
def test_tax_is_rounded_once_per_rate_never_per_line(
    rounding, standard_tax, reduced_tax, per_line_standard, per_line_reduced
):
    result = totals(MIXED, rounding)

    assert by_category(result) == {"standard": (10, 315, standard_tax), "reduced": (8, 3_015, reduced_tax)}
    assert (result.subtotal_jpy, result.tax_jpy) == (3_330, standard_tax + reduced_tax)
    assert result.total_jpy == 3_330 + standard_tax + reduced_tax
    per_line = {
        rate: sum(round_yen(Decimal(x.unit_price_jpy) * rate / 100, rounding) for x in MIXED if x.tax_category == c)
        for rate, c in ((10, STANDARD), (8, REDUCED))
    }
    assert per_line == {10: per_line_standard, 8: per_line_reduced}
    assert (per_line[10], per_line[8]) != (standard_tax, reduced_tax)


def test_tax_included_prices_take_the_included_tax_of_each_rates_sum():
    result = totals([line(13_582), line(13_582)], Rounding.floor, prices_include_tax=True)

    assert by_category(result) == {"standard": (10, 24_695, 2_469)}
    assert (result.subtotal_jpy, result.tax_jpy, result.total_jpy) == (24_695, 2_469, 27_164)


def test_tax_included_prices_of_two_rates_are_split_per_rate():
    result = totals([line(11_000), line(10_800, REDUCED), line(5_000, EXEMPT)], prices_include_tax=True)

    assert by_category(result) == {
        "standard": (10, 10_000, 1_000),
        "reduced": (8, 10_000, 800),
        "exempt": (0, 5_000, 0),
    }
    assert result.total_jpy == 26_800


def test_a_percentage_line_discount_comes_off_the_lines_amount_before_tax():
    discounted = line(10_000, quantity="3", discount_percent=Decimal("10"))

    assert line_amount(discounted, Rounding.floor) == 27_000
    assert totals([discounted]).tax_jpy == 2_700


def test_an_amount_line_discount_comes_off_the_lines_amount():
    assert line_amount(line(1_000, quantity="2", discount_jpy=500), Rounding.floor) == 1_500


def test_a_discount_line_lowers_its_rates_sum_and_so_its_tax():
    result = totals([line(100_000), line(2_000, REDUCED, quantity="10"), line(-5_000)], Rounding.floor)

    assert by_category(result) == {"standard": (10, 95_000, 9_500), "reduced": (8, 20_000, 1_600)}
    assert result.total_jpy == 126_100


def test_decimal_quantities_are_rounded_to_the_yen_by_the_quotes_rounding():
    half_hour_more = line(3_333, quantity="1.5")  # ¥4,999.5

    assert line_amount(half_hour_more, Rounding.floor) == 4_999
    assert line_amount(half_hour_more, Rounding.half_up) == 5_000
    assert line_amount(line(3_333, quantity="0.25"), Rounding.ceil) == 834


def test_a_quote_of_100000_yen_is_110000_with_10000_of_tax():
    result = totals([line(100_000)])

    assert (result.subtotal_jpy, result.tax_jpy, result.total_jpy) == (100_000, 10_000, 110_000)
    assert result.as_json() == {
        "by_category": [{"tax_category": "standard", "rate_percent": 10, "subtotal_jpy": 100_000, "tax_jpy": 10_000}],
        "subtotal_jpy": 100_000,
        "tax_jpy": 10_000,
        "total_jpy": 110_000,
    }


def test_the_discount_share_counts_line_discounts_and_discount_lines():
    lines = [line(100_000, discount_percent=Decimal("10")), line(-5_000)]

    assert discount_share(lines, Rounding.floor) == Decimal("15.00")
    assert discount_share([line(1_000)], Rounding.floor) == 0


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("T6010001000001", True),  # T + the 法人番号 of JAPAN.md's example
        ("t6-0100-0100-0001", True),
        ("Ｔ６０１０００１０００００１", True),
        ("T6010001000002", False),  # wrong check digit
        ("6010001000001", False),  # no T
        ("T601000100000", False),  # 12 digits
        ("X6010001000001", False),
    ],
)
def test_a_registration_number_is_t_and_a_valid_corporate_number(typed, valid):
    assert is_registration_number(clean_registration_number(typed)) is valid
