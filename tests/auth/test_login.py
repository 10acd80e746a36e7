from sqlalchemy import func, select

from salesdesk.auth.models import LoginAttempt, User, UserSession
from tests.conftest import PASSWORD


async def _login(client, email, password, **fields):
    token = await client.csrf()  # a successful login changes it
    form = {"email": email, "password": password, "_csrf_token": token, **fields}
    return await client.post("/login", data=form, headers={"X-CSRFToken": token})


async def test_password_is_stored_as_an_argon2id_hash(rep):
    assert rep.password_hash.startswith("$argon2id$")
    assert PASSWORD not in rep.password_hash


async def test_rep_logs_in_and_gets_an_httponly_lax_session_cookie(anonymous, rep):
    r = await _login(anonymous, rep.email, PASSWORD)

    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("salesdesk_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


async def test_login_with_email_in_other_case_and_full_width_works(anonymous, rep):
    r = await _login(anonymous, "  REP@EXAMPLE.TEST ", PASSWORD)

    assert r.status_code == 303


async def test_wrong_password_rerenders_the_form_with_the_email_kept(anonymous, rep):
    r = await _login(anonymous, rep.email, "wrong-password")

    assert r.status_code == 422
    assert "メールアドレスまたはパスワードが正しくありません" in r.text
    assert f'value="{rep.email}"' in r.text


async def test_login_from_one_address_is_refused_after_five_failures_even_with_the_right_password(anonymous, rep, db):
    for _ in range(5):
        assert (await _login(anonymous, rep.email, "wrong-password")).status_code == 422

    r = await _login(anonymous, rep.email, PASSWORD)

    assert r.status_code == 429
    assert "15分後" in r.text
    failures = await db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False)))
    assert failures == 5


async def test_a_successful_login_resets_the_failure_count(anonymous, rep):
    for _ in range(4):
        await _login(anonymous, rep.email, "wrong-password")
    assert (await _login(anonymous, rep.email, PASSWORD)).status_code == 303

    for _ in range(4):
        await _login(anonymous, rep.email, "wrong-password")
    assert (await _login(anonymous, rep.email, PASSWORD)).status_code == 303


async def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(anonymous, rep):
    token = await anonymous.csrf()
    form = {"email": rep.email, "password": PASSWORD, "_csrf_token": token}

    inside = await anonymous.post("/login", data=form | {"next": "/settings?tab=1"})
    outside = await _login(anonymous, rep.email, PASSWORD, next="https://evil.example/")

    assert inside.headers["location"] == "/settings?tab=1"
    assert outside.headers["location"] == "/"


async def test_logout_ends_the_session_on_the_server(login, rep, db):
    client = await login(rep)
    cookie = client.cookies["salesdesk_session"]

    r = await client.post("/logout")

    assert r.status_code == 303
    assert await db.scalar(select(func.count()).select_from(UserSession)) == 0
    client.cookies.set("salesdesk_session", cookie)  # a stolen copy of the cookie is dead too
    assert (await client.get("/")).status_code == 303


async def test_a_session_works_on_another_app_instance_like_another_worker(login, rep, new_browser):
    client = await login(rep)
    async with new_browser() as other_worker:
        other_worker.cookies.set("salesdesk_session", client.cookies["salesdesk_session"])
        r = await other_worker.get("/")

    assert r.status_code == 200 and rep.name in r.text


async def test_deactivated_user_is_logged_out_everywhere_and_cannot_log_in(login, anonymous, admin, rep, db):
    rep_tab = await login(rep)
    admin_tab = await login(admin)

    r = await admin_tab.post(f"/admin/users/{rep.id}/active", data={"active": "0", "version": rep.version})

    assert r.status_code == 303
    assert (await rep_tab.get("/")).status_code == 303
    assert (await _login(anonymous, rep.email, PASSWORD)).status_code == 422
    await db.refresh(rep)
    assert rep.is_active is False


async def test_every_page_but_login_and_healthz_sends_anonymous_visitors_to_login(anonymous):
    for path in (
        "/",
        "/accounts",
        "/pipeline",
        "/tasks",
        "/quotes",
        "/reports",
        "/settings",
        "/admin/users",
        "/admin/audit",
        "/search?q=x",
    ):
        r = await anonymous.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    assert (await anonymous.get("/login")).status_code == 200
    assert (await anonymous.get("/healthz")).status_code == 200
    assert (await anonymous.get("/static/css/app.css")).status_code == 200


async def test_anonymous_visit_keeps_the_path_for_after_login(anonymous):
    r = await anonymous.get("/admin/audit?entity=users&action=update")

    assert r.headers["location"] == "/login?next=/admin/audit%3Fentity%3Dusers%26action%3Dupdate"


async def test_htmx_request_without_login_gets_hx_redirect(anonymous):
    r = await anonymous.get("/settings", headers={"HX-Request": "true"})

    assert r.status_code == 401 and r.headers["hx-redirect"].startswith("/login")


async def test_createuser_and_login_for_user_without_password_fails(anonymous, db):
    user = User(email="nopass@example.test", name="招待中", role="rep")
    db.add(user)
    await db.commit()

    assert (await _login(anonymous, user.email, "")).status_code == 422
