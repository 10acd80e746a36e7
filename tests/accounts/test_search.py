"""The header search: companies and persons by name, kana, email or phone, in any way they are typed."""

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from salesdesk.accounts import search, services
from salesdesk.accounts.search import matching_ids
from tests.accounts.conftest import company_edit


@pytest.fixture
async def yamada(rep, make_company, make_person):
    company = await make_company(rep, "株式会社サンプル商事", name_kana="サンプルショウジ")
    await make_company(rep, "ベツ物産株式会社", name_kana="ベツブッサン")
    return await make_person(
        rep,
        company,
        "山田\u3000太郎",
        name_kana="ヤマダ タロウ",
        phone="03-1234-5678",
        email="Taro.Yamada@sample.co.jp",
    )


async def found(db, actor, q) -> tuple[list[str], list[str]]:
    results = await search.search(db, actor, q)
    return [c.name for c in results.companies], [p.name for p in results.persons]


PHONE_AS_TYPED = [
    "03-1234-5678",
    "０３（１２３４）５６７８",
    "0312345678",
    "+81 3 1234 5678",
    "+81 (0)3-1234-5678",
    "03(1234)5678",
    "０３−１２３４−５６７８",
]  # the last with U+2212, as macOS IMEs type it


@pytest.mark.parametrize("q", PHONE_AS_TYPED)
async def test_rep_finds_a_person_by_phone_however_it_is_typed(db, rep, yamada, q):
    assert (await found(db, rep, q))[1] == ["山田\u3000太郎"]


@pytest.mark.parametrize("q", ["やまだ", "ヤマダ", "たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう"])
async def test_rep_finds_a_person_by_kana_in_hiragana_or_katakana(db, rep, yamada, q):
    assert (await found(db, rep, q))[1] == ["山田\u3000太郎"]


async def test_rep_finds_a_person_by_name_without_the_space(db, rep, yamada):
    assert (await found(db, rep, "山田太郎"))[1] == ["山田\u3000太郎"]


async def test_rep_finds_a_person_by_email_in_any_case(db, rep, yamada):
    assert (await found(db, rep, "taro.yamada@SAMPLE.co.jp"))[1] == ["山田\u3000太郎"]


@pytest.mark.parametrize("q", ["(株)サンプル", "株式会社サンプル", "サンプル", "商事", "さんぷる", "ｻﾝﾌﾟﾙ"])
async def test_rep_finds_a_company_by_a_legal_form_variant_a_middle_part_or_its_kana(db, rep, yamada, q):
    assert (await found(db, rep, q))[0] == ["株式会社サンプル商事"]


async def test_a_search_for_something_nobody_has_finds_nothing(db, rep, yamada):
    assert not await search.search(db, rep, "存在しない会社")


async def test_a_renamed_company_is_found_by_its_new_name_only(db, rep, make_company):
    company = await make_company(rep, "旧社名株式会社")
    await services.update_company(db, rep, company.id, company_edit(company, name="新社名株式会社"))

    assert (await found(db, rep, "新社名"))[0] == ["新社名株式会社"]
    assert (await found(db, rep, "旧社名"))[0] == []


async def test_the_search_is_a_range_scan_on_the_term_index(db, rep, yamada):
    query = matching_ids("やまだ", "person")
    backend = db.bind.dialect.name

    if backend == "sqlite":
        sql = query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        plan = " ".join(row[-1] for row in await db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "USING INDEX ix_search_terms_term (term>? AND term<?)" in plan, plan
    else:
        assert backend == "postgresql"
        assert list(await db.scalars(query)) == [yamada.id]


async def test_a_company_with_a_very_long_name_is_found_by_its_full_name(db, rep, make_company):
    name = "株式会社" + "東日本先端情報通信技術研究開発推進機構" * 3  # 57 characters after the legal form
    await make_company(rep, name)

    assert (await found(db, rep, name))[0] == [name]


async def test_a_company_with_a_very_long_name_is_found_by_the_end_of_its_name(db, rep, make_company):
    name = "株式会社" + "東日本先端情報通信技術研究開発推進機構" * 2 + "北海道支社"
    await make_company(rep, name)

    assert (await found(db, rep, "北海道支社"))[0] == [name]


async def test_rep_finds_a_person_by_part_of_the_email_domain(db, rep, make_company, make_person):
    company = await make_company(rep, "青葉精機株式会社")
    await make_person(rep, company, "佐藤 一郎", email="sato@test-seiko.example.jp")

    assert (await found(db, rep, "test-seiko"))[1] == ["佐藤 一郎"]


async def test_rep_finds_a_company_and_person_by_the_last_eight_digits_of_their_phone(
    db, rep, make_company, make_person
):
    company = await make_company(rep, "青葉精機株式会社", phone="03-1234-5678")
    await make_person(rep, company, "佐藤 一郎", mobile="090-1234-5678")

    assert await found(db, rep, "1234-5678") == (["青葉精機株式会社"], ["佐藤 一郎"])
