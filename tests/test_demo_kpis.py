"""The demo company exercises every KPI, and both bridge identities hold to the cent on it.

One real pipeline run (Dagster, GX, dbt, targets, publish) over three years of demo data.
The identities are checked from the published tables, against kpi_values (an independent
path from the bridge models themselves).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.lib.demo_data import write_demo_landing
from orchestration.lib.pipeline import run_pipeline
from orchestration.lib.settings import Home

AS_OF = dt.date(2025, 11, 20)


@pytest.fixture(scope="module")
def serving(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_kpis")
    landing = root / "landing"
    write_demo_landing(landing, AS_OF - dt.timedelta(days=3 * 365 - 1), AS_OF, scale=0.3, seed=5)
    mp = pytest.MonkeyPatch()
    mp.setenv("KPI_HOME", str(root / "home"))
    mp.setenv("KPI_LANDING_DIR", str(landing))
    mp.setenv("KPI_AS_OF", AS_OF.isoformat())
    mp.delenv("KPI_SERVING_PATH", raising=False)
    mp.delenv("KPI_ALERT_WEBHOOK_URL", raising=False)
    try:
        assert run_pipeline(Home(root / "home"), tags={"kpi/alerts": "off"})
    finally:
        mp.undo()
    con = duckdb.connect(str(root / "home" / "serving.duckdb"), read_only=True)
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


def test_every_status_but_one_at_least_shows_in_the_demo_scorecard(serving):
    statuses = {s for (s,) in serving.execute("select distinct status from kpi.kpi_scorecard").fetchall()}
    assert {"achieved", "missed"} <= statuses
    assert statuses & {"on_track", "at_risk", "off_track"}


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
