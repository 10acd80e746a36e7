"""Errors of htmx fragment requests are fragments: a refusal inside a panel shows in that panel,
never a whole page (header included) swapped into it; a 409 reads the same everywhere."""

from __future__ import annotations

from tests.conftest import HTMX


async def test_cancelling_a_task_someone_changed_meanwhile_answers_the_panel_with_a_conflict_fragment(
    login, rep, make_deal, make_task
):
    deal = await make_deal(rep, "提案")
    task = await make_task(rep, deal, title="見積送付")
    client = await login(rep)

    r = await client.post(f"/tasks/{task.id}/cancel", data={"version": str(task.version - 1)}, headers=HTMX)

    assert r.status_code == 409
    assert "<html" not in r.text and "site-header" not in r.text
    assert 'class="panel conflict"' in r.text


async def test_removing_a_contact_that_is_not_there_answers_with_a_not_found_fragment(login, rep, make_deal):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/contacts/999999/delete", headers=HTMX)

    assert r.status_code == 404
    assert "<html" not in r.text
    assert 'id="error"' in r.text


async def test_a_settings_toggle_refused_to_a_rep_answers_with_a_forbidden_fragment(login, rep):
    client = await login(rep)

    r = await client.post("/admin/sales-settings", data={"require_next_action": "1", "version": "1"}, headers=HTMX)

    assert r.status_code == 403
    assert "<html" not in r.text
    assert 'id="error"' in r.text


async def test_the_same_refusal_without_htmx_is_the_whole_error_page(login, rep):
    client = await login(rep)

    r = await client.post("/admin/sales-settings", data={"require_next_action": "1", "version": "1"})

    assert r.status_code == 403
    assert "<html" in r.text
