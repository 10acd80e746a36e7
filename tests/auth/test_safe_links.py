"""Every `next` and the error page's way back lead to this site only (salesdesk.web.safe_next)."""

from __future__ import annotations

import pytest

from salesdesk.web import safe_next
from tests.conftest import PASSWORD

OFF_SITE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\x00/evil.example/",
    "/\r\nSet-Cookie:x=1",
    "http:/evil.example/",
    "evil.example/",
    "../settings",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_next_link_off_this_site_is_replaced_by_the_default(target):
    assert safe_next(target, "/tasks") == "/tasks"


@pytest.mark.parametrize(
    "target", ["/", "/settings?tab=1", "/deals/5#timeline", "/tasks?next=%2F%2Fx", "/検索?q=株式会社"]
)
def test_a_next_link_on_this_site_is_kept(target):
    assert safe_next(target) == target


def test_a_full_url_of_this_very_site_becomes_its_path_and_another_sites_is_refused():
    assert safe_next("http://testserver/deals/5?x=1", host="testserver") == "/deals/5?x=1"
    assert safe_next("http://testserver.evil.example/deals/5", host="testserver") == "/"
    assert safe_next("javascript://testserver/%0aalert(1)", host="testserver") == "/"
    assert safe_next("http://testserver/deals/5") == "/"  # no host given: only paths


async def test_completing_a_task_from_a_link_with_a_script_next_shows_no_script_link(login, rep, make_task):
    task = await make_task(rep)
    client = await login(rep)

    r = await client.get(f"/tasks/{task.id}/complete?next=javascript:alert(1)")

    assert r.status_code == 200
    assert "javascript:" not in r.text
    assert 'href="/tasks"' in r.text  # Cancel goes back to the task list


async def test_completing_a_task_posted_with_an_off_site_next_redirects_on_this_site(login, rep, make_task):
    task = await make_task(rep)
    client = await login(rep)

    r = await client.post(f"/tasks/{task.id}/complete", data={"version": task.version, "next": "/\\evil.example/"})

    assert r.status_code == 303 and r.headers["location"] == "/tasks"


async def test_the_add_task_form_drops_an_off_site_next(login, rep):
    client = await login(rep)

    r = await client.get("/tasks/new?next=//evil.example/")

    assert r.status_code == 200
    assert '<input type="hidden" name="next" value="">' in r.text


async def test_the_login_page_drops_an_off_site_next_and_logs_in_to_home(anonymous, rep):
    page = await anonymous.get("/login?next=javascript:alert(1)")
    r = await anonymous.post(
        "/login",
        data={
            "email": rep.email,
            "password": PASSWORD,
            "next": "/\\evil.example",
            "_csrf_token": anonymous.cookies["csrftoken"],
        },
    )

    assert "javascript:" not in page.text
    assert r.headers["location"] == "/"


async def test_switching_the_language_never_redirects_off_site(anonymous):
    r = await anonymous.post("/lang/en?next=/%09/evil.example/")

    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_the_409_page_links_back_to_the_page_of_this_site_that_sent_the_form(login, admin, rep):
    admin_tab = await login(admin)
    form = {"active": "", "version": rep.version + 1}  # the deactivate button of a page drawn before a save
    url = f"/admin/users/{rep.id}/active"

    ours = await admin_tab.post(
        url, data=form, headers={"Referer": str(admin_tab.base_url.join(f"/admin/users/{rep.id}"))}
    )
    forged = await admin_tab.post(url, data=form, headers={"Referer": "javascript:alert(1)"})
    elsewhere = await admin_tab.post(url, data=form, headers={"Referer": "https://evil.example/x"})

    assert ours.status_code == forged.status_code == elsewhere.status_code == 409
    assert f'href="/admin/users/{rep.id}"' in ours.text
    assert "javascript:" not in forged.text
    assert "evil.example" not in elsewhere.text
