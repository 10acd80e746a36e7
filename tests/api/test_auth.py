"""/api/v1 takes a bearer token and nothing else; every refusal is JSON in API.md's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import post
from sqlalchemy import select, update

from salesdesk.api.auth import token_login
from salesdesk.auth import services as auth
from salesdesk.auth.models import ApiToken, User


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)


async def test_a_request_without_a_token_gets_401_json(anonymous):
    r = await anonymous.get("/api/v1/me")

    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_an_unknown_token_gets_401(anonymous):
    assert_error(await anonymous.get("/api/v1/me", headers=bearer("sd_not-a-token")), 401, "unauthorized")


async def test_a_logged_in_browsers_session_cookie_alone_gets_401(login, rep):
    browser = await login(rep)

    assert_error(await browser.get("/api/v1/me"), 401, "unauthorized")


async def test_a_revoked_token_gets_401_on_the_next_request(anonymous, rep, make_token, db):
    token = await make_token(rep)
    assert (await anonymous.get("/api/v1/me", headers=bearer(token))).status_code == 200
    await db.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))
    await db.commit()

    assert_error(await anonymous.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


async def test_a_deactivated_users_token_gets_401(anonymous, rep, admin, make_token, db):
    token = await make_token(rep)
    await auth.set_active(db, admin, rep.id, active=False, seen_version=rep.version)
    await db.commit()

    assert_error(await anonymous.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


@pytest.mark.own_app
async def test_a_read_token_cannot_write_403_and_a_write_token_can(app, anonymous, rep, make_token):
    @post("/api/v1/test-only/write", guards=[token_login], sync_to_thread=False, status_code=200)
    def write() -> dict[str, bool]:
        return {"written": True}

    anonymous.app.register(write)
    read_token, write_token = await make_token(rep, "read"), await make_token(rep, "write")

    refused = await anonymous.post("/api/v1/test-only/write", headers=bearer(read_token))
    allowed = await anonymous.post("/api/v1/test-only/write", headers=bearer(write_token))

    assert_error(refused, 403, "forbidden")
    assert allowed.status_code == 200  # and no CSRF token was asked for


async def test_an_unknown_api_path_is_a_json_404(anonymous, rep, make_token):
    r = await anonymous.get("/api/v1/nothing/here", headers=bearer(await make_token(rep)))

    assert_error(r, 404, "not_found")


async def test_a_bad_limit_is_422_naming_the_field(anonymous, rep, make_token):
    r = await anonymous.get("/api/v1/users?limit=501", headers=bearer(await make_token(rep)))

    assert_error(r, 422, "validation_failed")
    assert "limit" in r.json()["error"]["fields"]


async def test_a_cursor_the_api_did_not_give_is_422(anonymous, rep, make_token):
    r = await anonymous.get("/api/v1/users?cursor=garbage", headers=bearer(await make_token(rep)))

    assert_error(r, 422, "validation_failed")
    assert "cursor" in r.json()["error"]["fields"]


async def test_last_used_is_recorded_at_most_once_a_minute_without_touching_the_user(anonymous, rep, make_token, db):
    token = await make_token(rep)
    await anonymous.get("/api/v1/me", headers=bearer(token))
    first = await db.scalar(select(ApiToken.last_used_at))
    await anonymous.get("/api/v1/me", headers=bearer(token))
    second = await db.scalar(select(ApiToken.last_used_at))
    await db.execute(update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    await db.commit()
    await anonymous.get("/api/v1/me", headers=bearer(token))
    third = await db.scalar(select(ApiToken.last_used_at))

    assert first is not None and second == first and third > first
    assert await db.scalar(select(User.version).where(User.id == rep.id)) == rep.version


async def test_updated_since_must_be_an_iso_date_time_not_a_number(anonymous, rep, make_token):
    """Found by Schemathesis: msgspec took `0.5` as a Unix time though the schema says date-time."""
    token = await make_token(rep)

    for bad in ("0.5", "2026-12-01", "yesterday"):
        r = await anonymous.get(f"/api/v1/users?updated_since={bad}", headers=bearer(token))
        assert_error(r, 422, "validation_failed")
        assert "updated_since" in r.json()["error"]["fields"]
    ok = await anonymous.get("/api/v1/users?updated_since=2026-12-01T00:00:00%2B09:00", headers=bearer(token))
    assert ok.status_code == 200
