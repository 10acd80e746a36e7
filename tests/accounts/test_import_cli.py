"""`salesdesk import accounts` and `salesdesk export accounts`, run as a user runs them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk import migrate
from salesdesk.auth import services as auth
from salesdesk.db import run_async
from tests.test_cli import run

CSV = (
    "\r\n".join(
        [
            "会社名,法人番号,部署,担当者名,メールアドレス,最終対応日",
            "株式会社コマンド,6010001000001,本社 > 情報システム部,山田 太郎,yamada@command.jp,2024/12/10",
            "株式会社コマンド,,,鈴木 花子,suzuki@@command,",  # bad email: row 3
            ",,,佐藤 次郎,sato@command.jp,",  # no company: row 4
            "コマンド(株),,,高橋 三郎,takahashi@command.jp,R6.12.11",
        ]
    )
    + "\r\n"
)


def setup_database(url: str) -> None:
    """Migrated, with one admin (in-process: the commands under test are the ones run as a user would)."""
    migrate.upgrade(url)

    async def admin() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        async with AsyncSession(engine) as session:
            await auth.create_user(
                session,
                email="admin@example.test",
                name="管理者",
                role="admin",
                team_id=None,
                password="long-enough-pw",
            )
            await session.commit()
        await engine.dispose()

    run_async(admin())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_import_previews_then_commits_and_prints_one_json_object(fresh_database, backend, tmp_path):
    url = fresh_database(backend, "importcli")
    setup_database(url)
    path = tmp_path / "顧客.csv"
    path.write_bytes(CSV.encode("cp932"))

    preview = run(url, "import", "accounts", str(path), "--json")
    commit = run(url, "import", "accounts", str(path), "--json", "--commit")
    again = run(url, "import", "accounts", str(path), "--json")

    expected = {
        "companies": {"new": 1, "matched": 0},
        "persons": {"new": 2, "matched": 0},
        "invalid": [
            {"row": 3, "reason": "The email address suzuki@@command is not valid."},
            {"row": 4, "reason": "Person details without a company name."},
        ],
        "warnings": [],
    }
    assert preview.returncode == 0 and json.loads(preview.stdout) == expected
    assert commit.returncode == 0 and json.loads(commit.stdout) == expected
    assert json.loads(again.stdout)["companies"] == {"new": 0, "matched": 1}  # the commit was kept
    assert json.loads(again.stdout)["persons"] == {"new": 0, "matched": 2}


def test_import_with_a_mapping_file_a_summary_and_the_refusals(fresh_database, tmp_path):
    url = fresh_database("sqlite", "importcli2")
    setup_database(url)
    path = tmp_path / "list.csv"
    path.write_text("取引先,連絡先,備考欄\n株式会社マップ,山田 太郎,電話で挨拶\n", encoding="utf-8-sig")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"連絡先": "person.name", "備考欄": "memo"}, ensure_ascii=False), encoding="utf-8")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 8)

    mapped = run(url, "import", "accounts", str(path), "--mapping", str(mapping), "--json")
    summary = run(url, "import", "accounts", str(path), "--mapping", str(mapping), "--as", "admin@example.test")
    unreadable = run(url, "import", "accounts", str(garbage), "--json", check=False)
    nobody = run(url, "import", "accounts", str(path), "--as", "nobody@example.test", check=False)

    assert json.loads(mapped.stdout)["persons"] == {"new": 1, "matched": 0}
    assert summary.returncode == 0 and "1" in summary.stdout and "--commit" in summary.stdout
    assert unreadable.returncode != 0 and unreadable.stdout == ""
    assert "garbage.csv" in unreadable.stderr and "Shift_JIS" in unreadable.stderr
    assert nobody.returncode != 0 and "nobody@example.test" in nobody.stderr


def test_export_writes_files_that_import_back(fresh_database, tmp_path):
    url = fresh_database("sqlite", "exportcli")
    setup_database(url)
    source = tmp_path / "in.csv"
    source.write_bytes(CSV.encode("cp932"))
    run(url, "import", "accounts", str(source), "--commit")
    companies, persons = tmp_path / "companies.csv", tmp_path / "persons.xlsx"

    run(url, "export", "accounts", "--encoding", "cp932", "-o", str(companies))
    run(url, "export", "accounts", "--persons", "--format", "xlsx", "-o", str(persons))
    stdout = run(url, "export", "accounts", "--tag", "none-such")

    header, row = companies.read_bytes().decode("cp932").splitlines()
    # the 法人番号 is written as text for Excel (a leading apostrophe the import removes)
    assert header.startswith("会社名,フリガナ,法人番号,") and row.startswith("株式会社コマンド,,'6010001000001,")
    assert stdout.stdout.splitlines() == ["\ufeff" + header]  # UTF-8 with BOM by default; no company has that tag
    back = json.loads(run(url, "import", "accounts", str(persons), "--json").stdout)
    assert back == {
        "companies": {"new": 0, "matched": 1},
        "persons": {"new": 0, "matched": 2},
        "invalid": [],
        "warnings": [],
    }
