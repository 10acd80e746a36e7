from sqlalchemy import select

from salesdesk.audit.models import AuditEntry


async def test_changing_a_users_role_writes_an_audit_entry_with_before_and_after(login, admin, rep, db):
    admin_tab = await login(admin)

    await admin_tab.post(
        f"/admin/users/{rep.id}",
        data={"name": rep.name, "role": "manager", "team_id": str(rep.team_id), "version": rep.version},
    )

    entry = await db.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "users", AuditEntry.entity_id == rep.id, AuditEntry.action == "update"
        )
    )
    assert entry.changes == {"role": ["rep", "manager"]}
    assert (entry.actor_id, entry.actor_name) == (admin.id, admin.name)


async def test_insert_and_delete_are_audited_and_secrets_are_redacted(login, admin, db):
    admin_tab = await login(admin)

    await admin_tab.post("/admin/users", data={"email": "audit@example.test", "name": "監査 対象", "role": "rep"})

    entry = await db.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "users", AuditEntry.action == "insert", AuditEntry.label == "監査 対象"
        )
    )
    assert entry.changes["email"] == [None, "audit@example.test"]
    assert entry.changes["calendar_token"][1] == "••••"
    assert "version" not in entry.changes


async def test_a_deleted_row_is_audited_with_its_last_values(db, team_east):
    await db.delete(team_east)
    await db.commit()

    entry = await db.scalar(select(AuditEntry).where(AuditEntry.entity == "teams", AuditEntry.action == "delete"))
    assert entry.changes["name"] == ["東日本営業部", None]


async def test_a_rolled_back_change_leaves_no_audit_entry(db, team_east):
    team_east.name = "変更後"
    await db.flush()
    await db.rollback()

    entries = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "update")))
    assert entries == []


async def test_admin_filters_the_audit_log_by_entity_and_user(login, admin, rep, team_west):
    admin_tab = await login(admin)
    await admin_tab.post(f"/admin/teams/{team_west.id}", data={"name": "西日本営業本部", "version": team_west.version})

    mine = await admin_tab.get(f"/admin/audit?entity=teams&actor_id={admin.id}")
    nobody = await admin_tab.get(f"/admin/audit?entity=teams&actor_id={rep.id}")

    assert mine.status_code == 200 and "西日本営業本部" in mine.text
    assert "西日本営業本部" not in nobody.text


async def test_audit_log_is_for_admins_only(login, manager):
    client = await login(manager)

    assert (await client.get("/admin/audit")).status_code == 403
