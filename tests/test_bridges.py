"""The revenue bridge and the MRR bridge (kpis.md, "Revenue bridge" and the MRR rows of the
Financial table), on the warehouse of test_kpis_financial (as-of 2025-11-20), with the identities
checked value by value and the dbt data tests shown to catch a bridge that does not add up.

Net revenue (USD) of the completed, convertible orders, per customer and product (q units / r USD):
  2024-11-05 C1 P1 10/100     2024-11-25 C2 P1 1/50
  2025-09-10 C2 P1 2/22
  2025-10-10 C1 P1 5/50, P2 2/50      2025-10-18 C2 P1 4/48      2025-10-25 C3 P2 1/200
  2025-10-05 C4 GBP: unconvertible: left out of every money figure, but C4 is still in A(Oct)
  (A(p) is the active-customer set of kpis.md: customer counts need no money)
  2025-11-03 C1 P1 6/72, P2 1/30      2025-11-12 C4 P2 2/100
"""

from __future__ import annotations

import os

import pytest
from dbt_harness import create_warehouse, dbt_build, kpi, query
from test_kpis_financial import AS_OF, ROWS

from orchestration.lib.settings import DBT_PROJECT_DIR


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("bridges") / "warehouse.duckdb"
    create_warehouse(path, ROWS)
    dbt_build(path, AS_OF)
    return path


def _revenue_bridge(wh, grain, start, comparison):
    rows = query(
        wh,
        "select component, amount from marts.revenue_bridge where grain = ? and period_start = ? and comparison = ?",
        [grain, start, comparison],
    )
    return {component: amount for component, amount in rows}


def _mrr_bridge(wh, grain, start):
    rows = query(
        wh, "select component, amount from marts.mrr_bridge where grain = ? and period_start = ?", [grain, start]
    )
    return {component: amount for component, amount in rows}


def _approx(d):
    return {k: pytest.approx(v, abs=1e-9) for k, v in d.items()}


def test_revenue_bridge_incomplete_month_against_previous_to_date(wh):
    # p = 2025-11-01..11-20: C1 102, C4 100 (202). b = 2025-10-01..10-20: C1 100, C2 48 (148),
    # and C4's unconvertible GBP order of 10-05 (no money, but C4 is active in b).
    # new = none; lost = -C2 48; R = {C1, C4}:
    #   P1: p C1 6/72, b C1 5/50 -> 6 x (72/6 - 50/5) = 12
    #   P2: p C1 1/30 + C4 2/100 = 3/130, b C1 2/50 -> 3 x (130/3 - 50/2) = 55   -> price 67
    #   volume = (202 - 100) - 67 = 35.   0 - 48 + 67 + 35 = 54 = 202 - 148
    assert _revenue_bridge(wh, "month", "2025-11-01", "previous") == _approx(
        {"new_customers": 0, "lost_customers": -48, "price": 67, "volume": 35}
    )


def test_revenue_bridge_incomplete_month_against_year_ago_to_date(wh):
    # b = 2024-11-01..11-20: C1 P1 10/100 (C2's 11-25 order is after the cut).
    # new = C4 100; lost = 0; R = {C1}: P1 6 x (12 - 10) = 12 (P2 not sold in b: no price)
    # volume = (102 - 100) - 12 = -10.   100 + 12 - 10 = 102 = 202 - 100
    assert _revenue_bridge(wh, "month", "2025-11-01", "year_ago") == _approx(
        {"new_customers": 100, "lost_customers": 0, "price": 12, "volume": -10}
    )


def test_revenue_bridge_complete_month(wh):
    # Oct 2025 (348: C1 100, C2 48, C3 200) vs Sep (C2 22): new C1 + C3 = 300;
    # R = {C2}: P1 4 x (48/4 - 22/2) = 4; volume (48 - 22) - 4 = 22
    assert _revenue_bridge(wh, "month", "2025-10-01", "previous") == _approx(
        {"new_customers": 300, "lost_customers": 0, "price": 4, "volume": 22}
    )
    # Dec 2024 (nothing) vs Nov 2024 (C1 100, C2 50): everyone lost
    assert _revenue_bridge(wh, "month", "2024-12-01", "previous") == _approx(
        {"new_customers": 0, "lost_customers": -150, "price": 0, "volume": 0}
    )


def test_revenue_bridge_quarter_and_year(wh):
    # Q4 2025 to 11-20 (550) vs 2025-07-01..08-20 (nothing): all new
    assert _revenue_bridge(wh, "quarter", "2025-10-01", "previous") == _approx(
        {"new_customers": 550, "lost_customers": 0, "price": 0, "volume": 0}
    )
    # 2025 to 11-20 (572) vs 2024-01-01..11-20 (C1 P1 10/100):
    # new C2 22 + 48, C3 200, C4 100 = 370; R = {C1}: P1 q_p 11, r_p 122 -> 11 x (122/11 - 10) = 12;
    # volume = (202 - 100) - 12 = 90.   370 + 12 + 90 = 472 = 572 - 100
    for comparison in ("previous", "year_ago"):
        assert _revenue_bridge(wh, "year", "2025-01-01", comparison) == _approx(
            {"new_customers": 370, "lost_customers": 0, "price": 12, "volume": 90}
        )


def test_revenue_bridge_shape(wh):
    # from the first order's period (Nov 2024) to the as-of period, every component of both
    # comparisons: 13 months + 5 quarters + 2 years = 20 periods x 2 x 4
    assert query(wh, "select count(*) from marts.revenue_bridge")[0][0] == 20 * 2 * 4
    assert (
        query(wh, "select min(period_start) from marts.revenue_bridge where grain = 'month'")[0][0].isoformat()
        == "2024-11-01"
    )


def test_revenue_bridge_identity_on_complete_periods(wh):
    # independent path: revenue from kpi_values (p complete -> b is the full previous period)
    rows = query(
        wh,
        """
        select b.grain, b.period_start, sum(b.amount), cur.value - coalesce(prev.value, 0)
        from marts.revenue_bridge as b
        inner join intermediate.int_periods as p using (grain, period_start)
        inner join marts.kpi_values as cur
            on cur.kpi_id = 'revenue' and cur.grain = b.grain and cur.period_start = b.period_start
        left join marts.kpi_values as prev
            on prev.kpi_id = 'revenue' and prev.grain = b.grain and prev.period_start = p.previous_start
        where b.comparison = 'previous' and p.is_complete
        group by all
    """,
    )
    assert len(rows) == 12 + 4 + 1
    for grain, start, bridged, change in rows:
        assert bridged == pytest.approx(change, abs=0.005), (grain, start)


def test_revenue_growth_numerator_is_the_bridge_total(wh):
    rows = query(
        wh,
        """
        select b.grain, b.period_start, sum(b.amount), any_value(g.numerator)
        from marts.revenue_bridge as b
        inner join marts.kpi_values as g
            on g.kpi_id = 'revenue_growth' and g.grain = b.grain and g.period_start = b.period_start
        where b.comparison = 'previous'
        group by all
    """,
    )
    assert rows
    for grain, start, bridged, numerator in rows:
        assert bridged == pytest.approx(numerator, abs=0.005), (grain, start)


def test_mrr_bridge(wh):
    # Nov 2025 (see test_kpis_financial): new 65, reactivation 60, expansion 50, contraction 130,
    # churned 200, fx 80 -> signed; sum -75 = mrr(Nov) 585 - mrr(Oct) 660
    assert _mrr_bridge(wh, "month", "2025-11-01") == _approx(
        {"new": 65, "reactivation": 60, "expansion": 50, "contraction": -130, "churned": -200, "fx": 80}
    )
    # Q4 2025: new 245, expansion 50, contraction 20, fx 20 -> 295 = 585 - 290
    assert _mrr_bridge(wh, "quarter", "2025-10-01") == _approx(
        {"new": 245, "reactivation": 0, "expansion": 50, "contraction": -20, "churned": 0, "fx": 20}
    )
    # Sep 2025 .. Nov 2025, Q3 and Q4 2025, 2025: 6 periods x 6 components
    assert query(wh, "select count(*) from marts.mrr_bridge")[0][0] == 6 * 6


def test_mrr_bridge_adds_up_to_net_new_mrr(wh):
    rows = query(
        wh,
        """
        select b.grain, b.period_start, sum(b.amount), any_value(v.value)
        from marts.mrr_bridge as b
        inner join marts.kpi_values as v
            on v.kpi_id = 'net_new_mrr' and v.grain = b.grain and v.period_start = b.period_start
        group by all
    """,
    )
    assert len(rows) == 6
    for grain, start, bridged, net_new in rows:
        assert bridged == pytest.approx(net_new, abs=0.005), (grain, start)
    # and net_new_mrr = mrr(p) - mrr(p-1) from the mrr KPI: Nov 585 - 660, Oct 660 - 290
    assert kpi(wh, "net_new_mrr", "month", "2025-11-01")[0] == pytest.approx(
        kpi(wh, "mrr", "month", "2025-11-01")[0] - kpi(wh, "mrr", "month", "2025-10-01")[0]
    )
    assert kpi(wh, "net_new_mrr", "month", "2025-10-01")[0] == pytest.approx(
        kpi(wh, "mrr", "month", "2025-10-01")[0] - kpi(wh, "mrr", "month", "2025-09-01")[0]
    )


def _dbt_test(wh, select):
    from orchestration.lib.dbt_runner import run_dbt

    os.environ["KPI_WAREHOUSE_PATH"] = str(wh)
    nodes = list(run_dbt(["test", "--select", *select.split()], DBT_PROJECT_DIR, wh.parent / "dbt_target"))
    assert nodes, f"no dbt test matched {select!r}"
    return all(n.status == "pass" for n in nodes)


def test_identity_data_tests_catch_a_bridge_that_does_not_add_up(wh):
    # the build above passed both identity tests; a cent off in a component must fail them
    query(
        wh,
        "update marts.revenue_bridge set amount = amount + 0.01"
        " where grain = 'month' and period_start = date '2025-11-01' and component = 'price'",
    )
    query(
        wh,
        "update marts.mrr_bridge set amount = amount - 0.01"
        " where grain = 'quarter' and period_start = date '2025-10-01' and component = 'fx'",
    )
    try:
        assert _dbt_test(wh, "assert_revenue_bridge_identity") is False
        assert _dbt_test(wh, "assert_mrr_bridge_identity") is False
    finally:
        query(
            wh,
            "update marts.revenue_bridge set amount = amount - 0.01"
            " where grain = 'month' and period_start = date '2025-11-01' and component = 'price'",
        )
        query(
            wh,
            "update marts.mrr_bridge set amount = amount + 0.01"
            " where grain = 'quarter' and period_start = date '2025-10-01' and component = 'fx'",
        )
    assert _dbt_test(wh, "assert_revenue_bridge_identity assert_mrr_bridge_identity") is True
