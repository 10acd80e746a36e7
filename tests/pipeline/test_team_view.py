"""What a sales lead reads off the board and the list (issue 11, item 16): a rep's "自分の案件"
shortcut, and 決裁者未接触 (no decision maker in the committee, or none met in 90 days) on the
cards and the list's rows, as a filter too, never on a closed deal."""

import re

from salesdesk.accounts.forms import ActivityForm
from tests.conftest import HTMX
from tests.pipeline.conftest import add_activity
from tests.pipeline.test_committee import attach
from tests.pipeline.test_listing import move

FLAG = "決裁者未接触"


def card_html(page: str, deal_id: int) -> str:
    found = re.search(rf'<article id="deal-{deal_id}".*?</article>', page, re.S)
    assert found, f"no card for deal {deal_id}"
    return found.group(0)


def row_html(page: str, deal_id: int) -> str:
    found = re.search(rf'<tr id="deal-row-{deal_id}".*?</tr>', page, re.S)
    assert found, f"no row for deal {deal_id}"
    return found.group(0)


async def deals_with_and_without_a_met_decision_maker(db, rep, make_company, make_person, make_deal):
    company = await make_company(rep, "株式会社決裁確認")
    met = await make_deal(rep, "提案", company, title="決裁者に会った案件")
    unmet = await make_deal(rep, "提案", company, title="決裁者に会っていない案件")
    president = await make_person(rep, company, "社長 太郎", buying_role="decision_maker")
    await attach(db, rep, met, president)
    await add_activity(db, rep, company.id, ActivityForm(kind="visit", subject="役員訪問"), [str(president.id)])
    await attach(db, rep, unmet, await make_person(rep, company, "担当 次郎", email="j@example.jp"), role="user")
    return met, unmet


async def test_the_board_flags_deals_whose_decision_maker_nobody_has_met_and_filters_them(
    db, login, rep, make_company, make_person, make_deal
):
    met, unmet = await deals_with_and_without_a_met_decision_maker(db, rep, make_company, make_person, make_deal)
    client = await login(rep)

    board = (await client.get("/pipeline")).text
    filtered = (await client.get("/pipeline?decider=uncontacted", headers=HTMX)).text

    assert FLAG in card_html(board, unmet.id) and FLAG not in card_html(board, met.id)
    assert f'id="deal-{unmet.id}"' in filtered and f'id="deal-{met.id}"' not in filtered
    assert 'name="decider"' in board


async def test_the_list_flags_open_deals_only_and_filters_them(
    db, login, rep, make_company, make_person, make_deal, stage
):
    met, unmet = await deals_with_and_without_a_met_decision_maker(db, rep, make_company, make_person, make_deal)
    won = await make_deal(rep, "交渉", title="受注済みの案件", amount_jpy="100000", expected_close_date="2027-01-20")
    await move(db, rep, won, stage("受注"))
    client = await login(rep)

    listed = (await client.get("/pipeline/list?status=all")).text
    filtered = (await client.get("/pipeline/list?decider=uncontacted&status=all")).text

    assert FLAG in row_html(listed, unmet.id) and FLAG not in row_html(listed, met.id)
    assert FLAG not in row_html(listed, won.id)
    assert f'id="deal-row-{unmet.id}"' in filtered
    assert f'id="deal-row-{met.id}"' not in filtered and f'id="deal-row-{won.id}"' not in filtered


async def test_a_rep_opens_only_their_own_deals_from_the_boards_shortcut(login, rep, other_rep, make_deal):
    mine = await make_deal(rep, "提案", title="自分の案件A")
    client = await login(rep)

    board = (await client.get("/pipeline")).text
    link = re.search(r'<a class="my-deals"[^>]*href="([^"]+)"', board)
    assert link and link.group(1) == f"/pipeline?owner_id={rep.id}"
    mine_only = (await client.get(link.group(1))).text

    assert f'id="deal-{mine.id}"' in mine_only
    assert re.search(r'<a class="my-deals"[^>]*aria-current="page"', mine_only)
