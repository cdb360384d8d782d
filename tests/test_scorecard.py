"""Scorecard statuses and the allocation check, with hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orchestration.lib.scorecard import allocation_check, build_scorecard, evaluate
from orchestration.lib.targets import KpiProfile, parse_declaration

D = dt.date


def cell(actual, target, direction="up", *, flow=True, complete=True, days=30, elapsed=30, tol=0.05, **kw):
    return evaluate(
        actual,
        target,
        direction=direction,
        is_flow=flow,
        is_complete=complete,
        days_in_period=days,
        days_elapsed=elapsed,
        tolerance=tol,
        **kw,
    )


def test_achieved_and_missed_direction_up():
    v = cell(110, 100)  # 110 / 100 = 1.10
    assert (v.status, v.attainment, v.projected) == ("achieved", pytest.approx(1.1), None)
    v = cell(90, 100)  # 90 / 100 = 0.90
    assert (v.status, v.attainment) == ("missed", pytest.approx(0.9))
    assert "10.00 below the target 100" in v.reason


def test_achieved_and_missed_direction_down():
    v = cell(0.02, 0.025, "down")  # target ÷ actual = 0.025 / 0.02 = 1.25
    assert (v.status, v.attainment) == ("achieved", pytest.approx(1.25))
    v = cell(0.04, 0.02, "down")  # 0.02 / 0.04 = 0.5
    assert (v.status, v.attainment) == ("missed", pytest.approx(0.5))


def test_incomplete_flow_is_projected_over_the_whole_period():
    v = cell(70, 95, complete=False, elapsed=21)  # 70 × 30 / 21 = 100; 100 / 95 = 1.053
    assert v.status == "on_track"
    assert v.projected == pytest.approx(100.0)
    assert v.attainment == pytest.approx(70 / 95)  # attainment is of the actual to date
    v = cell(63, 93, complete=False, elapsed=21)  # 63 × 30 / 21 = 90; 90 / 93 = 0.968 ≥ 0.95
    assert (v.status, v.projected) == ("at_risk", pytest.approx(90.0))
    v = cell(56, 100, complete=False, elapsed=21)  # 56 × 30 / 21 = 80; 0.80 < 0.95
    assert (v.status, v.projected) == ("off_track", pytest.approx(80.0))


def test_incomplete_stock_uses_the_current_value_and_the_kpis_tolerance():
    v = cell(96, 100, flow=False, complete=False, elapsed=10)  # 96 / 100 = 0.96 ≥ 1 − 0.05
    assert (v.status, v.projected) == ("at_risk", 96.0)
    v = cell(96, 100, flow=False, complete=False, elapsed=10, tol=0.03)  # 0.96 < 1 − 0.03
    assert v.status == "off_track"
    # down: ceiling 0.02, current 0.0205 → 0.02 / 0.0205 = 0.976 ≥ 0.95
    assert cell(0.0205, 0.02, "down", flow=False, complete=False).status == "at_risk"


def test_unmeasurable():
    v = cell(100, 100, is_measurable=False, quality_issues="orders: 2.0% of rows quarantined")
    assert v.status == "unmeasurable"
    assert "orders: 2.0% of rows quarantined" in v.reason
    assert cell(None, 100).status == "unmeasurable"


def test_zero_divisor_compares_directly():
    v = cell(5, 0)  # up: divisor target = 0 → attainment NULL; 5 ≥ 0 → achieved
    assert (v.status, v.attainment) == ("achieved", None)
    assert cell(-1, 0).status == "missed"  # −1 < 0
    v = cell(0, 3, "down")  # down: divisor actual = 0 → NULL; 0 ≤ 3 → achieved
    assert (v.status, v.attainment) == ("achieved", None)
    # incomplete, up, target 0: projected −2 × 30/15 = −4 < 0 − 0.05 × 0 → off_track
    assert cell(-2, 0, complete=False, elapsed=15).status == "off_track"


def test_build_scorecard_joins_targets_to_values_up_to_the_as_of_date():
    targets = pd.DataFrame(
        [
            ("revenue", "month", D(2026, 10, 1), 1000.0, "plan"),
            ("revenue", "month", D(2026, 11, 1), 1000.0, "plan"),
            ("revenue", "month", D(2026, 12, 1), 1000.0, "plan"),  # after the as-of date: left out
            ("revenue", "month", D(2020, 1, 1), 1000.0, "plan"),  # before any data: unmeasurable
        ],
        columns=["kpi_id", "grain", "period_start", "target_value", "source"],
    )
    kpi_values = pd.DataFrame(
        [
            ("revenue", "month", D(2026, 10, 1), D(2026, 10, 31), 1200.0, True, True, None),
            ("revenue", "month", D(2026, 11, 1), D(2026, 11, 30), 630.0, False, True, None),
        ],
        columns=[
            "kpi_id",
            "grain",
            "period_start",
            "period_end",
            "value",
            "is_complete",
            "is_measurable",
            "quality_issues",
        ],
    )
    sc = build_scorecard(targets, kpi_values, {"revenue": KpiProfile("revenue", "up", True)}, D(2026, 11, 21))
    by = {r.period_start: r for r in sc.itertuples()}
    assert len(sc) == 3
    assert by[D(2026, 10, 1)].status == "achieved"  # 1200 / 1000 = 1.2
    # 630 over 21 of 30 days → 630 × 30 / 21 = 900; 900 / 1000 = 0.9 < 0.95
    assert by[D(2026, 11, 1)].projected == pytest.approx(900.0)
    assert by[D(2026, 11, 1)].status == "off_track"
    assert by[D(2020, 1, 1)].status == "unmeasurable"


def test_allocation_is_compared_with_the_revenue_bridge():
    decl = parse_declaration(
        "revenue",
        {
            "allocation": {
                "period": "2026-11",
                "change": 1500,
                "parts": {"new_customers": 1100, "volume": 300, "price": 100},
            }
        },
    )
    bridge = pd.DataFrame(
        [
            ("month", D(2026, 11, 1), "previous", "new_customers", 1000.0),
            ("month", D(2026, 11, 1), "previous", "lost_customers", -200.0),
            ("month", D(2026, 11, 1), "previous", "price", 150.0),
            ("month", D(2026, 11, 1), "previous", "volume", 400.0),
            ("month", D(2026, 11, 1), "year_ago", "new_customers", 99999.0),  # other comparison: ignored
        ],
        columns=["grain", "period_start", "comparison", "component", "amount"],
    )
    check = allocation_check([decl], {"revenue_bridge": bridge})
    got = {r.driver: (r.allocated, r.actual, r.difference) for r in check.itertuples()}
    assert got["new_customers"] == (1100.0, 1000.0, -100.0)
    assert got["volume"] == (300.0, 400.0, 100.0)
    assert got["price"] == (100.0, 150.0, 50.0)
    assert got["lost_customers"] == (0.0, -200.0, -200.0)  # not planned: allocated 0
    # total: planned 1500; actual 1000 − 200 + 150 + 400 = 1350; 1350 − 1500 = −150
    assert got["total"] == (1500.0, 1350.0, -150.0)


def test_allocation_to_driver_kpis_uses_their_change():
    decl = parse_declaration(
        "mrr_like", {"allocation": {"period": "2026-11", "change": 30, "parts": {"leads": 20, "csat": 10}}}
    )
    kv = pd.DataFrame(
        [
            ("leads", "month", D(2026, 10, 1), 100.0, True),
            ("leads", "month", D(2026, 11, 1), 125.0, False),
            ("mrr_like", "month", D(2026, 10, 1), 1000.0, True),
            ("mrr_like", "month", D(2026, 11, 1), 1040.0, False),
        ],
        columns=["kpi_id", "grain", "period_start", "value", "is_complete"],
    )
    got = {r.driver: (r.allocated, r.actual) for r in allocation_check([decl], {}, kv).itertuples()}
    assert got["leads"] == (20.0, 25.0)  # 125 − 100
    assert got["csat"][0] == 10.0 and pd.isna(got["csat"][1])  # no csat values
    assert got["total"] == (30.0, 40.0)  # 1040 − 1000
