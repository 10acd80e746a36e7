"""Pipeline administration: stages (edit, required fields then enforced by a move, order, delete), a
second pipeline, lost reasons, the sales settings; admins only, 409 on stale versions, 422 on bad input."""

import pytest
from sqlalchemy import select

from salesdesk.audit.hook import set_actor
from salesdesk.audit.models import AuditEntry
from salesdesk.errors import Forbidden, Invalid, StaleEdit
from salesdesk.pipeline import configure, forecast, moves, setup
from salesdesk.pipeline.admin_forms import SalesSettingsForm, StageForm, parse_sales_settings, parse_stage
from salesdesk.pipeline.forms import MoveForm, parse_move
from salesdesk.pipeline.models import LostReason, Pipeline, SalesSettings, Stage
from tests.pipeline.conftest import reload


def stage_form(stage, **changes):
    values = {
        "name": stage.name,
        "probability": str(stage.probability),
        "kind": stage.kind,
        "rotting_days": str(stage.rotting_days or ""),
        "version": stage.version,
    }
    return StageForm(**(values | changes))


async def names(db, pipeline_id=None):
    """The pipeline's stage names in order, as saved."""
    pipeline_id = pipeline_id or (await setup.get_pipeline(db, None)).id
    return list(await db.scalars(select(Stage.name).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)))


async def test_admin_edits_a_stage_and_the_audit_log_records_it(db, admin, stage):
    proposal = stage("提案")
    set_actor(db, admin)

    await configure.update_stage(
        db,
        admin,
        proposal.id,
        parse_stage(
            stage_form(proposal, name="ご提案", probability="35", rotting_days="10"), ["amount_jpy", "competitors"]
        ),
    )
    await db.commit()

    saved = await setup.get_stage(db, proposal.id)
    assert (saved.name, saved.probability, saved.rotting_days) == ("ご提案", 35, 10)
    assert saved.required_fields == ["amount_jpy", "competitors"]
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.entity == "stages", AuditEntry.action == "update"))
    assert entry.actor_id == admin.id and entry.changes["name"] == ["提案", "ご提案"]


async def test_a_field_the_admin_makes_required_is_then_asked_for_by_a_move(db, admin, rep, make_deal, stage, clock):
    proposal = stage("提案")
    await configure.update_stage(
        db, admin, proposal.id, parse_stage(stage_form(proposal), ["competitors", "challenges"])
    )
    await db.commit()
    deal = await make_deal(rep, "商談化")

    with pytest.raises(Invalid) as error:
        await moves.move_deal(
            db, rep, clock, deal.id, parse_move(MoveForm(stage_id=str(proposal.id), version=deal.version))
        )

    assert error.value.errors == {"competitors": "stage.requires", "challenges": "stage.requires"}


async def test_bad_stage_input_is_refused_field_by_field(db, admin, stage):
    quote = stage("見積提出")

    with pytest.raises(Invalid) as error:
        await configure.update_stage(
            db,
            admin,
            quote.id,
            parse_stage(stage_form(quote, name=" ", probability="150", kind="maybe", rotting_days="-3"), ["budget"]),
        )

    assert error.value.errors == {
        "name": "required",
        "probability": "probability.invalid",
        "kind": "choice.invalid",
        "rotting_days": "rotting_days.invalid",
        "required_fields": "choice.invalid",
    }


async def test_a_stage_with_deals_is_not_deleted_nor_changes_its_kind(db, admin, rep, make_deal, stage):
    await make_deal(rep, "提案")
    proposal = stage("提案")

    with pytest.raises(Invalid) as deleting:
        await configure.delete_stage(db, admin, proposal.id, seen_version=proposal.version)
    with pytest.raises(Invalid) as changing:
        await configure.update_stage(db, admin, proposal.id, parse_stage(stage_form(proposal, kind="won"), []))

    assert deleting.value.errors == {"stage": "stage.has_deals"}
    assert changing.value.errors == {"kind": "stage.kind_has_deals"}


async def test_admin_deletes_an_empty_stage_and_the_order_closes_up(db, admin, stage):
    await configure.delete_stage(db, admin, stage("商談化").id, seen_version=stage("商談化").version)
    await db.commit()

    assert await names(db) == ["リード", "提案", "見積提出", "交渉", "受注", "失注"]
    positions = await db.scalars(
        select(Stage.position).where(Stage.pipeline_id == stage("リード").pipeline_id).order_by(Stage.position)
    )
    assert list(positions) == list(range(6))


async def test_a_pipeline_keeps_an_open_a_won_and_a_lost_stage(db, admin, stage):
    won, lost = stage("受注"), stage("失注")

    with pytest.raises(Invalid) as deleting:
        await configure.delete_stage(db, admin, won.id, seen_version=won.version)
    with pytest.raises(Invalid) as changing:
        await configure.update_stage(db, admin, lost.id, parse_stage(stage_form(lost, kind="open"), []))

    assert deleting.value.errors == {"stage": "stage.last_of_kind"}
    assert changing.value.errors == {"kind": "stage.last_of_kind"}


async def test_admin_reorders_stages_up_and_down(db, admin, stage):
    await configure.move_stage(db, admin, stage("交渉").id, direction="up", seen_version=stage("交渉").version)
    await db.commit()
    assert await names(db) == ["リード", "商談化", "提案", "交渉", "見積提出", "受注", "失注"]

    lead = await setup.get_stage(db, stage("リード").id)
    await configure.move_stage(db, admin, lead.id, direction="up", seen_version=lead.version)  # already first
    await configure.move_stage(db, admin, lead.id, direction="down", seen_version=lead.version)
    await db.commit()
    assert (await names(db))[:2] == ["商談化", "リード"]


async def test_a_new_open_stage_comes_after_the_last_open_one(db, admin, pipeline):
    await configure.add_stage(
        db,
        admin,
        pipeline.id,
        parse_stage(StageForm(name="稟議中", probability="90", rotting_days="7"), ["amount_jpy"]),
    )
    await db.commit()

    assert await names(db) == ["リード", "商談化", "提案", "見積提出", "交渉", "稟議中", "受注", "失注"]
    with pytest.raises(Invalid) as error:
        await configure.add_stage(db, admin, pipeline.id, parse_stage(StageForm(name="稟議中", probability="90"), []))
    assert error.value.errors == {"name": "stage.name_taken"}


async def test_admin_creates_a_renewals_pipeline_from_the_default_stages_and_makes_it_default(db, admin, pipeline):
    renewals = await configure.create_pipeline(db, admin, name="更新案件", copy_from_id=pipeline.id)
    await db.commit()

    assert await names(db, renewals.id) == await names(db, pipeline.id)
    await configure.make_default_pipeline(db, admin, renewals.id, seen_version=renewals.version)
    await db.commit()
    assert (await setup.get_pipeline(db, None)).name == "更新案件"
    assert [p.name for p in await db.scalars(select(Pipeline).where(Pipeline.is_default))] == ["更新案件"]
    with pytest.raises(Invalid) as error:
        await configure.create_pipeline(db, admin, name="更新案件", copy_from_id=pipeline.id)
    assert error.value.errors == {"name": "pipeline.name_taken"}


async def test_lost_reasons_are_added_renamed_reordered_and_deactivated(db, admin, pipeline):
    reason = await configure.add_lost_reason(db, admin, name="導入時期が合わない")
    await configure.rename_lost_reason(db, admin, reason.id, name="導入時期の不一致", seen_version=reason.version)
    await configure.move_lost_reason(db, admin, reason.id, direction="up", seen_version=reason.version)
    await configure.set_lost_reason_active(db, admin, reason.id, active=False, seen_version=reason.version)
    await db.commit()

    every = [r.name for r in await setup.list_lost_reasons(db, active_only=False)]
    offered = [r.name for r in await setup.list_lost_reasons(db)]
    assert every[-2:] == ["導入時期の不一致", "その他"]
    assert "導入時期の不一致" not in offered and len(offered) == len(every) - 1


async def test_a_lost_reason_deals_gave_is_never_deleted_but_an_unused_one_is(db, admin, rep, make_deal, stage, clock):
    price = await db.scalar(select(LostReason).where(LostReason.name == "価格"))
    deal = await make_deal(rep, "提案")
    await moves.move_deal(
        db,
        rep,
        clock,
        deal.id,
        parse_move(MoveForm(stage_id=str(stage("失注").id), version=deal.version, lost_reason_id=str(price.id))),
    )
    await db.commit()
    unused = await db.scalar(select(LostReason).where(LostReason.name == "その他"))

    with pytest.raises(Invalid) as error:
        await configure.delete_lost_reason(db, admin, price.id, seen_version=price.version)
    await configure.delete_lost_reason(db, admin, unused.id, seen_version=unused.version)
    await db.commit()

    assert error.value.errors == {"lost_reason": "lost_reason.in_use"}
    assert "その他" not in [r.name for r in await setup.list_lost_reasons(db, active_only=False)]
    assert (await reload(db, deal)).lost_reason_id == price.id


async def test_the_fiscal_start_month_moves_the_forecasts_months(db, admin, manager, pipeline):
    settings = await db.scalar(select(SalesSettings))
    await configure.update_sales_settings(
        db, admin, parse_sales_settings(SalesSettingsForm(fiscal_year_start_month="10", version=settings.version))
    )
    await db.commit()

    result = await forecast.forecast(db, manager, fy=2026)

    assert (result.first.isoformat(), result.last.isoformat()) == ("2026-10-01", "2027-09-30")
    assert [m.month for m in result.months[:4]] == [10, 11, 12, 1]


async def test_requiring_next_actions_makes_a_move_without_one_refused(db, admin, rep, make_deal, stage, clock):
    deal = await make_deal(rep, "リード", next_action=False)
    settings = await db.scalar(select(SalesSettings))
    await configure.update_sales_settings(
        db,
        admin,
        parse_sales_settings(
            SalesSettingsForm(fiscal_year_start_month="4", require_next_action="1", version=settings.version)
        ),
    )
    await db.commit()

    with pytest.raises(Invalid) as error:
        await moves.move_deal(
            db, rep, clock, deal.id, parse_move(MoveForm(stage_id=str(stage("商談化").id), version=deal.version))
        )

    assert error.value.errors == {"next_title": "next_action.required"}


async def test_a_bad_fiscal_month_is_refused(db, admin, pipeline):
    settings = await db.scalar(select(SalesSettings))

    with pytest.raises(Invalid) as error:
        await configure.update_sales_settings(
            db, admin, parse_sales_settings(SalesSettingsForm(fiscal_year_start_month="13", version=settings.version))
        )

    assert error.value.errors == {"fiscal_year_start_month": "month.invalid"}


async def test_only_admins_configure(db, rep, manager, pipeline, stage):
    for actor in (rep, manager):
        with pytest.raises(Forbidden):
            await configure.configuration(db, actor)
        with pytest.raises(Forbidden):
            await configure.update_stage(db, actor, stage("提案").id, parse_stage(stage_form(stage("提案")), []))
        with pytest.raises(Forbidden):
            await configure.add_lost_reason(db, actor, name="x")


async def test_saving_from_a_stale_version_is_refused(db, admin, stage):
    proposal = stage("提案")
    drawn = stage_form(proposal)  # two admins opened the form
    await configure.update_stage(db, admin, proposal.id, parse_stage(stage_form(proposal, probability="45"), []))
    await db.commit()

    with pytest.raises(StaleEdit):
        await configure.update_stage(db, admin, proposal.id, parse_stage(drawn, []))
    assert (await setup.get_stage(db, proposal.id)).probability == 45


# --- the pages -------------------------------------------------------------------------------


async def test_admin_reads_the_pipeline_settings_in_japanese(login, admin, pipeline):
    client = await login(admin)

    r = await client.get("/admin/pipelines")

    assert r.status_code == 200
    assert "パイプライン設定" in r.text and "新規営業" in r.text and "見積提出" in r.text
    assert "金額" in r.text and "受注予定日" in r.text and "失注理由" in r.text and "期首月" in r.text
    assert "次のアクションを必須にする" in r.text


async def test_admin_adds_a_stage_through_the_page(login, admin, pipeline, db):
    client = await login(admin)

    r = await client.post(
        f"/admin/pipelines/{pipeline.id}/stages",
        data={
            "name": "稟議中",
            "probability": "90",
            "kind": "open",
            "rotting_days": "7",
            "required_fields": ["amount_jpy", "expected_close_date"],
        },
    )

    assert r.status_code == 303 and r.headers["location"].startswith("/admin/pipelines#stage-")
    added = await db.scalar(select(Stage).where(Stage.pipeline_id == pipeline.id, Stage.name == "稟議中"))
    assert added.required_fields == ["amount_jpy", "expected_close_date"] and added.rotting_days == 7


async def test_a_refused_stage_edit_comes_back_with_the_input_and_the_reason(login, admin, stage):
    client = await login(admin)
    proposal = stage("提案")

    r = await client.post(
        f"/admin/stages/{proposal.id}",
        data={
            "name": "提案中",
            "probability": "150",
            "kind": "open",
            "rotting_days": "21",
            "version": proposal.version,
            "required_fields": ["competitors"],
        },
    )

    assert r.status_code == 422
    assert 'value="提案中"' in r.text and 'value="150"' in r.text
    assert 'value="competitors" checked' in r.text
    assert "確度は0〜100で入力してください。" in r.text


async def test_deleting_a_stage_with_deals_says_why(login, admin, rep, make_deal, stage):
    await make_deal(rep, "提案")
    client = await login(admin)

    r = await client.post(f"/admin/stages/{stage('提案').id}/delete", data={"version": stage("提案").version})

    assert r.status_code == 422
    assert "このステージにはまだ案件があります。先に別のステージへ移動してください。" in r.text


async def test_a_manager_gets_403_on_the_settings(login, manager, pipeline):
    client = await login(manager)

    assert (await client.get("/admin/pipelines")).status_code == 403
    assert (await client.post("/admin/lost-reasons", data={"name": "x"})).status_code == 403
