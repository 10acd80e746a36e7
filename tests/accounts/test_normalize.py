"""Matching keys (名寄せ): pure functions, no database."""

import pytest

from salesdesk.accounts import normalize as norm

# Each checked by hand with JAPAN.md's formula: check = 9 − (Σ Pn×Qn mod 9), Qn = 1 odd / 2 even from the right.
VALID_CORPORATE_NUMBERS = [
    "6010001000001",  # JAPAN.md's example
    "7000012050002",  # 国税庁
    "1180301018771",  # トヨタ自動車
    "4010001008772",
]


@pytest.mark.parametrize("number", VALID_CORPORATE_NUMBERS)
def test_a_real_corporate_number_passes_the_check_digit(number):
    assert norm.is_corporate_number(number)


def test_the_check_digit_of_the_japan_md_example_is_6():
    assert norm.corporate_number_check_digit("010001000001") == 6


@pytest.mark.parametrize(
    "number",
    [
        "5010001000001",  # wrong check digit
        "7010001000001",  # wrong check digit
        "601000100000",  # 12 digits
        "60100010000011",  # 14 digits
        "601000100000A",  # a letter
        "",
    ],
)
def test_a_mistyped_corporate_number_fails(number):
    assert not norm.is_corporate_number(number)


def test_full_width_digits_fail_until_cleaned_then_pass():
    typed = "６０１０００１０００００１"

    assert not norm.is_corporate_number(typed)
    assert norm.is_corporate_number(norm.clean_corporate_number(typed))


def test_a_corporate_number_pasted_with_hyphens_and_spaces_is_cleaned_to_its_digits():
    assert norm.clean_corporate_number(" 6-0100-0100-0001 ") == "6010001000001"


@pytest.mark.parametrize(
    "name",
    [
        "株式会社サンプル",
        "サンプル株式会社",
        "(株)サンプル",
        "（株）サンプル",
        "㈱サンプル",
        "サンプル㈱",
        "ｻﾝﾌﾟﾙ",
        "株式会社 サンプル",
        "株式会社\u3000サンプル",
        "サン\u3000プル",
        "有限会社サンプル",
        "(有)サンプル",
        "㈲サンプル",
        "合同会社サンプル",
    ],
)
def test_a_japanese_company_name_variant_gives_the_key_of_the_bare_name(name):
    assert norm.company_key(name) == norm.company_key("サンプル") == "サンプル"


def test_mae_kabu_and_ato_kabu_give_the_same_key():
    assert norm.company_key("株式会社サンプル商事") == norm.company_key("サンプル商事株式会社")


def test_full_width_latin_gives_the_key_of_half_width():
    assert norm.company_key("ＡＢＣ商事") == norm.company_key("ABC商事") == norm.company_key("abc商事")


@pytest.mark.parametrize(
    "name", ["Sample Co., Ltd.", "SAMPLE INC.", "Sample K.K.", "sample", "Ｓａｍｐｌｅ　Ｃｏｒｐ．"]
)
def test_an_english_legal_suffix_and_case_are_ignored(name):
    assert norm.company_key(name) == "sample"


@pytest.mark.parametrize("name", ["Cisco", "Costco", "Zinc", "Tesco"])
def test_a_name_that_merely_ends_in_co_or_inc_keeps_its_letters(name):
    assert norm.company_key(name) == name.casefold()


@pytest.mark.parametrize(
    "typed",
    [
        "03-1234-5678",
        "０３（１２３４）５６７８",
        "0312345678",
        "+81 3 1234 5678",
        "+81 (0)3-1234-5678",
        "03(1234)5678",
        "03 1234 5678",
        "＋８１－３－１２３４－５６７８",
    ],
)
def test_every_way_of_typing_a_tokyo_number_gives_its_domestic_digits(typed):
    assert norm.phone_digits(typed) == "0312345678"


@pytest.mark.parametrize("typed", ["090-1234-5678", "+81 90 1234 5678", "０９０−１２３４−５６７８"])
def test_a_mobile_number_gives_its_eleven_domestic_digits(typed):
    assert norm.phone_digits(typed) == "09012345678"


def test_a_phone_like_query_is_recognised_and_a_name_is_not():
    assert norm.looks_like_phone("０３（１２３４）５６７８")
    assert norm.looks_like_phone("０３\u2212１２３４\u2212５６７８")  # − (minus sign) from macOS IMEs
    assert norm.looks_like_phone("03ー1234ー5678")
    assert not norm.looks_like_phone("サンプル")
    assert not norm.looks_like_phone("taro@example.jp")


def test_hiragana_becomes_katakana():
    assert norm.katakana("やまだ たろう") == "ヤマダ タロウ"


def test_half_width_kana_becomes_full_width():
    assert norm.katakana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダ タロウ"


def test_the_kana_key_drops_spaces_and_middle_dots_and_reads_hiragana_as_katakana():
    assert norm.kana_key("やまだ　たろう") == norm.kana_key("ﾔﾏﾀﾞ・ﾀﾛｳ") == "ヤマダタロウ"


def test_the_kana_key_drops_bank_style_legal_forms():
    assert norm.kana_key("ｶ)ｻﾝﾌﾟﾙ") == norm.kana_key("カブシキガイシャ サンプル") == "サンプル"


def test_an_email_key_is_lower_case_and_half_width():
    assert norm.email_key(" Taro.Yamada@Example.JP ") == "taro.yamada@example.jp"
    assert norm.email_key("ｔａｒｏ@example.jp") == "taro@example.jp"


def test_suffixes_of_a_key_let_a_prefix_search_find_a_middle_part():
    assert "商事" in norm.suffixes("サンプル商事")
    assert "サンプル商事" in norm.suffixes("サンプル商事")
