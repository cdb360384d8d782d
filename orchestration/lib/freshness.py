"""How fresh each raw table should be: its expected cadence, and the check against the as-of date.

A table is fresh when its latest event date on or before the run's as-of date is at most
`max_lag_days` before the as-of date. Rows dated after the as-of date are ignored, so a
backfill of an old as-of date judges the data as it stood then. Tables without an event
date (customers, products, campaigns, accounts) have no cadence and are not checked.

Plain Python + DuckDB (no Dagster), so the rules are easy to test and to change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from orchestration.lib import contract as ct


@dataclass(frozen=True)
class Cadence:
    every: str  # words for the UI: "daily", "weekdays", "weekly", "monthly"
    max_lag_days: int  # as_of - latest event date may be at most this


DAILY = Cadence("daily", 1)
WEEKDAYS = Cadence("daily on weekdays", 4)  # Friday's data on a Tuesday after a Monday holiday
WEEKLY = Cadence("weekly", 8)
MONTHLY = Cadence("monthly", 35)

#: table -> expected cadence; None: a dimension table (or an event date that says nothing
#: about data arriving, such as a hire date), not checked.
CADENCES: dict[str, Cadence | None] = {
    # sales
    "customers": None,
    "products": None,
    "orders": DAILY,
    "order_lines": DAILY,  # event date = its order's order_ts
    "subscription_periods": MONTHLY,  # a new period starts at each renewal or plan change
    # marketing
    "campaigns": None,
    "marketing_spend": DAILY,
    "web_sessions": DAILY,
    "leads": DAILY,
    "social_metrics": DAILY,
    # finance
    "accounts": None,
    "gl_entries": WEEKDAYS,
    "bank_transactions": WEEKDAYS,
    "fx_rates": WEEKDAYS,
    # operations
    "production_runs": WEEKDAYS,
    "inventory_snapshots": WEEKLY,
    "shipments": DAILY,
    # customer
    "support_tickets": DAILY,
    "nps_responses": DAILY,
    # people
    "employees": None,  # hired_on: hires are rare, their absence is not staleness
    "training_records": MONTHLY,
}

assert set(CADENCES) == set(ct.TABLES), "every contract table needs a cadence (None for none)"


def checked_tables() -> list[str]:
    return [name for name, cadence in CADENCES.items() if cadence is not None]


def event_date_sql(table: str) -> str:
    """SELECT of the event dates (as DATE) of raw.<table>'s accepted rows."""
    t = ct.TABLES[table]
    if t.event_date:
        return f'select cast("{t.event_date}" as date) as d from raw."{table}"'
    if t.event_date_via:
        fk, parent, col = t.event_date_via
        pk = ct.TABLES[parent].primary_key[0]
        return f'select cast(p."{col}" as date) as d from raw."{table}" c join raw."{parent}" p on c."{fk}" = p."{pk}"'
    raise ValueError(f"{table} has no event date")


@dataclass(frozen=True)
class Freshness:
    table: str
    cadence: Cadence
    as_of: dt.date
    latest: dt.date | None  # latest event date on or before as_of; None: no rows
    rows_after_as_of: int

    @property
    def lag_days(self) -> int | None:
        return None if self.latest is None else (self.as_of - self.latest).days

    @property
    def is_fresh(self) -> bool:
        return self.lag_days is not None and self.lag_days <= self.cadence.max_lag_days

    @property
    def message(self) -> str:
        if self.latest is None:
            return f"{self.table}: no rows dated on or before {self.as_of} (expected {self.cadence.every})"
        verdict = "fresh" if self.is_fresh else "stale"
        return (
            f"{self.table}: latest event date {self.latest}, {self.lag_days} day(s) before the as-of date "
            f"{self.as_of}; expected {self.cadence.every} (at most {self.cadence.max_lag_days} day(s)): {verdict}"
        )


def table_freshness(con: duckdb.DuckDBPyConnection, table: str, as_of: dt.date) -> Freshness:
    """The latest event date is looked for first among the dates a fresh table has (at most
    max_lag_days before the as-of date), where the filter lets DuckDB skip the history (at
    scale 100, orders 0.02 s and order_lines 0.05 s, against 0.7 s and 0.65 s over every
    row), and over every row only when none is there: a stale table's latest date is further
    back."""
    cadence = CADENCES[table]
    if cadence is None:
        raise ValueError(f"{table} has no cadence")
    dates = event_date_sql(table)
    since = as_of - dt.timedelta(days=cadence.max_lag_days)
    latest, after = con.execute(
        f"select max(d) filter (where d <= ?), count(*) filter (where d > ?) from ({dates}) where d >= ?",
        [as_of, as_of, since],
    ).fetchone()
    if latest is None:
        latest = con.execute(f"select max(d) from ({dates}) where d <= ?", [as_of]).fetchone()[0]
    return Freshness(table, cadence, as_of, latest, int(after or 0))


def warehouse_freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, Freshness | None]:
    """Freshness of every checked table; None when raw.<table> (or its parent) does not exist."""
    present = {
        r[0]
        for r in con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    }
    out: dict[str, Freshness | None] = {}
    for table in checked_tables():
        via = ct.TABLES[table].event_date_via
        needed = {table, via[1]} if via else {table}
        out[table] = table_freshness(con, table, as_of) if needed <= present else None
    return out
