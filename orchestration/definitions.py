"""The Dagster code location: everything under orchestration/defs, gathered in one place."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import dbt, ingest, publish, quality, targets

PIPELINE_JOB = "kpi_pipeline"

_parts = dg.Definitions.merge(ingest.defs, quality.defs, dbt.defs, targets.defs, publish.defs)

kpi_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Landing zone → raw tables (GX-guarded) → dbt KPIs → targets and scorecard → serving database.",
    # One process, one step at a time: DuckDB allows a single writer on the warehouse file.
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions.merge(_parts, dg.Definitions(jobs=[kpi_pipeline]))
