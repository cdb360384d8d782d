"""Write-audit-publish (lib/publish.py) on a hand-made warehouse: a good publish swaps in;
each kind of bad publish is refused with its reason, and the previous serving database and
Parquet exports stay exactly as they were. Plus a reader polling kpi.kpi_values through a
whole nightly run of the real pipeline."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib.publish import (
    ALL_MONTHS,
    BY_DIMENSION,
    OUTPUTS,
    PublishAuditFailed,
    _in_months,
    publish,
    refresh_table,
)

KPI = str(Path(sys.executable).parent / "kpi")

_TABLES = {
    "marts.kpi_values": "kpi_id varchar, grain varchar, period_start date, period_end date, value double, "
    "numerator double, denominator double, is_complete boolean, is_measurable boolean, quality_issues varchar",
    "marts.kpi_catalog": "kpi_id varchar, name varchar, description varchar, category varchar, perspective varchar, "
    "unit varchar, direction varchar, owner varchar, aligns_to varchar, inputs varchar[], kind varchar",
    "marts.kpi_targets": "kpi_id varchar, grain varchar, period_start date, target_value double, source varchar",
    "marts.kpi_scorecard": "kpi_id varchar, grain varchar, period_start date, actual double, target double, "
    "attainment double, projected double, status varchar, reason varchar",
    "marts.revenue_bridge": "grain varchar, period_start date, comparison varchar, component varchar, amount double",
    "marts.mrr_bridge": "grain varchar, period_start date, component varchar, amount double",
    "meta.quarantine": "table_name varchar, file_name varchar, row_key varchar, rule varchar, raw_row varchar, "
    "first_seen_at timestamp, event_date date",
    "meta.rejected_files": "table_name varchar, file_name varchar, reason varchar, rejected_at timestamp",
    "meta.schema_drift": "table_name varchar, file_name varchar, column_name varchar, first_seen_at timestamp",
    "meta.data_quality": "run_id varchar, table_name varchar, rows_landed bigint, rows_loaded bigint, "
    "rows_quarantined bigint, files_rejected bigint, checks_passed bigint, checks_failed bigint",
}


def _warehouse(path: Path) -> Path:
    """Two months of revenue and MRR whose bridges add up: revenue 100 → 130 (new +50,
    lost −30, price +4, volume +6), MRR 200 → 210 (new +15, churned −5)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema meta")
    for name, ddl in _TABLES.items():
        con.execute(f"create table {name} ({ddl})")
    con.execute(
        """insert into marts.kpi_values values
           ('revenue', 'month', '2025-01-01', '2025-01-31', 100, null, null, true, true, ''),
           ('revenue', 'month', '2025-02-01', '2025-02-28', 130, null, null, true, true, ''),
           ('mrr', 'month', '2025-01-01', '2025-01-31', 200, null, null, true, true, ''),
           ('mrr', 'month', '2025-02-01', '2025-02-28', 210, null, null, true, true, '')"""
    )
    con.execute(
        """insert into marts.kpi_catalog values
           ('revenue', 'Revenue', 'd', 'financial', 'financial', 'USD', 'up', null, null, ['orders'], 'flow'),
           ('mrr', 'MRR', 'd', 'financial', 'financial', 'USD', 'up', null, null, ['subscription_periods'], 'stock')"""
    )
    con.execute(
        """insert into marts.revenue_bridge values
           ('month', '2025-02-01', 'previous', 'new_customers', 50), ('month', '2025-02-01', 'previous', 'lost_customers', -30),
           ('month', '2025-02-01', 'previous', 'price', 4), ('month', '2025-02-01', 'previous', 'volume', 6)"""
    )
    con.execute(
        """insert into marts.mrr_bridge values
           ('month', '2025-01-01', 'new', 200),
           ('month', '2025-02-01', 'new', 15), ('month', '2025-02-01', 'churned', -5)"""
    )
    con.execute("insert into meta.data_quality values ('r1', 'orders', 3, 3, 0, 0, 10, 0)")
    con.close()
    return path


def _fields() -> pd.DataFrame:
    return pd.DataFrame({"kpi_id": ["revenue"], "owner": ["Dana"], "aligns_to": [None]}).astype("string")


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


@pytest.fixture
def published(tmp_path):
    wh = _warehouse(tmp_path / "warehouse.duckdb")
    serving, exports = tmp_path / "serving.duckdb", tmp_path / "exports"
    counts = publish(wh, serving, exports, _fields())
    return wh, serving, exports, counts


def test_a_good_publish_is_swapped_in_with_its_exports(published):
    wh, serving, exports, counts = published
    assert counts["kpi_values"] == 4 and counts["revenue_bridge"] == 4
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select owner from kpi.kpi_catalog where kpi_id = 'revenue'").fetchone() == ("Dana",)
    assert sorted(p.name for p in exports.iterdir()) == sorted(f"{t}.parquet" for t in [*OUTPUTS, BY_DIMENSION])
    assert not serving.with_name("serving.duckdb.tmp").exists()


@pytest.mark.parametrize(
    ("months", "days"),
    [
        # a run of months over the new year, and a month on its own
        ([dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 3, 1)], 30 + 31 + 31 + 31),
        ([dt.date(2024, 2, 1), None], 29 + 1),
        ([None], 1),
        ([], 0),
    ],
)
def test_the_filter_on_months_keeps_exactly_the_rows_of_those_months(months, days):
    """`_in_months` writes ranges of the date itself (so a view's scans can skip the other months):
    it keeps the same rows as a test of each row's month, on every day of two years and a NULL."""
    con = duckdb.connect()
    con.execute(
        "create table t as select cast(d as date) as day, 1 as n"
        " from range(date '2024-01-01', date '2026-01-01', interval 1 day) as r(d) union all select null, 1"
    )
    wanted = [f"date '{m.isoformat()}'" for m in months if m is not None]
    by_month = " or ".join(
        ([f"cast(date_trunc('month', day) as date) in ({', '.join(wanted)})"] if wanted else [])
        + (["day is null"] if None in months else [])
    )
    expected = con.execute(f"select day from t where {by_month or 'false'} order by day").fetchall()
    got = con.execute(f"select day from t where {_in_months(con, 't', months)} order by day").fetchall()
    assert got == expected
    assert len(got) == days
    con.close()


def test_a_semantic_table_is_rewritten_only_in_the_months_whose_rows_changed(tmp_path):
    """A night's publish starts from the previous serving file and rewrites a semantic table's
    months whose rows differ: here February (a value changed, same count), March (a row added)
    and the rows without a date (one gone); the rows of the four months before stay where they were.
    When most months changed, the table is written again whole."""
    con = duckdb.connect(str(tmp_path / "serving.duckdb"))
    con.execute("create table kept (order_id varchar, order_date date, revenue_usd decimal(18, 2))")
    con.execute(
        """insert into kept values ('x', '2024-10-02', 1.00), ('y', '2024-11-02', 2.00), ('z', '2024-12-02', 3.00),
           ('a', '2025-01-05', 10.00), ('b', '2025-01-20', 20.00),
           ('c', '2025-02-03', 30.00), ('d', '2025-03-01', 40.00), ('e', null, 50.00)"""
    )
    con.execute(
        """create view new as select * from (values
           ('x', date '2024-10-02', 1.00::decimal(18, 2)), ('y', date '2024-11-02', 2.00::decimal(18, 2)),
           ('z', date '2024-12-02', 3.00::decimal(18, 2)), ('a', date '2025-01-05', 10.00::decimal(18, 2)), ('b', date '2025-01-20', 20.00::decimal(18, 2)),
           ('c', date '2025-02-03', 30.01::decimal(18, 2)), ('d', date '2025-03-01', 40.00::decimal(18, 2)),
           ('f', date '2025-03-31', 60.00::decimal(18, 2))) as t (order_id, order_date, revenue_usd)"""
    )
    unchanged = "select rowid, * from kept where order_date < '2025-02-01' order by rowid"
    before = con.execute(unchanged).fetchall()

    months = refresh_table(con, "new", "kept")

    assert months == [dt.date(2025, 2, 1), dt.date(2025, 3, 1), None]
    assert (
        con.execute("select * from kept order by order_id").fetchall()
        == con.execute("select * from new order by order_id").fetchall()
    )
    assert con.execute(unchanged).fetchall() == before
    # the rewritten rows were appended after the eight first written
    assert con.execute("select min(rowid) from kept where order_id in ('c', 'd', 'f')").fetchone()[0] >= 8
    assert refresh_table(con, "new", "kept") == []  # nothing differs any more

    # the next publish reads the month sums this one recorded instead of hashing its copy again:
    # they are the sums of what it published, so they find the same months as the copy does
    con.execute("create table recorded as select * from _new_months")
    con.execute("update kept set revenue_usd = 99 where order_id = 'x'")  # the recorded sums no longer say so
    assert refresh_table(con, "new", "kept", known="recorded") == []  # trusted: nothing to rewrite
    assert refresh_table(con, "new", "kept") == [dt.date(2024, 10, 1)]  # hashed: October is rewritten

    # every row changed: the six months, written whole in one go (its rows numbered from 0 again;
    # deleted and inserted, they would be numbered on from the 10 rows written so far)
    con.execute(
        "create table source as"
        " select order_id, order_date, cast(revenue_usd + 1 as decimal(18, 2)) as revenue_usd from kept"
    )
    con.execute("create or replace view new as select * from source")
    assert len(refresh_table(con, "new", "kept")) == 6
    assert sorted(con.execute("select * from kept").fetchall()) == sorted(
        con.execute("select * from source").fetchall()
    )
    assert con.execute("select max(rowid) from kept").fetchone()[0] == 7

    # another column type: the table is written whole
    con.execute(
        "create or replace view new as select order_id, order_date, cast(revenue_usd as double) as revenue_usd from source"
    )
    assert refresh_table(con, "new", "kept") is ALL_MONTHS
    assert con.execute(
        "select data_type from duckdb_columns() where table_name = 'kept' and column_name = 'revenue_usd'"
    ).fetchone() == ("DOUBLE",)
    con.close()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            "insert into marts.kpi_values values ('mrr', 'month', '2025-02-01', '2025-02-28', 210, null, null, "
            "true, true, '')",
            "kpi.kpi_values: the key (kpi_id, grain, period_start) repeats",
        ),
        ("update marts.mrr_bridge set amount = -6 where component = 'churned'", "mrr_bridge does not add up"),
        ("update marts.revenue_bridge set amount = 5 where component = 'price'", "revenue_bridge does not add up"),
        ("delete from marts.kpi_values where kpi_id = 'mrr'", "rows in the previous publish have none now: mrr"),
    ],
    ids=["duplicate-key", "mrr-bridge", "revenue-bridge", "kpi-lost-its-rows"],
)
def test_a_failed_audit_keeps_the_previous_publish(published, damage, reason):
    wh, serving, exports, _ = published
    before = _digest(serving, exports)
    with duckdb.connect(str(wh)) as con:
        con.execute(damage)
    with pytest.raises(PublishAuditFailed, match="still holds the previous one") as err:
        publish(wh, serving, exports, _fields())
    assert reason in str(err.value)
    assert _digest(serving, exports) == before
    assert serving.with_name("serving.duckdb.rejected").exists()


def test_a_serving_file_duckdb_cannot_open_is_set_aside_and_the_publish_written_from_scratch(published):
    """A damaged serving.duckdb (here: overwritten with text) does not fail every later publish:
    it is moved to serving.duckdb.unreadable with a message that names it, and the publish is
    written from scratch; the next publish starts from that one as usual."""
    wh, serving, exports, counts = published
    with duckdb.connect(str(serving), read_only=True) as con:
        want = con.execute("select * from kpi.kpi_values order by all").fetchall()
    serving.write_text("not a database\n" * 100)
    told = []

    assert publish(wh, serving, exports, _fields(), log=told.append) == counts

    aside = serving.with_name("serving.duckdb.unreadable")
    assert aside.read_text() == "not a database\n" * 100
    assert len(told) == 1 and str(serving) in told[0] and str(aside) in told[0], told
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select * from kpi.kpi_values order by all").fetchall() == want
    publish(wh, serving, exports, _fields(), log=told.append)
    assert len(told) == 1


def test_a_failed_dbt_test_of_the_run_stops_the_publish(published, tmp_path):
    wh, serving, exports, _ = published
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.kpi_layer.kpi_values", "status": "success"},
                    {"unique_id": "test.kpi_layer.assert_revenue_bridge_identity", "status": "fail"},
                ]
            }
        )
    )
    before = _digest(serving)
    with pytest.raises(PublishAuditFailed, match="assert_revenue_bridge_identity"):
        publish(wh, serving, exports, _fields(), results)
    assert _digest(serving) == before
    results.write_text(json.dumps({"results": [{"unique_id": "test.kpi_layer.x", "status": "pass"}]}))
    publish(wh, serving, exports, _fields(), results)


_READER = r"""
import sys, time, duckdb
serving, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
counts, errors, reads = set(), [], 0
import os
while not os.path.exists(stop):
    try:
        con = duckdb.connect(serving, read_only=True)
        try:
            counts.add(con.execute("select count(*) from kpi.kpi_values").fetchone()[0])
            reads += 1
        finally:
            con.close()
    except Exception as e:
        errors.append(repr(e))
    time.sleep(0.05)
import json
open(out, "w").write(json.dumps({"counts": sorted(counts), "errors": errors[:5], "reads": reads}))
"""


@pytest.mark.slow
def test_a_reader_polling_through_a_night_never_sees_an_error_or_a_partial_table(demo_build, tmp_path):
    """A BI tool reading kpi.kpi_values in a loop while the next night runs: every read
    succeeds, sees the previous or the new table whole, and the run is never blocked."""
    from conftest import copy_home

    home = copy_home(demo_build, tmp_path / "home")
    serving = home / "serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        before = con.execute("select count(*) from kpi.kpi_values").fetchone()[0]
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(serving), str(stop), str(out)])
    try:
        env = {**os.environ, "KPI_HOME": str(home), "NO_COLOR": "1"}
        env.pop("KPI_SERVING_PATH", None)
        night = demo_build.as_of + dt.timedelta(days=1)
        started = time.monotonic()
        proc = subprocess.run(
            [KPI, "run", "--landing", str(demo_build.landing), "--as-of", night.isoformat(), "--no-scorecard"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        seconds = time.monotonic() - started
    finally:
        stop.touch()
        reader.wait(timeout=60)
    seen = json.loads(out.read_text())
    with duckdb.connect(str(serving), read_only=True) as con:
        after = con.execute("select count(*) from kpi.kpi_values").fetchone()[0]
    assert after != before  # a new day published new periods
    assert seen["errors"] == []
    assert set(seen["counts"]) <= {before, after} and seen["reads"] > 10, (seen, before, after, seconds)
