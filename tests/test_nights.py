"""Thirty consecutive nights, each landing one new day of files and running the real pipeline
(Dagster, GX, dbt, publish) with that day as the as-of date, publish exactly what one full
build of the same landing zone publishes, with restatements on one night (an old fx rate, an
old order line, and an old order that lands late) and the whole history of orders restated on
another (a change on every date), which the incremental models re-open. Also:
a backfill to an earlier night publishes what that night published, the same night run twice
changes nothing, and a run killed with SIGKILL at several points, then started again, ends
where an uninterrupted run ends."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from published import LANDED_TABLES, differences, snapshot

from orchestration.lib.demo import write_demo_landing
from orchestration.lib.landing_slicer import event_dates, load_landing, write_window
from orchestration.lib.settings import Home
from orchestration.pipeline import run_pipeline

pytestmark = pytest.mark.slow

FIRST_NIGHT = dt.date(2025, 3, 3)
NIGHTS = 30
LAST_NIGHT = FIRST_NIGHT + dt.timedelta(days=NIGHTS - 1)
#: the night on which old rows are restated and an old order lands late (see _late_rows)
RESTATE_NIGHT = 12
#: the night on which the whole history of orders is restated (see _restate_every_day): a
#: change on every date since the first, which each incremental model re-opens
RESTATE_ALL_NIGHT = 16
#: the night a backfill goes back to, after the last night (on or after RESTATE_NIGHT: its
#: publication then saw every row of a date up to it, as the backfill does)
BACKFILL_NIGHT = 20
KPI = str(Path(sys.executable).parent / "kpi")


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory):
    src = tmp_path_factory.mktemp("demo_source")
    write_demo_landing(src, dt.date(2024, 9, 1), LAST_NIGHT, scale=0.15, seed=11)
    tables = load_landing(src)
    return tables, event_dates(tables)


def _run(home: Path, landing: Path, as_of: dt.date, monkeypatch) -> None:
    monkeypatch.setenv("KPI_HOME", str(home))
    monkeypatch.setenv("KPI_LANDING_DIR", str(landing))
    monkeypatch.setenv("KPI_AS_OF", as_of.isoformat())
    monkeypatch.delenv("KPI_SERVING_PATH", raising=False)
    monkeypatch.delenv("KPI_ALERT_WEBHOOK_URL", raising=False)
    # An in-memory Dagster instance: this test compares what the runs publish, and writing each
    # run's events to SQLite is a third of a night at this size (the other pipeline tests and the
    # kill test below run on the home's own instance)
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(Home(home), tags={"kpi/as_of": as_of.isoformat(), "kpi/alerts": "off"}, instance=instance)


def _late_rows(tables) -> tuple[dict, dict]:
    """What lands on RESTATE_NIGHT besides its day: an old EUR rate restated (+5 %: the rate a
    December EUR order converts at), an old EUR order line restated (one more unit), and an old
    GBP order with its lines that is held back from the history and lands for the first time
    (January). Returns (file name -> rows to write on that
    night, table -> mask of the rows the history leaves out)."""
    fx, orders, lines = tables["fx_rates"], tables["orders"], tables["order_lines"]
    done = orders.status == "completed"
    # the rate a completed EUR order of December converts at: the latest rate_date <= its day
    december = orders[done & (orders.currency == "EUR") & (orders.order_ts >= "2024-12-01")].order_ts.iloc[0][:10]
    eur = fx[(fx.currency == "EUR") & (fx.rate_date <= december)]
    rate = eur[eur.rate_date == eur.rate_date.max()].copy()
    rate["usd_per_unit"] = [f"{float(v) * 1.05:.6f}" for v in rate["usd_per_unit"]]
    restated_order = orders[done & (orders.currency == "EUR") & (orders.order_ts >= "2024-11-01")].order_id.iloc[0]
    line = lines[(lines.order_id == restated_order) & (lines.line_number == "1")].copy()
    line["quantity"] = [str(int(q) + 1) for q in line["quantity"]]
    late_order = orders[done & (orders.currency == "GBP") & (orders.order_ts >= "2025-01-15")].order_id.iloc[0]
    held = {"orders": orders.order_id == late_order, "order_lines": lines.order_id == late_order}
    assert len(rate) == len(line) == 1 and held["order_lines"].any()
    files = {
        "fx_rates/fx_rates_restated.csv": rate,
        "order_lines/order_lines_restated.csv": line,
        "orders/orders_late.csv": orders[held["orders"]],
        "order_lines/order_lines_late.csv": lines[held["order_lines"]],
    }
    return files, held


def _restate_every_day(orders_file: Path) -> tuple[int, int]:
    """Restates the history's orders file in place: every 7th completed order is returned and
    every other order moves to another channel, so that every date of the history changes on
    one night. Returns how many dates changed, and how many dates the file holds."""
    import pandas as pd

    orders = pd.read_csv(orders_file, dtype=str, keep_default_na=False)
    position = pd.Series(range(len(orders)), index=orders.index)
    returned = (position % 7 == 0) & (orders.status == "completed")
    moved = ~returned
    orders.loc[returned, "status"] = "returned"
    orders.loc[moved, "channel"] = orders.loc[moved, "channel"].map(lambda c: "store" if c != "store" else "web")
    orders.to_csv(orders_file, index=False)
    return orders[returned | moved].order_ts.str[:10].nunique(), orders.order_ts.str[:10].nunique()


@pytest.mark.longest
def test_thirty_nights_publish_what_one_full_build_publishes(tmp_path, demo_tables, monkeypatch):
    tables, dates = demo_tables
    landing = tmp_path / "landing"
    nightly = tmp_path / "nightly"
    late_files, held = _late_rows(tables)
    history = {t: f[~held[t].to_numpy()] if t in held else f for t, f in tables.items()}
    history_dates = {t: d[~held[t].to_numpy()] if t in held else d for t, d in dates.items()}
    write_window(history, history_dates, landing, None, FIRST_NIGHT - dt.timedelta(days=1), "history")
    published = {}
    for i in range(NIGHTS):
        night = FIRST_NIGHT + dt.timedelta(days=i)
        write_window(tables, dates, landing, night - dt.timedelta(days=1), night, night.isoformat())
        if i + 1 == RESTATE_NIGHT:
            for name, rows in late_files.items():
                rows.to_csv(landing / name, index=False)
        if i + 1 == RESTATE_ALL_NIGHT:
            changed, days = _restate_every_day(landing / "orders" / "orders_history.csv")
            assert changed == days > 100, (changed, days)
        print(f"night {i + 1}/{NIGHTS}: {night}", flush=True)
        _run(nightly, landing, night, monkeypatch)
        if i + 1 in (RESTATE_NIGHT - 1, RESTATE_NIGHT, RESTATE_ALL_NIGHT - 1, RESTATE_ALL_NIGHT, BACKFILL_NIGHT):
            published[i + 1] = snapshot(nightly)
    after_nights = snapshot(nightly)

    # the late rows changed what was published of their months: the restated order line's
    # November, the restated rate's December, the late order's January
    def revenue(night: int, month: dt.date):
        return [r for r in published[night]["kpi_values"] if r[:3] == ("revenue", "month", month)]

    for month in (dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1)):
        assert revenue(RESTATE_NIGHT - 1, month) != revenue(RESTATE_NIGHT, month), month
    # the restated history changed every month of it (returned orders earn no revenue)
    for month in (dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2025, 2, 1)):
        assert revenue(RESTATE_ALL_NIGHT - 1, month) != revenue(RESTATE_ALL_NIGHT, month), month

    # the same night again: nothing changes
    _run(nightly, landing, LAST_NIGHT, monkeypatch)
    assert differences(after_nights, snapshot(nightly)) == []

    # a backfill to an earlier night publishes what that night published, and the last night
    # run again after it publishes what it published
    _run(nightly, landing, FIRST_NIGHT + dt.timedelta(days=BACKFILL_NIGHT - 1), monkeypatch)
    assert differences(published[BACKFILL_NIGHT], snapshot(nightly), skip=LANDED_TABLES) == []
    _run(nightly, landing, LAST_NIGHT, monkeypatch)
    assert differences(after_nights, snapshot(nightly)) == []

    full = tmp_path / "full"
    _run(full, landing, LAST_NIGHT, monkeypatch)
    assert differences(after_nights, snapshot(full)) == []
    # each night's publish starts from a copy of the last one: the file holds about as many live
    # blocks as a full build's, and a bounded number of free ones
    nightly_blocks, full_blocks = _blocks(nightly / "serving.duckdb"), _blocks(full / "serving.duckdb")
    assert nightly_blocks[0] <= 1.5 * full_blocks[0] and nightly_blocks[1] <= 3 * full_blocks[1], (
        nightly_blocks,
        full_blocks,
    )
    assert len(after_nights["kpi_values"]) > 1000


def _blocks(path: Path) -> tuple[int, int]:
    """(used, total) blocks of a DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as con:
        used, total = con.execute("select used_blocks, total_blocks from pragma_database_size()").fetchone()
    return used, total


def _kpi_run_killed_after(home: Path, landing: Path, as_of: dt.date, seconds: float | None) -> None:
    """`kpi run` in its own process group; SIGKILL the whole group after `seconds` (None: let it end)."""
    env = {**os.environ, "KPI_HOME": str(home), "KPI_ALERT_WEBHOOK_URL": "", "NO_COLOR": "1"}
    env.pop("KPI_SERVING_PATH", None)
    proc = subprocess.Popen(
        [KPI, "run", "--landing", str(landing), "--as-of", as_of.isoformat(), "--no-scorecard"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if seconds is None:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out.decode()[-4000:]
        return
    time.sleep(seconds)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.mark.longest
def test_a_run_killed_at_any_point_then_restarted_ends_like_an_uninterrupted_run(tmp_path, demo_tables):
    tables, dates = demo_tables
    landing = tmp_path / "landing"
    write_window(tables, dates, landing, None, LAST_NIGHT, "all")
    clean = tmp_path / "clean"
    _kpi_run_killed_after(clean, landing, LAST_NIGHT, None)
    interrupted = tmp_path / "interrupted"
    # killed while loading the Dagster definitions, during ingestion, and during dbt
    for seconds in (3, 12, 25, 40):
        _kpi_run_killed_after(interrupted, landing, LAST_NIGHT, seconds)
    _kpi_run_killed_after(interrupted, landing, LAST_NIGHT, None)
    assert differences(snapshot(clean), snapshot(interrupted)) == []


def test_a_table_that_lands_whole_with_earlier_dates_moves_the_spine_of_the_next_run(
    tmp_path, demo_tables, monkeypatch
):
    """A dated table that lands for the first time, with rows before the period spine's first
    day, moves the spine; the next run re-opens what reads the spine (int_kpi_rows, the
    publish's by-dimension statements over the spine) as a full build of the same files computes
    it. With spine_moves answering "no" on both sides, the night publishes 9 fewer kpi_values
    rows than the full build (checked). What fires here is the earliest changed date; the rule's
    "changed on every date" branch is not singled out by this test."""
    tables, dates = demo_tables
    late, history_from, as_of = "web_sessions", dt.date(2024, 10, 31), FIRST_NIGHT - dt.timedelta(days=1)
    landing = tmp_path / "landing"
    write_window({t: f for t, f in tables.items() if t != late}, dates, landing, history_from, as_of, "history")
    nightly = tmp_path / "nightly"
    _run(nightly, landing, as_of, monkeypatch)
    before = snapshot(nightly)

    write_window({late: tables[late]}, dates, landing, None, as_of, "whole")
    _run(nightly, landing, as_of, monkeypatch)
    after = snapshot(nightly)
    full = tmp_path / "full"
    _run(full, landing, as_of, monkeypatch)
    assert differences(after, snapshot(full)) == []

    # the spine did move: a KPI that does not read the late table (headcount, from employees)
    # has months before it
    def first_month(snap, kpi_id):
        return min((r[2] for r in snap["kpi_values"] if r[0] == kpi_id and r[1] == "month"), default=None)

    assert first_month(before, "headcount") > history_from
    assert first_month(after, "headcount") < history_from
