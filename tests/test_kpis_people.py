"""People KPIs on a small hand-written company, expected values computed by hand.

As-of date 2025-03-15: March, Q1 2025 and 2025 are incomplete (measured on 03-15).
fx: EUR 1.10 from 2025-01-01; GBP only from 2025-02-10 (a gap before it).

Employees (hired_on → terminated_on):
  E9 2023-11-10 → 2023-11-20   (gone before any measurement day)
  E6 2024-01-15 → 2024-12-31   (not counted on 12-31: terminated_on must be > d)
  E1 2024-06-01 → —
  E2 2024-12-15 → 2025-01-31
  E3 2025-01-10 → 2025-02-20
  E4 2025-02-01 → 2025-03-20   (after the as-of date: still employed)
  E8 2025-02-05 → —
  E7 2025-03-01 → 2025-03-01   (hired and left the same day)
  E5 2025-03-16 → —            (hired after the as-of date: ignored)
Headcount: 2023-10-31 0, 2023-11-30 0, 2023-12-31 0, 2024-01-31 1 (E6), 2024-11-30 2 (E6 E1),
  2024-12-31 2 (E1 E2), 2025-01-31 2 (E1 E3), 2025-02-28 3 (E1 E4 E8), 2025-03-15 3 (E1 E4 E8).
"""

from __future__ import annotations

import pytest

from tests.dbt_harness import create_warehouse, dbt_build, kpi, query
from tests.rows import customers, line, order

AS_OF = "2025-03-15"


def employee(employee_id, hired, terminated=None):
    return {"employee_id": employee_id, "department": "ops", "hired_on": hired, "terminated_on": terminated}


def training(record_id, employee_id, day, hours):
    return {"record_id": record_id, "employee_id": employee_id, "completed_on": day, "hours": hours}


EMPLOYEES = [
    employee("E9", "2023-11-10", "2023-11-20"),
    employee("E6", "2024-01-15", "2024-12-31"),
    employee("E1", "2024-06-01"),
    employee("E2", "2024-12-15", "2025-01-31"),
    employee("E3", "2025-01-10", "2025-02-20"),
    employee("E4", "2025-02-01", "2025-03-20"),
    employee("E8", "2025-02-05"),
    employee("E7", "2025-03-01", "2025-03-01"),
    employee("E5", "2025-03-16"),
]

ROWS = {
    "employees": EMPLOYEES,
    "training_records": [
        training("TR0", "E9", "2023-11-15", 4),
        training("TR1", "E1", "2025-01-05", 8),
        training("TR2", "E2", "2025-01-20", 4.5),
        training("TR3", "E3", "2025-02-10", 3),
        training("TR4", "E3", "2025-02-15", 2),  # E3 has left by 02-28: the hours still count
        training("TR5", "E1", "2025-03-16", 10),  # after the as-of date
    ],
    "customers": customers(["c1"]),
    "products": [{"product_id": "p1", "product_name": "P1", "category": "x", "unit_cost": 1, "list_price": 2}],
    "fx_rates": [
        {"rate_date": "2025-01-01", "currency": "EUR", "usd_per_unit": 1.10},
        {"rate_date": "2025-02-10", "currency": "GBP", "usd_per_unit": 1.30},
    ],
    "orders": [
        order("O1", "c1", "2025-01-05 10:00:00", "USD", "completed"),  # 100
        order("O2", "c1", "2025-01-06 10:00:00", "EUR", "completed"),  # (2×50 − 10) × 1.10 = 99
        order("O3", "c1", "2025-02-07 10:00:00", "GBP", "completed"),  # no GBP rate yet: unconvertible
        order("O4", "c1", "2025-02-12 10:00:00", "USD", "returned"),
        order("O5", "c1", "2025-03-03 10:00:00", "GBP", "completed"),  # 10 × 1.30 = 13
        order("O6", "c1", "2025-03-20 10:00:00", "USD", "completed"),  # after the as-of date
    ],
    "order_lines": [
        line("O1", "p1", 1, 100),
        line("O2", "p1", 2, 50, discount_amount=10),
        line("O3", "p1", 1, 80),
        line("O4", "p1", 1, 500),
        line("O5", "p1", 1, 10),
        line("O6", "p1", 1, 1000),
    ],
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("people") / "warehouse.duckdb"
    create_warehouse(path, ROWS)
    dbt_build(path, AS_OF)
    return path


@pytest.fixture(scope="module")
def wh_missing(tmp_path_factory):
    """Only employees: training_records and orders are missing."""
    path = tmp_path_factory.mktemp("people_missing") / "warehouse.duckdb"
    create_warehouse(path, {"employees": EMPLOYEES})
    dbt_build(path, AS_OF)
    return path


def value(wh, kpi_id, grain, start):
    return kpi(wh, kpi_id, grain, start)[0]


def test_headcount_stock(wh):
    assert value(wh, "headcount", "month", "2023-11-01") == 0
    assert value(wh, "headcount", "month", "2024-01-01") == 1
    assert value(wh, "headcount", "month", "2024-12-01") == 2
    assert value(wh, "headcount", "month", "2025-01-01") == 2
    assert value(wh, "headcount", "month", "2025-02-01") == 3
    v = kpi(wh, "headcount", "month", "2025-03-01")
    assert v[0] == 3 and v[3] is False and v[4] is True
    assert value(wh, "headcount", "quarter", "2025-01-01") == 3
    assert value(wh, "headcount", "year", "2024-01-01") == 2
    assert value(wh, "headcount", "year", "2025-01-01") == 3
    assert query(wh, "select count(*) from marts.kpi_values where kpi_id = 'headcount' and grain = 'week'") == [(0,)]


def test_employee_turnover_rate(wh):
    # Nov 2023: E9 left; headcount 0 on 10-31 and on 11-30 → zero denominator: NULL
    assert kpi(wh, "employee_turnover_rate", "month", "2023-11-01")[:3] == (None, 1.0, 0.0)
    assert value(wh, "employee_turnover_rate", "year", "2023-01-01") is None
    # Dec 2024: E6 → 1 / ((2 + 2) / 2)
    assert kpi(wh, "employee_turnover_rate", "month", "2024-12-01")[:3] == (0.5, 1.0, 2.0)
    # Jan 2025: E2 → 1 / ((2 + 2) / 2)
    assert value(wh, "employee_turnover_rate", "month", "2025-01-01") == 0.5
    # Feb: E3 → 1 / ((2 + 3) / 2)
    assert kpi(wh, "employee_turnover_rate", "month", "2025-02-01")[:3] == pytest.approx((0.4, 1, 2.5))
    # Mar to 03-15: E7 (E4's 03-20 is after the as-of date) → 1 / ((3 + 3) / 2)
    assert value(wh, "employee_turnover_rate", "month", "2025-03-01") == pytest.approx(1 / 3)
    # Q1: E2 E3 E7 → 3 / ((2 on 2024-12-31 + 3 on 03-15) / 2)
    assert value(wh, "employee_turnover_rate", "quarter", "2025-01-01") == pytest.approx(1.2)
    # 2024: E6 → 1 / ((0 on 2023-12-31 + 2) / 2)
    assert value(wh, "employee_turnover_rate", "year", "2024-01-01") == pytest.approx(1.0)


def test_training_hours_per_employee(wh):
    assert kpi(wh, "training_hours_per_employee", "month", "2023-11-01")[:3] == (None, 4.0, 0.0)  # headcount 0
    assert kpi(wh, "training_hours_per_employee", "month", "2025-01-01")[:3] == pytest.approx((6.25, 12.5, 2))
    assert value(wh, "training_hours_per_employee", "month", "2025-02-01") == pytest.approx(5 / 3)
    assert value(wh, "training_hours_per_employee", "month", "2025-03-01") == 0  # TR5 after as-of
    assert value(wh, "training_hours_per_employee", "quarter", "2025-01-01") == pytest.approx(17.5 / 3)


def test_revenue_per_employee(wh):
    assert value(wh, "revenue_per_employee", "month", "2023-11-01") is None  # 0 revenue / 0 headcount
    v = kpi(wh, "revenue_per_employee", "month", "2025-01-01")  # (100 + 99) / 2
    assert v[:3] == pytest.approx((99.5, 199, 2)) and v[4] is True
    v = kpi(wh, "revenue_per_employee", "month", "2025-02-01")  # O3 unconvertible, O4 returned → 0 / 3
    assert v[0] == 0 and v[4] is False and "could not be converted" in v[5]
    assert value(wh, "revenue_per_employee", "month", "2025-03-01") == pytest.approx(13 / 3)
    assert value(wh, "revenue_per_employee", "quarter", "2025-01-01") == pytest.approx(212 / 3)
    assert sorted(query(wh, "select inputs from marts.kpi_catalog where kpi_id = 'revenue_per_employee'")[0][0]) == [
        "employees",
        "fx_rates",
        "order_lines",
        "orders",
    ]


def test_missing_inputs_are_null_and_unmeasurable(wh_missing):
    v = kpi(wh_missing, "headcount", "month", "2025-02-01")
    assert v[0] == 3 and v[4] is True
    for kpi_id in ("training_hours_per_employee", "revenue_per_employee"):
        v = kpi(wh_missing, kpi_id, "month", "2025-02-01")
        assert v[0] is None and v[4] is False and "no accepted rows" in v[5]
    assert value(wh_missing, "employee_turnover_rate", "month", "2025-02-01") == pytest.approx(0.4)


# ---------------------------------------------------------------- the semantic layer


def test_the_semantic_layer_agrees_with_kpi_values_on_these_rows(wh):
    """Every KPI metric of the semantic layer (MetricFlow) equals kpi_values at every grain it is
    published at, on this module's hand-made rows (currencies, returns, missing rates)."""
    from semantic_parity import warehouse_parity

    problems, compared = warehouse_parity(wh)
    assert compared > 0
    assert not problems, problems[:10]
