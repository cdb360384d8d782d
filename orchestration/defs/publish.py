"""The last step: publish values, catalog, targets, scorecard, bridges and data quality."""

import dagster as dg

from orchestration.lib.settings import Home

_PUBLISHED_FROM = ["kpi_values", "kpi_catalog", "revenue_bridge", "mrr_bridge", "kpi_targets", "kpi_scorecard",
                   "ingestion_summary"]


@dg.asset(
    group_name="outputs",
    deps=[dg.AssetKey(k) for k in _PUBLISHED_FROM],
    description="Copies the kpi.* tables of kpis.md into serving.duckdb (atomically) and exports/*.parquet.",
)
def published_outputs(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    import pandas as pd

    from orchestration.lib.publish import publish
    from orchestration.lib.targets import catalog_fields

    home = Home.from_env().ensure()
    fields = catalog_fields()
    frame = pd.DataFrame(
        [{"kpi_id": k, "owner": v.get("owner"), "aligns_to": v.get("aligns_to")} for k, v in fields.items()],
        columns=["kpi_id", "owner", "aligns_to"],
    ).astype("string")
    counts = publish(home.warehouse, home.serving, home.exports, frame)
    context.log.info(f"published {counts} to {home.serving}")
    return dg.MaterializeResult(
        metadata={
            "serving_database": dg.MetadataValue.path(str(home.serving)),
            "exports": dg.MetadataValue.path(str(home.exports)),
            **{f"rows_{k}": dg.MetadataValue.int(v) for k, v in counts.items()},
        }
    )


defs = dg.Definitions(assets=[published_outputs])
