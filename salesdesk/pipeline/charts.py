"""Geometry of the forecast's server-rendered SVG charts (templates/pipeline/_charts.html draws them).

The month chart puts two bars in each month: won (solid) and the open pipeline (outlined, its
raw total) with the weighted part filled lighter inside it. Its axis counts in 万円 or 百万円
(thousands or millions of yen in English) with round steps, so a glance reads the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from salesdesk.i18n import EN_MONTHS, current_locale, gettext
from salesdesk.pipeline.forecast import Figures
from salesdesk.pipeline.funnel import Funnel

WIDTH, HEIGHT = 1000, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 30, 46  # room for the axis labels and the month names
BAR = 24  # width of each bar
FUNNEL_WIDTH, FUNNEL_ROW, FUNNEL_LABEL, FUNNEL_BAR = 470, 34, 100, 240


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass
class MonthGroup:
    label: str  # 4月 / Apr
    year_label: str  # the calendar year under the first month and under January
    center: float
    won: Bar
    open: Bar  # raw open pipeline (outline)
    weighted: Bar  # the weighted part (lighter fill)
    current: bool  # today's month


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class MonthChart:
    width: int
    height: int
    left: int
    right: float
    baseline: float
    ticks: list[Tick]
    unit: str
    groups: list[MonthGroup]


def nice_step(top: int) -> int:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ yen) that divides 0..top into about four parts."""
    raw = max(top, 1) / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return 10 * magnitude


def unit_for(top: int, locale: str) -> tuple[int, str]:
    """The axis unit: 万円 below 1億 and 百万円 above in Japanese; thousands or millions of yen in English."""
    if locale == "ja":
        return (10_000, "万円") if top < 100_000_000 else (1_000_000, "百万円")
    return (1_000, gettext("¥ thousands")) if top < 10_000_000 else (1_000_000, gettext("¥ millions"))


def axis_label(value: int, divisor: int) -> str:
    amount = (Decimal(value) / divisor).normalize()
    return f"{amount:,f}" if amount == amount.to_integral_value() else f"{amount:,.1f}"


def month_label(month: date, locale: str) -> str:
    return f"{month.month}月" if locale == "ja" else EN_MONTHS[month.month - 1]


def month_chart(months: list[date], figures: list[Figures], today: date) -> MonthChart:
    locale = current_locale.get()
    # An empty year still gets a readable scale (0 … 100万円), not steps of one yen.
    top_value = max([max(f.won_jpy, f.raw_jpy) for f in figures] + [1_000_000])
    step = nice_step(top_value)
    top = max(step, -(-top_value // step) * step)
    divisor, unit = unit_for(top, locale)
    baseline, plot_height = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - RIGHT) / len(months)

    def bar(x: float, value: int) -> Bar:
        height = plot_height * value / top
        return Bar(round(x, 1), round(baseline - height, 1), BAR, round(height, 1), value)

    groups = []
    for n, (month, f) in enumerate(zip(months, figures, strict=True)):
        center = LEFT + slot * (n + 0.5)
        year_label = (f"{month.year}年" if locale == "ja" else str(month.year)) if n == 0 or month.month == 1 else ""
        groups.append(
            MonthGroup(
                month_label(month, locale),
                year_label,
                round(center, 1),
                won=bar(center - BAR - 2, f.won_jpy),
                open=bar(center + 2, f.raw_jpy),
                weighted=bar(center + 2, f.weighted_jpy),
                current=(month.year, month.month) == (today.year, today.month),
            )
        )
    ticks = [Tick(round(baseline - plot_height * v / top, 1), axis_label(v, divisor)) for v in range(0, top + 1, step)]
    return MonthChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, ticks, unit, groups)


@dataclass
class FunnelRow:
    name: str
    y: float
    width: float
    reached: int
    of_first: float | None
    conversion: float | None
    won: bool


@dataclass
class FunnelChart:
    width: int
    height: int
    label_width: int
    bar_width: int
    rows: list[FunnelRow]


def funnel_chart(funnel: Funnel) -> FunnelChart:
    first = max((s.reached for s in funnel.steps), default=0)
    rows = [
        FunnelRow(
            step.stage.name,
            8 + n * FUNNEL_ROW,
            round(FUNNEL_BAR * step.reached / first, 1) if first else 0,
            step.reached,
            step.of_first,
            step.conversion,
            step.stage.is_won,
        )
        for n, step in enumerate(funnel.steps)
    ]
    return FunnelChart(FUNNEL_WIDTH, 16 + FUNNEL_ROW * len(rows), FUNNEL_LABEL, FUNNEL_BAR, rows)
