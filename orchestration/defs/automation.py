"""It runs itself: the nightly schedule, the landing-zone sensor and the run-failure alert.

- `kpi_nightly` runs `kpi_pipeline` at 02:00 UTC (cron in $KPI_NIGHTLY_CRON) for the daily
  partition (the as-of date) of the day before the scheduled time, also tagged `kpi/as_of`, so
  a late or re-executed nightly run still computes the same day.
- `landing_zone_sensor` starts `kpi_pipeline` when files are added to or changed in the
  landing zone. Its cursor is a fingerprint of names, sizes and modification times (no
  file is read); it waits until no file changed for $KPI_LANDING_SETTLE_SECONDS (default
  60) so a half-copied drop does not start a run. The first evaluation only records the
  fingerprint (the nightly run picks up whatever was there before).
- `kpi_run_failure_alert` posts the run-failure alert for runs started by the daemon or
  the UI (runs of `kpi run` / `kpi backfill` alert from orchestration/pipeline.run_pipeline).

All three are on by default (`dagster dev`, i.e. `kpi ui`, runs the daemon). One run at a
time on the warehouse is enforced by the instance's run queue (lib/instance.py).
"""

import datetime as dt
import os

import dagster as dg

from orchestration.defs.monitoring import LAUNCHED_BY_TAG, alert_failed_run
from orchestration.lib.settings import AS_OF_TAG, Home, parse_as_of

PIPELINE_JOB = "kpi_pipeline"
DEFAULT_NIGHTLY_CRON = "0 2 * * *"


def nightly_cron() -> str:
    """The nightly cron ($KPI_NIGHTLY_CRON), checked the way Dagster checks a schedule's."""
    cron = os.environ.get("KPI_NIGHTLY_CRON", "").strip() or DEFAULT_NIGHTLY_CRON
    try:
        dg.ScheduleDefinition(name="cron_check", cron_schedule=cron, job_name=PIPELINE_JOB)
    except (dg.DagsterInvalidDefinitionError, ValueError, TypeError):
        raise ValueError(
            f"KPI_NIGHTLY_CRON={cron!r} is not a cron expression (e.g. {DEFAULT_NIGHTLY_CRON!r})"
        ) from None
    return cron


def settle_seconds() -> float:
    return float(os.environ.get("KPI_LANDING_SETTLE_SECONDS", "60"))


@dg.schedule(
    cron_schedule=nightly_cron(),
    job_name=PIPELINE_JOB,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly run of the whole pipeline (cron $KPI_NIGHTLY_CRON, default 02:00 UTC); "
    "as-of date = the day before the scheduled time.",
)
def kpi_nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    scheduled = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    as_of = (scheduled.astimezone(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(partition_key=as_of, tags={AS_OF_TAG: as_of, "kpi/trigger": "schedule"})


@dg.sensor(
    job_name=PIPELINE_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts kpi_pipeline when files land in (or change in) the landing zone. Cursor: a "
    "fingerprint of file names, sizes and modification times; never reads a file.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext):
    from orchestration.lib.landing_watch import landing_state

    landing = Home.from_env().landing
    state = landing_state(landing)
    if context.cursor is None:
        context.update_cursor(state.fingerprint)
        return dg.SkipReason(f"first look at {landing}: {state.files} file(s); fingerprint recorded")
    if state.fingerprint == context.cursor:
        return dg.SkipReason(f"no new or changed files in {landing} ({state.files} file(s))")
    if not state.settled(settle_seconds()):
        return dg.SkipReason(f"files in {landing} changed less than {settle_seconds():.0f} s ago; waiting")
    context.update_cursor(state.fingerprint)
    # the day of the run: $KPI_AS_OF of the daemon's environment, else yesterday (UTC)
    return dg.RunRequest(
        run_key=f"landing-{state.fingerprint}",
        partition_key=parse_as_of(os.environ.get("KPI_AS_OF")).isoformat(),
        tags={"kpi/trigger": "landing_zone_sensor", "kpi/landing_files": str(state.files)},
    )


@dg.run_failure_sensor(
    name="kpi_run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a Slack-compatible alert to $KPI_ALERT_WEBHOOK_URL when a run of this code "
    "location fails (runs of `kpi run` alert by themselves).",
)
def kpi_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    if run.tags.get(LAUNCHED_BY_TAG):
        context.log.info(f"run {run.run_id} was started by {run.tags[LAUNCHED_BY_TAG]}, which alerts by itself")
        return
    events = [r.dagster_event for r in context.instance.all_logs(run.run_id) if r.dagster_event]
    source = run.tags.get("kpi/trigger") or ("schedule" if run.tags.get("dagster/schedule_name") else "UI")
    alert_failed_run(run.job_name, run.run_id, events, source=source, log=context.log.info)


defs = dg.Definitions(schedules=[kpi_nightly], sensors=[landing_zone_sensor, kpi_run_failure_alert])
