"""What the account forms accept: web addresses, フリガナ, a parent company picked by name."""

from __future__ import annotations

import pytest

from salesdesk.errors import Invalid
from tests.accounts.conftest import new_company, new_person


@pytest.mark.parametrize("typed", ["not a url", "ftp://files.example.jp", "javascript:alert(1)", "https://", "例"])
def test_a_website_that_is_no_web_address_is_refused(typed):
    with pytest.raises(Invalid) as error:
        new_company(name="株式会社青空商事", website=typed)

    assert error.value.errors == {"website": "website.invalid"}


def test_a_website_typed_without_a_scheme_is_saved_as_https():
    assert new_company(name="株式会社青空商事", website="www.aozora.co.jp").website == "https://www.aozora.co.jp"


@pytest.mark.parametrize("typed", ["kana123", "Aozora", "青空"])
def test_a_kana_with_letters_digits_or_kanji_is_refused_on_companies_and_persons(typed):
    with pytest.raises(Invalid) as company_error:
        new_company(name="株式会社青空商事", name_kana=typed)
    with pytest.raises(Invalid) as person_error:
        new_person(name="山田 太郎", name_kana=typed)

    assert company_error.value.errors == person_error.value.errors == {"name_kana": "kana.invalid"}


KANA_AS_TYPED = ["アオゾラショウジ", "あおぞら しょうじ", "ｱｵｿﾞﾗ", "エー・ビー・シー　ショウジ", "メーカー"]


@pytest.mark.parametrize("typed", KANA_AS_TYPED)
def test_kana_in_katakana_hiragana_with_spaces_and_long_marks_is_accepted(typed):
    assert new_company(name="株式会社青空商事", name_kana=typed).name_kana
