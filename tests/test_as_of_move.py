"""When only the as-of date moves, a night builds again the periods that hold a day after the
earlier of the two dates, and keeps the others: a period's values read its days up to its
measurement day (its last day, or the as-of date), so a month measured at its last day is the
same the next night (macros/incremental_facts.sql, _as_of_moved_from; lib/publish.py, _since).

Here nothing lands between the two builds and the as-of date moves from February 28 to March 1.
Before the night, one row of February and one of the first quarter are marked (a value no
build writes) in a model incremental by (bridge) period, in int_kpi_rows and in the published
kpi_values_by_dimension. After it, February's marks are still there (February was not built
again) and the quarter's are gone: the quarter holds March 1, and its rows equal a build and a
publish made from scratch at March 1. (The models that sum a night's new days into the open
periods keep a quarter's row that no new day touches: tests/test_period_carry.py.)
"""

from __future__ import annotations

import duckdb

from tests.test_kpis_marketing import ROWS
from tests.test_looks_ahead import _build_and_publish, nightly_and_full

BEFORE, AFTER = "2025-02-28", "2025-03-01"
MARK = 123456.5  # in revenue's declared range (dbt tests a published value against it)

#: (database, table, value column, where) of each marked row; {grain} and {start} are filled in
PROBES = [
    (
        "warehouse",
        "intermediate.int_revenue_bridge_customers",
        "revenue_p",
        "grain = '{grain}' and period_start = '{start}' and customer_id = 'c1'",
    ),
    (
        "warehouse",
        "intermediate.int_kpi_rows",
        "value",
        "kpi_id = 'active_customers' and grain = '{grain}' and period_start = '{start}'",
    ),
    (
        "serving",
        "kpi.kpi_values_by_dimension",
        "value",
        "kpi_id = 'revenue' and grain = '{grain}' and period_start = '{start}' and dimension = 'order__channel'",
    ),
]
FEBRUARY, FIRST_QUARTER = ("month", "2025-02-01"), ("quarter", "2025-01-01")


def _values(home, database, table, column, where) -> list:
    with duckdb.connect(str(home / f"{database}.duckdb"), read_only=True) as con:
        return con.execute(f"select {column} from {table} where {where} order by all").fetchall()


def _mark(home, database, table, column, where) -> int:
    with duckdb.connect(str(home / f"{database}.duckdb")) as con:
        return con.execute(f"update {table} set {column} = {MARK} where {where}").fetchone()[0]


def test_a_period_the_as_of_date_did_not_move_into_is_kept_and_one_it_moved_into_is_built_again(tmp_path):
    nightly, full = nightly_and_full(tmp_path, ROWS)

    _build_and_publish(nightly, BEFORE)
    for database, table, column, where in PROBES:
        for grain, start in (FEBRUARY, FIRST_QUARTER):
            assert _mark(nightly, database, table, column, where.format(grain=grain, start=start)) > 0, (table, grain)

    _build_and_publish(nightly, AFTER)
    _build_and_publish(full, AFTER)

    for database, table, column, where in PROBES:
        february = where.format(grain=FEBRUARY[0], start=FEBRUARY[1])
        quarter = where.format(grain=FIRST_QUARTER[0], start=FIRST_QUARTER[1])
        # February was measured at its last day both nights: kept as it was (marked)
        assert {v for (v,) in _values(nightly, database, table, column, february)} == {MARK}, (table, "February")
        # the first quarter holds March 1: built again, as from scratch
        again = _values(nightly, database, table, column, quarter)
        assert again == _values(full, database, table, column, quarter), (table, "first quarter")
        assert (MARK,) not in again
