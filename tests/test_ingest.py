"""Ingestion: real GX validations on real DuckDB files in tmp_path.

The bad-input corpus is generated from the contract: one good row per table
(positive controls) and, for every row rule and key rule, one row that breaks
that rule (negative controls). One ingestion run validates them all, so the
file stays fast (the GX context is created once per run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib import contract as ct
from orchestration.lib import gx_suites
from orchestration.lib.ingest import ingest
from orchestration.lib.settings import Home

CLOCK = dt.datetime(2025, 6, 1, 12, 0, 0)
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

# One good row per table; every foreign key points at a good parent.
GOOD: dict[str, dict[str, str]] = {
    "customers": dict(
        customer_id="C1", signup_date="2024-01-01", country="US", segment="smb", acquisition_channel="organic"
    ),
    "products": dict(product_id="P1", product_name="Widget", category="tools", unit_cost="1.5", list_price="3.25"),
    "orders": dict(
        order_id="O1",
        customer_id="C1",
        order_ts="2024-02-01T10:00:00+02:00",
        channel="web",
        currency="EUR",
        status="completed",
    ),
    "order_lines": dict(
        order_id="O1", line_number="1", product_id="P1", quantity="3", unit_price="0.7", discount_amount="2.1"
    ),
    "subscription_periods": dict(
        subscription_id="S1",
        customer_id="C1",
        plan="pro",
        mrr="10",
        currency="USD",
        valid_from="2024-01-01",
        valid_to="2024-02-01",
    ),
    "campaigns": dict(
        campaign_id="K1", campaign_name="Spring", channel="email", start_date="2024-01-01", end_date="2024-01-31"
    ),
    "marketing_spend": dict(campaign_id="K1", spend_date="2024-01-02", amount="100", currency="USD"),
    "web_sessions": dict(
        session_id="W1",
        visitor_id="V1",
        started_at="2024-02-01 09:00",
        source="google",
        campaign_id="K1",
        pageviews="3",
        order_id="O1",
    ),
    "leads": dict(
        lead_id="L1",
        created_at="2024-01-01T00:00:00Z",
        source="web",
        campaign_id="",
        mql_at="2024-01-02T00:00:00Z",
        sql_at="2024-01-03T00:00:00Z",
        customer_id="",
    ),
    "social_metrics": dict(metric_date="2024-01-01", platform="x", followers="10", impressions="100", engagements="5"),
    "accounts": dict(account_code="4000", account_name="Sales", account_type="revenue"),
    "gl_entries": dict(entry_id="G1", posting_date="2024-01-05", account_code="4000", amount="-12.5", currency="USD"),
    "bank_transactions": dict(
        transaction_id="B1", booked_on="2024-01-05", amount="20", currency="USD", category="operating"
    ),
    "fx_rates": dict(rate_date="2024-01-01", currency="EUR", usd_per_unit="1.1"),
    "production_runs": dict(
        run_id="R1",
        plant_id="PL1",
        product_id="P1",
        run_date="2024-01-03",
        planned_units="10",
        produced_units="9",
        defective_units="1",
        downtime_minutes="12.5",
    ),
    "inventory_snapshots": dict(snapshot_date="2024-01-31", warehouse_id="WH1", product_id="P1", on_hand_units="7"),
    "shipments": dict(
        shipment_id="SH1",
        order_id="O1",
        promised_date="2024-02-03",
        shipped_at="2024-02-02T08:00:00Z",
        delivered_at="2024-02-03T08:00:00Z",
    ),
    "support_tickets": dict(
        ticket_id="T1",
        customer_id="C1",
        opened_at="2024-02-01T08:00:00Z",
        resolved_at="2024-02-01T09:00:00Z",
        csat_score="5",
    ),
    "nps_responses": dict(response_id="N1", customer_id="C1", responded_at="2024-02-01T08:00:00Z", score="9"),
    "employees": dict(employee_id="E1", department="ops", hired_on="2023-01-01", terminated_on=""),
    "training_records": dict(record_id="TR1", employee_id="E1", completed_on="2024-01-10", hours="2.5"),
}
# The primary-key column varied to give each bad row its own key.
VARY = {
    "order_lines": "line_number",
    "marketing_spend": "spend_date",
    "inventory_snapshots": "snapshot_date",
    "fx_rates": "rate_date",
    "social_metrics": "metric_date",
    "subscription_periods": "subscription_id",
}
BAD_TYPE = {
    "date": "2024-02-30",
    "timestamp": "2024-13-01T00:00:00Z",
    "money": "1.23456",
    "int": "1.5",
    "decimal": "abc",
    "currency": "usd",
}


def _fresh(t: ct.Table, n: int) -> dict[str, str]:
    col = t.column(VARY.get(t.name, t.primary_key[0]))
    if col.type == "date":
        return {col.name: (dt.date(2023, 1, 1) + dt.timedelta(days=n)).isoformat()}
    if col.type == "int":
        return {col.name: str(100 + n)}
    return {col.name: f"{col.name.upper()}_{n}"}


def _shift(value: str, typ: str, delta: int) -> str:
    if typ == "date":
        return (dt.date.fromisoformat(value) + dt.timedelta(days=delta)).isoformat()
    return (pd.Timestamp(value) + pd.Timedelta(days=delta)).isoformat()


def negative_cases() -> list[tuple[str, dict[str, str], str]]:
    """(table, overrides, rule) for every row rule and key rule of the contract."""
    cases = []
    for t in ct.TABLES.values():
        g = GOOD[t.name]
        for c in t.columns:
            if not c.nullable:
                cases.append((t.name, {c.name: ""}, ct.required_rule(c)))
            if c.type in BAD_TYPE:
                cases.append((t.name, {c.name: BAD_TYPE[c.type]}, ct.type_rule(c)))
            if c.country:
                cases.append((t.name, {c.name: "usa"}, ct.country_rule(c)))
            if c.allowed:
                cases.append((t.name, {c.name: "zzz"}, ct.allowed_rule(c)))
            if c.min is not None:
                v = c.min if c.min_strict else c.min - 1
                cases.append((t.name, {c.name: str(int(v))}, ct.range_rule(c)))
            if c.max is not None:
                cases.append((t.name, {c.name: str(int(c.max) + 1)}, ct.range_rule(c)))
            if c.not_in_future:
                cases.append((t.name, {c.name: "2025-06-02T00:00:00Z"}, ct.future_rule(c)))
            if c.not_usd:
                cases.append((t.name, {c.name: "USD"}, ct.not_usd_rule(c)))
            if c.references:
                cases.append((t.name, {c.name: "NOPE"}, ct.fk_rule(c.name, c.references)))
            if c.type == "currency" and t.name != "fx_rates":
                cases.append((t.name, {c.name: "XYZ"}, ct.currency_known_rule(c.name)))
        for r in t.pair_rules:
            typ = t.column(r.a).type
            if r.kind in ("ge", "gt"):
                ov = {r.a: _shift(g[r.b], typ, -1 if r.kind == "ge" else 0)}
            elif r.kind == "le":
                ov = {r.a: str(int(g[r.b]) + 1)}
            elif r.kind == "requires":
                ov = {r.b: ""}
            else:
                ov = {r.a: "2.1001"}
            cases.append((t.name, ov, r.text))
    return cases


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, dtype=str).to_csv(path, index=False)


def build_corpus(landing: Path) -> dict[str, list[tuple[str, str]]]:
    """Write the corpus; return {table: [(row_key, rule)]} of the expected quarantined rows."""
    rows = {t: [dict(GOOD[t])] for t in ct.TABLES}
    expected: dict[str, list[tuple[str, str]]] = {t: [] for t in ct.TABLES}
    for n, (table, ov, rule) in enumerate(negative_cases(), start=1):
        t = ct.TABLES[table]
        row = {**GOOD[table], **_fresh(t, n), **ov}
        rows[table].append(row)
        parts = [row[k] for k in t.primary_key]
        unparsed = [
            p == "" or (t.column(k).type in ("date", "int") and p == BAD_TYPE[t.column(k).type])
            for k, p in zip(t.primary_key, parts, strict=False)
        ]
        key = None if any(unparsed) else "|".join(parts)
        expected[table].append((key, rule))
    # a primary key repeated inside one file: both copies quarantined
    # the file broken_rows.csv (written by _write_unreadable) has one good row and one line with
    # a broken quote: only that line is quarantined, with its line number and the reader's reason
    expected["customers"].append((None, "line 3 cannot be read as CSV"))
    dup = {**GOOD["customers"], "customer_id": "CDUP"}
    rows["customers"] += [dup, dict(dup)]
    expected["customers"] += [("CDUP", ct.TABLES["customers"].pk_rule)] * 2
    # FK cascade: a quarantined customer takes its order and that order's line with it
    rows["customers"].append({**GOOD["customers"], "customer_id": "CBAD", "segment": "zzz"})
    expected["customers"].append(("CBAD", ct.allowed_rule(ct.TABLES["customers"].column("segment"))))
    rows["orders"].append({**GOOD["orders"], "order_id": "OCASC", "customer_id": "CBAD"})
    expected["orders"].append(("OCASC", ct.fk_rule("customer_id", "customers")))
    rows["order_lines"].append({**GOOD["order_lines"], "order_id": "OCASC"})
    expected["order_lines"].append(("OCASC|1", ct.fk_rule("order_id", "orders")))
    # overlapping subscription periods: both quarantined
    sp = GOOD["subscription_periods"]
    rows["subscription_periods"] += [
        {**sp, "subscription_id": "SOV", "valid_from": "2024-01-01", "valid_to": "2024-03-01"},
        {**sp, "subscription_id": "SOV", "valid_from": "2024-02-01", "valid_to": ""},
    ]
    ov_rule = ct.overlap_rule(ct.TABLES["subscription_periods"])
    expected["subscription_periods"] += [("SOV|2024-01-01", ov_rule), ("SOV|2024-02-01", ov_rule)]
    # a currency known in fx_rates without a rate yet on the row's date is accepted
    rows["gl_entries"].append(
        {**GOOD["gl_entries"], "entry_id": "GEARLY", "currency": "EUR", "posting_date": "2020-01-01"}
    )
    for table, table_rows in rows.items():
        if table == "fx_rates":  # Parquet
            path = landing / table / "fx.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(table_rows, dtype=str).to_parquet(path, index=False)
        elif table == "accounts":  # xlsx
            path = landing / table / "accounts.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(table_rows, dtype=str).to_excel(path, index=False)
        else:
            _write_csv(landing / table / f"{table}_2024-01.csv", table_rows)
    return expected


UNREADABLE = {
    "garbage.csv": ("garbage.csv", "cannot be read as CSV"),
    "garbage.parquet": ("garbage.parquet", "cannot be read as Parquet"),
    "garbage.xlsx": ("garbage.xlsx", "cannot be read as xlsx"),
    "empty.csv": ("empty.csv", "the file is empty"),
    "no_segment.csv": ("no_segment.csv", "required column 'segment' is missing"),
    "one_column.csv": ("one_column.csv", "no line has the 5 comma-separated fields"),
}


def _write_unreadable(folder: Path) -> None:
    for name in ("garbage.csv", "garbage.parquet", "garbage.xlsx"):
        (folder / name).write_bytes(bytes(range(256)) * 4)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "no_segment.csv").write_text(
        "customer_id,signup_date,country,acquisition_channel\nCX,2024-01-01,US,organic\n"
    )
    (folder / "broken_rows.csv").write_text(
        'customer_id,signup_date,country,segment,acquisition_channel\nCY,2024-01-01,US,smb,organic\nCZ,"2024-01-01,US\n'
    )
    (folder / "one_column.csv").write_text(
        "customer_id,signup_date,country,segment,acquisition_channel\nCW;2024-01-01;US;smb;organic\n"
    )
    (folder / "notes.txt").write_text("hello")
    (folder / "~$open.xlsx").write_bytes(b"lock")
    (folder / ".hidden.csv").write_text("x")
    (folder / "2024").mkdir()
    (folder / "2024" / "more.csv").write_text("customer_id\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    home = Home(root)
    expected = build_corpus(home.landing)
    _write_unreadable(home.landing / "customers")
    (home.landing / "shipments").rename(home.landing / "shipments_gone")  # a missing table
    os.environ.pop("KPI_LANDING_DIR", None)
    results = ingest(home, clock=lambda: CLOCK, run_id="corpus-run")
    con = duckdb.connect(str(home.warehouse), read_only=True)
    yield home, expected, results, con
    con.close()


def test_committed_suites_equal_generated():
    for t in ct.TABLES.values():
        path = gx_suites.SUITES_DIR / f"{t.name}.json"
        assert path.read_text(encoding="utf-8") == gx_suites.render(t), (
            f"{path} is stale: run python -m orchestration.lib.gx_suites"
        )
    import great_expectations as gx

    suite = gx_suites.load_suite("orders")
    assert isinstance(suite, gx.ExpectationSuite) and suite.name == "orders"


def test_every_rule_has_a_negative_control():
    covered = {(t, r) for t, _, r in negative_cases()}
    for t in ct.TABLES.values():
        for rule in ct.row_rules(t) + ct.key_rules(t):
            if rule in (t.pk_rule, ct.overlap_rule(t) if t.no_overlap else None):
                continue  # covered by hand in build_corpus
            assert (t.name, rule) in covered, (t.name, rule)


def test_negative_controls_quarantine_exactly_the_bad_rows(corpus):
    home, expected, results, con = corpus
    q = con.execute("SELECT table_name, row_key, rule, file_name, raw_row FROM meta.quarantine").df()
    for table, cases in expected.items():
        if table == "shipments":
            continue
        got = q[q.table_name == table]
        assert len(got) == len(cases), (table, got.rule.tolist(), cases)
        for key, rule in cases:
            if key is None:
                rules = [r for r in got[got.row_key.isna()].rule for r in r.split("; ")]
            else:
                rules = [r for r in got[got.row_key == key].rule for r in r.split("; ")]
            assert any(r.startswith(rule) for r in rules), (table, key, rule, got.to_dict("records"))
        assert results[table].rows_quarantined == len(cases)
        assert results[table].rule_counts  # counted per rule for the check metadata


def test_positive_controls_are_loaded_typed(corpus):
    home, expected, results, con = corpus
    for table in ct.TABLES:
        if table == "shipments":
            continue
        keys = {GOOD[table][k] for k in ct.TABLES[table].primary_key[:1]}
        n = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        extra = {"customers": 1, "gl_entries": 1}.get(table, 0)  # CY of broken_rows.csv; GEARLY
        assert n == 1 + extra, (table, n, keys)
    ts, cur = con.execute("SELECT order_ts, currency FROM raw.orders").fetchone()
    assert ts == dt.datetime(2024, 2, 1, 8, 0) and cur == "EUR"  # offset converted to UTC
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'order_lines'"
        ).fetchall()
    )
    assert types == {
        "order_id": "VARCHAR",
        "line_number": "BIGINT",
        "product_id": "VARCHAR",
        "quantity": "BIGINT",
        "unit_price": "DECIMAL(18,4)",
        "discount_amount": "DECIMAL(18,4)",
        "_file_name": "VARCHAR",
        "_loaded_at": "TIMESTAMP",
    }


def test_quarantine_row_shape(corpus):
    home, expected, results, con = corpus
    row = con.execute(
        "SELECT file_name, row_key, raw_row, event_date, first_seen_at FROM meta.quarantine "
        "WHERE table_name = 'order_lines' AND row_key = 'OCASC|1'"
    ).fetchone()
    assert row[0] == "order_lines/order_lines_2024-01.csv"
    assert json.loads(row[2])["order_id"] == "OCASC"
    assert row[3] == dt.date(2024, 2, 1)  # the order's event date (UTC)
    assert row[4] == CLOCK


def test_unreadable_files_are_rejected_whole_and_the_run_goes_on(corpus):
    home, expected, results, con = corpus
    rej = dict(
        con.execute("SELECT file_name, reason FROM meta.rejected_files WHERE table_name = 'customers'").fetchall()
    )
    for _name, (fname, text) in UNREADABLE.items():
        reason = rej[f"customers/{fname}"]
        assert reason.startswith(f"customers/{fname}: ") and text in reason, reason
        assert "land it again" in reason
    assert "contract rule: customers.segment (string) is required" in rej["customers/no_segment.csv"]
    ids = {r[0] for r in con.execute("SELECT customer_id FROM raw.customers").fetchall()}
    assert not ids & {"CX", "CW", "CZ"}  # nothing half-loaded
    assert "CY" in ids  # the good row beside a malformed line is kept
    assert results["customers"].files_rejected == len(UNREADABLE)
    assert results["orders"].rows_loaded == 1  # the rest of the run went on


def test_a_malformed_csv_line_is_quarantined_with_its_line_number(corpus):
    home, expected, results, con = corpus
    rule, raw = con.execute(
        "SELECT rule, raw_row FROM meta.quarantine WHERE file_name = 'customers/broken_rows.csv'"
    ).fetchone()
    assert rule.startswith("line 3 cannot be read as CSV: unquoted value"), rule
    assert json.loads(raw) == 'CZ,"2024-01-01,US'


def test_skipped_files_are_reported_once_and_lock_and_dot_files_ignored(corpus, tmp_path):
    home, expected, results, con = corpus
    skipped = {s["file_name"]: s["reason"] for s in results["customers"].skipped_this_run}
    assert set(skipped) == {"customers/notes.txt", "customers/2024/"}
    assert "unsupported file type '.txt'" in skipped["customers/notes.txt"]
    assert "sub-folders are not read" in skipped["customers/2024/"]
    with duckdb.connect(str(home.landed), read_only=True) as lcon:
        ledger = dict(
            lcon.execute(
                "SELECT file_name, status FROM landing.ledger WHERE table_name = 'customers' AND status = 'skipped'"
            ).fetchall()
        )
    assert set(ledger) == set(skipped)


def test_counts_add_up_and_status_tables(corpus):
    home, expected, results, con = corpus
    for r in results.values():
        assert r.rows_landed == r.rows_loaded + r.rows_quarantined
    dq = con.execute("SELECT * FROM meta.data_quality WHERE run_id = 'corpus-run'").df()
    assert len(dq) == 21 and (dq.rows_landed == dq.rows_loaded + dq.rows_quarantined).all()
    status = con.execute("SELECT * FROM meta.table_status ORDER BY table_name").df()
    assert len(status) == 21
    sh = status[status.table_name == "shipments"].iloc[0]
    assert not sh.is_present and sh.rows_loaded == 0
    assert results["shipments"].unusable_reason == "landing folder shipments/ is missing"
    assert con.execute("SELECT count(*) FROM raw.shipments").fetchone()[0] == 0
    assert results["orders"].data_docs and Path(results["orders"].data_docs).exists()
    with duckdb.connect(str(home.landed), read_only=True) as lcon:
        ledger = lcon.execute("SELECT status, count(*) FROM landing.ledger GROUP BY 1").fetchall()
    assert dict(ledger)["rejected"] == len(UNREADABLE)


# --- ledger behaviour --------------------------------------------------------------------

CUST_HEADER = "customer_id,signup_date,country,segment,acquisition_channel\n"


def _cust(folder: Path, name: str, rows: list[str], mtime: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(CUST_HEADER + "".join(r + "\n" for r in rows))
    os.utime(p, (mtime, mtime))


def _state(home: Home) -> dict[str, str]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return dict(con.execute("SELECT customer_id, segment FROM raw.customers").fetchall())
    finally:
        con.close()


def test_ledger_restatement_and_last_landed_wins(tmp_path):
    home = Home(tmp_path)
    folder = home.landing / "customers"
    run = lambda: ingest(home, tables=["customers"], clock=lambda: CLOCK)["customers"]  # noqa: E731
    t0 = 1_700_000_000
    _cust(folder, "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-01-01,US,smb,organic"], t0)
    r = run()
    assert (r.files_new, r.rows_read, r.rows_loaded) == (1, 2, 2)
    r = run()  # second run: nothing new is read
    assert (r.files_new, r.files_restated, r.rows_read, r.files_unchanged) == (0, 0, 0, 1)
    # restatement: the file's rows replace its earlier rows with the same key; C2, which the
    # new version no longer carries, keeps its row (rows are never deleted for not arriving)
    _cust(folder, "a.csv", ["C1,2024-01-01,US,enterprise,organic"], t0 + 10)
    r = run()
    assert (r.files_restated, r.rows_read) == (1, 1)
    assert _state(home) == {"C1": "enterprise", "C2": "smb"}
    # a new file adds only its rows
    _cust(folder, "b.csv", ["C3,2024-01-01,US,smb,organic"], t0 + 20)
    r = run()
    assert (r.files_new, r.rows_read, r.rows_loaded) == (1, 1, 3)
    # last landed wins: by modification time ...
    _cust(folder, "z_old.csv", ["C1,2024-01-01,US,consumer,organic"], t0)
    _cust(folder, "c.csv", ["C1,2024-01-01,US,smb,organic"], t0 + 30)
    run()
    assert _state(home)["C1"] == "smb"
    # ... then by name
    _cust(folder, "d.csv", ["C1,2024-01-01,US,consumer,email"], t0 + 30)
    r = run()
    assert _state(home)["C1"] == "consumer"
    assert r.rows_landed == r.rows_loaded + r.rows_quarantined == 3
    # a bad restatement of the winner is quarantined and does not bring back older rows
    _cust(folder, "d.csv", ["C1,2024-01-01,US,nonsense,email"], t0 + 40)
    r = run()
    assert "C1" not in _state(home)
    assert (r.rows_quarantined, r.rows_loaded) == (1, 2)
    assert list(r.rule_counts) == ["segment must be one of consumer, smb, enterprise"]
    # a good restatement removes the quarantine entry
    _cust(folder, "d.csv", ["C1,2024-01-01,US,smb,email"], t0 + 50)
    r = run()
    assert r.rows_quarantined == 0 and _state(home)["C1"] == "smb"
    # rows are never deleted because a file disappeared
    (folder / "b.csv").unlink()
    r = run()
    assert "C3" in _state(home)


def _ledger_since(home: Home, seq: int) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT DISTINCT table_name, event_date FROM meta.changed_event_dates WHERE change_seq > ? ORDER BY ALL",
            [seq],
        ).fetchall()
    finally:
        con.close()


def _last_seq(home: Home) -> int:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute("SELECT coalesce(max(change_seq), 0) FROM meta.changed_event_dates").fetchone()[0]
    finally:
        con.close()


def test_a_repeated_row_another_new_file_holds_is_landed_again(tmp_path):
    """A restated file's rows are read into a stage and only the rows that are not repeated are
    written (Lander._staging). A row repeated as it was is still landed again when a file new in
    the same run also holds its key, though that file is staged too, not yet written: the
    restated file is now the newer one and wins."""
    home = Home(tmp_path)
    folder = home.landing / "customers"
    _cust(folder, "a.csv", ["C1,2024-01-01,US,smb,organic"], 1_700_000_000)
    ingest(home, tables=["customers"], clock=lambda: CLOCK)
    assert _state(home) == {"C1": "smb"}

    # c.csv is new and names C1 too, but is older than the restated a.csv, which repeats C1 as it was
    _cust(folder, "c.csv", ["C1,2024-01-01,US,enterprise,organic"], 1_700_000_250)
    _cust(folder, "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-02-01,DE,smb,organic"], 1_700_000_300)
    results = ingest(home, tables=["customers"], clock=lambda: CLOCK)

    assert (results["customers"].files_new, results["customers"].files_restated) == (1, 1)
    assert _state(home) == {"C1": "smb", "C2": "smb"}
    con = duckdb.connect(str(home.landed), read_only=True)
    try:
        landed = con.execute(
            "SELECT _file_name, customer_id, epoch(_file_mtime) FROM landing.rows_customers ORDER BY ALL"
        ).fetchall()
        staged = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_staged_rows'").fetchone()[0]
    finally:
        con.close()
    # a.csv's new C1 (of the new version's mtime) replaced its previous one; c.csv's C1 is landed
    assert landed == [
        ("customers/a.csv", "C1", 1_700_000_300),
        ("customers/a.csv", "C2", 1_700_000_300),
        ("customers/c.csv", "C1", 1_700_000_250),
    ]
    assert staged == 0


# A process that reads a table's files and dies before the table's transaction (os._exit: no
# cleanup, no rollback), as a run killed with SIGKILL does.
_DIES_BEFORE_PUBLISHING = """
import datetime as dt, os, sys
from pathlib import Path
from orchestration.lib import ingest
from orchestration.lib.settings import Home
ingest.Lander._publish = lambda self, t, res, new: os._exit(9)
ingest.ingest(Home(Path(sys.argv[1])), tables=["customers"], clock=lambda: dt.datetime(2025, 6, 1, 12))
"""


def test_rows_read_by_a_run_that_died_before_publishing_them_are_deleted_by_the_next(tmp_path):
    """A table's rows are read outside its transaction (Lander.table) and the batch stays open
    until the transaction commits: a run that dies in between leaves them, no ledger entry
    names them, and the next run deletes them before it reads the file again."""
    home = Home(tmp_path)
    _cust(home.landing / "customers", "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-02-01,DE,smb,organic"], 1e9)
    died = subprocess.run(
        [sys.executable, "-c", _DIES_BEFORE_PUBLISHING, str(tmp_path)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
    )
    assert died.returncode == 9, died.stderr

    def landed() -> tuple:
        con = duckdb.connect(str(home.landed), read_only=True)
        try:
            return (
                con.execute("SELECT count(*) FROM landing.rows_customers").fetchone()[0],
                con.execute("SELECT count(*) FROM landing.open_batches").fetchone()[0],
                con.execute("SELECT file_name, status FROM landing.ledger").fetchall(),
            )
        finally:
            con.close()

    assert landed() == (2, 1, [])  # read, not published: the batch is open, the ledger empty
    result = ingest(home, tables=["customers"], clock=lambda: CLOCK)["customers"]
    assert (result.files_new, result.rows_read, result.rows_loaded) == (1, 2, 2)
    assert landed() == (2, 0, [("customers/a.csv", "loaded")])
    assert _state(home) == {"C1": "smb", "C2": "smb"}


def test_a_row_is_kept_from_the_previous_version_only_when_each_version_holds_its_key_once(tmp_path):
    """A restated file's row that repeats its previous version is kept as it was
    (Lander._drop_repeated_rows) only when the key is in each version once: a key repeated
    inside one file is quarantined, every copy (raw-contract.md), so a version that repeats it
    decides on its own. C1 is once in the first version and twice, as it was, in the second:
    now quarantined. C2 is twice in the first and once, as it was, in the second: now accepted."""
    home = Home(tmp_path)
    folder = home.landing / "customers"
    c1, c2 = "C1,2024-01-01,US,smb,organic", "C2,2024-02-01,DE,enterprise,organic"
    _cust(folder, "a.csv", [c1, c2, c2], 1_700_000_000)
    ingest(home, tables=["customers"], clock=lambda: CLOCK)
    assert _state(home) == {"C1": "smb"}

    _cust(folder, "a.csv", [c1, c1, c2], 1_700_000_100)
    ingest(home, tables=["customers"], clock=lambda: CLOCK)
    assert _state(home) == {"C2": "enterprise"}
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        quarantined = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE raw_row LIKE '%C1%') FROM meta.quarantine"
            " WHERE table_name = 'customers'"
        ).fetchone()
    finally:
        con.close()
    assert quarantined == (2, 2)


def test_a_new_customer_reopens_only_the_dates_of_the_rows_that_name_it(tmp_path):
    """customers has no event date: a changed customer changes every date (NULL in the ledger); a
    new one only the dates of the accepted rows that name it without a foreign-key rule (leads,
    NPS responses: accepted before it came, and sliced by its segment from now on)."""
    home = Home(tmp_path)
    run = lambda: ingest(home, tables=["customers", "leads"], clock=lambda: CLOCK)  # noqa: E731
    _cust(home.landing / "customers", "a.csv", ["C1,2024-01-01,US,smb,organic"], 1_700_000_000)
    leads = home.landing / "leads"
    leads.mkdir(parents=True)
    (leads / "a.csv").write_text(
        "lead_id,created_at,source,campaign_id,mql_at,sql_at,customer_id\n"
        "L1,2024-03-05 10:00:00,web,,,,C2\n"
        "L2,2024-03-06 10:00:00,web,,,,C1\n"
        "L3,2024-03-07 10:00:00,web,,,,\n"
    )
    run()
    seq = _last_seq(home)
    _cust(home.landing / "customers", "b.csv", ["C2,2024-02-01,DE,enterprise,paid_search"], 1_700_000_100)
    run()
    assert _ledger_since(home, seq) == [("leads", dt.date(2024, 3, 5))]
    seq = _last_seq(home)
    _cust(home.landing / "customers", "c.csv", ["C1,2024-01-01,US,enterprise,organic"], 1_700_000_200)
    run()
    assert _ledger_since(home, seq) == [("customers", None)]


def test_a_parent_key_that_comes_or_goes_resolves_again_the_rows_that_name_it(tmp_path):
    """An order naming a customer not landed yet is quarantined, and accepted on the night its
    customer comes; an accepted order is quarantined when its customer's only row turns bad,
    and accepted again when it is mended. Orders of other customers are not touched."""
    home = Home(tmp_path)
    run = lambda: ingest(home, tables=["customers", "orders"], clock=lambda: CLOCK)  # noqa: E731
    customers, orders = home.landing / "customers", home.landing / "orders"
    _cust(customers, "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-01-01,US,smb,organic"], 1_700_000_000)
    orders.mkdir(parents=True)
    (orders / "a.csv").write_text(
        "order_id,customer_id,order_ts,channel,currency,status\n"
        "O1,C1,2024-02-01T10:00:00,web,USD,completed\n"
        "O2,C9,2024-02-02T10:00:00,web,USD,completed\n"
        "O3, C2 ,2024-02-03T10:00:00,web,USD,completed\n"
    )

    def accepted_and_quarantined() -> tuple[list[str], list[tuple[str, str]]]:
        con = duckdb.connect(str(home.warehouse), read_only=True)
        try:
            ok = [r[0] for r in con.execute("SELECT order_id FROM raw.orders ORDER BY 1").fetchall()]
            bad = con.execute(
                "SELECT row_key, rule FROM meta.quarantine WHERE table_name = 'orders' ORDER BY 1"
            ).fetchall()
            return ok, bad
        finally:
            con.close()

    fk = ct.fk_rule("customer_id", "customers")
    run()
    assert accepted_and_quarantined() == (["O1", "O3"], [("O2", fk)])
    _cust(customers, "b.csv", ["C9,2024-01-15,DE,enterprise,email"], 1_700_000_100)  # C9 comes
    run()
    assert accepted_and_quarantined() == (["O1", "O2", "O3"], [])
    _cust(customers, "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-01-01,US,nonsense,organic"], 1_700_000_200)
    run()  # C2's only row is now bad: O3 (whose customer_id is landed with spaces) loses its customer
    assert accepted_and_quarantined() == (["O1", "O2"], [("O3", fk)])
    _cust(customers, "a.csv", ["C1,2024-01-01,US,smb,organic", "C2,2024-01-01,US,smb,organic"], 1_700_000_300)
    run()
    assert accepted_and_quarantined() == (["O1", "O2", "O3"], [])


LEAD_HEADER = "lead_id,created_at,source,campaign_id,mql_at,sql_at,customer_id\n"


def test_a_restated_file_reopens_only_the_rows_it_changed(tmp_path):
    """A restated file re-opens the dates of the rows it changed (old and new version), not those
    of every row it repeats as it was; a repeated row that another file also holds is resolved
    again all the same, as its file is now the newer one and wins."""
    home = Home(tmp_path)
    run = lambda: ingest(home, tables=["customers", "leads"], clock=lambda: CLOCK)  # noqa: E731
    leads = home.landing / "leads"
    leads.mkdir(parents=True)
    rows = ["L1,2024-03-05 10:00:00,web,,,,", "L2,2024-03-06 10:00:00,web,,,,", "L3,2024-04-07 10:00:00,web,,,,"]
    (leads / "march.csv").write_text(LEAD_HEADER + "\n".join(rows) + "\n")
    os.utime(leads / "march.csv", (1_700_000_000, 1_700_000_000))
    _cust(home.landing / "customers", "a.csv", ["C1,2024-01-01,US,smb,organic"], 1_700_000_000)
    _cust(home.landing / "customers", "b.csv", ["C1,2024-01-01,US,enterprise,organic"], 1_700_000_100)
    run()
    assert _state(home) == {"C1": "enterprise"}
    seq = _last_seq(home)

    # L2 reaches MQL on 2024-03-08 and L3 moves to May; L1 is repeated as it was
    rows[1], rows[2] = "L2,2024-03-06 10:00:00,web,,2024-03-08 09:00:00,,", "L3,2024-05-02 10:00:00,web,,,,"
    (leads / "march.csv").write_text(LEAD_HEADER + "\n".join(rows) + "\n")
    os.utime(leads / "march.csv", (1_700_000_200, 1_700_000_200))
    # a.csv comes again with a new customer and C1 as it was, now newer than b.csv
    _cust(
        home.landing / "customers",
        "a.csv",
        ["C1,2024-01-01,US,smb,organic", "C2,2024-02-01,DE,smb,organic"],
        1_700_000_300,
    )
    results = run()

    assert results["leads"].files_restated == 1 and results["leads"].rows_read == 3
    assert _ledger_since(home, seq) == [
        ("customers", None),
        ("leads", dt.date(2024, 3, 6)),
        ("leads", dt.date(2024, 4, 7)),
        ("leads", dt.date(2024, 5, 2)),
    ]
    assert _state(home) == {"C1": "smb", "C2": "smb"}
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        got = con.execute("SELECT lead_id, cast(created_at AS DATE), mql_at IS NOT NULL FROM raw.leads ORDER BY 1")
        assert got.fetchall() == [
            ("L1", dt.date(2024, 3, 5), False),
            ("L2", dt.date(2024, 3, 6), True),
            ("L3", dt.date(2024, 5, 2), False),
        ]
    finally:
        con.close()


def test_a_row_that_changes_only_its_end_reopens_from_its_earlier_end(tmp_path):
    """A table with validity ranges (employees: hired_on .. terminated_on): a restated row whose
    only change is its end changes the days from the earlier of its two ends, not from the day
    it began; a row with any other change, a new row, or one that turns bad re-opens its event
    date (hired_on), as any other table's. Expected dates by hand."""
    home = Home(tmp_path)
    folder = home.landing / "employees"
    folder.mkdir(parents=True)
    header = "employee_id,department,hired_on,terminated_on\n"

    def night(rows: list[str], mtime: int) -> list[tuple]:
        (folder / "staff.csv").write_text(header + "".join(r + "\n" for r in rows))
        os.utime(folder / "staff.csv", (mtime, mtime))
        seq = _last_seq(home) if home.warehouse.exists() else 0
        ingest(home, tables=["employees"], clock=lambda: CLOCK)
        return [d for _, d in _ledger_since(home, seq)]

    first = ["E1,sales,2023-01-10,", "E2,sales,2023-02-01,", "E3,ops,2023-03-01,2024-06-30", "E6,ops,2023-04-01,"]
    night(first, 1_700_000_000)
    # E1 leaves on 2024-05-20 (end only); E2 moves to ops (not the end); E3 leaves earlier; E4 is
    # new; E5 is new and bad (terminated before hired: quarantined); E6 is repeated as it was
    assert night(
        [
            "E1,sales,2023-01-10,2024-05-20",
            "E2,ops,2023-02-01,",
            "E3,ops,2023-03-01,2024-04-15",
            "E4,ops,2024-05-01,",
            "E5,ops,2024-05-03,2024-05-02",
            "E6,ops,2023-04-01,",
        ],
        1_700_000_100,
    ) == [dt.date(2023, 2, 1), dt.date(2024, 4, 15), dt.date(2024, 5, 1), dt.date(2024, 5, 3), dt.date(2024, 5, 20)]
    # E3's end moves later (from its earlier end, 2024-04-15); E1's row turns bad: quarantined, it
    # leaves the accepted rows from the day it began; E5, repeated as it was, stays quarantined
    assert night(
        [
            "E1,sales,2023-01-10,2022-12-31",
            "E2,ops,2023-02-01,",
            "E3,ops,2023-03-01,2024-09-30",
            "E4,ops,2024-05-01,",
            "E5,ops,2024-05-03,2024-05-02",
            "E6,ops,2023-04-01,",
        ],
        1_700_000_200,
    ) == [dt.date(2023, 1, 10), dt.date(2024, 4, 15)]


def test_restatement_that_cannot_be_read_keeps_the_old_rows(tmp_path):
    home = Home(tmp_path)
    folder = home.landing / "customers"
    _cust(folder, "a.csv", ["C1,2024-01-01,US,smb,organic"], 1_700_000_000)
    ingest(home, tables=["customers"], clock=lambda: CLOCK)
    (folder / "a.csv").write_text("customer_id\nC9\n")
    r = ingest(home, tables=["customers"], clock=lambda: CLOCK)["customers"]
    assert r.files_rejected == 1 and "previous version are kept" in r.rejected_this_run[0]["reason"]
    assert _state(home) == {"C1": "smb"}


def test_rows_quarantined_per_rule_equal_gx_unexpected_counts(corpus):
    """GX is the validator of record: for every row rule, the rows quarantined for it (one
    batch here, every bad row with its own key) equal GX's unexpected count. Where two
    expectations share a rule (a date's shape and its calendar), the rows are their union,
    which is the larger of the two counts (the shape check is a subset of the calendar check)."""
    home, expected, results, con = corpus
    q = con.execute("SELECT table_name, rule FROM meta.quarantine").fetchall()
    for table, r in results.items():
        t = ct.TABLES[table]
        assert len(r.gx_results) == len(gx_suites.suite_json(t)["expectations"]) or table == "shipments"
        by_rule: dict[str, int] = {}
        for e in r.gx_results:
            by_rule[e["rule"]] = max(by_rule.get(e["rule"], 0), int(e["unexpected_count"]))
            assert e["unexpected_count"] == e["sql_count"]
            assert e["success"] is (e["unexpected_count"] == 0)
        for rule, n in by_rule.items():
            quarantined = sum(1 for tb, rules in q if tb == table and rule in rules.split("; "))
            assert quarantined == n, (table, rule, quarantined, n)
    assert any(n for r in results.values() for e in r.gx_results for n in [e["unexpected_count"]])


def test_a_failing_expectation_names_rows_that_break_its_rule_and_a_passing_one_none(corpus):
    """GX runs each suite for its counts alone, and again for examples of the unexpected rows
    only when an expectation fails (gx_suites.Validator.validate). Each example (file, row
    number) of a failing expectation is a landed row the SQL row rules mark with that rule."""
    home, _, results, _ = corpus
    landed = duckdb.connect(str(home.landed), read_only=True)
    try:
        failing = 0
        for table, r in results.items():
            for e in r.gx_results:
                if e["success"]:
                    assert e["examples"] == [], (table, e)
                    continue
                failing += 1
                assert len(e["examples"]) == min(e["unexpected_count"], 20), (table, e)
                for file_name, row_number in e["examples"]:
                    rules = landed.execute(
                        f"SELECT _row_rules FROM landing.rows_{table} WHERE _file_name = ? AND _row_number = ?",
                        [file_name, row_number],
                    ).fetchone()
                    assert rules is not None and e["rule"] in rules[0], (table, e["rule"], file_name, row_number)
    finally:
        landed.close()
    assert failing >= 10


def test_landing_edges_bom_typed_parquet_and_schema_drift(tmp_path):
    """Excel's "CSV UTF-8" (a byte-order mark) is read; a Parquet row with a value of the wrong
    type is quarantined with its key (the key columns parse); extra columns are recorded."""
    home = Home(tmp_path)
    folder = home.landing / "customers"
    folder.mkdir(parents=True)
    (folder / "excel.csv").write_bytes(
        "\ufeffcustomer_id,signup_date,country,segment,acquisition_channel,loyalty\n"
        "C1,2024-01-01,US,smb,organic,gold\n".encode("utf-8")
    )
    products = home.landing / "products"
    products.mkdir()
    pd.DataFrame(
        {
            "product_id": ["P1", "P9"],
            "product_name": ["one", "nine"],
            "category": ["a", "a"],
            "unit_cost": ["1.5", "cheap"],
            "list_price": [3.0, 4.0],
        }
    ).to_parquet(products / "products.parquet", index=False)
    results = ingest(home, tables=["customers", "products"], clock=lambda: CLOCK)
    assert results["customers"].rows_loaded == 1 and not results["customers"].rejected_this_run
    assert results["customers"].schema_drift == {"customers/excel.csv": ["loyalty"]}
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        q = con.execute("SELECT row_key, rule FROM meta.quarantine WHERE table_name = 'products'").fetchall()
        drift = con.execute("SELECT table_name, file_name, column_name FROM meta.schema_drift").fetchall()
        price = con.execute("SELECT list_price FROM raw.products").fetchall()
    finally:
        con.close()
    assert q == [("P9", "unit_cost must be a number with at most 4 decimals")]
    assert drift == [("customers", "customers/excel.csv", "loyalty")]
    assert price == [(3,)]  # a typed Parquet column is read through its text: 3.0 -> 3
