"""Run the pipeline job in this process against a home's Dagster instance, and sum it up."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from orchestration.lib.instance import prepare_dagster_home
from orchestration.lib.settings import AS_OF_TAG, Home, parse_as_of

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_pipeline(
    home: Home,
    tags: dict[str, str] | None = None,
    landing: Path | None = None,
    as_of: dt.date | None = None,
    instance=None,
) -> bool:
    """Materialize every asset (ingestion, checks, dbt, targets, publish); True on success.
    `landing` (default: $KPI_LANDING_DIR, else <home>/landing) and `as_of` (default: the `kpi/as_of`
    tag, else $KPI_AS_OF, else yesterday) go into the run's config (the `kpi` resource); the as-of
    date is the run's partition key. `instance`: the Dagster instance that records the run (default:
    the home's, under <home>/dagster, which the UI shows); a test that only compares what a run
    publishes may pass `DagsterInstance.ephemeral()`, which skips writing about 850 events of a run
    to SQLite (a third of a small night)."""
    prepare_dagster_home(home)
    import dagster as dg

    from orchestration.definitions import PIPELINE_JOB, defs
    from orchestration.defs.monitoring import LAUNCHED_BY_TAG
    from orchestration.defs.resources import KpiRunSettings

    as_of = as_of or parse_as_of((tags or {}).get(AS_OF_TAG) or os.environ.get("KPI_AS_OF"))
    settings = KpiRunSettings(home=str(home.root), landing=str(landing or home.landing), as_of=as_of.isoformat())

    job = defs.resolve_job_def(PIPELINE_JOB)
    # The tag tells the run-failure sensor (if a daemon is up) that this process alerts by itself.
    run_tags = {LAUNCHED_BY_TAG: "kpi run", **(tags or {})}
    with contextlib.nullcontext(instance) if instance is not None else dg.DagsterInstance.get() as run_instance:
        run_config = {**QUIET_LOGS, **settings.as_run_config()}
        result = job.execute_in_process(
            instance=run_instance,
            run_config=run_config,
            partition_key=as_of.isoformat(),
            raise_on_error=False,
            tags=run_tags,
        )
    if not result.success:
        alert_run_failure(result, source=run_tags[LAUNCHED_BY_TAG])
        failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        for event in failed:
            print(f"step {event.step_key} failed: {event.event_specific_data.error.message.strip()}")
        print(
            "kpi run: the pipeline failed; the step above says why. Fix it and run again (the run is safe to repeat)."
        )
    return result.success


def alert_run_failure(result, source: str = "kpi run") -> bool:
    """The run-failure alert of an in-process run (`result`: its ExecuteInProcessResult); never raises."""
    from orchestration.defs.monitoring import alert_failed_run

    return alert_failed_run(result.dagster_run.job_name, result.run_id, result.all_events, source=source, log=print)


def print_summary(home: Home, seconds: float) -> None:

    import duckdb

    from orchestration.lib.ingest import skipped_since, utc_now

    skipped = skipped_since(home, utc_now() - dt.timedelta(seconds=seconds + 1))

    if not home.serving.exists():
        print("kpi run: nothing was published")
        return
    con = duckdb.connect(str(home.serving), read_only=True)
    try:
        kpis, values, first, last = con.execute(
            "select count(distinct kpi_id), count(*), min(period_start), max(period_start) from kpi.kpi_values"
            " where grain = 'month'"
        ).fetchone()
        unmeasurable = con.execute(
            "select kpi_id, count(*) from kpi.kpi_values where not is_measurable group by kpi_id order by kpi_id"
        ).fetchall()
        rejected = con.execute("select count(*) from kpi.rejected_files").fetchone()[0]
        quarantined = con.execute("select count(*) from kpi.quarantine").fetchone()[0]
        drift = con.execute("select count(distinct table_name || file_name) from kpi.schema_drift").fetchone()[0]
    finally:
        con.close()
    print()
    if not values:
        print(
            f"Published no KPI value to {home.serving} in {seconds:.1f} s: no table had an accepted row "
            "with a date (see kpi.rejected_files and kpi.quarantine for why)"
        )
        return
    print(f"Published {kpis} KPIs, months {first} .. {last}, to {home.serving} in {seconds:.1f} s")
    print(f"  quarantined rows: {quarantined}, rejected files: {rejected} (see kpi.quarantine, kpi.rejected_files)")
    if drift:
        print(f"  files with extra columns (ignored): {drift} (see kpi.schema_drift)")
    if skipped:
        print(f"  skipped, not read (reported once): {len(skipped)}")
        for name, why in skipped[:10]:
            print(f"    {name}: {why}")
    if unmeasurable:
        listed = ", ".join(f"{k} ({n})" for k, n in unmeasurable[:12])
        more = f" and {len(unmeasurable) - 12} more" if len(unmeasurable) > 12 else ""
        print(f"  unmeasurable values (KPI, count of grain×periods): {listed}{more}")
    else:
        print("  every value is measurable")
