"""forecast_cells and funnel_cells: the forecast's sums, kept by triggers on deals

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 11:00:00

The forecast summed every deal of the fiscal year on each view (its open and won cells, and the funnel
of every cohort deal's stage history), so it cost five times as much at 50,000 deals as at 10,000. The
sums are now kept beside the deals, in the same transaction as every change of a deal, by triggers: no
write path (the app, an import, a restore, psql) can leave them behind, and the forecast reads a few
rows per owner and month instead of every deal.

- forecast_cells: per (stage, owner, 'close' month | 'won' month) the deals, their amount, the amount
  of those at the stage's probability, Σ amount × own probability, and the amount by ヨミ A/B/C.
- funnel_cells: per (pipeline, owner, month created in UTC, stages entered, stage now) the deals.
  deals.stages_entered (',3,5,7,') is every stage the deal entered: each stage it was in (its row) and
  each its history names (deal_events), so the funnel can rank them by the stages' order when it is read.

Owner 0 is nobody's; month 0 is no date (both keys are NOT NULL so the upserts meet on them).
A cell whose deals all left keeps a row of zeros; readers skip it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = ("deals", "amount_jpy", "stage_odds_jpy", "own_odds", "a_jpy", "b_jpy", "c_jpy")
FORECAST_KEY = ("stage_id", "owner_key", "kind", "month")
FUNNEL_KEY = ("pipeline_id", "owner_key", "month", "entered", "stage_id")
FORECAST_COLUMNS = ("stage_id", "owner_id", "expected_close_date", "won_on", "amount_jpy", "probability", "forecast")
FUNNEL_COLUMNS = ("pipeline_id", "owner_id", "created_at", "stages_entered", "stage_id")


def _month(dialect: str, value: str, *, utc: bool = False) -> str:
    """yyyymm of a date (or of a UTC timestamp), 0 for none."""
    if dialect == "sqlite":
        return f"coalesce(CAST(strftime('%Y%m', {value}) AS INTEGER), 0)"
    value = f"({value} AT TIME ZONE 'UTC')" if utc else value
    return f"coalesce(CAST(to_char({value}, 'YYYYMM') AS INTEGER), 0)"


def _forecast_rows(dialect: str, row: str, sign: int, source: str = "") -> list[str]:
    """SELECTs of what one deal (NEW or OLD; or each deal of `source`) adds to its cells: its close
    month's, and its won month's."""
    amount = f"coalesce({row}.amount_jpy, 0)"

    def when(condition: str) -> str:
        return f"{sign} * CASE WHEN {condition} THEN {amount} ELSE 0 END"

    by_forecast = ", ".join(f"{when(f'{row}.forecast = {rank!r}')} AS {rank.lower()}_jpy" for rank in "ABC")
    close = (
        f"SELECT {row}.stage_id AS stage_id, coalesce({row}.owner_id, 0) AS owner_key, 'close' AS kind, "
        f"{_month(dialect, f'{row}.expected_close_date')} AS month, {sign} AS deals, {sign} * {amount} AS amount_jpy, "
        f"{when(f'{row}.probability IS NULL')} AS stage_odds_jpy, "
        f"{sign} * coalesce({row}.amount_jpy * {row}.probability, 0) AS own_odds, {by_forecast}{source}"
    )
    won = (
        f"SELECT {row}.stage_id, coalesce({row}.owner_id, 0), 'won', {_month(dialect, f'{row}.won_on')}, "
        f"{sign}, {sign} * {amount}, 0, 0, 0, 0, 0{source} WHERE {row}.won_on IS NOT NULL"
    )
    return [close, won]


def _funnel_rows(dialect: str, row: str, sign: int, source: str = "") -> list[str]:
    return [
        f"SELECT {row}.pipeline_id AS pipeline_id, coalesce({row}.owner_id, 0) AS owner_key, "
        f"{_month(dialect, f'{row}.created_at', utc=True)} AS month, {row}.stages_entered AS entered, "
        f"{row}.stage_id AS stage_id, {sign} AS deals{source}"
    ]


def _upsert(table: str, key: tuple[str, ...], figures: tuple[str, ...], rows: list[str]) -> str:
    """Add the rows' figures to their cells, one upsert per cell in the key's order (PostgreSQL then
    locks the cells of concurrent writes in one order)."""
    columns = ", ".join((*key, *figures))
    sums = ", ".join(f"sum({f})" for f in figures)
    keys = ", ".join(key)
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in figures)
    union = " UNION ALL ".join(rows)
    return (
        f"INSERT INTO {table} ({columns}) SELECT {keys}, {sums} FROM ({union}) AS d WHERE true "
        f"GROUP BY {keys} ORDER BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    )


def _statements(dialect: str, table: str, op_name: str) -> str:
    key, figures, rows = (
        (FORECAST_KEY, FIGURES, _forecast_rows) if table == "forecast_cells" else (FUNNEL_KEY, ("deals",), _funnel_rows)
    )
    parts = {"insert": [("NEW", 1)], "delete": [("OLD", -1)], "update": [("OLD", -1), ("NEW", 1)]}[op_name]
    return _upsert(table, key, figures, [r for row, sign in parts for r in rows(dialect, row, sign)])


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


def _triggers(dialect: str) -> list[str]:
    """The DDL of every trigger (and PostgreSQL function) that keeps the cells and stages_entered."""
    events = {"insert": "AFTER INSERT", "delete": "AFTER DELETE", "update": "AFTER UPDATE"}
    tracked = {"forecast_cells": FORECAST_COLUMNS, "funnel_cells": FUNNEL_COLUMNS}
    append = "stages_entered || {v} || ','"
    ddl = []
    for table, columns in tracked.items():
        for op_name, event in events.items():
            name = f"deals_{table}_{op_name}"
            body = _statements(dialect, table, op_name)
            when = f" WHEN ({_changed(columns)})" if op_name == "update" else ""
            if dialect == "sqlite":
                of = f" OF {', '.join(columns)}" if op_name == "update" else ""
                sqlite_when = when.replace("IS DISTINCT FROM", "IS NOT")
                ddl.append(f"CREATE TRIGGER {name} {event}{of} ON deals FOR EACH ROW{sqlite_when} BEGIN {body}; END")
            else:
                ddl.append(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
                )
                ddl.append(f"CREATE TRIGGER {name} {event} ON deals FOR EACH ROW{when} EXECUTE FUNCTION {name}()")
    if dialect == "sqlite":
        entered = append.format(v="NEW.stage_id")
        missing = "instr(stages_entered, ',' || NEW.stage_id || ',') = 0"
        ddl += [
            f"CREATE TRIGGER deals_stages_entered_insert AFTER INSERT ON deals FOR EACH ROW BEGIN "
            f"UPDATE deals SET stages_entered = {entered} WHERE id = NEW.id AND {missing}; END",
            f"CREATE TRIGGER deals_stages_entered_update AFTER UPDATE OF stage_id ON deals FOR EACH ROW BEGIN "
            f"UPDATE deals SET stages_entered = {entered} WHERE id = NEW.id AND {missing}; END",
            "CREATE TRIGGER deal_events_stages_entered AFTER INSERT ON deal_events FOR EACH ROW "
            "WHEN NEW.field = 'stage_id' AND coalesce(NEW.new_value, '') <> '' BEGIN "
            f"UPDATE deals SET stages_entered = {append.format(v='NEW.new_value')} WHERE id = NEW.deal_id "
            "AND instr(stages_entered, ',' || NEW.new_value || ',') = 0; END",
        ]
    else:
        ddl += [
            "CREATE FUNCTION deals_stages_entered() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF position(',' || NEW.stage_id || ',' IN NEW.stages_entered) = 0 THEN "
            f"NEW.stages_entered := NEW.{append.format(v='NEW.stage_id')}; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER deals_stages_entered BEFORE INSERT OR UPDATE OF stage_id ON deals "
            "FOR EACH ROW EXECUTE FUNCTION deals_stages_entered()",
            "CREATE FUNCTION deal_events_stages_entered() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE deals SET stages_entered = {append.format(v='NEW.new_value')} WHERE id = NEW.deal_id "
            "AND position(',' || NEW.new_value || ',' IN stages_entered) = 0; RETURN NULL; END $$",
            "CREATE TRIGGER deal_events_stages_entered AFTER INSERT ON deal_events FOR EACH ROW "
            "WHEN (NEW.field = 'stage_id' AND coalesce(NEW.new_value, '') <> '') "
            "EXECUTE FUNCTION deal_events_stages_entered()",
        ]
    return ddl


TRIGGERS = [
    *(f"deals_{t}_{o}" for t in ("forecast_cells", "funnel_cells") for o in ("insert", "delete", "update")),
    "deal_events_stages_entered",
]


def _backfill(dialect: str) -> list[str]:
    """stages_entered from each deal's row and history, then the cells from the deals."""
    if dialect == "sqlite":
        entered = (
            "UPDATE deals SET stages_entered = ',' || (SELECT group_concat(v, ',') FROM ("
            "SELECT CAST(deals.stage_id AS TEXT) AS v UNION SELECT e.new_value FROM deal_events AS e "
            "WHERE e.deal_id = deals.id AND e.field = 'stage_id' AND coalesce(e.new_value, '') <> '')) || ','"
        )
    else:
        entered = (
            "UPDATE deals SET stages_entered = ',' || (SELECT string_agg(v, ',') FROM ("
            "SELECT CAST(deals.stage_id AS TEXT) AS v UNION SELECT e.new_value FROM deal_events AS e "
            "WHERE e.deal_id = deals.id AND e.field = 'stage_id' AND coalesce(e.new_value, '') <> '') AS s) || ','"
        )
    forecast = _upsert("forecast_cells", FORECAST_KEY, FIGURES, _forecast_rows(dialect, "deals", 1, " FROM deals"))
    funnel = _upsert("funnel_cells", FUNNEL_KEY, ("deals",), _funnel_rows(dialect, "deals", 1, " FROM deals"))
    return [entered, forecast, funnel]


def upgrade() -> None:
    op.add_column("deals", sa.Column("stages_entered", sa.Text(), server_default=",", nullable=False))
    op.create_table(
        "forecast_cells",
        sa.Column("stage_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_key", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        *(sa.Column(f, sa.BigInteger(), nullable=False) for f in FIGURES),
        sa.PrimaryKeyConstraint(*FORECAST_KEY, name="pk_forecast_cells"),
        sqlite_with_rowid=False,  # clustered by its key
    )
    op.create_table(
        "funnel_cells",
        sa.Column("pipeline_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_key", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Text(), nullable=False),
        sa.Column("stage_id", sa.BigInteger(), nullable=False),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*FUNNEL_KEY, name="pk_funnel_cells"),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in [*_backfill(dialect), *_triggers(dialect)]:
        bind.exec_driver_sql(statement)
    # The funnel's edges of a year (the parts of months it cuts) read a pipeline's deals by creation.
    op.create_index(
        "ix_deals_pipeline_created_cohort", "deals", ["pipeline_id", "created_at", "owner_id", "stage_id", "stages_entered"]
    )
    # The forecast no longer reads the deals for its cells.
    op.drop_index("ix_deals_stage_won_figures", table_name="deals")
    op.drop_index("ix_deals_stage_close_figures", table_name="deals")


def downgrade() -> None:
    op.create_index(
        "ix_deals_stage_close_figures",
        "deals",
        ["stage_id", "expected_close_date", "owner_id", "forecast", "amount_jpy", "probability"],
    )
    op.create_index("ix_deals_stage_won_figures", "deals", ["stage_id", "won_on", "owner_id", "amount_jpy"])
    op.drop_index("ix_deals_pipeline_created_cohort", table_name="deals")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in [*TRIGGERS, "deals_stages_entered_insert", "deals_stages_entered_update"]:
            bind.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for name in [*TRIGGERS, "deals_stages_entered"]:
            bind.exec_driver_sql(f"DROP FUNCTION {name}() CASCADE")  # and its trigger
    op.drop_table("funnel_cells")
    op.drop_table("forecast_cells")
    op.drop_column("deals", "stages_entered")
