"""Customer KPIs, built for real by dbt on small hand-written warehouses.

Every expected value below was computed by hand from the rows of its scenario; the
arithmetic is in the comment next to it.

Scenario A (as-of 2025-03-20: March 2025, Q1 2025 and 2025 are incomplete):
  fx_rates: EUR 1.1 from 2024-01-01, 1.2 from 2025-02-01; GBP 1.3 only from 2025-03-10, so a
  GBP order before 2025-03-10 cannot be converted (fx gap).
  products: P1 unit_cost 4, P2 unit_cost 10.

  order  customer  date        ccy  status     lines                    net USD        COGS
  O0     C8        2023-09-01  USD  completed  P1 1×10                  10             4
  O1     C1        2024-03-10  USD  completed  P1 2×10                  20             8
  O2     C2        2024-06-15  EUR  completed  P2 1×50 − 5              45×1.1 = 49.5  10
  O4b    C2        2024-10-08  USD  completed  P1 1×25                  25             4
  O3     C3        2024-11-20  USD  cancelled  P1 1×10                  -              -
  O4     C4        2024-12-05  USD  completed  P1 1×30                  30             4
  O5     C1        2025-01-10  USD  completed  P1 3×10 − 2              28             12
  O6     C3        2025-01-20  USD  completed  P2 1×40                  40             10
  O9b    C1        2025-02-03  USD  completed  P1 1×12                  12             4
  O7     C2        2025-02-14  EUR  completed  P1 2×20                  40×1.2 = 48    8
  O8     C5        2025-02-20  GBP  completed  P1 1×100                 unconvertible  (4)
  O9     C3        2025-02-25  USD  returned   P1 1×10                  -              -
  O14    C2        2025-03-05  EUR  cancelled  P1 1×10                  -              -
  O10    C5        2025-03-12  GBP  completed  P2 1×10                  10×1.3 = 13    10
  O11    C6        2025-03-15  USD  completed  P1 1×20                  20             4
  O12    C3        2025-03-18  USD  completed  P1 1×15                  15             4
  O13    C1        2025-03-25  USD  completed  (after the as-of date: ignored)
  O16    C7        2025-03-28  USD  completed  (after the as-of date: ignored)

  A(month): 2023-09 {C8}; 2024-03 {C1}; 2024-06 {C2}; 2024-10 {C2}; 2024-11 {} (O3 cancelled);
  2024-12 {C4}; 2025-01 {C1, C3}; 2025-02 {C1, C2, C5} (O9 returned; O8 unconvertible still
  counts); 2025-03 to date {C3, C5, C6}.  A(Q4 2024) {C2, C4}; A(Q1 2025) {C1, C2, C3, C5, C6};
  A(2023) {C8}; A(2024) {C1, C2, C4}; A(2025) {C1, C2, C3, C5, C6}.
  First completed order: C8 2023-09-01, C1 2024-03-10, C2 2024-06-15, C4 2024-12-05,
  C3 2025-01-20 (its 2024-11 order was cancelled), C5 2025-02-20, C6 2025-03-15.
"""

from __future__ import annotations

import copy

import pytest

from tests.dbt_harness import create_warehouse, dbt_build, kpi, query
from tests.rows import customers, line, order, subscription


def _customers(n):
    """C1 .. Cn, consumers who signed up on 2023-01-01."""
    return customers((f"C{i}" for i in range(1, n + 1)), signup_date="2023-01-01", segment="consumer")


PRODUCTS = [
    {"product_id": "P1", "product_name": "one", "category": "x", "unit_cost": 4, "list_price": 10},
    {"product_id": "P2", "product_name": "two", "category": "x", "unit_cost": 10, "list_price": 40},
]

ORDERS_A = [
    (order("O0", "C8", "2023-09-01 10:00:00", "USD", "completed"), line("O0", "P1", 1, 10)),
    (order("O1", "C1", "2024-03-10 10:00:00", "USD", "completed"), line("O1", "P1", 2, 10)),
    (order("O2", "C2", "2024-06-15 10:00:00", "EUR", "completed"), line("O2", "P2", 1, 50, discount_amount=5)),
    (order("O4b", "C2", "2024-10-08 10:00:00", "USD", "completed"), line("O4b", "P1", 1, 25)),
    (order("O3", "C3", "2024-11-20 10:00:00", "USD", "cancelled"), line("O3", "P1", 1, 10)),
    (order("O4", "C4", "2024-12-05 10:00:00", "USD", "completed"), line("O4", "P1", 1, 30)),
    (order("O5", "C1", "2025-01-10 10:00:00", "USD", "completed"), line("O5", "P1", 3, 10, discount_amount=2)),
    (order("O6", "C3", "2025-01-20 10:00:00", "USD", "completed"), line("O6", "P2", 1, 40)),
    (order("O9b", "C1", "2025-02-03 10:00:00", "USD", "completed"), line("O9b", "P1", 1, 12)),
    (order("O7", "C2", "2025-02-14 10:00:00", "EUR", "completed"), line("O7", "P1", 2, 20)),
    (order("O8", "C5", "2025-02-20 10:00:00", "GBP", "completed"), line("O8", "P1", 1, 100)),
    (order("O9", "C3", "2025-02-25 10:00:00", "USD", "returned"), line("O9", "P1", 1, 10)),
    (order("O14", "C2", "2025-03-05 10:00:00", "EUR", "cancelled"), line("O14", "P1", 1, 10)),
    (order("O10", "C5", "2025-03-12 10:00:00", "GBP", "completed"), line("O10", "P2", 1, 10)),
    (order("O11", "C6", "2025-03-15 23:30:00", "USD", "completed"), line("O11", "P1", 1, 20)),
    (order("O12", "C3", "2025-03-18 10:00:00", "USD", "completed"), line("O12", "P1", 1, 15)),
    (order("O13", "C1", "2025-03-25 10:00:00", "USD", "completed"), line("O13", "P1", 1, 10)),
    (order("O16", "C7", "2025-03-28 10:00:00", "USD", "completed"), line("O16", "P1", 1, 10)),
]


# MRR > 0 on a day (valid_from ≤ d < valid_to, mrr > 0):
#   2024-10-31 {C1}; 2024-11-30 {C1, C2}; 2024-12-31 {C1, C2, C3, C4};
#   2025-01-31 {C2, C3, C4, C5} (C1 ended 01-15); 2025-02-28 {C2, C4, C6} (C3 on a free plan,
#   C5 ended 02-01); 2025-03-20 {C2, C5, C6} (C4 ended 03-10; C5 came back 03-05; C6's
#   valid_to 03-31 is after the as-of date, so C6 still pays on 03-20; S7 starts after as-of).
SUBSCRIPTIONS_A = [
    subscription("S1", "C1", 100, "USD", "2024-10-01", "2025-01-15"),
    subscription("S2", "C2", 50, "EUR", "2024-11-01"),
    subscription("S3", "C3", 30, "USD", "2024-12-01", "2025-02-01"),
    subscription("S3", "C3", 0, "USD", "2025-02-01"),
    subscription("S4", "C4", 20, "GBP", "2024-12-15", "2025-03-10"),
    subscription("S5", "C5", 40, "USD", "2025-01-10", "2025-02-01"),
    subscription("S6", "C5", 40, "USD", "2025-03-05"),
    subscription("S9", "C6", 10, "USD", "2025-02-01", "2025-03-31"),
    subscription("S7", "C8", 25, "USD", "2025-03-25"),
]


def _ticket(ticket_id, opened_at, resolved_at, csat):
    return {
        "ticket_id": ticket_id,
        "customer_id": "C1",
        "opened_at": opened_at,
        "resolved_at": resolved_at,
        "csat_score": csat,
    }


# resolution hours: T1 26.5, T2 240, T3 6.25, T4 27 (opened Feb, resolved Mar), T8 0.75;
# T5 resolves after the as-of date (not resolved yet), T6 and T9 are open, T7 opens after as-of.
TICKETS_A = [
    _ticket("T9", "2024-12-10 09:00:00", None, None),
    _ticket("T1", "2025-01-05 10:00:00", "2025-01-06 12:30:00", 5),
    _ticket("T2", "2025-01-20 08:00:00", "2025-01-30 08:00:00", 3),
    _ticket("T3", "2025-02-10 00:00:00", "2025-02-10 06:15:00", None),
    _ticket("T4", "2025-02-27 22:00:00", "2025-03-01 01:00:00", 4),
    _ticket("T8", "2025-03-02 10:00:00", "2025-03-02 10:45:00", 4),
    _ticket("T5", "2025-03-15 09:00:00", "2025-03-22 09:00:00", 5),
    _ticket("T6", "2025-03-18 12:00:00", None, None),
    _ticket("T7", "2025-03-25 12:00:00", "2025-03-26 12:00:00", 1),
]


def _nps(response_id, responded_at, score):
    return {"response_id": response_id, "customer_id": "C1", "responded_at": responded_at, "score": score}


NPS_A = [
    _nps("N0", "2024-11-15 10:00:00", 8),
    _nps("N1", "2025-01-03 10:00:00", 10),
    _nps("N2", "2025-01-04 10:00:00", 9),
    _nps("N3", "2025-01-05 10:00:00", 8),
    _nps("N4", "2025-01-06 10:00:00", 3),
    _nps("N5", "2025-02-01 10:00:00", 0),
    _nps("N6", "2025-02-02 10:00:00", 5),
    _nps("N7", "2025-03-19 23:59:00", 9),
    _nps("N8", "2025-03-21 00:01:00", 10),
]

FX_A = [
    {"rate_date": "2024-01-01", "currency": "EUR", "usd_per_unit": 1.1},
    {"rate_date": "2025-02-01", "currency": "EUR", "usd_per_unit": 1.2},
    {"rate_date": "2025-03-10", "currency": "GBP", "usd_per_unit": 1.3},
]


def scenario_a_rows() -> dict:
    """The raw rows of scenario A (module docstring), by table: a copy of its own for each caller,
    which may change it (test_period_carry cancels O6 in its rows)."""
    return copy.deepcopy(
        {
            "customers": _customers(8),
            "products": PRODUCTS,
            "orders": [o for o, _ in ORDERS_A],
            "order_lines": [line for _, line in ORDERS_A],
            "fx_rates": FX_A,
            "subscription_periods": SUBSCRIPTIONS_A,
            "support_tickets": TICKETS_A,
            "nps_responses": NPS_A,
        }
    )


@pytest.fixture(scope="module")
def wh_a(tmp_path_factory):
    path = tmp_path_factory.mktemp("customer_a") / "warehouse.duckdb"
    create_warehouse(path, scenario_a_rows())
    dbt_build(path, "2025-03-20")
    return path


def _check(wh, kpi_id, grain, start, value, numerator=None, denominator=None, measurable=True, complete=None):
    got = kpi(wh, kpi_id, grain, start)
    label = f"{kpi_id} {grain} {start}: {got}"
    if value is None:
        assert got[0] is None, label
    else:
        assert got[0] == pytest.approx(value, rel=1e-9), label
    if numerator is not None:
        assert got[1] == pytest.approx(numerator, rel=1e-9), label
    if denominator is not None:
        assert got[2] == pytest.approx(denominator, rel=1e-9), label
    assert got[4] is measurable, label
    if complete is not None:
        assert got[3] is complete, label


def _published_periods(wh, kpi_id, grain):
    return [
        r[0].isoformat()
        for r in query(
            wh,
            "select period_start from marts.kpi_values where kpi_id = ? and grain = ? order by period_start",
            [kpi_id, grain],
        )
    ]


# ---------------------------------------------------------------- active and new customers


def test_active_customers(wh_a):
    _check(wh_a, "active_customers", "month", "2024-11-01", 0)  # only a cancelled order
    _check(wh_a, "active_customers", "month", "2025-02-01", 3)  # C1, C2, C5 (GBP, unconvertible)
    _check(wh_a, "active_customers", "month", "2025-03-01", 3, complete=False)  # C3, C5, C6; O13 after as-of
    _check(wh_a, "active_customers", "quarter", "2025-01-01", 5)
    _check(wh_a, "active_customers", "year", "2024-01-01", 3)


def test_new_customers(wh_a):
    _check(wh_a, "new_customers", "month", "2023-09-01", 1)  # C8
    _check(wh_a, "new_customers", "month", "2024-11-01", 0)  # C3's first order was cancelled
    _check(wh_a, "new_customers", "month", "2025-01-01", 1)  # C3
    _check(wh_a, "new_customers", "month", "2025-02-01", 1)  # C5, though its order is unconvertible
    _check(wh_a, "new_customers", "month", "2025-03-01", 1)  # C6; C7's first order is after as-of
    _check(wh_a, "new_customers", "quarter", "2025-01-01", 3)
    _check(wh_a, "new_customers", "year", "2024-01-01", 3)  # C1, C2, C4
    _check(wh_a, "new_customers", "year", "2025-01-01", 3)  # C3, C5, C6
    _check(wh_a, "new_customers", "day", "2025-03-15", 1)  # C6 at 23:30 UTC
    _check(wh_a, "new_customers", "day", "2025-03-16", 0)
    _check(wh_a, "new_customers", "week", "2025-02-17", 1)  # C5 on Thursday 02-20
    _check(wh_a, "new_customers", "week", "2025-03-10", 1)  # C6 on Saturday 03-15
    # a flow: published at day and week too, from the first order's period to the as-of date
    assert _published_periods(wh_a, "new_customers", "day")[0] == "2023-09-01"
    assert _published_periods(wh_a, "new_customers", "day")[-1] == "2025-03-20"


# ---------------------------------------------------------------- retention and repeat purchases


def test_customer_retention_rate(wh_a):
    # A(2023-08) empty: first period, zero denominator
    _check(wh_a, "customer_retention_rate", "month", "2023-09-01", None, 0, 0)
    # A(2024-10) {C2}, A(2024-11) {} -> 0 / 1
    _check(wh_a, "customer_retention_rate", "month", "2024-11-01", 0.0, 0, 1)
    # A(2024-11) {} -> NULL
    _check(wh_a, "customer_retention_rate", "month", "2024-12-01", None, 0, 0)
    # A(Jan) {C1, C3} ∩ A(Feb) {C1, C2, C5} = {C1} -> 1 / 2
    _check(wh_a, "customer_retention_rate", "month", "2025-02-01", 0.5, 1, 2)
    # incomplete March: full A(Feb) {C1, C2, C5} vs A(Mar to 03-20) {C3, C5, C6} -> {C5}: 1 / 3
    # (C1's order of 03-25 is after the as-of date)
    _check(wh_a, "customer_retention_rate", "month", "2025-03-01", 1 / 3, 1, 3, complete=False)
    # A(Q4 2024) {C2, C4} ∩ A(Q1 2025) -> {C2}: 1 / 2
    _check(wh_a, "customer_retention_rate", "quarter", "2025-01-01", 0.5, 1, 2)
    # A(2024) {C1, C2, C4} ∩ A(2025) {C1, C2, C3, C5, C6} -> 2 / 3
    _check(wh_a, "customer_retention_rate", "year", "2025-01-01", 2 / 3, 2, 3)
    # A(2023) {C8} ∩ A(2024) -> 0 / 1
    _check(wh_a, "customer_retention_rate", "year", "2024-01-01", 0.0, 0, 1)
    assert _published_periods(wh_a, "customer_retention_rate", "day") == []


def test_repeat_purchase_rate(wh_a):
    # Jan {C1 (first 2024-03), C3 (first 2025-01-20, its cancelled order does not count)} -> 1 / 2
    _check(wh_a, "repeat_purchase_rate", "month", "2025-01-01", 0.5, 1, 2)
    # Feb {C1, C2 (reactivated), C5 (first 02-20)} -> 2 / 3
    _check(wh_a, "repeat_purchase_rate", "month", "2025-02-01", 2 / 3, 2, 3)
    # Mar {C3, C5 (unconvertible Feb order is still a completed order), C6} -> 2 / 3
    _check(wh_a, "repeat_purchase_rate", "month", "2025-03-01", 2 / 3, 2, 3)
    _check(wh_a, "repeat_purchase_rate", "month", "2024-11-01", None, 0, 0)  # A(p) empty
    _check(wh_a, "repeat_purchase_rate", "month", "2024-12-01", 0.0, 0, 1)  # C4's first order
    # Q1 {C1, C2, C3, C5, C6}: only C1, C2 ordered before 2025-01-01 -> 2 / 5
    _check(wh_a, "repeat_purchase_rate", "quarter", "2025-01-01", 0.4, 2, 5)
    _check(wh_a, "repeat_purchase_rate", "year", "2025-01-01", 0.4, 2, 5)
    # 2024 {C1, C2, C4}, all first ordering in 2024 -> 0 / 3
    _check(wh_a, "repeat_purchase_rate", "year", "2024-01-01", 0.0, 0, 3)


# ---------------------------------------------------------------- money


def test_average_order_value(wh_a):
    # Jan: (28 + 40) / 2
    _check(wh_a, "average_order_value", "month", "2025-01-01", 34.0, 68, 2)
    # Feb: O9b 12 + O7 48 over 2 orders; O8 (GBP, no rate yet) left out of both -> unmeasurable
    _check(wh_a, "average_order_value", "month", "2025-02-01", 30.0, 60, 2, measurable=False)
    # Mar to date: (13 + 20 + 15) / 3; GBP converted at 1.3, cancelled EUR O14 ignored
    _check(wh_a, "average_order_value", "month", "2025-03-01", 16.0, 48, 3, complete=False)
    # Q1: (28 + 40 + 12 + 48 + 13 + 20 + 15) / 7 = 176 / 7
    _check(wh_a, "average_order_value", "quarter", "2025-01-01", 176 / 7, 176, 7, measurable=False)
    # 2024: (20 + 49.5 + 25 + 30) / 4 = 124.5 / 4
    _check(wh_a, "average_order_value", "year", "2024-01-01", 31.125, 124.5, 4)
    _check(wh_a, "average_order_value", "month", "2024-11-01", None, 0, 0)  # no completed order


def test_customer_lifetime_value(wh_a):
    # e = 2025-03-20: W1 = [2024-03-21, 2025-03-20], W0 = [2023-03-22, 2024-03-20].
    # A(W0) = {C8 (2023-09-01), C1 (2024-03-10)}; C1 is back in W1, C8 is not -> r = 1/2.
    # gp: O2 49.5−10 + O4b 25−4 + O4 30−4 + O5 28−12 + O6 40−10 + O9b 12−4 + O7 48−8 + O10 13−10
    #     + O11 20−4 + O12 15−4 = 210.5 over |A(W1)| = {C1, C2, C3, C4, C5, C6} = 6 (C5 has the
    #     convertible O10) -> 35.0833...; value = 35.0833 / 0.5 = 70.1666...
    # O8 (GBP before its first rate) is in W1 -> unmeasurable.
    _check(
        wh_a,
        "customer_lifetime_value",
        "month",
        "2025-03-01",
        210.5 / 6 / 0.5,
        210.5 / 6,
        0.5,
        measurable=False,
        complete=False,
    )
    _check(wh_a, "customer_lifetime_value", "quarter", "2025-01-01", 210.5 / 6 / 0.5, 210.5 / 6, 0.5, measurable=False)
    # e = 2025-02-28: W1 = [2024-03-01, 2025-02-28], W0 = [2023-03-02, 2024-02-29] -> A(W0) {C8},
    # not in W1 -> r = 0. gp: O1 20−8 + O2 39.5 + O4b 21 + O4 26 + O5 16 + O6 30 + O9b 8 + O7 40
    # = 192.5 over {C1, C2, C3, C4} = 4 (C5's only W1 order is unconvertible: left out of the
    # count divided into the money) -> 48.125; value 48.125 / 1.
    _check(wh_a, "customer_lifetime_value", "month", "2025-02-01", 48.125, 48.125, 1.0, measurable=False)
    # e = 2024-12-31 (leap year: W1 = [2024-01-02, 2024-12-31]), W0 = [2023-01-03, 2024-01-01]:
    # A(W0) {C8}, r = 0; gp = (12 + 39.5 + 21 + 26) / {C1, C2, C4} = 98.5 / 3. EUR converted.
    _check(wh_a, "customer_lifetime_value", "year", "2024-01-01", 98.5 / 3, 98.5 / 3, 1.0)
    # e = 2023-09-30: A(W0) empty -> NULL
    _check(wh_a, "customer_lifetime_value", "month", "2023-09-01", None)


# ---------------------------------------------------------------- subscriptions


def test_subscription_churn_rate(wh_a):
    _check(wh_a, "subscription_churn_rate", "month", "2024-10-01", None, 0, 0)  # nobody paid on 09-30
    _check(wh_a, "subscription_churn_rate", "month", "2024-11-01", 0.0, 0, 1)
    # 12-31 {C1, C2, C3, C4} -> 01-31 C1 gone: 1 / 4
    _check(wh_a, "subscription_churn_rate", "month", "2025-01-01", 0.25, 1, 4)
    # 01-31 {C2, C3, C4, C5} -> 02-28: C3 on a 0 plan, C5 ended: 2 / 4
    _check(wh_a, "subscription_churn_rate", "month", "2025-02-01", 0.5, 2, 4)
    # 02-28 {C2, C4, C6} -> 03-20: C4 ended 03-10 (GBP: no rate needed); C6 ends after as-of: 1 / 3
    _check(wh_a, "subscription_churn_rate", "month", "2025-03-01", 1 / 3, 1, 3, complete=False)
    # 2024-12-31 {C1, C2, C3, C4} -> 2025-03-20 {C2, C5, C6}: 3 / 4
    _check(wh_a, "subscription_churn_rate", "quarter", "2025-01-01", 0.75, 3, 4)
    _check(wh_a, "subscription_churn_rate", "year", "2025-01-01", 0.75, 3, 4)
    _check(wh_a, "subscription_churn_rate", "year", "2024-01-01", None, 0, 0)
    inputs = query(
        wh_a, "select input_table from intermediate.int_kpi_inputs where kpi_id = 'subscription_churn_rate' order by 1"
    )
    assert [r[0] for r in inputs] == ["subscription_periods"]


# ---------------------------------------------------------------- support and NPS


def test_csat(wh_a):
    _check(wh_a, "csat", "month", "2024-12-01", None, 0, 0)  # nothing resolved
    _check(wh_a, "csat", "month", "2025-01-01", 0.5, 1, 2)  # T1 5, T2 3
    _check(wh_a, "csat", "month", "2025-02-01", None, 0, 0)  # only T3, without a score
    # T4 (opened Feb, resolved 03-01) 4, T8 4; T5 resolves after the as-of date
    _check(wh_a, "csat", "month", "2025-03-01", 1.0, 2, 2, complete=False)
    _check(wh_a, "csat", "quarter", "2025-01-01", 0.75, 3, 4)


def test_avg_resolution_hours(wh_a):
    _check(wh_a, "avg_resolution_hours", "month", "2024-12-01", None, 0, 0)
    _check(wh_a, "avg_resolution_hours", "month", "2025-01-01", 133.25, 266.5, 2)  # (26.5 + 240) / 2
    _check(wh_a, "avg_resolution_hours", "month", "2025-02-01", 6.25, 6.25, 1)  # T3, unrated too
    _check(wh_a, "avg_resolution_hours", "month", "2025-03-01", 13.875, 27.75, 2)  # (27 + 0.75) / 2
    # (26.5 + 240 + 6.25 + 27 + 0.75) / 5
    _check(wh_a, "avg_resolution_hours", "quarter", "2025-01-01", 60.1, 300.5, 5)


def test_nps(wh_a):
    _check(wh_a, "nps", "month", "2024-11-01", 0.0, 0, 1)  # one passive
    _check(wh_a, "nps", "month", "2024-12-01", None, 0, 0)  # no response
    _check(wh_a, "nps", "month", "2025-01-01", 25.0, 1, 4)  # 100 × (2 − 1) / 4
    _check(wh_a, "nps", "month", "2025-02-01", -100.0, -2, 2)  # 100 × (0 − 2) / 2
    _check(wh_a, "nps", "month", "2025-03-01", 100.0, 1, 1)  # the 03-21 response is after as-of
    _check(wh_a, "nps", "quarter", "2025-01-01", 0.0, 0, 7)  # 100 × (3 − 3) / 7


# ---------------------------------------------------------------- scenario B


@pytest.fixture(scope="module")
def wh_b(tmp_path_factory):
    """A USD company without fx_rates, support_tickets, nps_responses or subscription_periods;
    one EUR order, which with no fx_rates at all is kept and unconvertible. As-of 2025-12-31.

    O1 C1 2024-02-01 10; O2 C2 2024-05-01 20; O3 C1 2025-03-01 30; O4 C2 2025-06-01 50;
    O5 C3 2025-06-10 EUR 100 (unconvertible). P1 cost 4, quantity 1 each.
    """
    path = tmp_path_factory.mktemp("customer_b") / "warehouse.duckdb"
    orders = [
        (order("O1", "C1", "2024-02-01 10:00:00", "USD", "completed"), line("O1", "P1", 1, 10)),
        (order("O2", "C2", "2024-05-01 10:00:00", "USD", "completed"), line("O2", "P1", 1, 20)),
        (order("O3", "C1", "2025-03-01 10:00:00", "USD", "completed"), line("O3", "P1", 1, 30)),
        (order("O4", "C2", "2025-06-01 10:00:00", "USD", "completed"), line("O4", "P1", 1, 50)),
        (order("O5", "C3", "2025-06-10 10:00:00", "EUR", "completed"), line("O5", "P1", 1, 100)),
    ]
    create_warehouse(
        path,
        {
            "customers": _customers(3),
            "products": PRODUCTS,
            "orders": [o for o, _ in orders],
            "order_lines": [line for _, line in orders],
        },
    )
    dbt_build(path, "2025-12-31")
    return path


def test_lifetime_value_full_retention_is_null(wh_b):
    # e = 2025-12-31: W1 = 2025, W0 = [2024-01-02, 2024-12-31] {C1, C2}, both back -> r = 1: NULL.
    # gp = ((30 − 4) + (50 − 4)) / {C1, C2} = 36 (C3 only has the unconvertible EUR order); 1 − r = 0.
    _check(wh_b, "customer_lifetime_value", "year", "2025-01-01", None, 36.0, 0.0, measurable=False)
    # 2024: A(W0) empty -> NULL, USD only: measurable without fx_rates
    _check(wh_b, "customer_lifetime_value", "year", "2024-01-01", None, measurable=True)


def test_scenario_b_counts_and_missing_tables(wh_b):
    _check(wh_b, "new_customers", "month", "2025-06-01", 1)  # C3: counts need no rate
    _check(wh_b, "active_customers", "year", "2025-01-01", 3)
    _check(wh_b, "customer_retention_rate", "year", "2025-01-01", 1.0, 2, 2)
    _check(wh_b, "repeat_purchase_rate", "year", "2025-01-01", 2 / 3, 2, 3)  # C1, C2 of {C1, C2, C3}
    _check(wh_b, "average_order_value", "year", "2025-01-01", 40.0, 80, 2, measurable=False)
    _check(wh_b, "average_order_value", "year", "2024-01-01", 15.0, 30, 2)  # USD only: measurable
    for kpi_id in ("csat", "avg_resolution_hours", "nps", "subscription_churn_rate"):
        value, numerator, denominator, _, measurable, issues = kpi(wh_b, kpi_id, "month", "2025-06-01")
        assert value is None and not measurable and "no accepted rows" in issues, (kpi_id, issues)


# ---------------------------------------------------------------- the semantic layer


def test_the_semantic_layer_agrees_with_kpi_values_on_these_rows(wh_a):
    """Every KPI metric of the semantic layer (MetricFlow) equals kpi_values at every grain it is
    published at, on this module's hand-made rows (currencies, returns, missing rates)."""
    from semantic_parity import warehouse_parity

    problems, compared = warehouse_parity(wh_a)
    assert compared > 0
    assert not problems, problems[:10]
