"""Marketing KPIs on a small hand-written company, expected values computed by hand.

As-of date 2025-03-15: March, Q1 2025 and 2025 are incomplete (computed up to 03-15).
fx: EUR 1.10 from 2025-01-01, 1.20 from 2025-02-01; GBP only from 2025-02-10 (a gap before it).
"""

from __future__ import annotations

import pytest

from tests.dbt_harness import create_warehouse, dbt_build, kpi, query
from tests.rows import customers, line, order

AS_OF = "2025-03-15"


def session(session_id, visitor_id, ts, campaign_id=None, order_id=None):
    return {
        "session_id": session_id,
        "visitor_id": visitor_id,
        "started_at": ts,
        "source": "web",
        "campaign_id": campaign_id,
        "pageviews": 1,
        "order_id": order_id,
    }


def lead(lead_id, created, mql=None, sql=None):
    return {
        "lead_id": lead_id,
        "created_at": created,
        "source": "web",
        "campaign_id": None,
        "mql_at": mql,
        "sql_at": sql,
        "customer_id": None,
    }


def spend(campaign_id, day, amount, currency):
    return {"campaign_id": campaign_id, "spend_date": day, "amount": amount, "currency": currency}


def social(day, platform, followers, impressions, engagements):
    return {
        "metric_date": day,
        "platform": platform,
        "followers": followers,
        "impressions": impressions,
        "engagements": engagements,
    }


ROWS = {
    "customers": customers(["c1", "c2", "c3", "c4", "c5", "c7"], signup_date="2024-12-01"),
    "products": [{"product_id": "p1", "product_name": "P1", "category": "x", "unit_cost": 1, "list_price": 2}],
    "fx_rates": [
        {"rate_date": "2025-01-01", "currency": "EUR", "usd_per_unit": 1.10},
        {"rate_date": "2025-02-01", "currency": "EUR", "usd_per_unit": 1.20},
        {"rate_date": "2025-02-10", "currency": "GBP", "usd_per_unit": 1.30},
    ],
    "orders": [
        order("O1", "c1", "2025-01-05 10:00:00", "USD", "completed"),  # 100 USD
        order("O2", "c2", "2025-01-06 10:00:00", "EUR", "completed"),  # (2×50−10) EUR × 1.10 = 99
        order("O3", "c3", "2025-02-07 10:00:00", "GBP", "completed"),  # no GBP rate yet: unconvertible
        order("O4", "c1", "2025-02-12 10:00:00", "USD", "completed"),  # c1 again: not new; 200
        order("O5", "c4", "2025-02-13 10:00:00", "USD", "cancelled"),
        order("O6", "c4", "2025-03-02 10:00:00", "USD", "returned"),
        order("O7", "c5", "2025-03-03 10:00:00", "GBP", "completed"),  # 10 GBP × 1.30 = 13
        order("O8", "c4", "2025-03-20 10:00:00", "USD", "completed"),  # after the as-of date
        order("O10", "c7", "2025-01-25 10:00:00", "USD", "returned"),
        order("O11", "c7", "2025-03-05 10:00:00", "USD", "completed"),  # c7's first completed: new in March; 30
    ],
    "order_lines": [
        line("O1", "p1", 1, 100),
        line("O2", "p1", 2, 50, discount_amount=10),
        line("O3", "p1", 1, 80),
        line("O4", "p1", 1, 200),
        line("O5", "p1", 1, 500),
        line("O6", "p1", 1, 60),
        line("O7", "p1", 1, 10),
        line("O8", "p1", 1, 1000),
        line("O10", "p1", 1, 70),
        line("O11", "p1", 1, 30),
    ],
    "campaigns": [
        {"campaign_id": c, "campaign_name": c, "channel": "email", "start_date": "2024-12-01", "end_date": None}
        for c in ("cmp1", "cmp2")
    ],
    "marketing_spend": [
        spend("cmp1", "2024-12-20", 100, "USD"),
        spend("cmp1", "2025-01-10", 100, "USD"),
        spend("cmp2", "2025-01-20", 200, "EUR"),  # × 1.10 = 220
        spend("cmp1", "2025-02-05", 50, "GBP"),  # no GBP rate yet: unconvertible
        spend("cmp2", "2025-02-15", 100, "EUR"),  # × 1.20 = 120
        spend("cmp1", "2025-03-20", 999, "USD"),  # after the as-of date
    ],
    "web_sessions": [
        session("S1", "v1", "2024-12-30 10:00:00", "cmp1", "O1"),  # ISO week 2024-12-30 .. 2025-01-05
        session("S2", "v1", "2025-01-05 09:00:00", None, "O1"),
        session("S3", "v2", "2025-01-06 09:00:00", "cmp2", "O2"),
        session("S4", "v2", "2025-01-06 11:00:00", "cmp2", "O2"),  # O2 attributed once
        session("S5", "v3", "2025-02-07 09:00:00", "cmp1", "O3"),  # converted; revenue unconvertible
        session("S6", "v3", "2025-02-12 09:00:00", None, "O4"),  # converted, not attributed (no campaign)
        session("S7", "v4", "2025-02-13 09:00:00", "cmp1", "O5"),  # cancelled order: not converted
        session("S8", "v5", "2025-03-01 09:00:00", "cmp1", "O8"),  # order after as-of: points to nothing
        session("S9", "v5", "2025-03-03 09:00:00", "cmp2", "O7"),
        session("S10", "v6", "2025-03-14 09:00:00", None, None),
        session("S12", "v1", "2025-03-04 09:00:00", "cmp1", "O11"),
        session("S11", "v7", "2025-03-16 09:00:00", None, None),  # after the as-of date
    ],
    "leads": [
        lead("L1", "2025-01-03 10:00:00", "2025-01-05 10:00:00", "2025-01-10 10:00:00"),
        lead("L2", "2025-01-15 10:00:00", "2025-01-31 23:30:00", None),
        lead("L3", "2025-01-20 10:00:00", "2025-02-01 00:10:00", "2025-03-20 10:00:00"),  # sql_at after as-of
        lead("L4", "2025-02-02 10:00:00", "2025-02-03 10:00:00", "2025-03-01 10:00:00"),
        lead("L5", "2025-02-10 10:00:00"),
        lead("L8", "2025-02-04 10:00:00", "2025-02-05 10:00:00", "2025-02-06 10:00:00"),
        lead("L6", "2025-03-05 10:00:00", "2025-03-16 10:00:00", None),  # mql_at after as-of
        lead("L7", "2025-03-16 10:00:00"),  # created after the as-of date
    ],
    "social_metrics": [
        social("2025-01-31", "linkedin", 100, 1000, 50),
        social("2025-01-31", "x", 200, 500, 25),
        social("2025-02-10", "linkedin", 110, 2000, 300),  # x skipped February: keeps 200
        social("2025-03-10", "x", 250, 0, 0),
        social("2025-03-16", "linkedin", 999, 10, 1),  # after the as-of date
    ],
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("marketing") / "warehouse.duckdb"
    create_warehouse(path, ROWS)
    dbt_build(path, AS_OF)
    return path


def value(wh, kpi_id, grain, start):
    return kpi(wh, kpi_id, grain, start)[0]


def test_sessions_flow_at_every_grain(wh):
    assert value(wh, "sessions", "month", "2024-12-01") == 1  # S1
    assert value(wh, "sessions", "month", "2025-01-01") == 3  # S2 S3 S4
    assert value(wh, "sessions", "month", "2025-02-01") == 3  # S5 S6 S7
    assert value(wh, "sessions", "month", "2025-03-01") == 4  # S8 S9 S10 S12 (S11 after as-of)
    assert value(wh, "sessions", "quarter", "2025-01-01") == 10
    assert value(wh, "sessions", "year", "2024-01-01") == 1
    assert value(wh, "sessions", "year", "2025-01-01") == 10
    assert value(wh, "sessions", "week", "2024-12-30") == 2  # S1 (Mon) + S2 (Sun 01-05)
    assert value(wh, "sessions", "day", "2025-01-06") == 2
    assert value(wh, "sessions", "day", "2025-01-07") == 0  # a flow without events is 0
    v = kpi(wh, "sessions", "month", "2025-03-01")
    assert v[3] is False and v[4] is True  # incomplete, measurable


def test_site_visitors_distinct(wh):
    assert value(wh, "site_visitors", "month", "2024-12-01") == 1  # v1
    assert value(wh, "site_visitors", "month", "2025-01-01") == 2  # v1 v2
    assert value(wh, "site_visitors", "month", "2025-02-01") == 2  # v3 v4
    assert value(wh, "site_visitors", "month", "2025-03-01") == 3  # v5 v6 v1 (v7 after as-of)
    assert value(wh, "site_visitors", "quarter", "2025-01-01") == 6  # v1..v6
    assert query(wh, "select count(*) from marts.kpi_values where kpi_id = 'site_visitors' and grain = 'day'") == [(0,)]


def test_conversion_rate(wh):
    # Dec: S1 → O1 (completed, dated in January) = 1/1
    assert kpi(wh, "conversion_rate", "month", "2024-12-01")[:3] == (1.0, 1.0, 1.0)
    # Jan: S2 S3 S4 all point to completed orders = 3/3
    assert kpi(wh, "conversion_rate", "month", "2025-01-01")[:3] == (1.0, 3.0, 3.0)
    # Feb: S5 (O3 completed; its currency has no rate but a count needs none), S6 ✓, S7 cancelled ✗ = 2/3
    v = kpi(wh, "conversion_rate", "month", "2025-02-01")
    assert v[:3] == pytest.approx((2 / 3, 2.0, 3.0)) and v[4] is True
    # Mar: S8 (O8 after the as-of date ✗), S9 ✓, S10 ✗, S12 ✓ = 2/4
    assert kpi(wh, "conversion_rate", "month", "2025-03-01")[:3] == (0.5, 2.0, 4.0)
    # Q1: (3 + 2 + 2) / 10
    assert value(wh, "conversion_rate", "quarter", "2025-01-01") == pytest.approx(0.7)


def test_leads(wh):
    assert value(wh, "leads", "month", "2025-01-01") == 3  # L1 L2 L3
    assert value(wh, "leads", "month", "2025-02-01") == 3  # L4 L5 L8
    assert value(wh, "leads", "month", "2025-03-01") == 1  # L6 (L7 after as-of)
    assert value(wh, "leads", "quarter", "2025-01-01") == 7
    assert value(wh, "leads", "day", "2025-01-03") == 1


def test_mql_to_sql_rate(wh):
    # Jan: MQLs L1, L2 (01-31 23:30 UTC); SQL L1 → 1/2
    assert kpi(wh, "mql_to_sql_rate", "month", "2025-01-01")[:3] == (0.5, 1.0, 2.0)
    # Feb: MQLs L3, L4, L8; SQL L4 (03-01, after Feb but before as-of), L8; L3's sql_at is after as-of → 2/3
    assert kpi(wh, "mql_to_sql_rate", "month", "2025-02-01")[:3] == pytest.approx((2 / 3, 2.0, 3.0))
    # Mar: L6's mql_at is after the as-of date → no MQL: NULL, not 0
    assert kpi(wh, "mql_to_sql_rate", "month", "2025-03-01")[:3] == (None, 0.0, 0.0)
    # Q1: 3 SQL of 5 MQL
    assert value(wh, "mql_to_sql_rate", "quarter", "2025-01-01") == pytest.approx(0.6)


def test_marketing_spend_with_fx_gap(wh):
    assert value(wh, "marketing_spend", "month", "2024-12-01") == pytest.approx(100)
    # Jan: 100 USD + 200 EUR × 1.10 = 320; fx needed and available → measurable
    v = kpi(wh, "marketing_spend", "month", "2025-01-01")
    assert v[0] == pytest.approx(320) and v[4] is True
    # Feb: 50 GBP on 02-05 has no rate (GBP starts 02-10) → left out; 100 EUR × 1.20 = 120; unmeasurable
    v = kpi(wh, "marketing_spend", "month", "2025-02-01")
    assert v[0] == pytest.approx(120) and v[4] is False and "could not be converted" in v[5]
    # Mar up to 03-15: the 03-20 spend is after the as-of date → 0
    assert value(wh, "marketing_spend", "month", "2025-03-01") == 0
    assert value(wh, "marketing_spend", "quarter", "2025-01-01") == pytest.approx(440)
    assert value(wh, "marketing_spend", "day", "2025-01-20") == pytest.approx(220)
    assert value(wh, "marketing_spend", "week", "2025-01-20") == pytest.approx(220)
    assert value(wh, "marketing_spend", "year", "2024-01-01") == pytest.approx(100)


def test_cost_per_lead(wh):
    # Dec: 100 spend, no leads → NULL (zero denominator)
    assert kpi(wh, "cost_per_lead", "month", "2024-12-01")[:3] == (None, 100.0, 0.0)
    assert value(wh, "cost_per_lead", "quarter", "2024-10-01") is None
    assert kpi(wh, "cost_per_lead", "month", "2025-01-01")[:3] == pytest.approx((320 / 3, 320, 3))
    v = kpi(wh, "cost_per_lead", "month", "2025-02-01")  # 120 / 3, unmeasurable (GBP spend)
    assert v[0] == pytest.approx(40) and v[4] is False
    assert value(wh, "cost_per_lead", "month", "2025-03-01") == 0  # 0 spend / 1 lead
    assert value(wh, "cost_per_lead", "quarter", "2025-01-01") == pytest.approx(440 / 7)


def test_customer_acquisition_cost(wh):
    # new customers (first completed order ever): Jan c1 c2; Feb c3 (GBP, still counts; c1 is a
    # repeat); Mar c5 and c7 (c7's January order was returned); c4 never (cancelled, returned,
    # completed only after the as-of date)
    assert kpi(wh, "customer_acquisition_cost", "month", "2024-12-01")[:3] == (None, 100.0, 0.0)
    assert kpi(wh, "customer_acquisition_cost", "month", "2025-01-01")[:3] == pytest.approx((160, 320, 2))
    v = kpi(wh, "customer_acquisition_cost", "month", "2025-02-01")
    assert v[:3] == pytest.approx((120, 120, 1)) and v[4] is False
    assert kpi(wh, "customer_acquisition_cost", "month", "2025-03-01")[:3] == (0.0, 0.0, 2.0)
    assert kpi(wh, "customer_acquisition_cost", "quarter", "2025-01-01")[:3] == pytest.approx((88, 440, 5))
    assert value(wh, "customer_acquisition_cost", "year", "2025-01-01") == pytest.approx(88)


def test_marketing_roi(wh):
    # attributed (campaign session → completed order, by order date): O1 100 + O2 99 in Jan; O3 in
    # Feb (unconvertible, left out); O7 13 + O11 30 in Mar. O5 cancelled, O8 after the as-of date.
    assert kpi(wh, "marketing_roi", "month", "2024-12-01")[:3] == pytest.approx((-1, -100, 100))
    v = kpi(wh, "marketing_roi", "month", "2025-01-01")  # (199 − 320) / 320
    assert v[:3] == pytest.approx((-121 / 320, -121, 320)) and v[4] is True
    v = kpi(wh, "marketing_roi", "month", "2025-02-01")  # (0 − 120) / 120; O3 and the GBP spend unconvertible
    assert v[0] == pytest.approx(-1) and v[4] is False and v[5].startswith("2 amount(s)")
    # Mar: no spend → NULL
    assert kpi(wh, "marketing_roi", "month", "2025-03-01")[:3] == pytest.approx((None, 43, 0))
    assert value(wh, "marketing_roi", "quarter", "2025-01-01") == pytest.approx((242 - 440) / 440)


def test_social_engagement_rate(wh):
    assert kpi(wh, "social_engagement_rate", "month", "2025-01-01")[:3] == pytest.approx((0.05, 75, 1500))
    assert value(wh, "social_engagement_rate", "month", "2025-02-01") == pytest.approx(0.15)  # 300 / 2000
    assert kpi(wh, "social_engagement_rate", "month", "2025-03-01")[:3] == (None, 0.0, 0.0)  # 0 impressions
    assert value(wh, "social_engagement_rate", "quarter", "2025-01-01") == pytest.approx(375 / 3500)


def test_social_followers_stock(wh):
    assert value(wh, "social_followers", "month", "2025-01-01") == 300  # 100 + 200
    assert value(wh, "social_followers", "month", "2025-02-01") == 310  # 110 + x keeps 200
    assert value(wh, "social_followers", "month", "2025-03-01") == 360  # 110 + 250 (999 after as-of)
    assert value(wh, "social_followers", "quarter", "2025-01-01") == 360
    assert value(wh, "social_followers", "year", "2025-01-01") == 360
    # first period: the month of the first social_metrics row
    assert (
        query(
            wh, "select min(period_start) from marts.kpi_values where kpi_id = 'social_followers' and grain = 'month'"
        )[0][0].isoformat()
        == "2025-01-01"
    )


def test_inputs_follow_the_definitions(wh):
    def inputs(kpi_id):
        return sorted(query(wh, "select inputs from marts.kpi_catalog where kpi_id = ?", [kpi_id])[0][0])

    assert inputs("conversion_rate") == ["orders", "web_sessions"]
    assert inputs("cost_per_lead") == ["fx_rates", "leads", "marketing_spend"]
    assert inputs("customer_acquisition_cost") == ["fx_rates", "marketing_spend", "orders"]
    assert inputs("marketing_roi") == ["fx_rates", "marketing_spend", "order_lines", "orders", "web_sessions"]
    assert inputs("social_followers") == ["social_metrics"]


# ---------------------------------------------------------------- the semantic layer


def test_the_semantic_layer_agrees_with_kpi_values_on_these_rows(wh):
    """Every KPI metric of the semantic layer (MetricFlow) equals kpi_values at every grain it is
    published at, on this module's hand-made rows (currencies, returns, missing rates)."""
    from semantic_parity import warehouse_parity

    problems, compared = warehouse_parity(wh)
    assert compared > 0
    assert not problems, problems[:10]
