"""What the review page draws from a bridge: the waterfall's bars (server-side SVG geometry), the
changed deals grouped by category with each changed field before → after, and one bridge per rep.
No queries: everything comes from changes.Changes and the names loaded with it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from salesdesk.meetings.bridge import CATEGORIES, DealChange
from salesdesk.meetings.changes import Changes

WIDTH, HEIGHT, TOP, BOTTOM = 760, 260, 16, 40  # the chart's viewBox and its margins
SHOWN = ("new", "added", "increased", "decreased", "won", "lost", "removed")
LISTED = 20  # deals listed per category unless all are asked for


@dataclass
class Bar:
    key: str  # "start", a category, "end"
    value: int  # its yen (start/end: the total; a category: its contribution)
    count: int
    x: float
    y: float
    height: float
    width: float
    kind: str  # total | up | down


def waterfall(result: Changes) -> list[Bar]:
    """Start, each category that moved money or deals, end; a category floats from the running total."""
    steps = [("start", result.start.amount_jpy, result.start.count)]
    rows = {row.category: row for row in result.bridge}
    steps += [(c, rows[c].amount_jpy, rows[c].count) for c in SHOWN if rows[c].count]
    steps.append(("end", result.end.amount_jpy, result.end.count))
    running, levels = 0, []
    for key, value, _count in steps:
        low, high = (0, value) if key in ("start", "end") else sorted((running, running + value))
        running = value if key in ("start", "end") else running + value
        levels.append((low, high))
    top = max([high for _low, high in levels] + [1])
    bottom = min([low for low, _high in levels] + [0])
    scale = (HEIGHT - TOP - BOTTOM) / (top - bottom)
    slot = WIDTH / len(steps)
    bars = []
    for n, ((key, value, count), (low, high)) in enumerate(zip(steps, levels, strict=True)):
        kind = "total" if key in ("start", "end") else "up" if value >= 0 else "down"
        y = TOP + (top - high) * scale
        bars.append(Bar(key, value, count, n * slot + slot * 0.15, y, max((high - low) * scale, 1), slot * 0.7, kind))
    return bars


@dataclass
class FieldChange:
    field: str  # stage | amount | close | forecast | probability | owner
    before: Any
    after: Any


def field_changes(change: DealChange, stage_names: dict[int, str], user_names: dict[int, str]) -> list[FieldChange]:
    """Each tracked value that differs between the two moments (names for stages and owners)."""
    if change.before is None or change.after is None:
        return []
    b, a = change.before.state, change.after.state
    pairs = [
        ("stage", stage_names.get(b.stage_id, ""), stage_names.get(a.stage_id, "")),  # type: ignore[arg-type]
        ("amount", b.amount_jpy, a.amount_jpy),
        ("close", b.expected_close_date, a.expected_close_date),
        ("forecast", b.forecast, a.forecast),
        ("probability", b.probability, a.probability),
        ("owner", user_names.get(b.owner_id or 0, ""), user_names.get(a.owner_id or 0, "")),
    ]
    return [FieldChange(name, old, new) for name, old, new in pairs if old != new]


@dataclass
class RepRow:
    """One rep's own bridge: their deals at the start, what each category did to them, the end."""

    owner_id: int | None
    start: int = 0
    end: int = 0
    by_category: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))


def per_rep(result: Changes) -> list[RepRow]:
    """A deal handed from one rep to another leaves the first (removed) and joins the second (added)."""
    if "per_rep" not in result.derived:
        result.derived["per_rep"] = _per_rep(result)
    return result.derived["per_rep"]


def _per_rep(result: Changes) -> list[RepRow]:
    rows: dict[int | None, RepRow] = {}

    def row(owner_id: int | None) -> RepRow:
        if owner_id not in rows:
            rows[owner_id] = RepRow(owner_id)
        return rows[owner_id]

    for q in result.quiet:
        row(q.owner_id).start += q.amount_jpy
        row(q.owner_id).end += q.amount_jpy
    for change in result.deals:
        if change.quiet:
            continue
        before = change.before if change.before and change.before.in_scope else None
        after = change.after if change.after and change.after.in_scope else None
        if before:
            row(before.state.owner_id).start += before.amount
        if after:
            row(after.state.owner_id).end += after.amount
        if before and after and before.state.owner_id != after.state.owner_id:
            row(before.state.owner_id).by_category["removed"] -= before.amount
            row(after.state.owner_id).by_category["added"] += after.amount
        elif before or after:
            owner = (after or before).state.owner_id  # type: ignore[union-attr]
            row(owner).by_category[change.category] += change.amount_delta_jpy
    return sorted(rows.values(), key=lambda r: -max(r.start, r.end))


def grouped(result: Changes, *, limit: int | None = LISTED) -> list[tuple[str, list[DealChange], int]]:
    """The deals by category, biggest change first, at most `limit` of each (None: all), with each
    category's count; of the unchanged, those that changed something else (an event in the period)
    or are flagged. The page's cost follows what it lists: the figures above count every deal. The
    listed deals are copies with their own flags: details are added to them, not to a kept bridge."""
    if "grouped" not in result.derived:
        result.derived["grouped"] = _grouped(result)
    return [
        (c, [replace(d, flags=list(d.flags)) for d in deals[:limit]], len(deals))
        for c, deals in result.derived["grouped"]
    ]


def _grouped(result: Changes) -> list[tuple[str, list[DealChange]]]:
    groups = []
    for category in CATEGORIES:
        deals = [d for d in result.deals if d.category == category and (not d.quiet or d.flags)]
        if deals:
            deals.sort(key=lambda d: (-abs(d.amount_delta_jpy), d.deal_id))
            groups.append((category, deals))
    return groups
