"""The board's pages and its move route: what a rep sees, the filters in the URL, a constant
number of queries, and every answer a move can get (200, 422, 409, 403, 404, no-JS 303)."""

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from salesdesk.auth.models import Role
from salesdesk.calendar.business_days import business_calendar
from salesdesk.i18n import local_today
from salesdesk.pipeline.filters import DealFilter
from salesdesk.tasks.models import Task
from tests.conftest import HTMX
from tests.pipeline.conftest import reload

CLOSE = (local_today() + timedelta(days=60)).isoformat()


def figures(html, stage):
    """The text of a column's header figures (count, total, weighted) in a page or an answer."""
    match = re.search(rf'<p id="figures-{stage.id}"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no figures for {stage.name}"
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split())


def card_ids(html):
    return [int(n) for n in re.findall(r'<article id="deal-(\d+)"', html)]


def move_data(deal, stage, **values):
    return {"stage_id": str(stage.id), "version": str(deal.version), **values}


# --- the board ---------------------------------------------------------------------------


async def test_rep_sees_the_board_in_japanese_with_the_servers_column_totals(login, rep, make_deal, stage):
    await make_deal(rep, "提案", title="基幹システム刷新", amount_jpy="1000000")
    await make_deal(rep, "提案", title="帳票電子化", amount_jpy="500000", expected_close_date=CLOSE)
    await make_deal(rep, "リード", title="金額の決まらない案件", next_action=False)
    client = await login(rep)

    r = await client.get("/pipeline")

    assert r.status_code == 200
    for header in ("リード", "商談化", "提案", "見積提出", "交渉"):
        assert f'<span class="stage-name">{header}</span>' in r.text
    assert figures(r.text, stage("提案")) == "2件 合計 ¥1,500,000 加重 ¥600,000"
    assert figures(r.text, stage("見積提出")) == "0件 合計 ¥0 加重 ¥0"
    assert "基幹システム刷新" in r.text and "金額未定" in r.text
    assert "次のアクションなし" in r.text  # the deal without a next action says so
    assert 'class="drop-zone drop-won"' in r.text and 'class="drop-zone drop-lost"' in r.text


async def test_filters_in_the_url_narrow_the_cards_and_the_totals(login, rep, manager, make_deal, stage):
    mine = await make_deal(rep, "提案", amount_jpy="300000", forecast="A")
    theirs = await make_deal(manager, "提案", amount_jpy="700000")
    client = await login(manager)

    everything = await client.get("/pipeline")
    only_rep = await client.get(f"/pipeline?owner_id={rep.id}")
    only_a = await client.get("/pipeline?forecast=A")

    assert set(card_ids(everything.text)) == {mine.id, theirs.id}
    assert figures(everything.text, stage("提案")).startswith("2件 合計 ¥1,000,000")
    assert card_ids(only_rep.text) == [mine.id]
    assert figures(only_rep.text, stage("提案")).startswith("1件 合計 ¥300,000")
    assert card_ids(only_a.text) == [mine.id]


async def test_the_owner_filter_pushes_a_clean_url_that_reproduces_the_board(login, rep, manager, make_deal):
    mine = await make_deal(rep, "提案")
    await make_deal(manager, "提案")
    client = await login(manager)

    # What the filter form sends: every field, most of them empty.
    r = await client.get(f"/pipeline?owner_id={rep.id}&team_id=&forecast=&period=&company=&stale=", headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text
    assert card_ids(r.text) == [mine.id]
    pushed = r.headers["hx-push-url"]
    assert pushed == f"/pipeline?owner_id={rep.id}"
    shared = await client.get(pushed)  # the link a colleague opens
    assert card_ids(shared.text) == [mine.id]
    assert f'<option value="{rep.id}" selected>' in shared.text
    assert DealFilter.from_query(dict(parse_qsl(urlsplit(pushed).query))).query_string() == f"owner_id={rep.id}"


async def test_the_boards_query_count_does_not_grow_with_the_number_of_deals(
    login, rep, manager, make_deal, make_task, count_queries
):
    stages = ["リード", "商談化", "提案", "見積提出", "交渉"]
    for name in stages[:3]:
        await make_deal(rep, name, amount_jpy="100000", expected_close_date=CLOSE)
    client = await login(manager)
    statements = count_queries()
    await client.get("/pipeline")
    few = len(statements)

    for n in range(27):
        deal = await make_deal(
            rep if n % 2 else manager,
            stages[n % 5],
            amount_jpy=str(10_000 * (n + 1)),
            expected_close_date=CLOSE,
            next_action=n % 3 != 0,
        )
        if n % 4 == 0:
            await make_task(manager, deal, title=f"追加のタスク{n}", due_in_days=-2)
    statements.clear()
    r = await client.get("/pipeline")

    assert len(card_ids(r.text)) == 30
    assert len(statements) == few, "\n".join(statements)
    # session, pipelines with their stages, column totals, every column's cards (one statement for all
    # five columns), their next actions, the filter's owners and teams (one statement)
    assert few <= 6, "\n".join(statements)


async def test_a_column_loads_its_next_cards_after_the_cursor(login, rep, make_deal, stage):
    deals = [await make_deal(rep, "提案", title=f"案件{n:02d}") for n in range(23)]
    client = await login(rep)

    first = await client.get("/pipeline")
    link = re.search(r'class="more-cards" href="([^"]+)"', first.text)
    assert link, "a column with more cards than the page offers more"
    rest = await client.get(link[1].replace("&amp;", "&"), headers=HTMX)

    assert rest.status_code == 200 and "<html" not in rest.text
    shown = card_ids(first.text) + card_ids(rest.text)
    assert sorted(shown) == sorted(d.id for d in deals)
    assert "more-cards" not in rest.text  # the last page has no further link
    no_js = await client.get(link[1].replace("&amp;", "&"))
    assert "<html" in no_js.text and set(card_ids(no_js.text)) == set(card_ids(rest.text))


# --- moving ------------------------------------------------------------------------------


async def test_rep_moves_a_card_and_gets_it_back_with_both_columns_new_totals(login, rep, make_deal, stage, db):
    deal = await make_deal(rep, "提案", amount_jpy="2000000", expected_close_date=CLOSE)
    await make_deal(rep, "提案", amount_jpy="500000")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("見積提出")), headers=HTMX)

    assert r.status_code == 200 and "<html" not in r.text
    assert card_ids(r.text) == [deal.id]
    assert f'data-version="{(await reload(db, deal)).version}"' in r.text
    assert figures(r.text, stage("提案")) == "1件 合計 ¥500,000 加重 ¥200,000"
    assert figures(r.text, stage("見積提出")) == "1件 合計 ¥2,000,000 加重 ¥1,200,000"
    assert f'id="figures-{stage("提案").id}" class="column-figures" hx-swap-oob="true"' in r.text
    assert "見積提出に移動しました" in r.text
    assert (await reload(db, deal)).stage_id == stage("見積提出").id


async def test_the_totals_in_a_moves_answer_follow_the_boards_filters(login, rep, manager, make_deal, stage):
    deal = await make_deal(rep, "提案", amount_jpy="100000", expected_close_date=CLOSE)
    await make_deal(manager, "見積提出", amount_jpy="900000", expected_close_date=CLOSE)
    client = await login(manager)

    r = await client.post(
        f"/deals/{deal.id}/move?owner_id={rep.id}", data=move_data(deal, stage("見積提出")), headers=HTMX
    )

    assert figures(r.text, stage("見積提出")).startswith("1件 合計 ¥100,000")


async def test_moving_into_quote_submitted_without_an_amount_answers_the_form_for_what_is_missing(
    login, rep, make_deal, stage, db
):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    r = await client.post(
        f"/deals/{deal.id}/move", data=move_data(deal, stage("見積提出"), after_id="", before_id=""), headers=HTMX
    )

    assert r.status_code == 422
    assert '<dialog id="move-dialog"' in r.text and "<html" not in r.text
    assert 'name="amount_jpy"' in r.text and 'name="expected_close_date"' in r.text
    assert 'name="lost_reason_id"' not in r.text
    assert r.text.count("このステージに進むには入力が必要です。") == 2
    assert f'name="stage_id" value="{stage("見積提出").id}"' in r.text

    filled = move_data(deal, stage("見積提出"), amount_jpy="120万", expected_close_date="2027/01/31")
    done = await client.post(f"/deals/{deal.id}/move", data=filled, headers=HTMX)

    assert done.status_code == 200
    saved = await reload(db, deal)
    assert (saved.stage_id, saved.amount_jpy) == (stage("見積提出").id, 1_200_000)


async def test_moving_to_lost_asks_for_a_reason_from_the_active_list(login, rep, make_deal, stage):
    deal = await make_deal(rep, "交渉", amount_jpy="500000", expected_close_date=CLOSE)
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("失注")), headers=HTMX)

    assert r.status_code == 422
    assert 'name="lost_reason_id"' in r.text and ">価格</option>" in r.text
    assert 'name="lost_note"' in r.text and 'name="closed_on"' in r.text


async def test_a_move_that_leaves_the_deal_without_a_next_action_prompts_for_one(login, rep, make_deal, stage):
    deal = await make_deal(rep, "リード", next_action=False)
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("商談化")), headers=HTMX)

    assert r.status_code == 200
    assert "data-prompt-next" in r.text and f'id="new-task-deal-{deal.id}"' in r.text
    assert '<details class="card-next add-next" open>' in r.text


async def test_the_next_action_a_move_asks_for_may_be_given_in_business_days(db, login, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード", next_action=False)
    client = await login(rep)
    data = move_data(deal, stage("商談化")) | {"next_title": "初回訪問", "next_kind": "visit", "next_due_in": "5"}

    r = await client.post(f"/deals/{deal.id}/move", data=data, headers=HTMX)

    assert r.status_code == 200, r.text
    task = await db.scalar(select(Task).where(Task.title == "初回訪問"))
    assert task.due_on == (await business_calendar(db)).add(clock.today(), 5) and task.deal_id == deal.id


async def test_rep_moving_a_card_someone_moved_meanwhile_gets_409_saying_where_it_is_now(
    login, rep, manager, make_deal, stage, db
):
    deal = await make_deal(rep, "提案", amount_jpy="500000", expected_close_date=CLOSE)
    rep_tab, manager_tab = await login(rep), await login(manager)
    drawn = move_data(deal, stage("見積提出"))  # both boards were drawn with this version
    assert (
        await manager_tab.post(f"/deals/{deal.id}/move", data=drawn | {"stage_id": str(stage("交渉").id)}, headers=HTMX)
    ).status_code == 200

    r = await rep_tab.post(f"/deals/{deal.id}/move", data=drawn, headers=HTMX)

    assert r.status_code == 409
    assert "交渉" in r.text and 'role="alert"' in r.text and "<html" not in r.text
    assert (await reload(db, deal)).stage_id == stage("交渉").id  # the manager's move stands
    no_js = await rep_tab.post(f"/deals/{deal.id}/move", data=drawn)
    assert no_js.status_code == 409


async def test_rep_may_not_move_a_teammates_deal(login, rep, make_user, team_east, make_deal, stage, db):
    teammate = await make_user(Role.rep, team_east)
    deal = await make_deal(teammate, "提案")
    client = await login(rep)

    r = await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("商談化")), headers=HTMX)

    assert r.status_code == 403
    assert (await reload(db, deal)).stage_id == stage("提案").id


async def test_a_rep_of_another_team_does_not_even_see_the_deal(login, rep, other_rep, make_deal, stage):
    deal = await make_deal(rep, "提案")
    client = await login(other_rep)

    assert (
        await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("商談化")), headers=HTMX)
    ).status_code == 404
    assert (await client.get(f"/deals/{deal.id}/move")).status_code == 404


async def test_the_teams_manager_moves_a_reps_deal(login, rep, manager, make_deal, stage, db):
    deal = await make_deal(rep, "提案")
    client = await login(manager)

    r = await client.post(f"/deals/{deal.id}/move", data=move_data(deal, stage("商談化")), headers=HTMX)

    assert r.status_code == 200
    assert (await reload(db, deal)).stage_id == stage("商談化").id


async def test_a_reorder_within_the_column_keeps_the_dropped_order(login, rep, make_deal, stage):
    first, second, third = [await make_deal(rep, "提案", title=f"順番{n}") for n in range(3)]
    client = await login(rep)
    board = await client.get("/pipeline")
    before = card_ids(board.text)

    top, below = before[0], before[1]
    moving = before[2]
    r = await client.post(
        f"/deals/{moving}/move",
        data={"stage_id": str(stage("提案").id), "version": "0", "after_id": str(top), "before_id": str(below)},
        headers=HTMX,
    )

    assert r.status_code == 200
    assert card_ids((await client.get("/pipeline")).text) == [top, moving, below]
    assert {first.id, second.id, third.id} == set(before)


# --- without JavaScript ------------------------------------------------------------------


async def test_without_javascript_the_move_page_posts_and_redirects_back_to_the_filtered_board(
    login, rep, make_deal, stage, db, pipeline
):
    deal = await make_deal(rep, "提案")
    client = await login(rep)

    page = await client.get(f"/deals/{deal.id}/move?owner_id={rep.id}")
    assert page.status_code == 200
    assert 'name="stage_id"' in page.text and f'action="/deals/{deal.id}/move?owner_id={rep.id}"' in page.text

    missing = await client.post(f"/deals/{deal.id}/move?owner_id={rep.id}", data=move_data(deal, stage("見積提出")))
    assert missing.status_code == 422 and "<html" in missing.text and 'name="amount_jpy"' in missing.text

    r = await client.post(
        f"/deals/{deal.id}/move?owner_id={rep.id}",
        data=move_data(deal, stage("見積提出"), amount_jpy="800000", expected_close_date=CLOSE),
    )

    assert r.status_code == 303
    assert r.headers["location"] == f"/pipeline/{pipeline.id}?owner_id={rep.id}"
    assert (await reload(db, deal)).stage_id == stage("見積提出").id


async def test_completing_a_next_action_on_a_card_redraws_the_card_asking_for_the_next_one(login, rep, make_deal, db):
    from sqlalchemy import select

    from salesdesk.tasks.models import Task

    deal = await make_deal(rep, "提案")
    task = await db.scalar(select(Task).where(Task.deal_id == deal.id))
    client = await login(rep)

    step = await client.get(f"/tasks/{task.id}/complete", headers=HTMX)
    assert step.status_code == 200 and f'id="complete-{task.id}"' in step.text

    r = await client.post(f"/tasks/{task.id}/complete", data={"version": str(task.version)}, headers=HTMX)
    card = await client.get(f"/tasks/panels/card/{deal.id}", headers=HTMX)  # what the card does on the event

    assert r.status_code == 200 and f"task-changed-deal-{deal.id}" in r.headers["hx-trigger"]
    assert card_ids(card.text) == [deal.id] and "data-prompt-next" in card.text
    assert "次のアクションなし" in card.text


async def test_rep_sees_a_teammates_card_read_only(login, rep, make_user, team_east, make_deal):
    teammate = await make_user(Role.rep, team_east)
    theirs = await make_deal(teammate, "提案", title="同僚の案件")
    mine = await make_deal(rep, "提案", title="自分の案件")
    client = await login(rep)

    r = await client.get("/pipeline")

    assert set(card_ids(r.text)) == {theirs.id, mine.id}
    assert f'href="/deals/{mine.id}/move"' in r.text
    assert f'href="/deals/{theirs.id}/move"' not in r.text  # no move offered that would be refused
    assert re.search(rf'<article id="deal-{theirs.id}" class="deal-card[^"]*is-locked', r.text)


async def test_with_a_second_pipeline_the_board_offers_a_switch_and_shows_each_pipelines_stages(
    login, rep, make_deal, db, pipeline
):
    from salesdesk.pipeline.models import Pipeline, Stage

    renewals = Pipeline(
        name="更新案件",
        position=1,
        stages=[
            Stage(name="更新打診", position=0, probability=50, kind="open", rotting_days=30, required_fields=[]),
            Stage(name="更新受注", position=1, probability=100, kind="won", required_fields=[]),
            Stage(name="解約", position=2, probability=0, kind="lost", required_fields=[]),
        ],
    )
    db.add(renewals)
    await db.commit()
    await make_deal(rep, "提案", title="新規の案件")
    client = await login(rep)

    default = await client.get("/pipeline?forecast=C")
    other = await client.get(f"/pipeline/{renewals.id}")

    assert f'href="/pipeline/{renewals.id}?forecast=C"' in default.text  # the switch keeps the filters
    assert '<span class="stage-name">提案</span>' in default.text and "新規の案件" in default.text
    assert '<span class="stage-name">更新打診</span>' in other.text and "新規の案件" not in other.text
    assert '<span class="stage-name">提案</span>' not in other.text
    assert (await client.get("/pipeline/999999")).status_code == 404
