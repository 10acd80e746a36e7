"""Back to a filtered board that htmx no longer holds in its history cache: htmx asks the server for
the URL (HX-History-Restore-Request) and needs the whole page, not the board's fragment."""

from tests.conftest import HTMX


async def test_a_history_restore_request_gets_the_whole_board_page(login, rep, make_deal):
    await make_deal(rep, "提案", title="戻る先の案件", forecast="A")
    client = await login(rep)

    r = await client.get("/pipeline?forecast=A", headers=HTMX | {"HX-History-Restore-Request": "true"})

    assert r.status_code == 200 and "<html" in r.text and 'name="forecast"' in r.text and "戻る先の案件" in r.text
