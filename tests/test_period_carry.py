"""A night that only adds days sums them into the open periods' rows of the customers they touch,
instead of building those periods again (macros/incremental_facts.sql, appended_after); a night
that restates an earlier day builds its periods again, as before.

Scenario A of test_kpis_customer is built as of 2025-03-20 (F). Then night 1 lands O17 (C2,
2025-03-24, USD, P2 1×40 = 40) and moves the as-of date to 2025-03-25, which also brings into
view O13 (C1, 2025-03-25, P1 1×10 = 10), landed long before. Every change is dated after F, so
the three models carry the open periods (March, Q1 2025, 2025) of C1 and C2 and add their new
days. By hand, net revenue of convertible completed orders:

  C1: O5 28 (2025-01-10) + O9b 12 (02-03) + O13 10 (03-25): March 10, Q1 50, 2025 50
  C2: O7 48 (2025-02-14, EUR 40 × 1.2) + O17 40 (03-24); O14 cancelled: March 40, Q1 88, 2025 88
  active in March: C3, C5, C6 (before) + C1, C2 = 5

C1 and C2 have no March row before the night, so their carried rows are Q1 and 2025 only. C3's
2025 row is marked before night 1 and must come back as marked (it was not built again).
Night 2 cancels O6 (C3, 2025-01-20): a restated day up to the last as-of date, so the periods
are built again whole, and C5's marked 2025 row is rebuilt. After each night every row of the
three models equals a full build of the same raw rows (an independent path)."""

from __future__ import annotations

import duckdb

from tests.dbt_harness import create_warehouse, dbt_build, query
from tests.rows import line, order
from tests.test_kpis_customer import scenario_a_rows

MODELS = (
    "int_revenue_by_customer_period",
    "int_revenue_by_customer_product_period",
    "int_active_customers_by_period",
)
BY_CUSTOMER = "intermediate.int_revenue_by_customer_period"
MARK = -4242.0
#: the nights build the three models and what they read, without the data tests
#: (DBT_INDIRECT_SELECTION=empty): the revenue bridge is not built again, and the marks break its
#: identity on purpose
SELECT = " ".join(f"+{model}" for model in MODELS)
O17 = (order("O17", "C2", "2025-03-24 09:00:00", "USD", "completed"), line("O17", "P2", 1, 40))


def _land(wh, table: str, row: dict, day: str) -> None:
    """Insert a raw row and record its event date in the ledger, as ingestion would."""
    names = ", ".join(row)
    query(wh, f"insert into raw.{table} ({names}) values ({', '.join('?' for _ in row)})", list(row.values()))
    _ledger(wh, table, day)


def _ledger(wh, table: str, day: str) -> None:
    query(
        wh,
        "insert into meta.changed_event_dates select ?, cast(? as date), now(),"
        " (select max(change_seq) + 1 from meta.changed_event_dates)",
        [table, day],
    )


def _revenue(wh, grain: str, start: str) -> dict:
    rows = query(
        wh,
        f"select customer_id, net_revenue_usd from {BY_CUSTOMER} where grain = ? and period_start = ?",
        [grain, start],
    )
    return {c: float(v) for c, v in rows}


def _differences(night, full) -> dict[str, int]:
    """Rows of each model in one warehouse and not the other (both ways, with multiplicity)."""
    con = duckdb.connect(str(night), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")
        out = {}
        for model in MODELS:
            a, b = f"intermediate.{model}", f"full_build.intermediate.{model}"
            out[model] = con.execute(
                f"select count(*) from ((select * from {a} except all select * from {b})"
                f" union all (select * from {b} except all select * from {a}))"
            ).fetchone()[0]
        return out
    finally:
        con.close()


def _full_build(tmp_path, name: str, rows: dict, as_of: str):
    wh = tmp_path / name / "warehouse.duckdb"
    wh.parent.mkdir()
    create_warehouse(wh, rows)
    dbt_build(wh, as_of)
    return wh


def test_a_night_that_only_adds_days_sums_them_into_the_open_periods(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "empty")
    wh = tmp_path / "warehouse.duckdb"
    create_warehouse(wh, scenario_a_rows())
    dbt_build(wh, "2025-03-20")
    assert _revenue(wh, "year", "2025-01-01")["C1"] == 40.0
    assert query(wh, f"update {BY_CUSTOMER} set net_revenue_usd = {MARK} where customer_id = 'C3'"
                     " and grain = 'year' and period_start = '2025-01-01' returning 1") == [(1,)]  # fmt: skip

    # night 1: only days after 2025-03-20
    _land(wh, "orders", O17[0], "2025-03-24")
    _land(wh, "order_lines", O17[1], "2025-03-24")
    dbt_build(wh, "2025-03-25", select=SELECT)

    carried = query(
        wh,
        "select grain, cast(period_start as varchar), customer_id"
        " from meta.int_revenue_by_customer_period__carried order by all",
    )
    assert carried == [
        ("quarter", "2025-01-01", "C1"),
        ("quarter", "2025-01-01", "C2"),
        ("year", "2025-01-01", "C1"),
        ("year", "2025-01-01", "C2"),
    ]
    assert _revenue(wh, "month", "2025-03-01") == {"C1": 10.0, "C2": 40.0, "C3": 15.0, "C5": 13.0, "C6": 20.0}
    year = _revenue(wh, "year", "2025-01-01")
    assert (year["C1"], year["C2"], year["C3"]) == (50.0, 88.0, MARK)  # C3 kept as it was
    assert _revenue(wh, "quarter", "2025-01-01")["C2"] == 88.0
    active = query(
        wh,
        "select count(*) from intermediate.int_active_customers_by_period"
        " where grain = 'month' and period_start = '2025-03-01'",
    )
    assert active == [(5,)]

    rows = scenario_a_rows()
    rows["orders"].append(O17[0])
    rows["order_lines"].append(O17[1])
    full = _full_build(tmp_path, "full_1", rows, "2025-03-25")
    (c3,) = query(full, f"select net_revenue_usd from {BY_CUSTOMER} where customer_id = 'C3' and grain = 'year'"
                        " and period_start = '2025-01-01'")[0]  # fmt: skip
    assert float(c3) == 55.0  # O6 40 + O12 15 (O9 returned)
    query(wh, f"update {BY_CUSTOMER} set net_revenue_usd = 55 where customer_id = 'C3' and grain = 'year'"
              " and period_start = '2025-01-01'")  # fmt: skip
    assert _differences(wh, full) == dict.fromkeys(MODELS, 0)

    # night 2: O6 (C3, 2025-01-20) is cancelled, a day before the last as-of date
    assert query(wh, f"update {BY_CUSTOMER} set net_revenue_usd = {MARK} where customer_id = 'C5'"
                     " and grain = 'year' and period_start = '2025-01-01' returning 1") == [(1,)]  # fmt: skip
    query(wh, "update raw.orders set status = 'cancelled' where order_id = 'O6'")
    _ledger(wh, "orders", "2025-01-20")
    dbt_build(wh, "2025-03-25", select=SELECT)

    year = _revenue(wh, "year", "2025-01-01")
    assert (year["C3"], year["C5"]) == (15.0, 13.0)  # built again: O12 only; C5's O10 (O8 unconvertible)
    for order_row in rows["orders"]:
        if order_row["order_id"] == "O6":
            order_row["status"] = "cancelled"
    full = _full_build(tmp_path, "full_2", rows, "2025-03-25")
    assert _differences(wh, full) == dict.fromkeys(MODELS, 0)
