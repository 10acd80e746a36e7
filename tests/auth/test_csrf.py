from tests.conftest import HTMX


async def test_post_without_csrf_token_is_refused_with_403(new_browser, rep):
    async with new_browser() as client:
        await client.csrf()  # has the cookie, sends no token
        r = await client.post("/login", data={"email": rep.email, "password": "x"})

    assert r.status_code == 403


async def test_post_with_token_in_the_form_field_is_accepted(new_browser, rep):
    async with new_browser() as client:
        token = await client.csrf()
        r = await client.post("/login", data={"email": rep.email, "password": "x", "_csrf_token": token})

    assert r.status_code == 422  # past CSRF: the password is simply wrong


async def test_htmx_post_with_the_token_header_is_accepted_and_without_it_refused(login, rep):
    client = await login(rep)
    token = client.headers.pop("X-CSRFToken")

    refused = await client.post("/settings", data={"locale": "en", "time_zone": "Asia/Tokyo"}, headers=HTMX)
    accepted = await client.post(
        "/settings", data={"locale": "en", "time_zone": "Asia/Tokyo"}, headers=HTMX | {"X-CSRFToken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 303


async def test_token_from_another_browser_is_refused(new_browser, login, rep):
    client = await login(rep)
    async with new_browser() as attacker:
        foreign = await attacker.csrf()

    r = await client.post("/settings", data={"locale": "en", "time_zone": "UTC"}, headers={"X-CSRFToken": foreign})

    assert r.status_code == 403


async def test_pages_render_the_token_for_htmx_on_body(login, rep):
    client = await login(rep)

    r = await client.get("/")

    token = client.cookies["csrftoken"]
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in r.text
