"""Alerts: delivery to a real HTTP receiver, scorecard transitions on a real DuckDB file,
the run-failure alert from a real failed run, and the `alerts` asset in a real run."""

from __future__ import annotations

import datetime as dt
import time

import dagster as dg
import duckdb
import pytest
from webhook_receiver import Receiver

from orchestration.defs.resources import AS_OF_PARTITIONS, KpiRunSettings
from orchestration.lib.alerts import WEBHOOK_ENV, post_alert, record_scorecard_statuses

AS_OF = dt.date(2026, 3, 10)


# --- delivery ------------------------------------------------------------------------------


def test_alert_is_posted_as_slack_compatible_json():
    lines: list[str] = []
    with Receiver() as rx:
        ok = post_alert(
            "run_failure", "kpi_pipeline failed", {"run_id": "abc", "failed_steps": ["x"]}, url=rx.url, log=lines.append
        )
    assert ok
    assert len(rx.posts) == 1
    body = rx.posts[0]
    assert body["text"] == "kpi_pipeline failed"
    assert body["blocks"][0]["text"]["text"] == "kpi_pipeline failed"
    assert body["kpi_alert"] == {"kind": "run_failure", "run_id": "abc", "failed_steps": ["x"]}
    assert "secret" not in lines[0]  # the webhook path is a secret: only the host is logged


def test_url_comes_from_the_environment(monkeypatch):
    with Receiver() as rx:
        monkeypatch.setenv(WEBHOOK_ENV, rx.url)
        assert post_alert("test", "hello")
    assert rx.posts[0]["text"] == "hello"


def test_without_a_url_the_alert_is_only_logged(monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    lines: list[str] = []
    assert post_alert("test", "nobody listens", log=lines.append) is False
    assert "logged only" in lines[0] and "nobody listens" in lines[0]


def test_an_http_error_is_logged_and_does_not_raise():
    lines: list[str] = []
    with Receiver(status=500) as rx:
        assert post_alert("test", "server broken", url=rx.url, log=lines.append) is False
    assert len(rx.posts) == 1
    assert "HTTP 500" in lines[0] and "not delivered" in lines[0]


def test_a_slow_webhook_times_out_quickly():
    lines: list[str] = []
    with Receiver(delay=3.0) as rx:
        started = time.monotonic()
        assert post_alert("test", "slow", url=rx.url, timeout=0.5, log=lines.append) is False
        assert time.monotonic() - started < 2.5
    assert "failed" in lines[0] and "not delivered" in lines[0]


def test_a_refused_connection_is_logged():
    with Receiver() as rx:
        url = rx.url
    lines: list[str] = []  # the server is closed now: connection refused
    assert post_alert("test", "gone", url=url, timeout=1, log=lines.append) is False
    assert "POST to http://127.0.0.1" in lines[0]


# --- scorecard transitions -------------------------------------------------------------------


def _scorecard(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.kpi_scorecard (kpi_id varchar, grain varchar, period_start date, "
        "actual double, target double, attainment double, projected double, status varchar, reason varchar)"
    )
    con.executemany("insert into marts.kpi_scorecard values (?, ?, ?, null, null, null, null, ?, ?)", rows)


def test_only_transitions_to_off_track_or_unmeasurable_alert(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    feb, mar = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    # run 1: the month row decides (year rows are ignored when a KPI has months)
    _scorecard(
        con,
        [
            ("revenue", "month", feb, "achieved", None),
            ("revenue", "month", mar, "on_track", None),
            ("revenue", "year", dt.date(2026, 1, 1), "off_track", None),
            ("nps", "month", mar, "off_track", None),
            ("csat", "quarter", dt.date(2026, 1, 1), "at_risk", None),
        ],
    )
    first = record_scorecard_statuses(con, "run-1", AS_OF, now=dt.datetime(2026, 3, 11, 2))
    assert [(t.kpi_id, t.previous, t.status) for t in first] == [("nps", None, "off_track")]

    # run 2: revenue turns off_track, nps stays off_track (no repeat), csat unmeasurable
    _scorecard(
        con,
        [
            ("revenue", "month", mar, "off_track", None),
            ("nps", "month", mar, "off_track", None),
            ("csat", "quarter", dt.date(2026, 1, 1), "unmeasurable", "tickets missing"),
        ],
    )
    second = record_scorecard_statuses(con, "run-2", AS_OF, now=dt.datetime(2026, 3, 12, 2))
    assert sorted((t.kpi_id, t.previous, t.status) for t in second) == [
        ("csat", "at_risk", "unmeasurable"),
        ("revenue", "on_track", "off_track"),
    ]
    assert next(t for t in second if t.kpi_id == "csat").reason == "tickets missing"

    # run 3: nothing changed -> nothing to say; a retried run id replaces its own rows
    assert record_scorecard_statuses(con, "run-3", AS_OF, now=dt.datetime(2026, 3, 13, 2)) == []
    assert record_scorecard_statuses(con, "run-3", AS_OF, now=dt.datetime(2026, 3, 13, 3)) == []
    # run 4: revenue recovers, then (run 5) breaks again: alerts again
    _scorecard(con, [("revenue", "month", mar, "on_track", None)])
    assert record_scorecard_statuses(con, "run-4", AS_OF, now=dt.datetime(2026, 3, 14, 2)) == []
    _scorecard(con, [("revenue", "month", mar, "off_track", None)])
    assert [t.kpi_id for t in record_scorecard_statuses(con, "run-5", AS_OF, now=dt.datetime(2026, 3, 15, 2))] == [
        "revenue"
    ]
    counts = dict(con.execute("select run_id, count(*) from meta.scorecard_status_history group by run_id").fetchall())
    assert counts == {"run-1": 3, "run-2": 3, "run-3": 3, "run-4": 1, "run-5": 1}
    con.close()


# --- the run-failure alert -------------------------------------------------------------------


@dg.op
def load_orders():
    raise RuntimeError("landing folder unreadable")


@dg.job
def kpi_pipeline_that_fails():
    load_orders()


def test_run_failure_alert_from_a_real_failed_run(monkeypatch):
    from orchestration.pipeline import alert_run_failure

    result = kpi_pipeline_that_fails.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    with Receiver() as rx:
        monkeypatch.setenv(WEBHOOK_ENV, rx.url)
        assert alert_run_failure(result) is True
    alert = rx.posts[0]
    assert alert["kpi_alert"]["kind"] == "run_failure"
    assert alert["kpi_alert"]["job"] == "kpi_pipeline_that_fails"
    assert alert["kpi_alert"]["run_id"] == result.run_id
    assert alert["kpi_alert"]["failed_steps"] == ["load_orders"]
    assert "landing folder unreadable" in alert["text"]


def test_run_failure_sensor_posts_for_ui_runs_and_leaves_kpi_run_alone(monkeypatch):
    from orchestration.defs.automation import kpi_run_failure_alert

    instance = dg.DagsterInstance.ephemeral()
    with Receiver() as rx:
        monkeypatch.setenv(WEBHOOK_ENV, rx.url)
        for tags in ({"kpi/trigger": "schedule"}, {"kpi/launched_by": "kpi run"}):
            result = kpi_pipeline_that_fails.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
            context = dg.build_run_status_sensor_context(
                sensor_name="kpi_run_failure_alert",
                dagster_instance=instance,
                dagster_run=result.dagster_run,
                dagster_event=result.get_run_failure_event(),
            ).for_run_failure()
            kpi_run_failure_alert(context)
    assert len(rx.posts) == 1  # the `kpi run` one alerts from run_pipeline, not from the sensor
    assert rx.posts[0]["kpi_alert"]["source"] == "schedule"
    assert rx.posts[0]["kpi_alert"]["failed_steps"] == ["load_orders"]


# --- the alerts asset, in a real run ---------------------------------------------------------


def test_alerts_asset_posts_failed_input_checks_and_transitions(tmp_path, monkeypatch):
    from orchestration.defs.monitoring import alerts

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("KPI_HOME", str(home))
    monkeypatch.setenv("KPI_AS_OF", AS_OF.isoformat())
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        _scorecard(con, [("revenue", "month", dt.date(2026, 3, 1), "off_track", "behind plan")])

    # a real raw_orders asset whose table-level check fails with ERROR (not blocking), as in defs/ingest.py
    @dg.asset(
        key="raw_orders",
        check_specs=[dg.AssetCheckSpec("table_usable", asset="raw_orders")],
        partitions_def=AS_OF_PARTITIONS,
    )
    def raw_orders():
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(
                    check_name="table_usable",
                    passed=False,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={"reason": "folder missing"},
                )
            ]
        )

    with Receiver() as rx:
        monkeypatch.setenv(WEBHOOK_ENV, rx.url)
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            [raw_orders, alerts],
            instance=instance,
            resources={"kpi": KpiRunSettings.from_environment()},
            partition_key=AS_OF.isoformat(),
        )
        assert result.success
        kinds = [p["kpi_alert"]["kind"] for p in rx.posts]
        assert sorted(kinds) == ["input_check_failed", "scorecard_transition"]
        checks = next(p for p in rx.posts if p["kpi_alert"]["kind"] == "input_check_failed")
        assert checks["kpi_alert"]["tables"] == ["raw_orders"] and "folder missing" in checks["text"]
        moved = next(p for p in rx.posts if p["kpi_alert"]["kind"] == "scorecard_transition")
        assert moved["kpi_alert"]["transitions"][0]["kpi_id"] == "revenue"

        # the next run: same status, no new transition alert; muted runs post nothing
        rx.posts.clear()
        assert dg.materialize(
            [alerts],
            instance=instance,
            resources={"kpi": KpiRunSettings.from_environment()},
            partition_key=AS_OF.isoformat(),
        ).success
        assert rx.posts == []
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            _scorecard(con, [("revenue", "month", dt.date(2026, 3, 1), "unmeasurable", "orders missing")])
        assert dg.materialize(
            [raw_orders, alerts],
            instance=instance,
            tags={"kpi/alerts": "off"},
            resources={"kpi": KpiRunSettings.from_environment()},
            partition_key=AS_OF.isoformat(),
        ).success
        assert rx.posts == []
    metadata = result.asset_materializations_for_node("alerts")[0].metadata
    assert metadata["input_checks_failed"].value == 1 and metadata["scorecard_transitions"].value == 1


@pytest.fixture(autouse=True)
def _no_webhook_by_default(monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
