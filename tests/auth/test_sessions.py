"""A password change ends the user's other logins; each login gets a CSRF token of its own."""

from __future__ import annotations

from sqlalchemy import func, select

from salesdesk.auth import services
from salesdesk.auth.forms import InviteInput
from salesdesk.auth.models import UserSession
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-secret-7"


async def test_changing_ones_password_logs_out_the_other_browsers_but_not_this_one(login, rep, db):
    laptop, phone = await login(rep), await login(rep)

    r = await laptop.post("/settings/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert r.status_code == 303
    assert (await laptop.get("/settings")).status_code == 200
    assert (await phone.get("/settings")).status_code == 303  # back to the login page
    assert await db.scalar(select(func.count()).select_from(UserSession)) == 1


async def test_a_wrong_current_password_changes_nothing_and_logs_nobody_out(login, rep):
    laptop, phone = await login(rep), await login(rep)

    r = await laptop.post(
        "/settings/password", data={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD}
    )

    assert r.status_code == 422
    assert (await phone.get("/settings")).status_code == 200


async def test_logging_in_gives_the_browser_a_new_csrf_token_and_the_old_one_stops_working(anonymous, rep):
    before = anonymous.cookies["csrftoken"]

    r = await anonymous.post("/login", data={"email": rep.email, "password": PASSWORD, "_csrf_token": before})

    assert r.status_code == 303
    after = anonymous.cookies["csrftoken"]
    assert after != before
    settings = {"locale": "ja", "time_zone": "Asia/Tokyo"}
    assert (await anonymous.post("/settings", data=settings, headers={"X-CSRFToken": before})).status_code == 403
    assert (await anonymous.post("/settings", data=settings, headers={"X-CSRFToken": after})).status_code == 303


async def test_a_failed_login_keeps_the_csrf_token(anonymous, rep):
    before = anonymous.cookies["csrftoken"]

    await anonymous.post("/login", data={"email": rep.email, "password": "not-it-at-all", "_csrf_token": before})

    assert anonymous.cookies["csrftoken"] == before


async def test_accepting_an_invitation_logs_in_with_a_new_csrf_token(anonymous, admin, db):
    _user, token = await services.invite_user(db, admin, InviteInput(email="new@example.test", name="新人 花子"))
    await db.commit()
    before = anonymous.cookies["csrftoken"]

    r = await anonymous.post(f"/invite/{token}", data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert r.status_code == 303
    assert anonymous.cookies["csrftoken"] != before
