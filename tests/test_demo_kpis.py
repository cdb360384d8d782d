"""The demo company exercises every KPI, and both bridge identities hold to the cent on it.

The shared demo build of conftest.py: one real pipeline run over three years of demo data.
The identities are checked from the published tables, against kpi_values (an independent
path from the bridge models themselves).
"""

from __future__ import annotations

import duckdb
import pytest
from conftest import DEMO_AS_OF as AS_OF


@pytest.fixture(scope="module")
def serving(demo_build):
    con = duckdb.connect(str(demo_build.serving), read_only=True)
    yield con
    con.close()


def test_every_kpi_is_neither_empty_nor_constant_on_the_demo(serving):
    rows = serving.execute(
        """select c.kpi_id, count(v.value), count(distinct round(v.value, 9))
           from kpi.kpi_catalog c left join kpi.kpi_values v on v.kpi_id = c.kpi_id and v.grain = 'month'
           group by c.kpi_id order by c.kpi_id"""
    ).fetchall()
    assert len(rows) == 50
    empty = [k for k, n, _ in rows if n == 0]
    constant = [k for k, n, d in rows if n and d < 2]
    assert empty == [] and constant == []


def test_revenue_bridge_identity_holds_to_the_cent_on_the_demo(serving):
    # complete months against the previous month: revenue(p) − revenue(p−1) from kpi_values
    rows = serving.execute(
        """with rev as (select period_start, value from kpi.kpi_values
                        where kpi_id = 'revenue' and grain = 'month' and is_complete),
                bridge as (select period_start, sum(amount) as total from kpi.revenue_bridge
                           where grain = 'month' and comparison = 'previous' group by period_start)
           select rev.period_start, rev.value - coalesce(prev.value, 0) as change, bridge.total
           from rev join bridge using (period_start)
           left join rev as prev on prev.period_start = rev.period_start - interval 1 month"""
    ).fetchall()
    assert len(rows) >= 30
    for period_start, change, total in rows:
        assert abs(change - total) < 0.005, period_start


def test_mrr_bridge_identity_holds_to_the_cent_on_the_demo(serving):
    rows = serving.execute(
        """with mrr as (select period_start, value from kpi.kpi_values where kpi_id = 'mrr' and grain = 'month'),
                bridge as (select period_start, sum(amount) as total from kpi.mrr_bridge
                           where grain = 'month' group by period_start)
           select mrr.period_start, mrr.value - coalesce(prev.value, 0), bridge.total,
                  (select count(*) from kpi.mrr_bridge b where b.grain = 'month'
                     and b.period_start = mrr.period_start and b.component = 'reactivation' and b.amount > 0)
           from mrr join bridge using (period_start)
           left join mrr as prev on prev.period_start = mrr.period_start - interval 1 month"""
    ).fetchall()
    assert len(rows) >= 30
    for period_start, change, total, _ in rows:
        assert abs(change - total) < 0.005, period_start
    assert sum(r[3] for r in rows) > 0  # reactivated subscribers exist in the demo


def _independent_month_values(landing) -> dict[tuple[str, str], float]:
    """revenue, active_customers, new_customers and mrr per month, recomputed with pandas straight
    from the landing files (an independent path from the dbt models)."""
    import pandas as pd

    from orchestration.lib.landing_slicer import load_landing

    t = load_landing(landing)
    orders = t["orders"].copy()
    orders["day"] = pd.to_datetime(orders["order_ts"], utc=True, format="ISO8601").dt.tz_localize(None).dt.normalize()
    orders = orders[orders["day"] <= pd.Timestamp(AS_OF)]
    lines = t["order_lines"].copy()
    lines["net"] = lines["quantity"].astype(float) * lines["unit_price"].astype(float) - lines[
        "discount_amount"
    ].astype(float)
    net = lines.groupby("order_id")["net"].sum()
    orders["net"] = orders["order_id"].map(net).fillna(0.0)
    fx = t["fx_rates"].copy()
    fx["day"] = pd.to_datetime(fx["rate_date"]).astype("datetime64[ns]")
    fx = fx[fx["day"] <= pd.Timestamp(AS_OF)]
    fx["rate"] = fx["usd_per_unit"].astype(float)
    fx = fx.sort_values("day")

    def rate_on(frame: pd.DataFrame) -> pd.Series:
        """The latest rate on or before each row's day for its currency (1 for USD, NaN if none)."""
        frame = frame.reset_index(drop=True).reset_index().sort_values("day")
        frame["day"] = frame["day"].astype("datetime64[ns]")
        merged = pd.merge_asof(frame, fx[["day", "currency", "rate"]], on="day", by="currency")
        merged.loc[merged["currency"] == "USD", "rate"] = 1.0
        return merged.set_index("index")["rate"].sort_index()

    completed = orders[orders["status"] == "completed"].reset_index(drop=True)
    completed["usd"] = completed["net"] * rate_on(completed[["day", "currency"]]).to_numpy()
    completed["month"] = completed["day"].dt.to_period("M").dt.start_time.dt.date.astype(str)
    out: dict[tuple[str, str], float] = {}
    for month, frame in completed.groupby("month"):
        out[("revenue", month)] = frame["usd"].sum()  # NaN rows (no rate) are skipped by sum
        out[("active_customers", month)] = frame["customer_id"].nunique()
    first = completed.groupby("customer_id")["month"].min().value_counts()
    for month, n in first.items():
        out[("new_customers", month)] = n
    subs = t["subscription_periods"].copy()
    subs["start"] = pd.to_datetime(subs["valid_from"])
    subs["end"] = pd.to_datetime(subs["valid_to"].replace("", None))
    subs = subs[subs["start"] <= pd.Timestamp(AS_OF)]
    months = pd.period_range(subs["start"].min(), pd.Timestamp(AS_OF), freq="M")
    for m in months:
        d = min(m.end_time.normalize(), pd.Timestamp(AS_OF))
        running = subs[(subs["start"] <= d) & (subs["end"].isna() | (d < subs["end"]))].copy()
        running["day"] = d
        rates = rate_on(running[["day", "currency"]]).to_numpy()
        out[("mrr", str(m.start_time.date()))] = float(
            (running["mrr"].astype(float).to_numpy() * rates)[~pd.isna(rates)].sum()
        )
    return out


def test_revenue_customers_and_mrr_match_an_independent_pandas_computation(serving, demo_build):
    expected = _independent_month_values(demo_build.landing)
    published = {
        (k, str(p)): v
        for k, p, v in serving.execute(
            "select kpi_id, period_start, value from kpi.kpi_values where grain = 'month'"
            " and kpi_id in ('revenue', 'active_customers', 'new_customers', 'mrr')"
        ).fetchall()
    }
    compared = 0
    for key, value in published.items():
        want = expected.get(key, 0.0)
        assert value == pytest.approx(want, rel=1e-9, abs=1e-6), key
        compared += 1
    assert compared >= 4 * 30
