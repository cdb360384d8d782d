"""Thirty consecutive nights, each landing one new day of files and running the real pipeline
(Dagster, GX, dbt, publish) with that day as the as-of date, publish exactly what one full
build of the same landing zone publishes. Also: the same night run twice changes nothing, and
a run killed with SIGKILL at several points, then started again, ends where an uninterrupted
run ends."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from published import differences, snapshot

from orchestration.lib.demo import write_demo_landing
from orchestration.lib.landing_slicer import event_dates, load_landing, write_window
from orchestration.lib.settings import Home
from orchestration.pipeline import run_pipeline

pytestmark = pytest.mark.slow

FIRST_NIGHT = dt.date(2025, 3, 3)
NIGHTS = 30
LAST_NIGHT = FIRST_NIGHT + dt.timedelta(days=NIGHTS - 1)
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


@pytest.mark.longest
def test_thirty_nights_publish_what_one_full_build_publishes(tmp_path, demo_tables, monkeypatch):
    tables, dates = demo_tables
    landing = tmp_path / "landing"
    nightly = tmp_path / "nightly"
    write_window(tables, dates, landing, None, FIRST_NIGHT - dt.timedelta(days=1), "history")
    for i in range(NIGHTS):
        night = FIRST_NIGHT + dt.timedelta(days=i)
        write_window(tables, dates, landing, night - dt.timedelta(days=1), night, night.isoformat())
        print(f"night {i + 1}/{NIGHTS}: {night}", flush=True)
        _run(nightly, landing, night, monkeypatch)
    after_nights = snapshot(nightly)

    # the same night again: nothing changes
    _run(nightly, landing, LAST_NIGHT, monkeypatch)
    assert differences(after_nights, snapshot(nightly)) == []

    full = tmp_path / "full"
    _run(full, landing, LAST_NIGHT, monkeypatch)
    assert differences(after_nights, snapshot(full)) == []
    assert len(after_nights["kpi_values"]) > 1000


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
