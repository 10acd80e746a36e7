"""The deal list (sortable table) with its CSV/XLSX export, and the forecast page."""

from __future__ import annotations

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.accounts.exporting import ExportFile
from salesdesk.auth.models import User
from salesdesk.deps import DB, Actor
from salesdesk.ids import parse_id
from salesdesk.pipeline import charts, filters, listing, yomi
from salesdesk.pipeline import forecast as forecasting
from salesdesk.pipeline.filters import PERIODS, STALE, DealFilter
from salesdesk.web import Page, render


@get("/pipeline/list")
async def deal_list(request: Request, db_session: DB, actor: Actor) -> Page:
    f = DealFilter.from_query(request.query_params)
    result = await listing.list_deals(db_session, actor, f)
    choices = await filters.filter_choices(db_session, actor)
    return render("pipeline/list.html", block="results", result=result, f=f, periods=PERIODS, stale=STALE, **choices)


@get("/pipeline/export")
async def deal_export(request: Request, db_session: DB, actor: Actor) -> Response:
    params = request.query_params
    exported = await listing.export_deals(
        db_session,
        actor,
        DealFilter.from_query(params),
        format=params.get("format") or "csv",
        encoding=params.get("encoding") or "utf-8-sig",
    )
    return _download(exported)


async def _forecast(request: Request, db: AsyncSession, actor: User) -> forecasting.Forecast:
    params = request.query_params
    return await forecasting.forecast(
        db,
        actor,
        fy=parse_id(params.get("fy") or ""),
        pipeline_id=parse_id(params.get("pipeline_id") or ""),
        owner_id=parse_id(params.get("owner_id") or ""),
        team_id=parse_id(params.get("team_id") or ""),
        cohort=params.get("cohort") or "fy",
    )


def _download(exported: ExportFile) -> Response:
    return Response(
        exported.content,
        media_type=exported.media_type,
        encoding=exported.charset,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "X-Replaced-Characters": str(exported.replaced),
        },
    )


@get("/pipeline/forecast/export")
async def forecast_export(request: Request, db_session: DB, actor: Actor) -> Response:
    """The ヨミ表 of the forecast's filters as CSV or XLSX."""
    params = request.query_params
    result = await _forecast(request, db_session, actor)
    return _download(
        yomi.export(result, format=params.get("format") or "csv", encoding=params.get("encoding") or "utf-8-sig")
    )


@get("/pipeline/forecast")
async def forecast_page(request: Request, db_session: DB, actor: Actor) -> Page:
    result = await _forecast(request, db_session, actor)
    choices = await filters.filter_choices(db_session, actor)
    return render(
        "pipeline/forecast.html",
        block="forecast",
        result=result,
        chart=charts.month_chart(result.months, result.by_month, result.today),
        funnel=charts.funnel_chart(result.funnel),
        **choices,
    )


ROUTES = [deal_list, deal_export, forecast_export, forecast_page]
