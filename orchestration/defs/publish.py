"""The last step: publish values, catalog, targets, scorecard, bridges and data quality."""

import dagster as dg

from orchestration.defs.keys import meta_key
from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.defs.targets import kpi_scorecard, kpi_targets
from orchestration.lib.dbt_manifest import mart_models
from orchestration.lib.settings import Home

#: what the serving database is published from: the dbt marts (read from the manifest), the
#: targets and scorecard, and the ingestion bookkeeping
_PUBLISHED_FROM = [
    *[dg.AssetKey(name) for name in mart_models()],
    kpi_targets.key,
    kpi_scorecard.key,
    meta_key("table_status"),
    meta_key("quarantine"),
]


@dg.asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="outputs",
    deps=_PUBLISHED_FROM,
    description=(
        "Write-audit-publish of the kpi.* tables of kpis.md: written to a new file, audited (row "
        "counts, unique keys, bridge identities, this run's dbt tests, no KPI lost all its rows), then "
        "renamed over serving.duckdb and exported to exports/*.parquet; a failed audit keeps the "
        "previous publish and fails the run."
    ),
)
def published_outputs(context: dg.AssetExecutionContext, kpi: KpiRunSettings) -> dg.MaterializeResult:
    import pandas as pd

    from orchestration.lib.ingest import audit
    from orchestration.lib.publish import publish
    from orchestration.lib.targets import catalog_fields

    home = kpi.get_home().ensure()
    # nothing is published that Great Expectations has not validated (and agreed with)
    audit(home, context.run_id, log=context.log.info)
    fields = catalog_fields()
    frame = pd.DataFrame(
        [{"kpi_id": k, "owner": v.get("owner"), "aligns_to": v.get("aligns_to")} for k, v in fields.items()],
        columns=["kpi_id", "owner", "aligns_to"],
    ).astype("string")
    counts = publish(
        home.warehouse, home.serving, home.exports, frame, home.dbt_target / "run_results.json", log=context.log.warning
    )
    context.log.info(f"published {counts} to {home.serving}")
    month, preview = latest_month_preview(home)
    return dg.MaterializeResult(
        metadata={
            "serving_database": dg.MetadataValue.path(str(home.serving)),
            "exports": dg.MetadataValue.path(str(home.exports)),
            "dagster/row_count": dg.MetadataValue.int(counts.get("kpi_values", 0)),
            **{f"rows_{k}": dg.MetadataValue.int(v) for k, v in counts.items()},
            "latest_month": month or "none",
            "latest_month_values": dg.MetadataValue.md(preview),
        }
    )


def latest_month_preview(home: Home) -> tuple[str | None, str]:
    """(month, markdown table of kpi_id, value, is_measurable) of the latest month in kpi.kpi_values."""
    import duckdb

    with duckdb.connect(str(home.serving), read_only=True) as con:
        rows = con.execute(
            "select cast(period_start as varchar), kpi_id, value, is_measurable from kpi.kpi_values"
            " where grain = 'month' and period_start = (select max(period_start) from kpi.kpi_values"
            " where grain = 'month') order by kpi_id"
        ).fetchall()
    if not rows:
        return None, "_no monthly values_"
    lines = [f"Month starting {rows[0][0]}", "", "| kpi_id | value | is_measurable |", "|---|---:|---|"]
    lines += [f"| {k} | {'' if v is None else f'{v:,.4g}'} | {m} |" for _, k, v, m in rows]
    return rows[0][0], "\n".join(lines)


@dg.asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="outputs",
    deps=[published_outputs],
    description=(
        "The scorecard report of the run's as-of date: <home>/reports/scorecard-<as_of>.html, one "
        "self-contained HTML file (statuses, a card per targeted KPI against its target path, the KPI "
        "tree, the bridges as waterfalls beside the planned allocation, data quality, trends), every "
        "number read from serving.duckdb."
    ),
)
def scorecard_report(context: dg.AssetExecutionContext, kpi: KpiRunSettings) -> dg.MaterializeResult:
    from orchestration.lib.report import write_report

    home = kpi.get_home()
    path = write_report(home.serving, home.reports, kpi.as_of_date(context))
    context.log.info(f"report: {path}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "bytes": dg.MetadataValue.int(path.stat().st_size)}
    )


defs = dg.Definitions(assets=[published_outputs, scorecard_report])
