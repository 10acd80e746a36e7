from sqlalchemy import select

from salesdesk.auth.models import Team, User
from tests.conftest import PASSWORD


async def test_admin_invites_a_user_who_sets_a_password_and_logs_in(new_browser, login, admin, team_east, db):
    admin_tab = await login(admin)

    r = await admin_tab.post(
        "/admin/users",
        data={"email": "new@example.test", "name": "新人 花子", "role": "rep", "team_id": str(team_east.id)},
    )

    assert r.status_code == 200
    link = r.text.split('class="copy" readonly value="', 1)[1].split('"', 1)[0]
    path = "/" + link.split("/", 3)[3]
    async with new_browser() as newcomer:
        token = await newcomer.csrf()
        assert (await newcomer.get(path)).status_code == 200
        done = await newcomer.post(
            path, data={"password": "a-new-password", "password_again": "a-new-password", "_csrf_token": token}
        )
        assert done.status_code == 303
        assert (await newcomer.get("/")).status_code == 200
        assert (await newcomer.get(path)).status_code == 404  # the link works once
    user = await db.scalar(select(User).where(User.email == "new@example.test"))
    assert user.team_id == team_east.id and user.role == "rep"


async def test_invite_with_a_taken_email_rerenders_with_the_input_and_a_field_error(login, admin, rep):
    admin_tab = await login(admin)

    r = await admin_tab.post("/admin/users", data={"email": rep.email, "name": "重複 太郎", "role": "rep"})

    assert r.status_code == 422
    assert "このメールアドレスのユーザーはすでに登録されています" in r.text
    assert 'value="重複 太郎"' in r.text


async def test_admin_changes_a_users_role_and_team(login, admin, rep, team_west, db):
    admin_tab = await login(admin)

    r = await admin_tab.post(
        f"/admin/users/{rep.id}",
        data={"name": rep.name, "role": "manager", "team_id": str(team_west.id), "version": rep.version},
    )

    assert r.status_code == 303
    await db.refresh(rep)
    assert (rep.role, rep.team_id) == ("manager", team_west.id)


async def test_two_admins_editing_the_same_user_the_second_gets_409_with_current_values(
    login, admin, make_user, rep, db
):
    other_admin = await make_user("admin")
    first, second = await login(admin), await login(other_admin)
    seen = rep.version  # both opened the user page here

    await first.post(f"/admin/users/{rep.id}", data={"name": rep.name, "role": "manager", "version": seen})
    r = await second.post(f"/admin/users/{rep.id}", data={"name": "別名", "role": "rep", "version": seen})

    assert r.status_code == 409
    assert "この間に他のユーザーが保存しました" in r.text and "manager" in r.text
    await db.refresh(rep)
    assert (rep.role, rep.name) == ("manager", "鈴木 美咲")  # the first edit survives


async def test_admin_creates_a_team_with_a_manager(login, admin, manager, db):
    admin_tab = await login(admin)

    r = await admin_tab.post("/admin/teams", data={"name": "中部営業部", "manager_id": str(manager.id)})

    assert r.status_code == 303
    team = await db.scalar(select(Team).where(Team.name == "中部営業部"))
    assert team.manager_id == manager.id


async def test_a_duplicate_team_name_is_a_field_error(login, admin, team_east):
    admin_tab = await login(admin)

    r = await admin_tab.post("/admin/teams", data={"name": team_east.name})

    assert r.status_code == 422 and "同じ名前のチーム" in r.text


async def test_admin_cannot_deactivate_themself(login, admin):
    admin_tab = await login(admin)

    r = await admin_tab.post(f"/admin/users/{admin.id}/active", data={"active": "0", "version": admin.version})

    assert r.status_code == 422


async def test_rep_cannot_open_the_user_administration(login, rep):
    client = await login(rep)

    assert (await client.get("/admin/users")).status_code == 403


async def test_user_changes_language_and_time_zone_and_sees_english(login, rep, db):
    client = await login(rep)

    r = await client.post("/settings", data={"locale": "en", "time_zone": "America/New_York"})
    page = await client.get("/")

    assert r.status_code == 303
    assert "Pipeline" in page.text and 'lang="en"' in page.text
    await db.refresh(rep)
    assert (rep.locale, rep.time_zone) == ("en", "America/New_York")


async def test_an_unknown_time_zone_rerenders_settings_with_an_error(login, rep):
    client = await login(rep)

    r = await client.post("/settings", data={"locale": "ja", "time_zone": "Mars/Olympus"})

    assert r.status_code == 422 and "タイムゾーンを選んでください" in r.text


async def test_user_changes_password_and_logs_in_with_the_new_one(login, new_browser, rep):
    client = await login(rep)

    r = await client.post("/settings/password", data={"current_password": PASSWORD, "new_password": "brand-new-pw-1"})

    assert r.status_code == 303
    async with new_browser() as fresh:
        token = await fresh.csrf()
        ok = await fresh.post("/login", data={"email": rep.email, "password": "brand-new-pw-1", "_csrf_token": token})
    assert ok.status_code == 303


async def test_a_5000_character_user_name_is_422_naming_the_limit_with_the_input_kept(login, admin, rep, db):
    client = await login(admin)
    name = "長" * 5_000

    r = await client.post(f"/admin/users/{rep.id}", data={"name": name, "role": "rep", "version": str(rep.version)})

    assert r.status_code == 422
    assert "100" in r.text and name in r.text
    await db.refresh(rep)
    assert rep.name == "鈴木 美咲"


async def test_an_invite_with_a_300_character_email_is_422_naming_the_limit(login, admin):
    client = await login(admin)

    r = await client.post("/admin/users", data={"email": "a" * 290 + "@example.jp", "name": "新人", "role": "rep"})

    assert r.status_code == 422
    assert "254" in r.text


async def test_renaming_a_team_another_admin_renamed_meanwhile_is_409_with_the_name_typed_kept(
    login, admin, make_user, team_east, db
):
    other_admin = await make_user("admin", name="管理 次郎")
    first, second = await login(admin), await login(other_admin)
    form = {"version": str(team_east.version)}
    assert (await second.post(f"/admin/teams/{team_east.id}", data=form | {"name": "関東営業部"})).status_code == 303

    r = await first.post(f"/admin/teams/{team_east.id}", data=form | {"name": "東京営業部"})

    assert r.status_code == 409
    assert 'value="東京営業部"' in r.text and "関東営業部" in r.text and "管理 次郎" in r.text
    await db.refresh(team_east)
    assert team_east.name == "関東営業部"
