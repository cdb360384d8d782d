"""Operational KPIs on a small hand-written company, expected values computed by hand.

As-of date 2025-03-15: March, Q1 2025 and 2025 are incomplete (computed up to 03-15).
fx: EUR 1.10 from 2025-01-01; GBP only from 2025-02-10 (a gap before it).
Products: p1 unit_cost 2, p2 unit_cost 5 (USD).
"""

from __future__ import annotations

import pytest

from tests.dbt_harness import create_warehouse, dbt_build, kpi, query
from tests.rows import customers, line, order

AS_OF = "2025-03-15"


def run(run_id, day, planned, produced, defective, downtime):
    return {
        "run_id": run_id,
        "plant_id": "pl1",
        "product_id": "p1",
        "run_date": day,
        "planned_units": planned,
        "produced_units": produced,
        "defective_units": defective,
        "downtime_minutes": downtime,
    }


def snap(day, warehouse, product, units):
    return {"snapshot_date": day, "warehouse_id": warehouse, "product_id": product, "on_hand_units": units}


def shipment(shipment_id, order_id, promised, shipped, delivered):
    return {
        "shipment_id": shipment_id,
        "order_id": order_id,
        "promised_date": promised,
        "shipped_at": shipped,
        "delivered_at": delivered,
    }


ROWS = {
    "customers": customers(["c1"]),
    "products": [
        {"product_id": "p1", "product_name": "P1", "category": "x", "unit_cost": 2, "list_price": 10},
        {"product_id": "p2", "product_name": "P2", "category": "x", "unit_cost": 5, "list_price": 10},
    ],
    "fx_rates": [
        {"rate_date": "2025-01-01", "currency": "EUR", "usd_per_unit": 1.10},
        {"rate_date": "2025-02-10", "currency": "GBP", "usd_per_unit": 1.30},
    ],
    "production_runs": [
        run("R1", "2025-01-05", 100, 90, 9, 30),
        run("R2", "2025-01-20", 50, 70, 0, 15.5),
        run("R3", "2025-02-10", 0, 0, 0, 120),
        run("R4", "2025-03-10", 200, 150, 3, 0),
        run("R5", "2025-03-20", 999, 999, 9, 999),  # after the as-of date
    ],
    "inventory_snapshots": [
        snap("2025-01-10", "W1", "p1", 10),
        snap("2025-01-10", "W1", "p2", 4),  # W1 = 10×2 + 4×5 = 40
        snap("2025-01-20", "W1", "p1", 5),  # W1 = 10 (p2 now 0)
        snap("2025-01-15", "W2", "p2", 2),  # W2 = 10
        snap("2025-02-15", "W2", "p2", 6),
        snap("2025-02-15", "W2", "p1", 0),  # W2 = 30
        snap("2025-03-16", "W1", "p1", 1000),  # after the as-of date
    ],
    "orders": [
        order("O1", "c1", "2024-12-20 10:00:00", "USD", "completed"),  # cogs 3×2 = 6
        order("O2", "c1", "2025-01-05 10:00:00", "USD", "completed"),  # cogs 5×2 + 2×5 = 20
        order("O3", "c1", "2025-01-06 10:00:00", "EUR", "completed"),  # cogs 5 (EUR has a rate)
        order("O4", "c1", "2025-01-07 10:00:00", "USD", "cancelled"),
        order("O5", "c1", "2025-02-07 10:00:00", "GBP", "completed"),  # no GBP rate yet: left out (cogs 20)
        order("O6", "c1", "2025-02-12 10:00:00", "USD", "returned"),
        order("O7", "c1", "2025-02-20 10:00:00", "GBP", "completed"),  # cogs 2×5 = 10
        order("O8", "c1", "2025-03-20 10:00:00", "USD", "completed"),  # after the as-of date
    ],
    "order_lines": [
        line("O1", "p1", 3, 10),
        line("O2", "p1", 5, 10),
        line("O2", "p2", 2, 10, line_number=2),
        line("O3", "p2", 1, 10),
        line("O4", "p2", 10, 10),
        line("O5", "p1", 10, 10),
        line("O6", "p2", 3, 10),
        line("O7", "p2", 2, 10),
        line("O8", "p2", 100, 10),
    ],
    "shipments": [
        shipment("SH1", "O2", "2025-01-10", "2025-01-06 10:00:00", "2025-01-10 23:00:00"),  # on time
        shipment("SH2", "O3", "2025-01-10", "2025-01-07 10:00:00", "2025-01-11 01:00:00"),  # late
        shipment("SH3", "O5", "2025-02-01", "2025-01-30 10:00:00", "2025-02-01 10:00:00"),  # on time, Feb
        shipment("SH4", "O7", "2025-03-01", "2025-02-21 10:00:00", "2025-03-16 10:00:00"),  # delivered after as-of
        shipment("SH5", "O6", "2025-02-20", "2025-02-12 10:00:00", None),
    ],
}

# Daily inventory value (Σ warehouses, latest snapshot on or before the day):
#   Jan 01-09 none; Jan 10-14 40; Jan 15-19 40+10 = 50; Jan 20-31 10+10 = 20;
#   Feb 01-14 20; Feb 15-28 10+30 = 40; Mar 01-15 40.
JAN_AVG = (5 * 40 + 5 * 50 + 12 * 20) / 22  # 690 / 22 over the 22 days with a snapshot
FEB_AVG = (14 * 20 + 14 * 40) / 28  # 30
MAR_AVG = 40.0  # 15 days up to the as-of date
Q1_AVG = (690 + 840 + 600) / 65  # 2130 / 65


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("operational") / "warehouse.duckdb"
    create_warehouse(path, ROWS)
    dbt_build(path, AS_OF)
    return path


def value(wh, kpi_id, grain, start):
    return kpi(wh, kpi_id, grain, start)[0]


def test_production_output(wh):
    assert value(wh, "production_output", "month", "2025-01-01") == 160  # 90 + 70
    assert value(wh, "production_output", "month", "2025-02-01") == 0
    assert value(wh, "production_output", "month", "2025-03-01") == 150  # R5 after as-of
    assert value(wh, "production_output", "quarter", "2025-01-01") == 310
    assert value(wh, "production_output", "day", "2025-01-05") == 90
    assert value(wh, "production_output", "week", "2025-01-20") == 70
    assert value(wh, "production_output", "day", "2025-01-06") == 0


def test_defect_rate(wh):
    assert kpi(wh, "defect_rate", "month", "2025-01-01")[:3] == pytest.approx((9 / 160, 9, 160))
    assert kpi(wh, "defect_rate", "month", "2025-02-01")[:3] == (None, 0.0, 0.0)  # nothing produced
    assert value(wh, "defect_rate", "month", "2025-03-01") == pytest.approx(0.02)  # 3 / 150
    assert value(wh, "defect_rate", "quarter", "2025-01-01") == pytest.approx(12 / 310)


def test_schedule_attainment(wh):
    assert kpi(wh, "schedule_attainment", "month", "2025-01-01")[:3] == pytest.approx((160 / 150, 160, 150))
    assert kpi(wh, "schedule_attainment", "month", "2025-02-01")[:3] == (None, 0.0, 0.0)
    assert value(wh, "schedule_attainment", "month", "2025-03-01") == pytest.approx(0.75)
    assert value(wh, "schedule_attainment", "year", "2025-01-01") == pytest.approx(310 / 350)


def test_downtime_hours(wh):
    assert value(wh, "downtime_hours", "month", "2025-01-01") == pytest.approx(45.5 / 60)
    assert value(wh, "downtime_hours", "month", "2025-02-01") == pytest.approx(2.0)
    assert value(wh, "downtime_hours", "month", "2025-03-01") == 0
    assert value(wh, "downtime_hours", "quarter", "2025-01-01") == pytest.approx(165.5 / 60)
    assert value(wh, "downtime_hours", "day", "2025-02-10") == pytest.approx(2.0)


def test_inventory_value_stock(wh):
    assert value(wh, "inventory_value", "month", "2025-01-01") == pytest.approx(20)  # W1 10 + W2 10 on 01-31
    assert value(wh, "inventory_value", "month", "2025-02-01") == pytest.approx(40)  # W1 10 + W2 30
    v = kpi(wh, "inventory_value", "month", "2025-03-01")  # on 03-15; the 03-16 snapshot not yet
    assert v[0] == pytest.approx(40) and v[3] is False and v[4] is True
    assert value(wh, "inventory_value", "quarter", "2025-01-01") == pytest.approx(40)
    assert value(wh, "inventory_value", "year", "2025-01-01") == pytest.approx(40)
    # first period: the month of the first snapshot (orders are not an input)
    assert (
        query(
            wh, "select min(period_start) from marts.kpi_values where kpi_id = 'inventory_value' and grain = 'month'"
        )[0][0].isoformat()
        == "2025-01-01"
    )
    assert query(wh, "select inputs from marts.kpi_catalog where kpi_id = 'inventory_value'")[0][0] == [
        "inventory_snapshots",
        "products",
    ]


def test_inventory_turnover(wh):
    # cogs: Dec 6; Jan 20 + 5 = 25; Feb 10 (O5 unconvertible, left out); Mar 0
    # Dec has no day with a snapshot → NULL average → NULL
    assert kpi(wh, "inventory_turnover", "month", "2024-12-01")[:3] == (None, 6.0, None)
    v = kpi(wh, "inventory_turnover", "month", "2025-01-01")
    assert v[:3] == pytest.approx((25 / JAN_AVG, 25, JAN_AVG)) and v[4] is True
    v = kpi(wh, "inventory_turnover", "month", "2025-02-01")
    assert v[:3] == pytest.approx((10 / 30, 10, FEB_AVG)) and v[4] is False
    assert value(wh, "inventory_turnover", "month", "2025-03-01") == 0  # 0 / 40
    assert value(wh, "inventory_turnover", "quarter", "2025-01-01") == pytest.approx(35 / Q1_AVG)
    assert value(wh, "inventory_turnover", "quarter", "2024-10-01") is None
    assert sorted(query(wh, "select inputs from marts.kpi_catalog where kpi_id = 'inventory_turnover'")[0][0]) == [
        "fx_rates",
        "inventory_snapshots",
        "order_lines",
        "orders",
        "products",
    ]


def test_days_inventory_outstanding(wh):
    assert value(wh, "days_inventory_outstanding", "month", "2024-12-01") is None
    # Jan: 31.36… / 25 × 31 days
    assert kpi(wh, "days_inventory_outstanding", "month", "2025-01-01")[:3] == pytest.approx(
        (JAN_AVG / 25 * 31, JAN_AVG * 31, 25)
    )
    assert value(wh, "days_inventory_outstanding", "month", "2025-02-01") == pytest.approx(84)  # 30 / 10 × 28
    # Mar: cogs 0 → NULL; numerator 40 × 15 days
    assert kpi(wh, "days_inventory_outstanding", "month", "2025-03-01")[:3] == pytest.approx((None, 600, 0))
    # Q1 up to 03-15: 74 days
    assert value(wh, "days_inventory_outstanding", "quarter", "2025-01-01") == pytest.approx(Q1_AVG / 35 * 74)
    assert value(wh, "days_inventory_outstanding", "year", "2025-01-01") == pytest.approx(Q1_AVG / 35 * 74)


def test_on_time_delivery_rate(wh):
    # Jan: SH1 on time (delivered 01-10 23:00 ≤ promised 01-10), SH2 late → 1/2
    assert kpi(wh, "on_time_delivery_rate", "month", "2025-01-01")[:3] == (0.5, 1.0, 2.0)
    # Feb: SH3 (shipped in January, delivered in February) on time → 1/1
    assert value(wh, "on_time_delivery_rate", "month", "2025-02-01") == 1.0
    # Mar: SH4 delivered after the as-of date → not delivered yet: NULL
    assert kpi(wh, "on_time_delivery_rate", "month", "2025-03-01")[:3] == (None, 0.0, 0.0)
    assert value(wh, "on_time_delivery_rate", "quarter", "2025-01-01") == pytest.approx(2 / 3)
    assert query(wh, "select inputs from marts.kpi_catalog where kpi_id = 'on_time_delivery_rate'")[0][0] == [
        "shipments"
    ]


# ---------------------------------------------------------------- the semantic layer


def test_the_semantic_layer_agrees_with_kpi_values_on_these_rows(wh):
    """Every KPI metric of the semantic layer (MetricFlow) equals kpi_values at every grain it is
    published at, on this module's hand-made rows (currencies, returns, missing rates)."""
    from semantic_parity import warehouse_parity

    problems, compared = warehouse_parity(wh)
    assert compared > 0
    assert not problems, problems[:10]
