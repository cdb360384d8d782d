"""Financial KPIs (kpis.md, Financial): revenue growth (previous and year-over-year, to date for an
incomplete period), gross margin, net income and net margin from the GL, operating and free cash
flow from the bank, ARR, net new MRR and the six MRR movements.

One warehouse, as-of 2025-11-20 (so November, Q4 and 2025 are incomplete). Every expected value
is computed by hand in the comments next to it.

Rates (latest rate_date on or before the day):
  EUR 2025-09-01 1.10, 2025-10-15 1.20, 2025-11-17 1.30
  GBP 2025-11-10 1.25   -> any GBP amount dated before 2025-11-10 cannot be converted (fx gap)
"""

from __future__ import annotations

import pytest

from tests.dbt_harness import create_warehouse, dbt_build, kpi, query
from tests.rows import customers, line, order, subscription

AS_OF = "2025-11-20"


def _gl(entry_id, day, account, amount, currency="USD"):
    return {"entry_id": entry_id, "posting_date": day, "account_code": account, "amount": amount, "currency": currency}


def _bank(tx_id, day, category, amount, currency="USD"):
    return {"transaction_id": tx_id, "booked_on": day, "category": category, "amount": amount, "currency": currency}


ROWS = {
    "customers": customers(f"C{i}" for i in range(1, 8)),
    "products": [
        {"product_id": "P1", "product_name": "one", "category": "a", "unit_cost": 4, "list_price": 10},
        {"product_id": "P2", "product_name": "two", "category": "a", "unit_cost": 10, "list_price": 30},
    ],
    "fx_rates": [
        {"rate_date": "2025-09-01", "currency": "EUR", "usd_per_unit": 1.10},
        {"rate_date": "2025-10-15", "currency": "EUR", "usd_per_unit": 1.20},
        {"rate_date": "2025-11-17", "currency": "EUR", "usd_per_unit": 1.30},
        {"rate_date": "2025-11-10", "currency": "GBP", "usd_per_unit": 1.25},
    ],
    # net revenue (USD) and COGS of each order in the comment
    "orders": [
        order("O1", "C1", "2024-11-05 10:00:00", "USD"),  # 100; P1 10 -> cogs 40
        order("O2", "C2", "2024-11-25 10:00:00", "USD"),  # 50 (after the to-date cut of Nov 2025's year-ago)
        order("O3", "C1", "2025-10-10 10:00:00", "USD"),  # 50 + 50 = 100; cogs 20 + 20 = 40
        order("O4", "C2", "2025-10-18 10:00:00", "EUR"),  # 40 EUR x 1.20 = 48; cogs 16
        order("O5", "C3", "2025-10-25 10:00:00", "USD"),  # 200; cogs 10
        order("O6", "C4", "2025-10-05 10:00:00", "GBP"),  # unconvertible (no GBP rate yet)
        order("O7", "C1", "2025-11-03 10:00:00", "USD"),  # 72 + 30 = 102; cogs 24 + 10 = 34
        order("O8", "C4", "2025-11-12 10:00:00", "GBP"),  # 80 GBP x 1.25 = 100; cogs 20
        order("O9", "C2", "2025-11-15 10:00:00", "USD", "cancelled"),  # not completed
        order("O10", "C5", "2025-11-19 10:00:00", "EUR", "returned"),  # not completed
        order("O11", "C1", "2025-11-25 10:00:00", "USD"),  # after the as-of date
        order("O12", "C2", "2025-09-10 10:00:00", "EUR"),  # 20 EUR x 1.10 = 22; cogs 8
    ],
    "order_lines": [
        line("O1", "P1", 10, 10),
        line("O2", "P1", 1, 50),
        line("O3", "P1", 5, 10),
        line("O3", "P2", 2, 30, discount_amount=10, line_number=2),
        line("O4", "P1", 4, 10),
        line("O5", "P2", 1, 200),
        line("O6", "P1", 1, 100),
        line("O7", "P1", 6, 12),
        line("O7", "P2", 1, 30, line_number=2),
        line("O8", "P2", 2, 40),
        line("O9", "P1", 10, 10),
        line("O10", "P1", 10, 10),
        line("O11", "P1", 10, 10),
        line("O12", "P1", 2, 10),
    ],
    "accounts": [
        {"account_code": code, "account_name": kind, "account_type": kind}
        for code, kind in [
            ("4000", "revenue"),
            ("4100", "other_income"),
            ("5000", "cogs"),
            ("6000", "operating_expense"),
            ("7000", "other_expense"),
            ("8000", "tax"),
            ("1000", "asset"),
        ]
    ],
    "gl_entries": [
        _gl("G1", "2025-10-05", "4000", 1000),
        _gl("G2", "2025-10-06", "4000", -100),  # revenue reversal
        _gl("G3", "2025-10-07", "4100", 50),
        _gl("G4", "2025-10-08", "5000", 300),
        _gl("G5", "2025-10-09", "6000", 200, "EUR"),  # x 1.10 = 220
        _gl("G6", "2025-10-10", "7000", -20),  # expense reversal: +20 to net income
        _gl("G7", "2025-10-11", "8000", 60),
        _gl("G8", "2025-10-12", "1000", 5000),  # balance sheet: ignored
        _gl("G9", "2025-11-05", "4000", 500, "GBP"),  # unconvertible
        _gl("G10", "2025-11-15", "4000", 400, "EUR"),  # x 1.20 = 480
        _gl("G11", "2025-11-16", "6000", 100),
        _gl("G12", "2025-11-25", "4000", 999),  # after the as-of date
    ],
    "bank_transactions": [
        _bank("B1", "2025-10-03", "operating", 1000),
        _bank("B2", "2025-10-04", "operating", -400, "EUR"),  # x 1.10 = -440
        _bank("B3", "2025-10-20", "investing", -300),
        _bank("B4", "2025-10-21", "financing", 5000),  # not in either cash flow
        _bank("B5", "2025-11-02", "operating", 200, "GBP"),  # unconvertible
        _bank("B6", "2025-11-16", "investing", 100, "EUR"),  # x 1.20 = 120
        _bank("B7", "2025-11-21", "operating", 1),  # after the as-of date
    ],
    # MRR on the three measurement days that matter (EUR 1.10 on 09-30, 1.20 on 10-31, 1.30 on 11-20):
    #        09-30   10-31        11-20
    #   C1   100     100          150        (plan change on 11-10)
    #   C2   100E    100E         100E
    #   C3   80      0            60         (ended 10-01, came back 11-05)
    #   C4   0       0            50E        (starts 11-01)
    #   C5   0       200          0          (valid_to 11-20 is exclusive; the 11-25 restart is after as-of)
    #   C6   0       200E         100E       (starts 10-10, down on 11-10)
    #   C7   0       40G (no rate) 40G       (starts 10-20; GBP has a rate from 11-10 only)
    "subscription_periods": [
        subscription("S1", "C1", 100, "USD", "2025-09-01", "2025-11-10"),
        subscription("S1", "C1", 150, "USD", "2025-11-10"),
        subscription("S2", "C2", 100, "EUR", "2025-09-15"),
        subscription("S3", "C3", 80, "USD", "2025-09-01", "2025-10-01"),
        subscription("S3b", "C3", 60, "USD", "2025-11-05"),
        subscription("S4", "C4", 50, "EUR", "2025-11-01"),
        subscription("S5", "C5", 200, "USD", "2025-10-01", "2025-11-20"),
        subscription("S5b", "C5", 300, "USD", "2025-11-25"),
        subscription("S6", "C6", 200, "EUR", "2025-10-10", "2025-11-10"),
        subscription("S6", "C6", 100, "EUR", "2025-11-10"),
        subscription("S7", "C7", 40, "GBP", "2025-10-20"),
    ],
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("financial") / "warehouse.duckdb"
    create_warehouse(path, ROWS)
    dbt_build(path, AS_OF)
    return path


def _value(wh, kpi_id, grain, start):
    return kpi(wh, kpi_id, grain, start)[0]


# --- revenue growth ---------------------------------------------------------------------------


def test_revenue_growth_month_incomplete_compares_to_date(wh):
    # Nov 2025 to 11-20: O7 102 + O8 100 = 202. Oct to date (10-01..10-20): O3 100 + O4 48 = 148
    # (O5 on 10-25 is after the cut; O6 is unconvertible). (202 - 148) / 148
    value, num, den, complete, measurable, issues = kpi(wh, "revenue_growth", "month", "2025-11-01")
    assert value == pytest.approx(54 / 148, rel=1e-9)
    assert (num, den) == (pytest.approx(54), pytest.approx(148))
    assert complete is False
    assert measurable is False and "1 amount(s)" in issues  # O6 in the comparison window


def test_revenue_growth_complete_month_and_zero_base(wh):
    # Oct 2025: 100 + 48 + 200 = 348 (O6 left out) vs Sep: O12 22 -> 326 / 22
    assert _value(wh, "revenue_growth", "month", "2025-10-01") == pytest.approx(326 / 22, rel=1e-9)
    # Dec 2024: 0 vs Nov 2024 full: O1 100 + O2 50 = 150 -> -1
    value, num, den, *_ = kpi(wh, "revenue_growth", "month", "2024-12-01")
    assert value == pytest.approx(-1.0) and num == pytest.approx(-150) and den == pytest.approx(150)
    # Aug 2025 vs Jul 2025: both 0 -> NULL (zero denominator)
    value, num, den, *_ = kpi(wh, "revenue_growth", "month", "2025-08-01")
    assert value is None and num == 0 and den == 0
    # first published period: Nov 2024 (first order); before it nothing is published
    assert _value(wh, "revenue_growth", "month", "2024-11-01") is None
    assert not query(
        wh,
        "select 1 from marts.kpi_values where kpi_id = 'revenue_growth'"
        " and grain = 'month' and period_start < date '2024-11-01'",
    )


def test_revenue_growth_quarter_and_year_to_date(wh):
    # Q4 2025 to 11-20: 348 + 202 = 550; Q3 to date (07-01..08-20): 0 -> NULL
    value, num, den, *_ = kpi(wh, "revenue_growth", "quarter", "2025-10-01")
    assert value is None and num == pytest.approx(550) and den == 0
    # 2025 to 11-20: 22 + 550 = 572; 2024 to date (01-01..11-20): O1 100 (O2 on 11-25 cut) -> 4.72
    assert _value(wh, "revenue_growth", "year", "2025-01-01") == pytest.approx(4.72, rel=1e-9)
    # no day/week grains for a ratio
    assert not query(wh, "select 1 from marts.kpi_values where kpi_id = 'revenue_growth' and grain in ('day', 'week')")


def test_revenue_growth_yoy(wh):
    # Nov 2025 (202) vs 2024-11-01..11-20: O1 100 -> 1.02; measurable (GBP O8 has a rate)
    value, num, den, complete, measurable, _ = kpi(wh, "revenue_growth_yoy", "month", "2025-11-01")
    assert value == pytest.approx(1.02, rel=1e-9) and num == pytest.approx(102) and den == pytest.approx(100)
    assert measurable is True
    # Q4 2025 (550) vs 2024-10-01..11-20 (100) -> 4.5
    assert _value(wh, "revenue_growth_yoy", "quarter", "2025-10-01") == pytest.approx(4.5, rel=1e-9)
    # 2025 vs 2024 to date -> same as the previous year: 4.72
    assert _value(wh, "revenue_growth_yoy", "year", "2025-01-01") == pytest.approx(4.72, rel=1e-9)
    # Nov 2024 vs Nov 2023 (nothing) -> NULL
    assert _value(wh, "revenue_growth_yoy", "month", "2024-11-01") is None


# --- gross margin -----------------------------------------------------------------------------


def test_gross_margin(wh):
    # Nov 2025: revenue 202, cogs 34 + 20 = 54 -> 148 / 202
    value, num, den, _, measurable, _ = kpi(wh, "gross_margin", "month", "2025-11-01")
    assert value == pytest.approx(148 / 202, rel=1e-9) and num == pytest.approx(148) and den == pytest.approx(202)
    assert measurable is True
    # Oct 2025: revenue 348, cogs 40 + 16 + 10 = 66 (O6 out of both) -> 282 / 348, unmeasurable
    value, num, den, _, measurable, _ = kpi(wh, "gross_margin", "month", "2025-10-01")
    assert value == pytest.approx(282 / 348, rel=1e-9) and den == pytest.approx(348)
    assert measurable is False
    # Aug 2025: no orders -> NULL
    assert _value(wh, "gross_margin", "month", "2025-08-01") is None
    # 2024: O1 100 - 40, O2 50 - 4 -> 106 / 150
    assert _value(wh, "gross_margin", "year", "2024-01-01") == pytest.approx(106 / 150, rel=1e-9)


# --- GL ---------------------------------------------------------------------------------------


def test_net_income(wh):
    # Oct 2025: revenue 1000 - 100 + other income 50 - (cogs 300 + opex 220 + other -20 + tax 60) = 390
    value, num, den, _, measurable, _ = kpi(wh, "net_income", "month", "2025-10-01")
    assert value == pytest.approx(390) and num is None and den is None and measurable is True
    # Nov 2025: 480 (G10) - 100 (G11); G9 GBP unconvertible, G12 after as-of -> 380, unmeasurable
    value, *_, measurable, issues = kpi(wh, "net_income", "month", "2025-11-01")
    assert value == pytest.approx(380) and measurable is False and "1 amount(s)" in issues
    # flow grains: day 2025-10-09 = -220; ISO week 2025-10-06..10-12 = -100 + 50 - 300 - 220 + 20 - 60
    assert _value(wh, "net_income", "day", "2025-10-09") == pytest.approx(-220)
    assert _value(wh, "net_income", "week", "2025-10-06") == pytest.approx(-610)
    assert _value(wh, "net_income", "quarter", "2025-10-01") == pytest.approx(770)
    # a day without entries is 0; the first period is the first posting (Oct 2025)
    assert _value(wh, "net_income", "day", "2025-10-13") == 0
    assert not query(
        wh,
        "select 1 from marts.kpi_values where kpi_id = 'net_income'"
        " and grain = 'month' and period_start < date '2025-10-01'",
    )


def test_net_margin(wh):
    # Oct: 390 / 900; Nov: 380 / 480; Q4: 770 / 1380
    value, num, den, *_ = kpi(wh, "net_margin", "month", "2025-10-01")
    assert value == pytest.approx(390 / 900, rel=1e-9) and num == pytest.approx(390) and den == pytest.approx(900)
    assert _value(wh, "net_margin", "month", "2025-11-01") == pytest.approx(380 / 480, rel=1e-9)
    assert _value(wh, "net_margin", "quarter", "2025-10-01") == pytest.approx(770 / 1380, rel=1e-9)


# --- bank -------------------------------------------------------------------------------------


def test_cash_flows(wh):
    # Oct: operating 1000 - 440 = 560; + investing -300 = 260; financing ignored
    assert _value(wh, "operating_cash_flow", "month", "2025-10-01") == pytest.approx(560)
    assert _value(wh, "free_cash_flow", "month", "2025-10-01") == pytest.approx(260)
    assert _value(wh, "operating_cash_flow", "day", "2025-10-04") == pytest.approx(-440)
    # Nov: B5 GBP unconvertible -> operating 0 (unmeasurable); investing 100 EUR x 1.20 = 120
    value, *_, measurable, _ = kpi(wh, "operating_cash_flow", "month", "2025-11-01")
    assert value == 0 and measurable is False
    value, *_, measurable, _ = kpi(wh, "free_cash_flow", "month", "2025-11-01")
    assert value == pytest.approx(120) and measurable is False
    # 2025: 560 and 260 + 120 = 380
    assert _value(wh, "operating_cash_flow", "year", "2025-01-01") == pytest.approx(560)
    assert _value(wh, "free_cash_flow", "year", "2025-01-01") == pytest.approx(380)


# --- MRR --------------------------------------------------------------------------------------

MRR_NOV = 150 + 130 + 60 + 65 + 0 + 130 + 50  # = 585 at 11-20 rates (EUR 1.30, GBP 1.25)
MRR_OCT = 100 + 120 + 200 + 240  # = 660 at 10-31 (EUR 1.20); C7's GBP unconvertible
MRR_SEP = 100 + 110 + 80  # = 290 at 09-30 (EUR 1.10)


def test_arr(wh):
    assert _value(wh, "arr", "month", "2025-11-01") == pytest.approx(12 * MRR_NOV)
    assert _value(wh, "arr", "month", "2025-09-01") == pytest.approx(12 * MRR_SEP)
    value, *_, measurable, _ = kpi(wh, "arr", "month", "2025-10-01")
    assert value == pytest.approx(12 * MRR_OCT) and measurable is False


def test_mrr_movements_incomplete_month(wh):
    # Nov 2025 at constant currency (11-20 rates), m0 on 10-31, m1 on 11-20:
    #   C1 100 -> 150 expansion 50; C2 130 -> 130 none; C3 0 -> 60, had MRR in Sep: reactivation 60;
    #   C4 0 -> 65 new; C5 200 -> 0 churned 200; C6 260 -> 130 contraction 130;
    #   C7 50 -> 50 none.
    # fx = mrr(Oct) at Nov rates - at Oct rates: C2 130 - 120 + C6 260 - 240 + C7 50 - 0 (no Oct rate) = 80
    expected = {
        "new_mrr": 65,
        "reactivation_mrr": 60,
        "expansion_mrr": 50,
        "contraction_mrr": 130,
        "churned_mrr": 200,
        "fx_mrr": 80,
        "net_new_mrr": MRR_NOV - MRR_OCT,
    }
    for kpi_id, amount in expected.items():
        assert _value(wh, kpi_id, "month", "2025-11-01") == pytest.approx(amount), kpi_id
    assert MRR_NOV - MRR_OCT == 65 + 60 + 50 - 130 - 200 + 80  # the identity, by hand: -75
    # the movements need only 11-20 rates (all there); net_new and fx need C7's 10-31 GBP rate
    assert kpi(wh, "new_mrr", "month", "2025-11-01")[4] is True
    assert kpi(wh, "net_new_mrr", "month", "2025-11-01")[4] is False
    assert kpi(wh, "fx_mrr", "month", "2025-11-01")[4] is False


def test_mrr_movements_complete_month(wh):
    # Oct 2025 (10-31 rates, EUR 1.20; m0 on 09-30): C1 none; C2 120 -> 120 none; C3 80 -> 0 churned;
    # C5 new 200; C6 new 240; C7 unconvertible on 10-31 -> left out. fx: C2 120 - 110 = 10.
    # net_new = 660 - 290 = 370 = 440 - 80 + 10
    assert _value(wh, "new_mrr", "month", "2025-10-01") == pytest.approx(440)
    assert _value(wh, "churned_mrr", "month", "2025-10-01") == pytest.approx(80)
    assert _value(wh, "fx_mrr", "month", "2025-10-01") == pytest.approx(10)
    assert _value(wh, "net_new_mrr", "month", "2025-10-01") == pytest.approx(370)
    assert _value(wh, "reactivation_mrr", "month", "2025-10-01") == 0
    # Sep 2025: everything new (290); no previous MRR; measurable with EUR converted
    value, *_, measurable, _ = kpi(wh, "new_mrr", "month", "2025-09-01")
    assert value == pytest.approx(MRR_SEP) and measurable is True
    assert _value(wh, "net_new_mrr", "month", "2025-09-01") == pytest.approx(MRR_SEP)
    assert _value(wh, "fx_mrr", "month", "2025-09-01") == 0


def test_mrr_movements_quarter_and_year(wh):
    # Q4 2025: m0 on 09-30 at 11-20 rates: C1 100, C2 130, C3 80; m1 as Nov.
    #   C1 expansion 50; C3 80 -> 60 contraction 20 (not a reactivation at this grain);
    #   new: C4 65 + C6 130 + C7 50 (first MRR inside Q4) = 245; fx: C2 130 - 110 = 20.
    #   net_new = 585 - 290 = 295 = 245 + 50 - 20 + 20
    expected = {
        "new_mrr": 245,
        "reactivation_mrr": 0,
        "expansion_mrr": 50,
        "contraction_mrr": 20,
        "churned_mrr": 0,
        "fx_mrr": 20,
        "net_new_mrr": 295,
    }
    for kpi_id, amount in expected.items():
        assert _value(wh, kpi_id, "quarter", "2025-10-01") == pytest.approx(amount), kpi_id
    # 2025: nothing ran on 2024-12-31 -> all of mrr(2025) is new
    assert _value(wh, "new_mrr", "year", "2025-01-01") == pytest.approx(MRR_NOV)
    assert _value(wh, "net_new_mrr", "year", "2025-01-01") == pytest.approx(MRR_NOV)
    # MRR KPIs start at the first subscription (Sep 2025) and have no day/week grain
    assert not query(
        wh,
        "select 1 from marts.kpi_values where kpi_id = 'new_mrr'"
        " and ((grain = 'month' and period_start < date '2025-09-01') or grain in ('day', 'week'))",
    )


def test_catalog_inputs_follow_the_definitions(wh):
    inputs = dict(query(wh, "select kpi_id, inputs from marts.kpi_catalog"))
    assert sorted(inputs["revenue_growth"]) == ["fx_rates", "order_lines", "orders"]
    assert sorted(inputs["gross_margin"]) == ["fx_rates", "order_lines", "orders", "products"]
    assert sorted(inputs["net_margin"]) == ["accounts", "fx_rates", "gl_entries"]
    assert sorted(inputs["free_cash_flow"]) == ["bank_transactions", "fx_rates"]
    assert sorted(inputs["fx_mrr"]) == ["fx_rates", "subscription_periods"]
    assert sorted(inputs["arr"]) == ["fx_rates", "subscription_periods"]


def test_missing_table_makes_kpis_null(tmp_path):
    # no bank_transactions and no gl_entries folder: their KPIs are NULL and unmeasurable
    rows = {k: v for k, v in ROWS.items() if k not in ("bank_transactions", "gl_entries")}
    path = tmp_path / "warehouse.duckdb"
    create_warehouse(path, rows)
    dbt_build(path, AS_OF)
    value, *_, measurable, issues = kpi(path, "free_cash_flow", "month", "2025-10-01")
    assert value is None and measurable is False and "bank_transactions" in issues
    value, *_, measurable, _ = kpi(path, "net_margin", "month", "2025-10-01")
    assert value is None and measurable is False


# ---------------------------------------------------------------- the semantic layer


def test_the_semantic_layer_agrees_with_kpi_values_on_these_rows(wh):
    """Every KPI metric of the semantic layer (MetricFlow) equals kpi_values at every grain it is
    published at, on this module's hand-made rows (currencies, returns, missing rates)."""
    from semantic_parity import warehouse_parity

    problems, compared = warehouse_parity(wh)
    assert compared > 0
    assert not problems, problems[:10]
