"""Demo data: a believable Japanese B2B sales team. Idempotent: users and teams are
matched by email and name, so running it again changes nothing.

Later domains (accounts, deals, tasks, quotes) add their part of the story here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts import demo as accounts_demo
from salesdesk.auth import services as auth
from salesdesk.auth.models import Role, Team, User
from salesdesk.pipeline import demo as pipeline_demo

DEMO_PASSWORD = "salesdesk-demo"

TEAMS = ("東日本営業部", "西日本営業部")


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    team: str | None


USERS = (
    DemoUser("admin@example.com", "管理者 太郎", Role.admin, None),
    DemoUser("manager@example.com", "佐藤 健一", Role.manager, "東日本営業部"),
    DemoUser("rep@example.com", "鈴木 美咲", Role.rep, "東日本営業部"),
    DemoUser("rep2@example.com", "高橋 大輔", Role.rep, "西日本営業部"),
    DemoUser("rep3@example.com", "田中 由美", Role.rep, "東日本営業部"),
    DemoUser("rep4@example.com", "伊藤 翔太", Role.rep, "西日本営業部"),
    DemoUser("manager2@example.com", "渡辺 直樹", Role.manager, "西日本営業部"),
)


async def load(db: AsyncSession) -> dict[str, int]:
    created = {"teams": 0, "users": 0}
    teams: dict[str, Team] = {}
    for name in TEAMS:
        team = await db.scalar(select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name)
            db.add(team)
            created["teams"] += 1
        teams[name] = team
    await db.flush()
    users: dict[str, User] = {}
    for spec in USERS:
        user = await db.scalar(select(User).where(User.email == spec.email))
        if user is None:
            user = await auth.create_user(
                db,
                email=spec.email,
                name=spec.name,
                role=spec.role,
                team_id=teams[spec.team].id if spec.team else None,
                password=DEMO_PASSWORD,
            )
            created["users"] += 1
        users[spec.email] = user
    for team_name, manager_email in (("東日本営業部", "manager@example.com"), ("西日本営業部", "manager2@example.com")):
        if teams[team_name].manager_id is None:
            teams[team_name].manager_id = users[manager_email].id
    await db.flush()
    created["companies"] = await accounts_demo.load(db, users)
    created["deals"] = await pipeline_demo.load(db, users)
    return created


def logins_text() -> str:
    lines = ["Demo logins (password: salesdesk-demo):"]
    for spec in USERS[:4]:
        lines.append(f"  {spec.email:<22} {spec.role.value:<8} {spec.team or ''}")
    return "\n".join(lines)
