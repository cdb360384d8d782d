"""The demo landing zone: deterministic, complete, clean and covering the hard cases.

Everything is checked on the real files in tmp_path, read back with pandas the way a
user's tool would (all values as strings), against the rules of
shared/spec/raw-contract.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.lib import demo as dd

ROOT = Path(__file__).resolve().parents[1]
START, END, SCALE = date(2024, 1, 1), date(2024, 9, 30), 0.25

# --- the contract, as the tests read it --------------------------------------------------

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
MONEY_RE = re.compile(r"^-?\d{1,14}(\.\d{1,4})?$")
INT_RE = re.compile(r"^-?\d+$")
DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
CCY_RE = re.compile(r"^[A-Z]{3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

# table -> (primary key, {column: type}, nullable columns)
SPEC: dict[str, tuple[tuple[str, ...], dict[str, str], set[str]]] = {
    "customers": (
        ("customer_id",),
        {
            "customer_id": "id",
            "signup_date": "date",
            "country": "string",
            "segment": "string",
            "acquisition_channel": "string",
        },
        set(),
    ),
    "products": (
        ("product_id",),
        {
            "product_id": "id",
            "product_name": "string",
            "category": "string",
            "unit_cost": "money",
            "list_price": "money",
        },
        set(),
    ),
    "orders": (
        ("order_id",),
        {
            "order_id": "id",
            "customer_id": "id",
            "order_ts": "timestamp",
            "channel": "string",
            "currency": "currency",
            "status": "string",
        },
        set(),
    ),
    "order_lines": (
        ("order_id", "line_number"),
        {
            "order_id": "id",
            "line_number": "int",
            "product_id": "id",
            "quantity": "int",
            "unit_price": "money",
            "discount_amount": "money",
        },
        set(),
    ),
    "subscription_periods": (
        ("subscription_id", "valid_from"),
        {
            "subscription_id": "id",
            "customer_id": "id",
            "plan": "string",
            "mrr": "money",
            "currency": "currency",
            "valid_from": "date",
            "valid_to": "date",
        },
        {"valid_to"},
    ),
    "campaigns": (
        ("campaign_id",),
        {
            "campaign_id": "id",
            "campaign_name": "string",
            "channel": "string",
            "start_date": "date",
            "end_date": "date",
        },
        {"end_date"},
    ),
    "marketing_spend": (
        ("campaign_id", "spend_date"),
        {"campaign_id": "id", "spend_date": "date", "amount": "money", "currency": "currency"},
        set(),
    ),
    "web_sessions": (
        ("session_id",),
        {
            "session_id": "id",
            "visitor_id": "id",
            "started_at": "timestamp",
            "source": "string",
            "campaign_id": "id",
            "pageviews": "int",
            "order_id": "id",
        },
        {"campaign_id", "order_id"},
    ),
    "leads": (
        ("lead_id",),
        {
            "lead_id": "id",
            "created_at": "timestamp",
            "source": "string",
            "campaign_id": "id",
            "mql_at": "timestamp",
            "sql_at": "timestamp",
            "customer_id": "id",
        },
        {"campaign_id", "mql_at", "sql_at", "customer_id"},
    ),
    "social_metrics": (
        ("metric_date", "platform"),
        {
            "metric_date": "date",
            "platform": "string",
            "followers": "int",
            "impressions": "int",
            "engagements": "int",
        },
        set(),
    ),
    "accounts": (
        ("account_code",),
        {"account_code": "id", "account_name": "string", "account_type": "string"},
        set(),
    ),
    "gl_entries": (
        ("entry_id",),
        {
            "entry_id": "id",
            "posting_date": "date",
            "account_code": "id",
            "amount": "money",
            "currency": "currency",
        },
        set(),
    ),
    "bank_transactions": (
        ("transaction_id",),
        {
            "transaction_id": "id",
            "booked_on": "date",
            "amount": "money",
            "currency": "currency",
            "category": "string",
        },
        set(),
    ),
    "fx_rates": (
        ("rate_date", "currency"),
        {"rate_date": "date", "currency": "currency", "usd_per_unit": "decimal"},
        set(),
    ),
    "production_runs": (
        ("run_id",),
        {
            "run_id": "id",
            "plant_id": "id",
            "product_id": "id",
            "run_date": "date",
            "planned_units": "int",
            "produced_units": "int",
            "defective_units": "int",
            "downtime_minutes": "decimal",
        },
        set(),
    ),
    "inventory_snapshots": (
        ("snapshot_date", "warehouse_id", "product_id"),
        {"snapshot_date": "date", "warehouse_id": "id", "product_id": "id", "on_hand_units": "int"},
        set(),
    ),
    "shipments": (
        ("shipment_id",),
        {
            "shipment_id": "id",
            "order_id": "id",
            "promised_date": "date",
            "shipped_at": "timestamp",
            "delivered_at": "timestamp",
        },
        {"delivered_at"},
    ),
    "support_tickets": (
        ("ticket_id",),
        {
            "ticket_id": "id",
            "customer_id": "id",
            "opened_at": "timestamp",
            "resolved_at": "timestamp",
            "csat_score": "int",
        },
        {"resolved_at", "csat_score"},
    ),
    "nps_responses": (
        ("response_id",),
        {"response_id": "id", "customer_id": "id", "responded_at": "timestamp", "score": "int"},
        set(),
    ),
    "employees": (
        ("employee_id",),
        {"employee_id": "id", "department": "string", "hired_on": "date", "terminated_on": "date"},
        {"terminated_on"},
    ),
    "training_records": (
        ("record_id",),
        {"record_id": "id", "employee_id": "id", "completed_on": "date", "hours": "decimal"},
        set(),
    ),
}

ALLOWED = {
    ("customers", "segment"): {"consumer", "smb", "enterprise"},
    ("customers", "acquisition_channel"): {"organic", "paid_search", "social", "email", "referral", "partner"},
    ("orders", "channel"): {"web", "store", "partner"},
    ("orders", "status"): {"completed", "cancelled", "returned"},
    ("campaigns", "channel"): {"paid_search", "social", "email", "display", "affiliate"},
    ("social_metrics", "platform"): {"linkedin", "instagram", "x", "facebook", "youtube", "tiktok"},
    ("accounts", "account_type"): {
        "revenue",
        "other_income",
        "cogs",
        "operating_expense",
        "other_expense",
        "tax",
        "asset",
        "liability",
        "equity",
    },
    ("bank_transactions", "category"): {"operating", "investing", "financing"},
}

# (table, column) -> (min, strict, max)
RANGES = {
    ("products", "unit_cost"): (0, False, None),
    ("products", "list_price"): (0, False, None),
    ("order_lines", "line_number"): (1, False, None),
    ("order_lines", "quantity"): (1, False, None),
    ("order_lines", "unit_price"): (0, False, None),
    ("order_lines", "discount_amount"): (0, False, None),
    ("subscription_periods", "mrr"): (0, False, None),
    ("marketing_spend", "amount"): (0, False, None),
    ("web_sessions", "pageviews"): (1, False, None),
    ("social_metrics", "followers"): (0, False, None),
    ("social_metrics", "impressions"): (0, False, None),
    ("social_metrics", "engagements"): (0, False, None),
    ("fx_rates", "usd_per_unit"): (0, True, None),
    ("production_runs", "planned_units"): (0, False, None),
    ("production_runs", "produced_units"): (0, False, None),
    ("production_runs", "defective_units"): (0, False, None),
    ("production_runs", "downtime_minutes"): (0, False, None),
    ("inventory_snapshots", "on_hand_units"): (0, False, None),
    ("support_tickets", "csat_score"): (1, False, 5),
    ("nps_responses", "score"): (0, False, 10),
    ("training_records", "hours"): (0, True, None),
}

# (table, column) -> parent table (its single-column primary key)
FKS = {
    ("orders", "customer_id"): "customers",
    ("order_lines", "order_id"): "orders",
    ("order_lines", "product_id"): "products",
    ("subscription_periods", "customer_id"): "customers",
    ("marketing_spend", "campaign_id"): "campaigns",
    ("web_sessions", "campaign_id"): "campaigns",
    ("web_sessions", "order_id"): "orders",
    ("gl_entries", "account_code"): "accounts",
    ("production_runs", "product_id"): "products",
    ("inventory_snapshots", "product_id"): "products",
    ("shipments", "order_id"): "orders",
    ("support_tickets", "customer_id"): "customers",
    ("training_records", "employee_id"): "employees",
}

# (table, a, b): a ≥ b when both present (dates / timestamps compared in UTC)
ORDERINGS = [
    ("subscription_periods", "valid_to", "valid_from", True),
    ("campaigns", "end_date", "start_date", False),
    ("leads", "mql_at", "created_at", False),
    ("leads", "sql_at", "mql_at", False),
    ("shipments", "delivered_at", "shipped_at", False),
    ("support_tickets", "resolved_at", "opened_at", False),
    ("employees", "terminated_on", "hired_on", False),
]


def read_table(out: Path, table: str) -> pd.DataFrame:
    """All files of a table folder, as strings (None for empty), with `_file`."""
    frames = []
    for path in sorted((out / table).iterdir()):
        if path.suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        elif path.suffix == ".parquet":
            df = pd.read_parquet(path)
            df = df.apply(lambda c: c.map(lambda v: None if v is None else str(v)))
        elif path.suffix == ".xlsx":
            df = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
        else:
            raise AssertionError(f"unexpected file {path}")
        frames.append(df.assign(_file=path.name))
    df = pd.concat(frames, ignore_index=True)
    return df.replace({"": None}).astype(object).where(lambda d: d.notna(), None)


def _utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="ISO8601", utc=True)


def _day(s: pd.Series, typ: str) -> pd.Series:
    """Event day in UTC as a naive Timestamp."""
    if typ == "timestamp":
        return _utc(s).dt.tz_localize(None).dt.normalize()
    return pd.to_datetime(s, format="%Y-%m-%d")


def contract_violations(out: Path, end: date) -> list[str]:
    """Every rule of the contract checked on the landing zone; [] when clean."""
    bad: list[str] = []
    tables = {t: read_table(out, t) for t in SPEC}
    end_ts = pd.Timestamp(end) + pd.Timedelta(days=1)
    for table, (pk, types, nullable) in SPEC.items():
        df = tables[table]
        if tuple(c for c in df.columns if c != "_file") != dd.COLUMNS[table] or list(types) != list(dd.COLUMNS[table]):
            bad.append(f"{table}: columns {list(df.columns)}")
            continue
        if len(df) == 0:
            bad.append(f"{table}: no rows")
        for col, typ in types.items():
            s = df[col]
            missing = s.isna()
            if missing.any() and col not in nullable:
                bad.append(f"{table}.{col}: {int(missing.sum())} empty values")
            v = s[~missing].astype(str)
            if (v != v.str.strip()).any() or (v == "").any():
                bad.append(f"{table}.{col}: untrimmed values")
            regex = {
                "date": DATE_RE,
                "timestamp": TS_RE,
                "money": MONEY_RE,
                "int": INT_RE,
                "decimal": DECIMAL_RE,
                "currency": CCY_RE,
            }.get(typ)
            if regex is not None and not v.str.match(regex).all():
                bad.append(f"{table}.{col}: not {typ}: {v[~v.str.match(regex)].head(3).tolist()}")
                continue
            # every date is on or before `end`, except a promise: a shipment that left
            # yesterday may be promised for next week (the contract has no rule on it)
            if typ in ("date", "timestamp") and len(v) and (table, col) != ("shipments", "promised_date"):
                days = _day(v, typ)
                if (days >= end_ts).any():
                    bad.append(f"{table}.{col}: {int((days >= end_ts).sum())} values after {end}")
            if (table, col) in ALLOWED and not set(v) <= ALLOWED[(table, col)]:
                bad.append(f"{table}.{col}: values {set(v) - ALLOWED[(table, col)]}")
            if (table, col) in RANGES and len(v):
                lo, strict, hi = RANGES[(table, col)]
                x = v.astype(float)
                if (x <= lo).any() if strict else (x < lo).any():
                    bad.append(f"{table}.{col}: below {lo}")
                if hi is not None and (x > hi).any():
                    bad.append(f"{table}.{col}: above {hi}")
        if df.duplicated(list(pk)).any():
            bad.append(f"{table}: {int(df.duplicated(list(pk)).sum())} duplicate primary keys {pk}")
    # ISO codes, foreign keys, currencies
    if not tables["customers"]["country"].str.match(COUNTRY_RE).all():
        bad.append("customers.country: not ISO 3166-1 alpha-2")
    for (table, col), parent in FKS.items():
        v = tables[table][col].dropna()
        keys = set(tables[parent][SPEC[parent][0][0]])
        if not set(v) <= keys:
            bad.append(f"{table}.{col}: {len(set(v) - keys)} values not in {parent}")
    rated = set(tables["fx_rates"]["currency"])
    if "USD" in rated:
        bad.append("fx_rates.currency: USD must not have a rate")
    for table, (_, types, _) in SPEC.items():
        for col, typ in types.items():
            if typ == "currency" and table != "fx_rates":
                unknown = set(tables[table][col]) - rated - {"USD"}
                if unknown:
                    bad.append(f"{table}.{col}: currencies without any rate {unknown}")
    # two-column rules
    for table, a, b, strict in ORDERINGS:
        df = tables[table]
        both = df[a].notna() & df[b].notna()
        typ = SPEC[table][1][a]
        if typ == "timestamp":
            va, vb = _utc(df.loc[both, a]), _utc(df.loc[both, b])
        else:
            va, vb = pd.to_datetime(df.loc[both, a]), pd.to_datetime(df.loc[both, b])
        broken = (va <= vb) if strict else (va < vb)
        if broken.any():
            bad.append(f"{table}: {int(broken.sum())} rows with {a} {'≤' if strict else '<'} {b}")
    leads = tables["leads"]
    if (leads["sql_at"].notna() & leads["mql_at"].isna()).any():
        bad.append("leads: sql_at without mql_at")
    ol = tables["order_lines"]
    gross = ol["quantity"].astype(float) * ol["unit_price"].astype(float)
    if (ol["discount_amount"].astype(float) > gross + 1e-9).any():
        bad.append("order_lines: discount_amount > quantity × unit_price")
    sm = tables["social_metrics"]
    if (sm["engagements"].astype(int) > sm["impressions"].astype(int)).any():
        bad.append("social_metrics: engagements > impressions")
    pr = tables["production_runs"]
    if (pr["defective_units"].astype(int) > pr["produced_units"].astype(int)).any():
        bad.append("production_runs: defective_units > produced_units")
    sp = tables["subscription_periods"].copy()
    sp["vf"] = pd.to_datetime(sp["valid_from"])
    sp["vt"] = pd.to_datetime(sp["valid_to"]).fillna(pd.Timestamp.max)
    sp = sp.sort_values(["subscription_id", "vf"])
    prev_vt = sp.groupby("subscription_id")["vt"].shift()
    if (prev_vt > sp["vf"]).any():
        bad.append(f"subscription_periods: {int((prev_vt > sp['vf']).sum())} overlapping periods")
    # event tables are split by month of their event date, with the month in the file name
    for table, col in [
        ("orders", "order_ts"),
        ("subscription_periods", "valid_from"),
        ("web_sessions", "started_at"),
        ("gl_entries", "posting_date"),
        ("fx_rates", "rate_date"),
        ("support_tickets", "opened_at"),
    ]:
        df = tables[table]
        month = _day(df[col], SPEC[table][1][col]).dt.strftime("%Y-%m")
        if not (df["_file"].str.slice(-len("2024-01.csv"), -4) == month).all():
            bad.append(f"{table}: rows in the file of another month")
    return bad


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("landing")
    counts = dd.write_demo_landing(out, START, END, scale=SCALE, seed=7)
    return out, counts


@pytest.fixture(scope="module")
def tables(landing) -> dict[str, pd.DataFrame]:
    out, _ = landing
    return {t: read_table(out, t) for t in dd.TABLES}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- tests -----------------------------------------------------------------------------------


def test_every_table_has_a_readable_folder(landing, tables):
    out, counts = landing
    assert list(counts) == list(SPEC) == list(dd.TABLES)
    assert len(dd.TABLES) == 21
    for table in dd.TABLES:
        assert (out / table).is_dir(), table
        assert counts[table] == len(tables[table]) > 0, table
    assert sorted(p.name for p in out.iterdir()) == sorted(dd.TABLES)


def test_columns_match_the_contract_module():
    contract = pytest.importorskip("orchestration.lib.contract")
    tables = {t.name: t for t in contract._TABLE_LIST} if hasattr(contract, "_TABLE_LIST") else None
    if not tables:
        pytest.skip("contract module has no table list")
    assert set(tables) == set(dd.TABLES)
    for name, t in tables.items():
        assert tuple(t.column_names) == dd.COLUMNS[name], name


def test_the_demo_is_clean(landing):
    out, _ = landing
    assert contract_violations(out, END) == []


def test_same_arguments_give_byte_identical_files(landing, tmp_path):
    out, _ = landing
    again = tmp_path / "again"
    dd.write_demo_landing(again, START, END, scale=SCALE, seed=7)
    first, second = _files(out), _files(again)
    assert list(first) == list(second)
    assert [k for k in first if first[k] != second[k]] == []
    other = tmp_path / "other_seed"
    dd.write_demo_landing(other, START, END, scale=SCALE, seed=8)
    assert _files(other)["orders/orders_2024-03.csv"] != first["orders/orders_2024-03.csv"]


def test_rewriting_the_same_landing_zone_keeps_files_untouched(landing):
    out, _ = landing
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    dd.write_demo_landing(out, START, END, scale=SCALE, seed=7)
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert before == after


def test_a_later_end_only_adds_or_restates_recent_files(landing, tmp_path):
    """Nightly increments: with the same start, the pure event files of complete
    months do not change when `end` moves on."""
    out, _ = landing
    later = tmp_path / "later"
    dd.write_demo_landing(later, START, END + timedelta(days=40), scale=SCALE, seed=7)
    first, second = _files(out), _files(later)
    stable = [
        "orders",
        "order_lines",
        "marketing_spend",
        "web_sessions",
        "social_metrics",
        "gl_entries",
        "bank_transactions",
        "fx_rates",
        "production_runs",
        "inventory_snapshots",
        "nps_responses",
        "training_records",
    ]
    last_month = END.strftime("%Y-%m")
    checked = 0
    for name, data in first.items():
        table, file = name.split("/")
        month = file.rsplit("_", 1)[-1].split(".")[0]
        if table in stable and month < last_month:
            assert second[name] == data, name
            checked += 1
    assert checked > 50
    assert len(second) > len(first)


def test_file_layout_and_formats(landing):
    out, _ = landing
    suffixes = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert suffixes == {".csv", ".parquet", ".xlsx"}
    assert (out / "accounts" / "accounts.xlsx").is_file()
    assert (out / "customers" / "customers.csv").is_file()
    assert (out / "orders" / "orders_2024-05.csv").is_file()
    assert (out / "order_lines" / "order_lines_2024-05.csv").is_file()
    assert (out / "social_metrics" / "social_metrics_2024-05.parquet").is_file()
    assert len(list((out / "orders").iterdir())) == 9  # one file per month
    text = (out / "orders" / "orders_2024-05.csv").read_bytes()
    assert text.startswith(b"order_id,customer_id,order_ts,channel,currency,status\n")
    assert b"\r" not in text
    text.decode("utf-8")


def test_timestamps_use_z_and_some_offsets(tables):
    ts = tables["orders"]["order_ts"]
    assert ts.str.endswith("Z").mean() > 0.9
    assert ts.str.endswith("+02:00").any()
    # an offset never moves the local date away from the UTC date
    local_day = ts.str.slice(0, 10)
    utc_day = _utc(ts).dt.strftime("%Y-%m-%d")
    assert (local_day == utc_day).all()


def test_orders_cover_statuses_currencies_and_fx_gaps(tables):
    orders = tables["orders"]
    statuses = orders["status"].value_counts()
    assert {"completed", "cancelled", "returned"} <= set(statuses.index)
    assert statuses["completed"] / len(orders) > 0.8
    non_usd = set(orders["currency"]) - {"USD"}
    assert len(non_usd) >= 2
    fx = tables["fx_rates"]
    fx_days = pd.to_datetime(fx["rate_date"])
    assert not (fx_days.dt.weekday >= 5).any()  # rates on weekdays only: weekends are gaps
    first_rate = fx.assign(d=fx_days).groupby("currency")["d"].min()
    order_day = _day(orders["order_ts"], "timestamp")
    first_order = orders.assign(d=order_day).groupby("currency")["d"].min()
    unconvertible = [c for c in non_usd if c not in first_rate or first_order[c] < first_rate[c]]
    assert unconvertible == ["JPY"]  # one currency, one short window at the start
    jpy_early = (orders["currency"] == "JPY") & (order_day < first_rate["JPY"])
    assert 0 < jpy_early.sum() < 0.02 * len(orders)
    assert first_rate["JPY"] - pd.Timestamp(START) <= pd.Timedelta(days=31)


def test_customers_repeat_churn_and_come_back(tables):
    orders = tables["orders"]
    done = orders[orders["status"] == "completed"].copy()
    done["month"] = _day(done["order_ts"], "timestamp").dt.to_period("M")
    per_customer = done.groupby("customer_id")["month"].nunique()
    assert (per_customer >= 2).sum() > 20  # repeat customers
    months = done.groupby("customer_id")["month"].apply(lambda s: sorted(set(s)))
    gaps = months.apply(lambda m: any((b - a).n >= 3 for a, b in zip(m, m[1:], strict=False)))
    assert gaps.sum() > 0  # away for 2+ months, then back


def test_subscriptions_change_churn_and_reactivate(tables):
    sp = tables["subscription_periods"].copy()
    sp["vf"] = pd.to_datetime(sp["valid_from"])
    sp["vt"] = pd.to_datetime(sp["valid_to"])
    assert set(sp["currency"]) - {"USD"}  # non-USD subscriptions
    sp = sp.sort_values(["subscription_id", "vf"])
    nxt = sp.groupby("subscription_id").shift(-1)
    change = sp["vt"] == nxt["vf"]
    mid_month = change & (nxt["vf"].dt.day != 1)
    assert (mid_month & (sp["plan"] != nxt["plan"])).any()  # mid-month plan change
    mrr, nxt_mrr = sp["mrr"].astype(float), nxt["mrr"].astype(float)
    assert (change & (nxt_mrr > mrr)).any() and (change & (nxt_mrr < mrr)).any()  # up and down
    # reactivation: a customer with MRR again after a gap of at least one month-end
    by_cust = sp.sort_values(["customer_id", "vf"])
    prev_end = by_cust.groupby("customer_id")["vt"].shift()
    assert ((by_cust["vf"] - prev_end) > pd.Timedelta(days=31)).any()
    assert sp["vt"].isna().any() and sp["vt"].notna().any()  # running and ended


def test_hard_cases_of_the_other_tables(tables):
    tickets = tables["support_tickets"]
    assert tickets["resolved_at"].isna().any()  # unresolved
    assert (tickets["resolved_at"].notna() & tickets["csat_score"].isna()).any()  # no csat
    assert set(tickets["csat_score"].dropna()) == {"1", "2", "3", "4", "5"}
    emp = tables["employees"]
    assert emp["terminated_on"].notna().any() and emp["terminated_on"].isna().any()
    assert len(tables["training_records"]) > 10
    nps = tables["nps_responses"]["score"].astype(int)
    assert nps.min() <= 3 and nps.max() == 10 and nps.nunique() >= 8
    ship = tables["shipments"]
    assert ship["delivered_at"].isna().any()  # not yet delivered
    late = _utc(ship["delivered_at"].dropna()).dt.tz_localize(None).dt.normalize() > pd.to_datetime(
        ship.loc[ship["delivered_at"].notna(), "promised_date"]
    )
    assert 0 < late.mean() < 0.3
    sessions = tables["web_sessions"]
    status = tables["orders"].set_index("order_id")["status"]
    pointed = sessions["order_id"].dropna().map(status)
    assert {"completed", "cancelled"} <= set(pointed)
    assert sessions["campaign_id"].notna().any() and sessions["campaign_id"].isna().any()
    assert sessions["visitor_id"].nunique() < len(sessions)
    leads = tables["leads"]
    assert leads["mql_at"].notna().any() and leads["sql_at"].notna().any()
    assert leads["customer_id"].notna().any()
    assert (leads["mql_at"].notna() & leads["sql_at"].isna()).any()
    social = tables["social_metrics"]
    days = social.groupby("platform")["metric_date"].nunique()
    assert set(days.index) == ALLOWED[("social_metrics", "platform")]
    assert days.min() < days.max()  # a platform that skips days
    gl = tables["gl_entries"].merge(tables["accounts"], on="account_code")
    assert set(gl["account_type"]) == ALLOWED[("accounts", "account_type")]
    assert (gl["amount"].astype(float) < 0).any()  # reversals
    assert len(set(gl["currency"])) >= 3
    assert set(tables["bank_transactions"]["category"]) == ALLOWED[("bank_transactions", "category")]
    spend = tables["marketing_spend"]
    assert len(set(spend["currency"])) >= 2
    runs = tables["production_runs"]
    assert (runs["defective_units"].astype(int) > 0).any()
    assert (runs["downtime_minutes"].astype(float) > 0).any()
    assert (runs["downtime_minutes"].astype(float) == 0).any()


def test_inventory_is_weekly_per_warehouse_with_gaps(tables):
    inv = tables["inventory_snapshots"]
    snaps = inv.groupby("warehouse_id")["snapshot_date"].nunique()
    assert len(snaps) >= 2
    assert (snaps <= 274 // 6).all()  # weekly or less, not daily
    sizes = inv.groupby(["warehouse_id", "snapshot_date"]).size()
    assert (sizes.groupby("warehouse_id").nunique() > 1).all()  # products sometimes missing
    assert (inv["on_hand_units"].astype(int) == 0).any()


def test_growth_and_q4_peak(tmp_path):
    out = tmp_path / "two_years"
    counts = dd.write_demo_landing(out, date(2023, 1, 1), date(2024, 12, 31), scale=0.2, seed=3)
    orders = read_table(out, "orders")
    month = _day(orders["order_ts"], "timestamp").dt.to_period("M")
    per_month = month.value_counts().sort_index()
    assert per_month["2024"].sum() > per_month["2023"].sum()  # growth
    assert per_month["2024-11":"2024-12"].mean() > per_month["2024-05":"2024-09"].mean()  # Q4 peak
    # the volume stated in the help text, per unit of scale and year
    per_scale_year = counts["order_lines"] / 0.2 / 2
    assert 0.75 < per_scale_year / dd.ORDER_LINES_PER_SCALE_YEAR < 1.25


def test_scale_grows_volume_linearly(tmp_path):
    small = dd.write_demo_landing(tmp_path / "a", START, date(2024, 6, 30), scale=0.1, seed=7)
    large = dd.write_demo_landing(tmp_path / "b", START, date(2024, 6, 30), scale=0.4, seed=7)
    for table in ("orders", "order_lines", "web_sessions", "customers"):
        assert 2.8 < large[table] / small[table] < 5.5, table


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        dd.write_demo_landing(tmp_path, END, START)
    with pytest.raises(ValueError):
        dd.write_demo_landing(tmp_path, START, END, scale=0)


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_help_states_order_lines_per_scale():
    res = _cli("demo-data", "--help")
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "order lines" in text
    assert f"{dd.ORDER_LINES_PER_SCALE_YEAR:,}" in text
    for option in ("--out", "--start", "--end", "--scale", "--seed", "--home"):
        assert option in text


def test_cli_writes_into_the_home_landing(tmp_path):
    home = tmp_path / "home"
    res = _cli(
        "demo-data",
        "--home",
        str(home),
        "--start",
        "2024-01-01",
        "--end",
        "2024-02-29",
        "--scale",
        "0.05",
        env={"KPI_LANDING_DIR": ""},
    )
    assert res.returncode == 0, res.stderr
    assert "orders" in res.stdout and "order_lines" in res.stdout
    assert (home / "landing" / "orders" / "orders_2024-02.csv").is_file()
    res = _cli("demo-data", "--out", str(tmp_path / "x"), "--end", "2024-01-10", "--start", "2024-02-01")
    assert res.returncode != 0


def test_default_start_is_three_years_before_end():
    from orchestration.commands import demo_data as cmd

    assert cmd.default_start(date(2025, 6, 14)) == date(2022, 6, 15)
    assert cmd.default_start(date(2024, 2, 29)) == date(2021, 3, 1)
    assert np.isclose(cmd.ORDER_LINES_PER_SCALE_YEAR, dd.ORDER_LINES_PER_SCALE_YEAR)
