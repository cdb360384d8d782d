"""The hand-written lower bound `kpi bench` compares the pipeline with.

One DuckDB script, no validation, no quarantine, no bookkeeping: it reads every file it needs
once (read_csv over each table's folder) and computes the heaviest KPIs the way a person would
write them by hand: revenue, orders, active customers and average order value at the five
grains; sessions, site visitors and conversion; leads; marketing spend; month-end MRR. It is
what the data costs to read and aggregate on this machine; the pipeline's full build is
measured against it (issue "Fast and lean at any size").

    python -m orchestration.lib.bench_lower_bound LANDING_DIR AS_OF
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

GRAINS = ["day", "week", "month", "quarter", "year"]


def _src(landing: Path, table: str) -> str:
    return f"read_csv('{landing / table}/*.csv', header = true)"


def run(landing: Path, as_of: str) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    grains = ", ".join(f"('{g}')" for g in GRAINS)
    con.execute(f"CREATE TEMP TABLE grains AS SELECT * FROM (VALUES {grains}) g(grain)")
    con.execute(
        f"""CREATE TEMP TABLE fx AS SELECT currency, CAST(rate_date AS DATE) AS rate_date, usd_per_unit
            FROM {_src(landing, "fx_rates")}"""
        if (landing / "fx_rates").exists() and any((landing / "fx_rates").glob("*.csv"))
        else "CREATE TEMP TABLE fx (currency VARCHAR, rate_date DATE, usd_per_unit DOUBLE)"
    )
    con.execute(
        f"""CREATE TEMP TABLE orders AS
            SELECT order_id, customer_id, CAST(timezone('UTC', CAST(order_ts AS TIMESTAMPTZ)) AS DATE) AS d,
                   currency, status
            FROM {_src(landing, "orders")}
            WHERE CAST(timezone('UTC', CAST(order_ts AS TIMESTAMPTZ)) AS DATE) <= DATE '{as_of}'"""
    )
    con.execute(
        f"""CREATE TEMP TABLE order_revenue AS
            WITH lines AS (
                SELECT order_id, sum(quantity * unit_price - discount_amount) AS net
                FROM {_src(landing, "order_lines")} GROUP BY order_id)
            SELECT o.customer_id, o.d, o.order_id,
                   coalesce(l.net, 0) * CASE WHEN o.currency = 'USD' THEN 1 ELSE r.usd_per_unit END AS usd
            FROM orders o LEFT JOIN lines l USING (order_id)
            ASOF LEFT JOIN fx r ON r.currency = o.currency AND r.rate_date <= o.d
            WHERE o.status = 'completed'"""
    )
    out = {}
    out["revenue_aov_active"] = con.execute(
        """CREATE TEMP TABLE k1 AS
           SELECT g.grain, date_trunc(g.grain, o.d) AS p, sum(o.usd) AS revenue, count(*) AS orders,
                  count(DISTINCT o.customer_id) AS active_customers, sum(o.usd) / count(*) AS aov
           FROM order_revenue o CROSS JOIN grains g GROUP BY 1, 2"""
    ).fetchone()[0]
    out["sessions_visitors_conversion"] = con.execute(
        f"""CREATE TEMP TABLE k2 AS
           WITH s AS (
               SELECT visitor_id, CAST(timezone('UTC', CAST(started_at AS TIMESTAMPTZ)) AS DATE) AS d, order_id
               FROM {_src(landing, "web_sessions")})
           SELECT g.grain, date_trunc(g.grain, s.d) AS p, count(*) AS sessions,
                  count(DISTINCT s.visitor_id) AS visitors,
                  count(c.order_id) / count(*) AS conversion
           FROM s LEFT JOIN (SELECT order_id FROM orders WHERE status = 'completed') c USING (order_id)
           CROSS JOIN grains g WHERE s.d <= DATE '{as_of}' GROUP BY 1, 2"""
    ).fetchone()[0]
    out["leads"] = con.execute(
        f"""CREATE TEMP TABLE k3 AS
           SELECT g.grain, date_trunc(g.grain, CAST(timezone('UTC', CAST(created_at AS TIMESTAMPTZ)) AS DATE)) AS p,
                  count(*) AS leads
           FROM {_src(landing, "leads")} CROSS JOIN grains g GROUP BY 1, 2"""
    ).fetchone()[0]
    out["spend"] = con.execute(
        f"""CREATE TEMP TABLE k4 AS
           SELECT g.grain, date_trunc(g.grain, CAST(s.spend_date AS DATE)) AS p,
                  sum(s.amount * CASE WHEN s.currency = 'USD' THEN 1 ELSE r.usd_per_unit END) AS spend
           FROM {_src(landing, "marketing_spend")} s
           ASOF LEFT JOIN fx r ON r.currency = s.currency AND r.rate_date <= CAST(s.spend_date AS DATE)
           CROSS JOIN grains g GROUP BY 1, 2"""
    ).fetchone()[0]
    out["month_end_mrr"] = con.execute(
        f"""CREATE TEMP TABLE k5 AS
           WITH subs AS (SELECT * FROM {_src(landing, "subscription_periods")}),
           ends AS (
               SELECT least(CAST(m + INTERVAL 1 MONTH AS DATE) - 1, DATE '{as_of}') AS e
               FROM (SELECT unnest(generate_series(date_trunc('month', min(CAST(valid_from AS DATE))),
                                                   DATE '{as_of}', INTERVAL 1 MONTH)) AS m FROM subs))
           SELECT ends.e, sum(s.mrr * CASE WHEN s.currency = 'USD' THEN 1 ELSE r.usd_per_unit END) AS mrr
           FROM ends JOIN subs s ON CAST(s.valid_from AS DATE) <= ends.e
               AND (s.valid_to IS NULL OR ends.e < CAST(s.valid_to AS DATE))
           ASOF LEFT JOIN fx r ON r.currency = s.currency AND r.rate_date <= ends.e
           GROUP BY 1"""
    ).fetchone()[0]
    con.close()
    return out


if __name__ == "__main__":  # pragma: no cover
    started = time.monotonic()
    rows = run(Path(sys.argv[1]), sys.argv[2])
    print(f"lower bound: {sum(rows.values())} KPI rows in {time.monotonic() - started:.1f} s")
