"""The whole pipeline, end to end, through the `kpi` command: Dagster materializes the
ingestion assets (GX-guarded), the dbt models, targets and scorecard, and publishes the
output tables. Expected values are computed by hand from tests/fixtures/tiny_landing.

Hand computation (as of 2025-02-25):
  order net revenue = Σ quantity × unit_price − discount_amount, at the rate of the UTC order date
  o1 c1 2025-01-10 USD completed: 2×10−1 = 19
  o2 c2 2025-01-20T23:30-02:00 = 2025-01-21 01:30 UTC, EUR: 1×100 = 100 EUR × 1.20 (rate of 01-21) = 120
  o6 c1 2025-01-12 USD: line 1 = 10; line 2 has quantity 0 → quarantined, so o6 = 10
  o3 c1 2025-02-03 returned → 0;  o4 c3 GBP 2025-02-14: GBP's first rate is 2025-03-01 → unconvertible
  o5 c2 2025-02-20 EUR: 3×20−5 = 55 EUR × 1.00 (latest rate ≤ 02-20 is 02-10's) = 55
  revenue 2025-01 = 19 + 120 + 10 = 149 (unmeasurable: 1 of 4 January order lines quarantined = 25 % > 0.5 %)
  revenue 2025-02 = 55 (unmeasurable: one amount could not be converted), incomplete
  revenue 2025-Q1 = 204
  active_customers 2025-01 = {c1, c2} = 2; 2025-02 = {c3, c2} = 2 (o3 is returned)
  mrr 2025-01-31 = s1 100 USD + s2 50 EUR × 1.20 = 160; mrr at 2025-02-25 = s2 50 × 1.00 = 50 (s1 ended 02-10)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_landing"
KPI = str(Path(sys.executable).parent / "kpi")


def kpi_run(home: Path, landing: Path, as_of: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KPI_HOME": str(home), "NO_COLOR": "1"}
    env.pop("KPI_LANDING_DIR", None)
    env.pop("KPI_SERVING_PATH", None)
    proc = subprocess.run(
        [KPI, "run", "--landing", str(landing), "--as-of", as_of], env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc


def value(serving: Path, kpi_id: str, grain: str, period_start: str):
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "select value, is_complete, is_measurable, quality_issues from kpi.kpi_values"
            " where kpi_id = ? and grain = ? and period_start = ?",
            [kpi_id, grain, period_start],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 1, (kpi_id, grain, period_start, rows)
    return rows[0]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    landing = root / "landing"
    shutil.copytree(FIXTURE, landing)
    home = root / "home"
    proc = kpi_run(home, landing, "2025-02-25")
    return home, landing, proc


def test_published_values_match_the_hand_computation(first_run):
    home, _, proc = first_run
    serving = home / "serving.duckdb"
    v, complete, measurable, issues = value(serving, "revenue", "month", "2025-01-01")
    assert v == pytest.approx(149.0) and complete and not measurable and "order_lines" in issues
    v, complete, measurable, issues = value(serving, "revenue", "month", "2025-02-01")
    assert v == pytest.approx(55.0) and not complete and not measurable and "converted" in issues
    assert value(serving, "revenue", "quarter", "2025-01-01")[0] == pytest.approx(204.0)
    assert value(serving, "active_customers", "month", "2025-01-01")[:3] == (2.0, True, True)
    assert value(serving, "active_customers", "month", "2025-02-01")[:3] == (2.0, False, True)
    assert value(serving, "mrr", "month", "2025-01-01")[0] == pytest.approx(160.0)
    assert value(serving, "mrr", "month", "2025-02-01")[0] == pytest.approx(50.0)
    assert "Published" in proc.stdout


def test_a_run_prints_no_warning(first_run):
    """A warning in the log must mean something: a clean run emits no Python warning
    (`...Warning:`) and no Dagster WARNING line."""
    proc = first_run[2]
    out = proc.stdout + proc.stderr
    assert "Published" in proc.stdout
    assert not re.search(r"\b[A-Za-z]*Warning\b|- WARNING -", out), re.findall(r".*Warning.*|.*- WARNING -.*", out)[:5]


def test_missing_tables_make_only_their_kpis_unmeasurable(first_run):
    serving = first_run[0] / "serving.duckdb"
    v, _, measurable, issues = value(serving, "sessions", "month", "2025-01-01")
    assert v is None and not measurable and "web_sessions" in issues
    v, _, measurable, issues = value(serving, "net_income", "month", "2025-01-01")
    assert v is None and not measurable and "gl_entries" in issues


def test_output_tables_have_the_columns_of_the_spec(first_run):
    home = first_run[0]
    expected = {
        "kpi_values": [
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
        "kpi_catalog": [
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
        "kpi_targets": ["kpi_id", "grain", "period_start", "target_value", "source"],
        "kpi_scorecard": [
            "kpi_id",
            "grain",
            "period_start",
            "actual",
            "target",
            "attainment",
            "projected",
            "status",
            "reason",
        ],
        "revenue_bridge": ["grain", "period_start", "comparison", "component", "amount"],
        "mrr_bridge": ["grain", "period_start", "component", "amount"],
        "quarantine": ["table_name", "file_name", "row_key", "rule", "raw_row", "first_seen_at"],
        "rejected_files": ["table_name", "file_name", "reason", "rejected_at"],
        "data_quality": [
            "run_id",
            "table_name",
            "rows_landed",
            "rows_loaded",
            "rows_quarantined",
            "files_rejected",
            "checks_passed",
            "checks_failed",
        ],
    }
    con = duckdb.connect(str(home / "serving.duckdb"), read_only=True)
    try:
        for table, columns in expected.items():
            got = [r[0] for r in con.execute(f"describe kpi.{table}").fetchall()]
            assert got == columns, table
            assert (home / "exports" / f"{table}.parquet").exists(), table
        assert con.execute("select count(*) from kpi.kpi_catalog").fetchone()[0] == 50
        inputs = con.execute("select inputs from kpi.kpi_catalog where kpi_id = 'revenue'").fetchone()[0]
        assert sorted(inputs) == ["fx_rates", "order_lines", "orders"]
        quarantined = con.execute("select table_name, file_name, row_key from kpi.quarantine").fetchall()
        assert quarantined == [("order_lines", "order_lines/order_lines_2025-01.csv", "o6|2")]
    finally:
        con.close()


@pytest.mark.slow
def test_a_restated_file_replaces_its_rows_and_unchanged_files_are_not_read_again(first_run):
    home, landing, _ = first_run
    con = duckdb.connect(str(home / "landed.duckdb"), read_only=True)
    before = dict(con.execute("select file_name, loaded_at from landing.ledger").fetchall())
    con.close()
    # o5 is now cancelled (restatement), and a new file brings o7: c1, 2025-02-21, 1 × 40 USD.
    path = landing / "orders" / "orders_2025-02.csv"
    path.write_text(
        path.read_text().replace(
            "o5,c2,2025-02-20T10:00:00Z,web,EUR,completed", "o5,c2,2025-02-20T10:00:00Z,web,EUR,cancelled"
        )
    )
    (landing / "orders" / "orders_2025-02-21.csv").write_text(
        "order_id,customer_id,order_ts,channel,currency,status\no7,c1,2025-02-21T10:00:00Z,web,USD,completed\n"
    )
    (landing / "order_lines" / "order_lines_2025-02-21.csv").write_text(
        "order_id,line_number,product_id,quantity,unit_price,discount_amount\no7,1,p1,1,40,0\n"
    )
    kpi_run(home, landing, "2025-02-25")
    # revenue 2025-02 = o5 cancelled → 0, o7 40 → 40; active customers = {c3, c1} = 2
    assert value(home / "serving.duckdb", "revenue", "month", "2025-02-01")[0] == pytest.approx(40.0)
    assert value(home / "serving.duckdb", "active_customers", "month", "2025-02-01")[0] == 2.0
    con = duckdb.connect(str(home / "landed.duckdb"), read_only=True)
    after = dict(con.execute("select file_name, loaded_at from landing.ledger").fetchall())
    con.close()
    assert after["customers/customers.csv"] == before["customers/customers.csv"]
    assert after["orders/orders_2025-02.csv"] != before["orders/orders_2025-02.csv"]
    assert "orders/orders_2025-02-21.csv" in after


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    """The tiny landing zone plus bad input of every kind the pipeline must survive:
    an unreadable file, a file without a required column, a row breaking a rule, and a row
    whose parent was quarantined."""
    root = tmp_path_factory.mktemp("bad_inputs")
    landing = root / "landing"
    shutil.copytree(FIXTURE, landing)
    (landing / "leads").mkdir()
    (landing / "leads" / "leads.parquet").write_bytes(b"this is not a parquet file")
    (landing / "web_sessions").mkdir()
    (landing / "web_sessions" / "sessions.csv").write_text(
        "session_id,started_at,source,campaign_id,pageviews,order_id\ns1,2025-01-05T10:00:00Z,ads,,3,\n"
    )
    # o9 is in a currency that never appears in fx_rates; its line is quarantined with it
    (landing / "orders" / "orders_2025-01-late.csv").write_text(
        "order_id,customer_id,order_ts,channel,currency,status\no9,c1,2025-01-15T10:00:00Z,web,XYZ,completed\n"
    )
    (landing / "order_lines" / "order_lines_2025-01-late.csv").write_text(
        "order_id,line_number,product_id,quantity,unit_price,discount_amount\no9,1,p1,1,10,0\n"
    )
    home = root / "home"
    kpi_run(home, landing, "2025-02-25")
    return home


def test_bad_files_are_rejected_whole_with_the_file_the_column_and_the_rule(bad_run):
    con = duckdb.connect(str(bad_run / "serving.duckdb"), read_only=True)
    try:
        rejected = dict(con.execute("select file_name, reason from kpi.rejected_files").fetchall())
        dq = con.execute(
            "select table_name, rows_landed, rows_loaded, rows_quarantined from kpi.data_quality"
            " where run_id = (select max(run_id) from kpi.data_quality)"
        ).fetchall()
        quarantined = con.execute("select table_name, row_key, rule from kpi.quarantine order by all").fetchall()
    finally:
        con.close()
    assert set(rejected) == {"leads/leads.parquet", "web_sessions/sessions.csv"}
    assert "leads/leads.parquet" in rejected["leads/leads.parquet"]
    reason = rejected["web_sessions/sessions.csv"]
    assert "web_sessions/sessions.csv" in reason and "visitor_id" in reason and "required" in reason
    for _, landed, loaded, in_quarantine in dq:
        assert landed == loaded + in_quarantine
    assert [(t, k) for t, k, _ in quarantined] == [("order_lines", "o6|2"), ("order_lines", "o9|1"), ("orders", "o9")]
    rules = {k: r for _, k, r in quarantined}
    assert "fx_rates" in rules["o9"] and "orders" in rules["o9|1"]


def test_bad_input_makes_exactly_the_affected_kpis_unmeasurable(bad_run):
    serving = bad_run / "serving.duckdb"
    # o9 is left out: revenue and active customers keep their values, but January's orders
    # are 1 of 4 quarantined (25 % > 0.5 %): not trustworthy
    v, _, measurable, issues = value(serving, "revenue", "month", "2025-01-01")
    assert v == pytest.approx(149.0) and not measurable and "orders" in issues
    v, _, measurable, issues = value(serving, "active_customers", "month", "2025-01-01")
    assert v == 2.0 and not measurable and "orders" in issues
    # MRR reads neither orders nor order lines
    assert value(serving, "mrr", "month", "2025-01-01")[:3] == (pytest.approx(160.0), True, True)
    # every file of leads and web_sessions was rejected: their KPIs are NULL, with the reason
    for kpi_id, table in (("leads", "leads"), ("sessions", "web_sessions"), ("conversion_rate", "web_sessions")):
        v, _, measurable, issues = value(serving, kpi_id, "month", "2025-01-01")
        assert v is None and not measurable and table in issues, kpi_id
