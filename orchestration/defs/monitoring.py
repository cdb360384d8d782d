"""What the UI and the on-call person see: freshness checks on the raw tables, the `alerts`
asset, and the run-failure alert used by both the run-failure sensor and `kpi run`.

- `raw_freshness` (one multi-asset check, check `fresh` on every `raw_<table>` that has a
  cadence in lib/freshness.py): the table's latest event date against the run's as-of
  date. Severity WARN, not blocking: stale data is reported, it does not stop the KPIs.
- `alerts` (group outputs, after `kpi_scorecard` and every raw table): posts one alert
  when a table-level input check (`table_usable`, ERROR) failed in this run, and one when
  KPIs turned off_track or unmeasurable since the previous run (history in
  meta.scorecard_status_history). It is an asset so it fires in the in-process `kpi run`
  as much as in runs started by the schedule, the sensor or the UI.
- `alert_failed_run(...)`: the run-failure alert (the failed steps and any failed ERROR
  checks), called by the run-failure sensor (defs/automation.py) and by
  orchestration/pipeline.run_pipeline.
"""

import os
from collections.abc import Iterable

import dagster as dg

from orchestration.defs.keys import RAW_PREFIX, raw_key
from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.lib import contract as ct
from orchestration.lib.alerts import WEBHOOK_ENV, post_alert, record_scorecard_statuses, transitions_text
from orchestration.lib.freshness import CADENCES, checked_tables

FRESHNESS_CHECK = "fresh"
#: the table-level input check of every raw_<table> (defs/ingest.py); an ERROR failure alerts
TABLE_CHECK = "table_usable"
#: runs carrying this tag with value "off" record statuses but post no transition/check alerts
ALERTS_TAG = "kpi/alerts"
#: runs started in process by `kpi run` / `kpi backfill` carry it; the sensor leaves them to run_pipeline
LAUNCHED_BY_TAG = "kpi/launched_by"


# --- freshness ---------------------------------------------------------------------------


def _freshness_spec(table: str) -> dg.AssetCheckSpec:
    cadence = CADENCES[table]
    t = ct.TABLES[table]
    column = t.event_date or f"{t.event_date_via[1]}.{t.event_date_via[2]}"
    return dg.AssetCheckSpec(
        FRESHNESS_CHECK,
        asset=raw_key(table),
        description=(
            f"Fresh: the latest {column} on or before the run's as-of date is at most "
            f"{cadence.max_lag_days} day(s) old (expected cadence: {cadence.every}). WARN, not blocking."
        ),
        blocking=False,
    )


@dg.multi_asset_check(
    name="raw_freshness",
    specs=[_freshness_spec(t) for t in checked_tables()],
    can_subset=True,
    description="Per raw table: its latest event date against the run's as-of date (cadences in lib/freshness.py).",
)
def raw_freshness(context: dg.AssetCheckExecutionContext, kpi: KpiRunSettings):
    import duckdb

    from orchestration.lib.freshness import warehouse_freshness

    as_of = kpi.as_of_date(context)
    home = kpi.get_home()
    with duckdb.connect(str(home.warehouse)) as con:
        results = warehouse_freshness(con, as_of)
    selected = context.selected_asset_check_keys
    for table in checked_tables():
        key = dg.AssetCheckKey(raw_key(table), FRESHNESS_CHECK)
        if key not in selected:
            continue
        f = results.get(table)
        if f is None:
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=FRESHNESS_CHECK,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"as_of": as_of.isoformat(), "reason": f"raw.{table} does not exist yet"},
            )
            continue
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=FRESHNESS_CHECK,
            passed=f.is_fresh,
            severity=dg.AssetCheckSeverity.WARN,
            description=f.message,
            metadata={
                "as_of": as_of.isoformat(),
                "latest_event_date": f.latest.isoformat() if f.latest else "none",
                "lag_days": f.lag_days if f.lag_days is not None else -1,
                "max_lag_days": f.cadence.max_lag_days,
                "cadence": f.cadence.every,
                "rows_after_as_of": f.rows_after_as_of,
            },
        )


# --- the failure of a run ----------------------------------------------------------------


def failed_error_checks(events: Iterable) -> list[tuple[str, str, str]]:
    """(asset, check, description) of every ERROR-severity check that failed, from Dagster events."""
    out = []
    for event in events:
        if getattr(event, "event_type_value", None) != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        reason = evaluation.metadata.get("reason")
        text = reason.value if reason is not None else (evaluation.description or "")
        out.append((evaluation.asset_key.to_user_string(), evaluation.check_name, str(text)))
    return out


def failed_steps(events: Iterable) -> list[tuple[str, str]]:
    out = []
    for event in events:
        if getattr(event, "event_type_value", None) == "STEP_FAILURE":
            error = event.event_specific_data.error
            while error is not None and error.cause is not None:  # the user's exception, not Dagster's wrapper
                error = error.cause
            message = error.message.strip() if error is not None else ""
            out.append((event.step_key, message.splitlines()[0][:300] if message else "failed"))
    return out


def alert_failed_run(job_name: str, run_id: str, events: Iterable, *, source: str, log=None) -> bool:
    """Post the run-failure alert. `events`: the run's DagsterEvents (never raises)."""
    try:
        events = list(events)
        steps = failed_steps(events)
        checks = failed_error_checks(events)
        lines = [f":x: {job_name} failed (run {run_id[:8]}, {source})"]
        lines += [f"• step {step}: {message}" for step, message in steps[:10]]
        lines += [f"• check {asset}:{check} failed (ERROR): {why}" for asset, check, why in checks[:10]]
        if not steps and not checks:
            lines.append("• no step failure recorded: see the run's logs in the Dagster UI")
        fields = {
            "job": job_name,
            "run_id": run_id,
            "source": source,
            "failed_steps": [s for s, _ in steps],
            "failed_checks": [f"{a}:{c}" for a, c, _ in checks],
        }
        return post_alert("run_failure", "\n".join(lines), fields, log=log)
    except Exception as exc:
        (log or print)(f"kpi alert [run_failure]: could not build the alert ({exc!r})")
        return False


# --- the alerts asset --------------------------------------------------------------------


@dg.asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="outputs",
    deps=[dg.AssetKey("kpi_scorecard"), *[raw_key(t) for t in ct.TABLES]],
    kinds={"python", "slack"},
    description=(
        "Posts alerts to $KPI_ALERT_WEBHOOK_URL (Slack-compatible JSON; logged only without it): "
        "table-level input checks (table_usable, ERROR) that failed in this run, and KPIs whose "
        "scorecard status turned off_track or unmeasurable since the previous run "
        "(meta.scorecard_status_history)."
    ),
)
def alerts(context: dg.AssetExecutionContext, kpi: KpiRunSettings) -> dg.MaterializeResult:
    import duckdb

    as_of = kpi.as_of_date(context)
    muted = context.run.tags.get(ALERTS_TAG) == "off"
    say = context.log.info

    # 1. input checks of this run (events already in the instance's event log)
    records = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    failed_checks = [
        c
        for c in failed_error_checks(r.dagster_event for r in records if r.dagster_event)
        if c[0].startswith(RAW_PREFIX) and c[1] == TABLE_CHECK
    ]

    # 2. scorecard transitions against the previous run
    with duckdb.connect(str(kpi.get_home().warehouse)) as con:
        has_scorecard = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'kpi_scorecard'"
        ).fetchone()[0]
        transitions = record_scorecard_statuses(con, context.run_id, as_of) if has_scorecard else []

    sent = {"input_checks": False, "scorecard": False}
    if failed_checks and not muted:
        text = "\n".join(
            [f":rotating_light: {len(failed_checks)} raw table(s) unusable (as of {as_of}, run {context.run_id[:8]})"]
            + [f"• {asset}: {why}" for asset, _, why in failed_checks]
        )
        sent["input_checks"] = post_alert(
            "input_check_failed",
            text,
            {"run_id": context.run_id, "as_of": as_of, "tables": [a for a, _, _ in failed_checks]},
            log=say,
        )
    if transitions and not muted:
        sent["scorecard"] = post_alert(
            "scorecard_transition",
            transitions_text(transitions, as_of),
            {
                "run_id": context.run_id,
                "as_of": as_of,
                "transitions": [
                    {
                        "kpi_id": t.kpi_id,
                        "grain": t.grain,
                        "period_start": t.period_start,
                        "previous": t.previous,
                        "status": t.status,
                        "reason": t.reason,
                    }
                    for t in transitions
                ],
            },
            log=say,
        )
    if muted:
        say(
            f"alerts muted for this run ({ALERTS_TAG}=off): {len(failed_checks)} check(s), {len(transitions)} transition(s)"
        )
    table = ["| kpi_id | period | was | now | reason |", "|---|---|---|---|---|"] + [
        f"| {t.kpi_id} | {t.grain} {t.period_start} | {t.previous or '—'} | {t.status} | {t.reason or ''} |"
        for t in transitions
    ]
    return dg.MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "webhook_configured": bool(os.environ.get(WEBHOOK_ENV, "").strip()),
            "muted": muted,
            "input_checks_failed": len(failed_checks),
            "scorecard_transitions": len(transitions),
            "delivered_input_checks": sent["input_checks"],
            "delivered_scorecard": sent["scorecard"],
            "transitions": dg.MetadataValue.md(
                "\n".join(table) if transitions else "_no KPI turned off_track or unmeasurable_"
            ),
        }
    )


defs = dg.Definitions(assets=[alerts], asset_checks=[raw_freshness])
