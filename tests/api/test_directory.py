"""/api/v1/me, /users and /teams, and the schema that documents them."""

from __future__ import annotations

import base64
import json

from tests.api.test_auth import bearer


async def test_me_is_the_tokens_user_with_utc_datetimes(anonymous, rep, make_token, team_east):
    r = await anonymous.get("/api/v1/me", headers=bearer(await make_token(rep, "read")))

    body = r.json()
    assert r.status_code == 200
    assert set(body) == {
        "id", "email", "name", "role", "team_id", "locale", "time_zone", "created_at", "updated_at", "version"
    }  # fmt: skip
    assert (body["id"], body["email"], body["role"], body["team_id"]) == (rep.id, rep.email, "rep", team_east.id)
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")


async def _walk(client, path: str, token: str, limit: int = 2, since: str = "", between=None) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        query += f"&updated_since={since}" if since else ""
        r = await client.get(path + query, headers=bearer(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            return items
        if between:
            await between(pages)
        assert pages < 50


async def test_paging_users_two_at_a_time_returns_each_exactly_once(anonymous, make_user, rep, make_token):
    for _ in range(6):
        await make_user()
    token = await make_token(rep, "read")

    items = await _walk(anonymous, "/api/v1/users", token)

    assert len(items) == 7 and len({item["id"] for item in items}) == 7
    assert [(i["updated_at"], i["id"]) for i in items] == sorted((i["updated_at"], i["id"]) for i in items)


async def test_users_written_between_pages_are_met_later_and_none_is_missed(anonymous, make_user, rep, make_token, db):
    first = [await make_user() for _ in range(4)]
    token = await make_token(rep, "read")
    added = []

    async def write(page: int) -> None:
        if page == 1:
            added.append(await make_user())
            first[0].name = "名前を変更"  # already seen: it moves behind the cursor
            await db.commit()

    items = await _walk(anonymous, "/api/v1/users", token, between=write)

    ids = [item["id"] for item in items]
    assert set(ids) == {rep.id, *(u.id for u in first), added[0].id}
    assert ids.count(first[0].id) == 2 and items[-1]["name"] == "名前を変更"
    assert all(ids.count(i) == 1 for i in set(ids) - {first[0].id})


async def test_updated_since_is_inclusive_and_leaves_older_rows_out(anonymous, make_user, rep, make_token):
    await make_user()
    later = await make_user()
    token = await make_token(rep, "read")
    since = later.updated_at.isoformat().replace("+00:00", "Z")

    items = await _walk(anonymous, "/api/v1/users", token, since=since)

    assert later.id in {item["id"] for item in items} and rep.id not in {item["id"] for item in items}


async def test_the_cursor_is_opaque_base64_of_updated_at_and_id(anonymous, make_user, rep, make_token):
    await make_user()
    r = await anonymous.get("/api/v1/users?limit=1", headers=bearer(await make_token(rep, "read")))

    cursor = r.json()["next_cursor"]
    at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert row_id == r.json()["items"][0]["id"]


async def test_teams_are_listed_for_a_rep(anonymous, rep, team_east, team_west, make_token):
    r = await anonymous.get("/api/v1/teams?limit=500", headers=bearer(await make_token(rep, "read")))

    assert r.status_code == 200 and r.json()["next_cursor"] is None
    assert {t["name"] for t in r.json()["items"]} == {team_east.name, team_west.name}
