"""The kpi_targets / kpi_scorecard assets on a real DuckDB warehouse in tmp_path, and the
`kpi scorecard` command on a serving database built from it. No mocks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.lib.periods import period_end
from orchestration.lib.targets import catalog_fields

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2026, 11, 21)
D = dt.date

TARGETS_YML = """
kpis:
  revenue:
    owner: Dana (CFO)
    level: company
    actions: [second region]
    plan: {base_year: 2025, target_year: 2026, target_value: 1320}
    allocation:
      - period: 2026-11
        change: 15
        parts: {new_customers: 11, volume: 3, price: 1}
  mrr:
    owner: Sam
    actions: [annual plans]
    targets:
      - {period: 2026-11, value: "+25000 over last month"}
  leads:
    owner: Noor
    level: team
    aligns_to: revenue
    actions: [webinars]
    targets:
      - {period: 2026-11, value: 100}
"""


def _value_rows() -> list[tuple]:
    """Revenue: 100 a month in 2024 and 2025; 2026: Jan–May 120, Jun–Oct 100, Nov (21 days) 80.
    September 2026 is unmeasurable. MRR: October 50,000, November 70,000. Leads: November 67."""
    rows = []

    def add(kpi, grain, start, value, measurable=True, issues=None):
        end = period_end(grain, start)
        rows.append((kpi, grain, start, end, value, None, None, end <= AS_OF, measurable, issues))

    monthly = {}
    for year in (2024, 2025):
        for m in range(1, 13):
            monthly[D(year, m, 1)] = 100.0
    for m in range(1, 11):
        monthly[D(2026, m, 1)] = 120.0 if m <= 5 else 100.0
    monthly[D(2026, 11, 1)] = 80.0
    for start, v in monthly.items():
        bad = start == D(2026, 9, 1)
        add("revenue", "month", start, v, not bad, "orders: 1.2% of rows quarantined" if bad else None)
    for year in (2024, 2025, 2026):
        add("revenue", "year", D(year, 1, 1), sum(v for s, v in monthly.items() if s.year == year))
        for q in range(4):
            qs = D(year, 3 * q + 1, 1)
            months = [v for s, v in monthly.items() if s.year == year and qs <= s <= D(year, 3 * q + 3, 1)]
            if months:
                add("revenue", "quarter", qs, sum(months))
    add("mrr", "month", D(2026, 10, 1), 50_000.0)
    add("mrr", "month", D(2026, 11, 1), 70_000.0)
    add("leads", "month", D(2026, 10, 1), 90.0)
    add("leads", "month", D(2026, 11, 1), 67.0)
    return rows


def make_warehouse(path: Path) -> None:
    values = pd.DataFrame(
        _value_rows(),
        columns=[
            "kpi_id",
            "grain",
            "period_start",
            "period_end",
            "value",
            "numerator",
            "denominator",
            "is_complete",
            "is_measurable",
            "quality_issues",
        ],
    )
    catalog = pd.DataFrame(
        [
            ("revenue", "Revenue", "", "financial", "financial", "USD", "up", "Dana (CFO)", None, ["orders"]),
            ("mrr", "MRR", "", "financial", "financial", "USD", "up", "Sam", None, ["subscription_periods"]),
            ("leads", "Leads", "", "marketing", "internal_process", "count", "up", "Noor", "revenue", ["leads"]),
        ],
        columns=[
            "kpi_id",
            "name",
            "description",
            "category",
            "perspective",
            "unit",
            "direction",
            "owner",
            "aligns_to",
            "inputs",
        ],
    )
    bridge = pd.DataFrame(
        [
            ("month", D(2026, 11, 1), "previous", c, a)
            for c, a in [("new_customers", 8.0), ("lost_customers", -2.0), ("price", 1.0), ("volume", 5.0)]
        ],
        columns=["grain", "period_start", "comparison", "component", "amount"],
    )
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for name, frame in (("kpi_values", values), ("kpi_catalog", catalog), ("revenue_bridge", bridge)):
            con.register("f", frame)
            con.execute(f"create table marts.{name} as select * from f")
            con.unregister("f")
        con.execute("alter table marts.kpi_values alter period_start type date")
        con.execute("alter table marts.kpi_values alter period_end type date")


@pytest.fixture()
def home(tmp_path, monkeypatch):
    targets = tmp_path / "targets"
    targets.mkdir()
    (targets / "company.yml").write_text(TARGETS_YML)
    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    monkeypatch.setenv("KPI_AS_OF", AS_OF.isoformat())
    monkeypatch.setenv("KPI_TARGETS_DIR", str(targets))
    monkeypatch.setenv("KPI_MODELS_DIR", str(FIXTURES / "kpis"))
    monkeypatch.setenv("NO_COLOR", "1")
    make_warehouse(tmp_path / "warehouse.duckdb")
    return tmp_path


def _materialize():
    from orchestration.defs.resources import KpiRunSettings
    from orchestration.defs.targets import kpi_scorecard, kpi_targets

    return dg.materialize(
        [kpi_targets, kpi_scorecard],
        resources={"kpi": KpiRunSettings.from_environment()},
        partition_key=AS_OF.isoformat(),
    )


def test_assets_write_targets_and_scorecard(home):
    result = _materialize()
    assert result.success
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        targets = con.sql("select * from marts.kpi_targets").df()
        sc = con.sql("select * from marts.kpi_scorecard").df()
        check = con.sql("select * from marts.kpi_allocation_check").df()
        types = {r[0]: r[1] for r in con.execute("describe marts.kpi_scorecard").fetchall()}
    assert types["period_start"] == "DATE"
    t = {(r.kpi_id, r.grain, pd.Timestamp(r.period_start).date()): r for r in targets.itertuples()}
    # plan: 2025 = 1200, 2026 = 1320; 2025's months are equal, so each 2026 month gets 1320/12 = 110
    assert t[("revenue", "month", D(2026, 1, 1))].target_value == pytest.approx(110.0)
    assert t[("revenue", "quarter", D(2026, 10, 1))].target_value == pytest.approx(330.0)
    assert t[("mrr", "month", D(2026, 11, 1))].target_value == pytest.approx(75_000.0)  # 50,000 + 25,000
    assert t[("mrr", "month", D(2026, 11, 1))].source == "explicit"

    s = {(r.kpi_id, r.grain, pd.Timestamp(r.period_start).date()): r for r in sc.itertuples()}
    assert s[("revenue", "month", D(2026, 1, 1))].status == "achieved"  # 120 / 110 = 1.09
    assert s[("revenue", "month", D(2026, 6, 1))].status == "missed"  # 100 / 110 = 0.91
    assert s[("revenue", "month", D(2026, 9, 1))].status == "unmeasurable"
    assert "quarantined" in s[("revenue", "month", D(2026, 9, 1))].reason
    # November: 80 in 21 of 30 days → 80 × 30 / 21 = 114.29; / 110 = 1.039
    nov = s[("revenue", "month", D(2026, 11, 1))]
    assert (nov.status, nov.projected) == ("on_track", pytest.approx(80 * 30 / 21))
    # Q4: Oct 100 + Nov 80 = 180 in 52 of 92 days → 180 × 92 / 52 = 318.46; / 330 = 0.965 → at_risk
    q4 = s[("revenue", "quarter", D(2026, 10, 1))]
    assert (q4.status, q4.projected) == ("at_risk", pytest.approx(180 * 92 / 52))
    # 2026: 5 × 120 + 5 × 100 + 80 = 1180 in 325 of 365 days → 1325.2; / 1320 = 1.004 → on_track
    assert s[("revenue", "year", D(2026, 1, 1))].status == "on_track"
    # MRR is a stock: 70,000 / 75,000 = 0.933 < 0.95 → off_track
    assert s[("mrr", "month", D(2026, 11, 1))].status == "off_track"
    # leads: 67 × 30 / 21 = 95.7; / 100 = 0.957 → at_risk
    assert s[("leads", "month", D(2026, 11, 1))].status == "at_risk"
    # no row after the as-of date
    assert max(pd.Timestamp(x).date() for x in sc["period_start"]) <= AS_OF

    got = {r.driver: (r.allocated, r.actual) for r in check.itertuples()}
    assert got["new_customers"] == (11.0, 8.0)
    assert got["total"] == (15.0, 12.0)  # 8 − 2 + 1 + 5 = 12

    meta = result.asset_materializations_for_node("kpi_scorecard")[0].metadata
    assert meta["status_on_track"].value >= 2 and meta["status_unmeasurable"].value == 1


def _publish(home: Path) -> Path:
    """What the publish step does for these tables: marts.* → kpi.* in serving.duckdb."""
    serving = home / "serving.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute(f"attach '{home / 'warehouse.duckdb'}' as wh (read_only)")
        con.execute("create schema kpi")
        for table in ("kpi_values", "kpi_catalog", "kpi_targets", "kpi_scorecard", "revenue_bridge"):
            con.execute(f"create table kpi.{table} as select * from wh.marts.{table}")
    return serving


def test_scorecard_command(home, capsys):
    from orchestration.cli import main

    assert _materialize().success
    _publish(home)
    assert main(["scorecard", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    got = {(r["kpi_id"], r["period_start"]): r["status"] for r in rows}
    # the latest month and the one before, per KPI
    assert got == {
        ("leads", "2026-11-01"): "at_risk",
        ("mrr", "2026-11-01"): "off_track",
        ("revenue", "2026-10-01"): "missed",  # 100 / 110
        ("revenue", "2026-11-01"): "on_track",
    }
    assert {r["perspective"] for r in rows} == {"financial", "internal_process"}

    assert main(["scorecard", "--as-of", "2026-06-15"]) == 0
    text = capsys.readouterr().out
    assert "FINANCIAL" in text and "\x1b[" not in text  # NO_COLOR is set
    assert "2026-05" in text and "2026-06" in text and "2026-11" not in text
    assert "drivers" not in text  # the allocation is for November

    assert main(["scorecard"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    revenue_at = next(i for i, line in enumerate(lines) if "Revenue (USD)" in line)
    leads_at = next(i for i, line in enumerate(lines) if "└ Leads" in line)
    mrr_at = next(i for i, line in enumerate(lines) if "MRR (USD)" in line)
    assert revenue_at < leads_at < mrr_at  # the team KPI sits under the company KPI it aligns to
    assert "drivers 2026-11 vs previous: new_customers planned +11, actual +8" in text

    assert main(["scorecard", "--format", "csv", "--all"]) == 0
    assert capsys.readouterr().out.startswith("kpi_id,grain,period_start")


def test_catalog_fields(home):
    fields = catalog_fields()
    assert fields["leads"] == {"owner": "Noor", "aligns_to": "revenue"}
    assert fields["revenue"]["aligns_to"] is None
