"""/admin/webhooks: an admin registers, edits, disables an endpoint and rotates its secret; sees each
delivery's attempts and resends one. Nobody else gets in."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from salesdesk.clock import Clock
from salesdesk.webhooks.models import WebhookDelivery, WebhookEndpoint

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
HOOK = {"url": "https://example.test/hooks", "description": "会計システム", "events": ["deal.won", "deal.lost"]}


async def saved(sessions, model, **options):
    async with sessions() as fresh:
        query = select(model).order_by(model.id)
        for option in options.get("load", ()):
            query = query.options(selectinload(option))
        return list(await fresh.scalars(query))


async def test_admin_adds_an_endpoint_and_sees_its_secret_on_its_page(login, admin, sessions):
    client = await login(admin)

    r = await client.post("/admin/webhooks", data=HOOK)

    [endpoint] = await saved(sessions, WebhookEndpoint)
    assert r.status_code == 303 and r.headers["location"] == f"/admin/webhooks/{endpoint.id}"
    assert (endpoint.url, endpoint.description, endpoint.events) == (
        HOOK["url"],
        "会計システム",
        ["deal.won", "deal.lost"],
    )
    assert endpoint.is_active and endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = await client.get(r.headers["location"])
    assert page.status_code == 200 and endpoint.secret in page.text
    listing = await client.get("/admin/webhooks")
    assert HOOK["url"] in listing.text and "受注" in listing.text


async def test_a_url_that_is_not_http_and_no_event_ticked_are_refused_with_the_input_kept(login, admin, sessions):
    client = await login(admin)

    r = await client.post("/admin/webhooks", data={"url": "ftp://example.test/x", "description": "残す"})

    assert r.status_code == 422
    assert "http:// か https:// で始まる URL" in r.text and "イベントを1つ以上選んでください" in r.text
    assert 'value="ftp://example.test/x"' in r.text and 'value="残す"' in r.text
    assert await saved(sessions, WebhookEndpoint) == []


async def test_admin_edits_the_events_and_a_second_admin_with_the_old_page_gets_409_with_their_input(
    login, admin, make_user, make_endpoint, sessions
):
    endpoint = await make_endpoint(HOOK["url"], events=("deal.won",))
    first, second = await login(admin), await login(await make_user("admin"))
    seen = {"url": endpoint.url, "version": str(endpoint.version)}

    r = await first.post(f"/admin/webhooks/{endpoint.id}", data=seen | {"events": ["deal.won", "task.completed"]})
    late = await second.post(
        f"/admin/webhooks/{endpoint.id}", data=seen | {"url": "https://late.example.test/", "events": "deal.lost"}
    )

    assert r.status_code == 303
    assert late.status_code == 409 and 'value="https://late.example.test/"' in late.text
    [now] = await saved(sessions, WebhookEndpoint)
    assert (now.url, now.events) == (HOOK["url"], ["deal.won", "task.completed"])


async def test_admin_disables_an_endpoint_and_rotates_its_secret(login, admin, make_endpoint, sessions):
    endpoint = await make_endpoint(HOOK["url"])
    client = await login(admin)

    off = await client.post(f"/admin/webhooks/{endpoint.id}/active", data={"active": "0", "version": endpoint.version})
    rotated = await client.post(f"/admin/webhooks/{endpoint.id}/secret", data={"version": endpoint.version + 1})

    assert (off.status_code, rotated.status_code) == (303, 303)
    [now] = await saved(sessions, WebhookEndpoint)
    assert not now.is_active
    assert now.secret != endpoint.secret and now.secret.startswith("whsec_")
    page = await client.get(f"/admin/webhooks/{endpoint.id}")
    assert now.secret in page.text and endpoint.secret not in page.text


async def test_the_page_shows_each_attempt_and_resend_sends_the_same_event_again(
    login, admin, rep, make_company, make_endpoint, start_receiver, deliver, sessions
):
    receiver = start_receiver(answers=[500])
    endpoint = await make_endpoint(receiver.url, events=("company.created",))
    await make_company(rep, "株式会社再送")
    await deliver(Clock(fixed=T0))
    await deliver(Clock(fixed=T0 + timedelta(minutes=1)))
    [delivery] = await saved(sessions, WebhookDelivery)
    client = await login(admin)

    page = await client.get(f"/admin/webhooks/{endpoint.id}")
    r = await client.post(f"/admin/webhooks/deliveries/{delivery.id}/resend")
    await deliver()

    assert "HTTP 500" in page.text and "HTTP 200" in page.text and receiver.ids()[0] in page.text
    assert len(re.findall(r"\d+ ミリ秒", page.text)) == 2  # each attempt's response time
    assert r.status_code == 303 and r.headers["location"] == f"/admin/webhooks/{endpoint.id}#delivery-{delivery.id}"
    ids = receiver.ids()
    assert len(ids) == 3 and len(set(ids)) == 1
    [delivery] = await saved(sessions, WebhookDelivery, load=[WebhookDelivery.attempts])
    assert delivery.status == "delivered" and [a.status_code for a in delivery.attempts] == [500, 200, 200]


async def test_the_endpoint_page_runs_the_same_queries_for_one_or_many_deliveries(
    login, admin, rep, make_company, make_endpoint, receiver, deliver, count_queries
):
    endpoint = await make_endpoint(receiver.url, events=("company.created",))
    client = await login(admin)
    statements = count_queries()
    counts = []
    for batch in (1, 12):
        for n in range(batch):
            await make_company(rep, f"株式会社件数{batch}-{n}")
        await deliver()
        statements.clear()
        assert (await client.get(f"/admin/webhooks/{endpoint.id}")).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts


async def test_reps_and_managers_are_refused_and_anonymous_visitors_sent_to_log_in(
    login, anonymous, rep, manager, make_endpoint
):
    endpoint = await make_endpoint(HOOK["url"])
    pages = ["/admin/webhooks", f"/admin/webhooks/{endpoint.id}"]

    for user in (rep, manager):
        client = await login(user)
        assert [(await client.get(page)).status_code for page in pages] == [403, 403]
        secret = await client.post(f"/admin/webhooks/{endpoint.id}/secret", data={"version": endpoint.version})
        assert secret.status_code == 403
        assert (await client.post("/admin/webhooks", data=HOOK)).status_code == 403
    for page in pages:
        r = await anonymous.get(page)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
