"""Personal API tokens: made, listed and revoked through the service, the settings page and the CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from salesdesk.app import create_app
from salesdesk.auth import tokens
from salesdesk.auth.forms import TokenInput
from salesdesk.auth.models import ApiToken, TokenScope
from salesdesk.auth.services import token_hash
from salesdesk.clock import Clock
from salesdesk.errors import NotFound
from salesdesk.settings import Settings
from tests.conftest import Client
from tests.test_cli import run


async def test_a_new_token_is_returned_once_and_only_its_hash_is_stored(db, rep):
    token, plain = await tokens.create_token(db, rep, Clock(), TokenInput("会計連携", TokenScope.write))
    await db.commit()

    stored = await db.scalar(select(ApiToken).where(ApiToken.id == token.id))
    assert plain.startswith("sd_") and len(plain) > 40
    assert stored.token_hash == token_hash(plain) and plain not in stored.token_hash
    assert (stored.name, stored.scope, stored.user_id, stored.revoked_at) == ("会計連携", "write", rep.id, None)


async def test_a_rep_lists_only_their_own_tokens_and_an_admin_everyones(db, rep, other_rep, admin, make_token):
    await make_token(rep, name="mine")
    await make_token(other_rep, name="theirs")

    assert [t.name for t in await tokens.list_tokens(db, rep)] == ["mine"]
    assert {t.name for t in await tokens.list_tokens(db, admin)} == {"mine", "theirs"}


async def test_a_rep_cannot_revoke_another_users_token_but_an_admin_can(db, rep, other_rep, admin):
    token, _ = await tokens.create_token(db, rep, Clock(), TokenInput("x"))

    with pytest.raises(NotFound):
        await tokens.revoke_token(db, other_rep, token.id, Clock())
    revoked = await tokens.revoke_token(db, admin, token.id, Clock())

    assert revoked.revoked_at is not None


async def test_a_user_makes_a_token_on_the_settings_page_sees_it_once_and_revokes_it(login, rep, db):
    client = await login(rep)

    made = await client.post("/settings/tokens", data={"name": "スクリプト", "scope": "read"})
    plain = re.search(r'value="(sd_[^"]+)"', made.text)[1]
    again = await client.get("/settings")
    token = await db.scalar(select(ApiToken).where(ApiToken.user_id == rep.id))
    revoked = await client.post(f"/settings/tokens/{token.id}/revoke")
    used = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})

    assert made.status_code == 201 and "スクリプト" in made.text
    assert again.status_code == 200 and "スクリプト" in again.text and plain not in again.text
    assert revoked.status_code == 303
    assert used.status_code == 401


async def test_a_token_without_a_name_is_refused_with_the_form_kept(login, rep):
    client = await login(rep)

    r = await client.post("/settings/tokens", data={"name": "", "scope": "write"})

    assert r.status_code == 422 and "sd_" not in r.text


async def test_a_rep_cannot_revoke_another_users_token_on_the_page(login, other_rep, rep, make_token, db):
    await make_token(rep)
    token = await db.scalar(select(ApiToken).where(ApiToken.user_id == rep.id))
    client = await login(other_rep)

    r = await client.post(f"/settings/tokens/{token.id}/revoke")

    assert r.status_code == 404
    await db.refresh(token)
    assert token.revoked_at is None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_cli_prints_a_token_on_its_last_line_that_the_api_accepts(fresh_database, backend):
    url = fresh_database(backend, "token_cli")
    run(url, "migrate")
    user = ("--email", "cli@example.test", "--name", "CLI 利用者", "--role", "rep", "--password", "x" * 12)
    run(url, "createuser", *user)

    out = run(url, "token", "create", "cli@example.test", "--name", "warehouse", "--scope", "read")
    plain = out.stdout.strip().splitlines()[-1]
    async with Client(create_app(Settings(database_url=url, secret_key="cli-test-" + "x" * 32))) as client:
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})

    assert plain.startswith("sd_")
    assert me.status_code == 200 and me.json()["email"] == "cli@example.test"


def test_the_cli_refuses_a_token_for_an_unknown_user(fresh_database):
    url = fresh_database("sqlite", "token_cli_unknown")

    run(url, "migrate")
    out = run(url, "token", "create", "nobody@example.test", check=False)

    assert out.returncode != 0 and "sd_" not in out.stdout
