"""Demo accounts: fictional Japanese companies with departments, key persons and a history
of calls and visits, owned by the demo users. Deterministic and idempotent (a company that
exists by name is left alone)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import normalize as norm
from salesdesk.accounts import people, services, timeline
from salesdesk.accounts.forms import (
    ActivityInput,
    CompanyForm,
    DepartmentInput,
    PersonForm,
    parse_company,
    parse_person,
)
from salesdesk.accounts.models import ActivityKind, Company
from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.clock import Clock

# name, kana, industry, band, city (address, area code), owner email, tags
COMPANIES = [
    ("株式会社青葉精機", "アオバセイキ", "製造業", "300-999", 0, "rep@example.com", "重点,製造"),
    ("東邦ロジスティクス株式会社", "トウホウロジスティクス", "運輸・物流", "1000-4999", 0, "rep@example.com", "物流"),
    ("株式会社みなと食品", "ミナトショクヒン", "食品", "100-299", 1, "rep@example.com", "食品"),
    ("北斗システムズ株式会社", "ホクトシステムズ", "情報通信", "300-999", 0, "rep3@example.com", "IT,重点"),
    ("有限会社さくら印刷", "サクラインサツ", "印刷", "10-49", 0, "rep3@example.com", ""),
    ("株式会社ひかり電工", "ヒカリデンコウ", "電気機器", "1000-4999", 2, "rep2@example.com", "製造,重点"),
    ("浪速化学工業株式会社", "ナニワカガクコウギョウ", "化学", "300-999", 1, "rep2@example.com", "製造"),
    ("株式会社ミドリ建設", "ミドリケンセツ", "建設", "1000-4999", 1, "rep4@example.com", "建設"),
    ("合同会社クラウドブリッジ", "クラウドブリッジ", "情報通信", "10-49", 0, "rep3@example.com", "IT,スタートアップ"),
    ("株式会社つばさ商事", "ツバサショウジ", "卸売", "50-99", 2, "rep4@example.com", "商社"),
    ("医療法人社団 清和会", "セイワカイ", "医療", "300-999", 0, "rep@example.com", "医療"),
    ("株式会社富士見ホテルズ", "フジミホテルズ", "宿泊", "300-999", 3, "rep2@example.com", "サービス"),
    ("大和メディカル株式会社", "ヤマトメディカル", "医療機器", "100-299", 1, "rep4@example.com", "医療,重点"),
    ("株式会社かもめ不動産", "カモメフドウサン", "不動産", "50-99", 0, "rep3@example.com", ""),
    ("信濃エナジー株式会社", "シナノエナジー", "電力・ガス", "1000-4999", 3, "manager@example.com", "インフラ"),
]
SUBSIDIARIES = {  # parent name: [(name, kana, industry)]
    "株式会社青葉精機": [
        ("青葉精機販売株式会社", "アオバセイキハンバイ", "卸売"),
        ("株式会社青葉テクノサービス", "アオバテクノサービス", "サービス"),
    ],
}
CITIES = [
    ("東京都千代田区丸の内1-1-1", "03"),
    ("大阪府大阪市北区梅田2-2-2", "06"),
    ("愛知県名古屋市中村区名駅3-3-3", "052"),
    ("福岡県福岡市博多区博多駅前4-4-4", "092"),
]
DEPARTMENTS = [
    ("本社", None),
    ("情報システム部", "本社"),
    ("インフラ課", "情報システム部"),
    ("総務部", "本社"),
    ("購買部", "本社"),
    ("経営企画室", "本社"),
]
SURNAMES = [
    "佐々木",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "森",
    "池田",
]
SURNAME_KANA = [
    "ササキ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "ヨシダ",
    "ヤマダ",
    "マツモト",
    "イノウエ",
    "キムラ",
    "ハヤシ",
    "シミズ",
    "モリ",
    "イケダ",
]
SURNAME_ROMAJI = [
    "sasaki",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "matsumoto",
    "inoue",
    "kimura",
    "hayashi",
    "shimizu",
    "mori",
    "ikeda",
]
GIVEN = [
    ("健太", "ケンタ"),
    ("陽子", "ヨウコ"),
    ("誠", "マコト"),
    ("恵", "メグミ"),
    ("隆", "タカシ"),
    ("真理", "マリ"),
    ("浩二", "コウジ"),
    ("智子", "トモコ"),
]
# (department, title, buying role, stance)
ROLES = [
    ("本社", "代表取締役", "decision_maker", "neutral"),
    ("情報システム部", "部長", "approver", "supporter"),
    ("インフラ課", "課長", "champion", "supporter"),
    ("インフラ課", "主任", "user", "neutral"),
    ("購買部", "課長", "gatekeeper", "neutral"),
    ("経営企画室", "室長", "influencer", "opponent"),
    ("総務部", "係長", "blocker", "opponent"),
]
SUBJECTS = [
    ("call", "導入スケジュールの確認"),
    ("visit", "課題ヒアリング訪問"),
    ("meeting", "提案内容の打ち合わせ"),
    ("email", "資料送付のお礼"),
    ("note", "社内で予算取りが進んでいる模様"),
    ("inquiry", "操作方法についての問い合わせ"),
    ("call", "見積条件の確認"),
    ("visit", "定例訪問"),
]


def _corporate_number(seed: int) -> str:
    base = f"{seed:012d}"
    return f"{norm.corporate_number_check_digit(base)}{base}"


async def load(db: AsyncSession, users: dict[str, User], clock: Clock | None = None) -> int:
    """Create the demo accounts that do not exist yet; returns how many companies were made."""
    clock = clock or Clock()
    existing = set(await db.scalars(select(Company.name)))
    rng = random.Random(20261123)
    made = 0
    for index, (name, kana, industry, band, city, owner_email, tags) in enumerate(COMPANIES):
        if name in existing:
            continue
        owner = users[owner_email]
        set_actor(db, owner)
        address, area = CITIES[city]
        company = await services.create_company(
            db,
            owner,
            parse_company(
                CompanyForm(
                    name=name,
                    name_kana=kana,
                    corporate_number=_corporate_number(100_001_000_000 + index * 7919),
                    industry=industry,
                    employee_band=band,
                    fiscal_year_end_month=str(rng.choice([3, 3, 3, 12, 9])),
                    phone=f"{area}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                    address=address,
                    website=f"https://www.example-{index}.co.jp",
                    owner_id=str(owner.id),
                    tags=tags,
                    is_target="1" if "重点" in tags else "",
                    confirm_duplicate="1",
                )
            ),
        )
        await _people_and_history(db, owner, company, rng, area, full=index % 5 != 4, clock=clock)
        for sub_name, sub_kana, sub_industry in SUBSIDIARIES.get(name, []):
            await services.create_company(
                db,
                owner,
                parse_company(
                    CompanyForm(
                        name=sub_name,
                        name_kana=sub_kana,
                        industry=sub_industry,
                        parent_id=str(company.id),
                        owner_id=str(owner.id),
                        address=address,
                        confirm_duplicate="1",
                    )
                ),
            )
        made += 1
    return made


async def _people_and_history(
    db: AsyncSession, owner: User, company: Company, rng: random.Random, area: str, full: bool, clock: Clock
) -> None:
    departments = {}
    for dept_name, parent in DEPARTMENTS:
        parent_id = departments[parent].id if parent else None
        departments[dept_name] = await people.create_department(
            db, owner, company.id, DepartmentInput(name=dept_name, parent_id=parent_id)
        )
    persons = []
    roles = ROLES if full else ROLES[1:5]  # some accounts have no known decision maker yet
    for dept_name, title, role, stance in roles:
        i = rng.randrange(len(SURNAMES))
        given, given_kana = rng.choice(GIVEN)
        person = await people.create_person(
            db,
            owner,
            company.id,
            parse_person(
                PersonForm(
                    name=f"{SURNAMES[i]}\u3000{given}",
                    name_kana=f"{SURNAME_KANA[i]} {given_kana}",
                    department_id=str(departments[dept_name].id),
                    title=title,
                    buying_role=role,
                    stance=stance,
                    email=f"{SURNAME_ROMAJI[i]}.{len(persons) + 1}@example-{company.id}.co.jp",
                    phone=f"{area}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                    mobile=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                    confirm_duplicate="1",
                    reports_to_id=str(persons[0].id) if persons and role != "decision_maker" else "",
                )
            ),
            clock,
        )
        persons.append(person)
    now = clock.now()
    for _ in range(rng.randint(3, 9)):
        kind, subject = rng.choice(SUBJECTS)
        when = now - timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 8))
        picked = tuple(p.id for p in rng.sample(persons, k=min(len(persons), rng.randint(0, 2))))
        await timeline.add_activity(
            db,
            owner,
            company.id,
            ActivityInput(kind=ActivityKind(kind), subject=subject, occurred_at=when, person_ids=picked),
            clock=clock,
        )
