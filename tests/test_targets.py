"""Declarations and the cascade. Every expected number is worked out by hand in a comment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orchestration.lib.amounts import parse_target_value
from orchestration.lib.cascade import build_targets
from orchestration.lib.periods import label, parse_period
from orchestration.lib.targets import KpiProfile, parse_declaration

D = dt.date
FLOW = {"revenue": KpiProfile("revenue", "up", True), "leads": KpiProfile("leads", "up", True)}
STOCK = {"mrr": KpiProfile("mrr", "up", False)}


def values(rows: list[tuple]) -> pd.DataFrame:
    """rows of (kpi_id, grain, period_start, value[, is_complete])."""
    rows = [r if len(r) == 5 else (*r, True) for r in rows]
    return pd.DataFrame(rows, columns=["kpi_id", "grain", "period_start", "value", "is_complete"])


def targets_of(decls, kpi_values, profiles) -> dict[tuple[str, str], tuple[float, str]]:
    """(grain, label) -> (target_value, source)."""
    frame = build_targets(decls, kpi_values, profiles)
    return {(r.grain, label(r.grain, r.period_start)): (r.target_value, r.source) for r in frame.itertuples()}


# 2025 revenue: 50 in each of January..November, 450 in December; total 11 × 50 + 450 = 1000.
REVENUE_2025 = [("revenue", "month", D(2025, m, 1), 50.0 if m < 12 else 450.0) for m in range(1, 13)]
REVENUE_2025.append(("revenue", "year", D(2025, 1, 1), 1000.0))


def test_periods_are_read_the_way_people_write_them():
    assert parse_period("2026") == ("year", D(2026, 1, 1))
    assert parse_period(2026) == ("year", D(2026, 1, 1))
    assert parse_period("2026-Q3") == ("quarter", D(2026, 7, 1))
    assert parse_period("2026-11") == ("month", D(2026, 11, 1))
    assert parse_period("2026-W47") == ("week", D(2026, 11, 16))  # ISO week 47 of 2026 starts Mon 16 Nov
    assert parse_period(D(2026, 11, 15)) == ("day", D(2026, 11, 15))
    with pytest.raises(ValueError):
        parse_period("this year")


def test_target_values_numbers_and_changes():
    assert parse_target_value(120000) == ("absolute", 120000.0)
    assert parse_target_value("$1,500") == ("absolute", 1500.0)
    assert parse_target_value("3%") == ("absolute", 0.03)  # a rate written as a percentage
    assert parse_target_value("1.2M") == ("absolute", 1_200_000.0)
    assert parse_target_value("+25000 over last month") == ("delta", 25000.0)
    assert parse_target_value("-5%") == ("delta_pct", -5.0)
    assert parse_target_value("a lot") is None


def test_compound_flow_plan_follows_base_year_seasonality():
    decl = parse_declaration(
        "revenue", {"plan": {"base_year": 2025, "target_year": 2027, "target_value": 4000, "method": "compound"}}
    )
    t = targets_of([decl], values(REVENUE_2025), FLOW)
    # V(2026) = 1000 × (4000/1000)^(1/2) = 2000; V(2027) = 4000
    assert t[("year", "2026")] == pytest.approx((2000.0, "plan"))
    assert t[("year", "2027")][0] == pytest.approx(4000.0)
    # January's share is 50/1000 = 5 %: 2000 × 0.05 = 100; December's 45 %: 2000 × 0.45 = 900
    assert t[("month", "2026-01")][0] == pytest.approx(100.0)
    assert t[("month", "2026-12")][0] == pytest.approx(900.0)
    # quarters are sums of months: Q1 = 3 × 100 = 300; Q4 = 100 + 100 + 900 = 1100
    assert t[("quarter", "2026-Q1")][0] == pytest.approx(300.0)
    assert t[("quarter", "2026-Q4")][0] == pytest.approx(1100.0)
    # 2027: January 4000 × 0.05 = 200
    assert t[("month", "2027-01")][0] == pytest.approx(200.0)
    # nothing for the base year itself
    assert ("year", "2025") not in t


def test_flow_plan_splits_evenly_when_base_year_is_not_complete():
    incomplete = [r if r[2] != D(2025, 12, 1) else (*r, False) for r in REVENUE_2025]
    decl = parse_declaration("revenue", {"plan": {"base_year": 2025, "target_year": 2027, "target_value": 4000}})
    t = targets_of([decl], values(incomplete), FLOW)
    # compound is the default method: V(2026) = 2000, split evenly: 2000 / 12 = 166.666…
    assert t[("month", "2026-01")][0] == pytest.approx(2000 / 12)
    assert t[("month", "2026-12")][0] == pytest.approx(2000 / 12)
    assert t[("quarter", "2026-Q2")][0] == pytest.approx(500.0)  # 3 × 166.67


def test_linear_flow_plan_with_no_history_splits_evenly():
    decl = parse_declaration(
        "leads",
        {
            "plan": {
                "base_year": 2025,
                "base_value": 1000,
                "target_year": 2027,
                "target_value": 4000,
                "method": "linear",
            }
        },
    )
    t = targets_of([decl], values([]), FLOW)
    # V(2026) = 1000 + (4000 − 1000) × 1/2 = 2500; March = 2500 / 12 = 208.33; Q1 = 625
    assert t[("year", "2026")][0] == pytest.approx(2500.0)
    assert t[("month", "2026-03")][0] == pytest.approx(2500 / 12)
    assert t[("quarter", "2026-Q1")][0] == pytest.approx(625.0)


def test_compound_stock_plan_follows_the_month_end_path():
    decl = parse_declaration(
        "mrr", {"plan": {"base_year": 2025, "base_value": 1000, "target_year": 2026, "target_value": 1210}}
    )
    t = targets_of([decl], values([]), STOCK)
    # month m of 2026: 1000 × (1210/1000)^(m/12); June: 1000 × 1.21^0.5 = 1100
    assert t[("month", "2026-06")][0] == pytest.approx(1100.0)
    assert t[("month", "2026-12")][0] == pytest.approx(1210.0)
    # a quarter gets its last month: Q2 = June = 1100; the year gets V(2026) = 1210
    assert t[("quarter", "2026-Q2")][0] == pytest.approx(1100.0)
    assert t[("year", "2026")][0] == pytest.approx(1210.0)


def test_linear_stock_plan_and_multiple_target():
    # base from the data: mrr 2025 = 1200; "2x" → 2400; linear month m: 1200 + 1200 × m/12 = 1200 + 100 m
    decl = parse_declaration(
        "mrr", {"plan": {"base_year": 2025, "target_year": 2026, "target_value": "2x", "method": "linear"}}
    )
    t = targets_of([decl], values([("mrr", "year", D(2025, 1, 1), 1200.0)]), STOCK)
    assert t[("month", "2026-03")][0] == pytest.approx(1500.0)
    assert t[("quarter", "2026-Q1")][0] == pytest.approx(1500.0)
    assert t[("month", "2026-12")][0] == pytest.approx(2400.0)


def test_explicit_target_overrides_only_its_own_period():
    decl = parse_declaration(
        "revenue",
        {
            "plan": {"base_year": 2025, "target_year": 2027, "target_value": 4000},
            "targets": [{"period": "2026-01", "value": 999}],
        },
    )
    t = targets_of([decl], values(REVENUE_2025), FLOW)
    assert t[("month", "2026-01")] == (999.0, "explicit")
    # Q1 and the year keep the plan's numbers: 300 (= 3 × 100) and 2000, not re-summed with 999
    assert t[("quarter", "2026-Q1")] == pytest.approx((300.0, "plan"))
    assert t[("year", "2026")] == pytest.approx((2000.0, "plan"))


def test_delta_targets_add_to_the_previous_periods_actual():
    decl = parse_declaration(
        "mrr",
        {
            "targets": [
                {"period": "2026-11", "value": "+25000 over last month"},
                {"period": "2026-10", "value": "+2%"},
                {"period": "2026-Q4", "delta": 5000},
                {"period": "2026-06", "value": "+1"},  # May has no actual: no target
            ]
        },
    )
    kv = values(
        [
            ("mrr", "month", D(2026, 10, 1), 50_000.0),
            ("mrr", "month", D(2026, 9, 1), 40_000.0),
            ("mrr", "quarter", D(2026, 7, 1), 48_000.0),
        ]
    )
    t = targets_of([decl], kv, STOCK)
    assert t[("month", "2026-11")] == (75_000.0, "explicit")  # 50,000 + 25,000
    assert t[("month", "2026-10")][0] == pytest.approx(40_800.0)  # 40,000 × 1.02
    assert t[("quarter", "2026-Q4")][0] == pytest.approx(53_000.0)  # Q3 48,000 + 5,000
    assert ("month", "2026-06") not in t


def test_deadline_targets_the_month_containing_it():
    decl = parse_declaration("mrr", {"targets": [{"deadline": "2026-12-15", "value": 90000}]})
    t = targets_of([decl], values([]), STOCK)
    assert t == {("month", "2026-12"): (90000.0, "explicit")}


def test_compound_plan_with_non_positive_base_yields_nothing():
    decl = parse_declaration(
        "mrr", {"plan": {"base_year": 2025, "base_value": 0, "target_year": 2026, "target_value": 10}}
    )
    assert targets_of([decl], values([]), STOCK) == {}


def test_declaration_defaults():
    decl = parse_declaration("leads", {"owner": "Noor", "aligns_to": "revenue", "actions": "webinars"})
    assert decl.level == "team"  # aligning to another KPI makes it a team KPI
    assert decl.tolerance == 0.05
    assert decl.actions == ["webinars"]
