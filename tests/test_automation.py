"""The schedule, the landing-zone sensor, the freshness rules, the as-of run tag, the run
queue and the backfill dates: real files, real DuckDB, real Dagster contexts."""

from __future__ import annotations

import datetime as dt
import os
import time

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import AS_OF_PARTITIONS, KpiRunSettings
from orchestration.lib.freshness import CADENCES, table_freshness, warehouse_freshness
from orchestration.lib.landing_watch import landing_state

# --- landing zone fingerprint and sensor -----------------------------------------------------


def _put(path, text: str, age_seconds: float = 3600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def test_fingerprint_follows_names_sizes_and_mtimes(tmp_path):
    landing = tmp_path / "landing"
    empty = landing_state(landing)
    assert empty.files == 0 and empty.settled(60)
    _put(landing / "orders" / "orders_2026-01.csv", "order_id\n1\n")
    one = landing_state(landing)
    assert one.files == 1 and one.fingerprint != empty.fingerprint
    assert landing_state(landing) == one  # nothing changed, same fingerprint
    _put(landing / "orders" / ".orders.csv.part", "partial")  # dot-files are ignored, as ingestion does
    _put(landing / "orders" / "archive" / "old.csv", "x")  # so are sub-folders
    assert landing_state(landing).fingerprint == one.fingerprint
    _put(landing / "orders" / "orders_2026-01.csv", "order_id\n1\n2\n")  # restated: size changes
    two = landing_state(landing)
    assert two.fingerprint != one.fingerprint
    path = landing / "orders" / "orders_2026-01.csv"  # same size, new mtime
    os.utime(path, (time.time() - 10, time.time() - 10))
    three = landing_state(landing)
    assert three.fingerprint != two.fingerprint and not three.settled(60) and three.settled(5)


def test_landing_sensor_starts_a_run_on_new_files_once(tmp_path, monkeypatch):
    from orchestration.definitions import defs
    from orchestration.defs.automation import landing_zone_sensor
    from orchestration.lib.settings import default_as_of

    def tick(cursor):  # the code location's definitions: a partitioned job's run request needs them
        return landing_zone_sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor, definitions=defs))

    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    monkeypatch.delenv("KPI_AS_OF", raising=False)
    landing = tmp_path / "landing"
    _put(landing / "orders" / "a.csv", "order_id\n1\n")

    first = tick(None)
    assert first.run_requests == [] and first.cursor  # the first look only records the fingerprint
    cursor = first.cursor

    same = tick(cursor)
    assert same.run_requests == [] and "no new or changed files" in same.skip_message

    _put(landing / "customers" / "customers.csv", "customer_id\nC1\n")
    new = tick(cursor)
    assert len(new.run_requests) == 1 and new.cursor != cursor
    assert new.run_requests[0].tags["kpi/trigger"] == "landing_zone_sensor"
    assert new.run_requests[0].partition_key == default_as_of().isoformat()
    again = tick(new.cursor)
    assert again.run_requests == []

    _put(landing / "orders" / "b.csv", "order_id\n2\n", age_seconds=1)  # still being copied
    waiting = tick(new.cursor)
    assert waiting.run_requests == [] and "waiting" in waiting.skip_message
    assert waiting.cursor in (None, new.cursor)  # not consumed: the next tick starts the run


# --- schedule ----------------------------------------------------------------------------


def test_nightly_schedule_defaults_to_two_am_utc_and_tags_yesterday():
    from orchestration.defs.automation import kpi_nightly

    assert kpi_nightly.cron_schedule == "0 2 * * *"
    assert kpi_nightly.execution_timezone == "UTC"
    assert kpi_nightly.job_name == "kpi_pipeline"
    assert kpi_nightly.default_status == dg.DefaultScheduleStatus.RUNNING
    from orchestration.definitions import defs

    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC),
        repository_def=defs.get_repository_def(),
    )
    request = kpi_nightly.evaluate_tick(context).run_requests[0]
    assert request.tags["kpi/as_of"] == "2026-02-28"
    assert request.partition_key == "2026-02-28"  # the as-of date is the run's daily partition


def test_nightly_cron_is_settable(monkeypatch):
    from orchestration.defs.automation import nightly_cron

    monkeypatch.setenv("KPI_NIGHTLY_CRON", "30 4 * * 1-5")
    assert nightly_cron() == "30 4 * * 1-5"
    monkeypatch.setenv("KPI_NIGHTLY_CRON", "every night")
    with pytest.raises(ValueError, match="KPI_NIGHTLY_CRON"):
        nightly_cron()


# --- freshness -----------------------------------------------------------------------------


def test_every_event_table_has_a_cadence_and_dimensions_none():
    assert CADENCES["customers"] is None and CADENCES["accounts"] is None
    assert CADENCES["orders"].max_lag_days == 1
    assert CADENCES["fx_rates"].max_lag_days == 4


def test_freshness_compares_latest_event_date_with_as_of(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.orders (order_id varchar, order_ts timestamp)")
    con.execute("create table raw.order_lines (order_id varchar, line_no bigint)")
    con.execute("create table raw.fx_rates (rate_date date, currency varchar)")
    con.execute("""insert into raw.orders values ('o1', '2026-03-05 23:59:00'), ('o2', '2026-03-09 08:00:00'),
                   ('o3', '2026-03-20 10:00:00')""")
    con.execute("insert into raw.order_lines values ('o1', 1), ('o2', 1)")
    con.execute("insert into raw.fx_rates values ('2026-03-06', 'EUR')")  # a Friday

    orders = table_freshness(con, "orders", dt.date(2026, 3, 10))
    assert orders.latest == dt.date(2026, 3, 9) and orders.lag_days == 1 and orders.is_fresh
    assert orders.rows_after_as_of == 1  # the 20th is after the as-of date: ignored
    stale = table_freshness(con, "orders", dt.date(2026, 3, 12))
    assert stale.lag_days == 3 and not stale.is_fresh and "stale" in stale.message
    assert stale.rows_after_as_of == 1
    lines = table_freshness(con, "order_lines", dt.date(2026, 3, 8))  # via their order's order_ts
    assert lines.latest == dt.date(2026, 3, 5) and not lines.is_fresh
    assert table_freshness(con, "fx_rates", dt.date(2026, 3, 10)).is_fresh  # Friday's rate on Tuesday
    assert not table_freshness(con, "fx_rates", dt.date(2026, 3, 11)).is_fresh
    empty = table_freshness(con, "orders", dt.date(2026, 3, 1))
    assert empty.latest is None and not empty.is_fresh

    everything = warehouse_freshness(con, dt.date(2026, 3, 10))
    assert everything["orders"].is_fresh and everything["web_sessions"] is None  # no raw.web_sessions yet
    assert "customers" not in everything
    con.close()


# --- the as-of date of a run ----------------------------------------------------------------


def test_as_of_comes_from_the_run_tag_then_the_run_config(monkeypatch):
    from orchestration.lib.settings import as_of_from_env, default_as_of

    seen: list[dt.date] = []

    @dg.asset
    def probe(context, kpi: KpiRunSettings):
        seen.append(kpi.as_of_date(context))

    monkeypatch.delenv("KPI_AS_OF", raising=False)
    assert as_of_from_env() == default_as_of()
    monkeypatch.setenv("KPI_AS_OF", "2026-01-31")
    assert as_of_from_env() == dt.date(2026, 1, 31)  # outside a run: the env var, as before
    instance = dg.DagsterInstance.ephemeral()
    # the resource's default comes from the environment; a run's config and its tag override it
    resources = {"kpi": KpiRunSettings.from_environment()}
    assert dg.materialize([probe], instance=instance, resources=resources).success
    assert dg.materialize([probe], instance=instance, tags={"kpi/as_of": "2025-12-31"}, resources=resources).success
    config = {"resources": {"kpi": {"config": {"home": "data", "as_of": "2025-11-30"}}}}
    assert dg.materialize([probe], instance=instance, run_config=config, resources=resources).success
    assert seen == [dt.date(2026, 1, 31), dt.date(2025, 12, 31), dt.date(2025, 11, 30)]

    # the pipeline's assets are daily-partitioned by the as-of date: the partition key wins
    @dg.asset(partitions_def=AS_OF_PARTITIONS)
    def partitioned_probe(context, kpi: KpiRunSettings):
        seen.append(kpi.as_of_date(context))

    tags = {"kpi/as_of": "2025-12-31"}
    assert dg.materialize(
        [partitioned_probe], instance=instance, partition_key="2025-10-31", tags=tags, resources=resources
    ).success
    assert seen[-1] == dt.date(2025, 10, 31)


# --- one run at a time -----------------------------------------------------------------------


def test_instance_admits_one_run_at_a_time(tmp_path):
    from orchestration.lib.instance import WAREHOUSE_TAG, prepare_dagster_home
    from orchestration.lib.settings import Home

    home = Home(tmp_path)
    (tmp_path / "dagster").mkdir()
    (tmp_path / "dagster" / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 5\n")  # an old home
    path = prepare_dagster_home(home)
    with dg.DagsterInstance.from_config(path) as instance:
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 1
        assert [dict(limit) for limit in queue.tag_concurrency_limits] == [{"key": WAREHOUSE_TAG, "limit": 1}]
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"


# --- backfill dates ---------------------------------------------------------------------------


def test_backfill_dates():
    from orchestration.commands.backfill import as_of_dates

    d = dt.date
    assert as_of_dates(d(2026, 1, 30), d(2026, 2, 2), "day") == [
        d(2026, 1, 30),
        d(2026, 1, 31),
        d(2026, 2, 1),
        d(2026, 2, 2),
    ]
    assert as_of_dates(d(2025, 12, 15), d(2026, 3, 10), "month") == [
        d(2025, 12, 31),
        d(2026, 1, 31),
        d(2026, 2, 28),
        d(2026, 3, 10),
    ]
    assert as_of_dates(d(2026, 2, 1), d(2026, 2, 28), "month") == [d(2026, 2, 28)]
    with pytest.raises(ValueError):
        as_of_dates(d(2026, 2, 2), d(2026, 2, 1), "day")
