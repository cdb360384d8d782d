"""The Dagster code location: everything under orchestration/defs, gathered in one place."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import automation, dbt, ingest, monitoring, publish, quality, targets
from orchestration.defs.resources import RESOURCE_KEY, KpiRunSettings
from orchestration.lib.instance import WAREHOUSE_TAG

PIPELINE_JOB = automation.PIPELINE_JOB

kpi_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Landing zone → raw tables (GX-guarded) → dbt KPIs → targets and scorecard → serving database "
    "→ alerts. As-of date: the run's daily partition (a backfill is a partition backfill). Home and landing "
    "zone: the `kpi` resource's config (Launchpad: resources.kpi; defaults from KPI_HOME, KPI_LANDING_DIR).",
    # One process, one step at a time: DuckDB allows a single writer on the warehouse file.
    executor_def=dg.in_process_executor,
    # The run queue admits one run with this tag at a time (lib/instance.py): one writer on the warehouse.
    tags={WAREHOUSE_TAG: "write"},
)

# One Definitions object at module scope (`dagster dev -m` refuses two). automation: the nightly
# schedule, the landing-zone sensor and the run-failure alert, which refer to the job by name.
defs = dg.Definitions.merge(
    ingest.defs,
    quality.defs,
    dbt.defs,
    targets.defs,
    publish.defs,
    monitoring.defs,
    automation.defs,
    # the home, landing zone and as-of date of a run, in its run config (defs/resources.py)
    dg.Definitions(jobs=[kpi_pipeline], resources={RESOURCE_KEY: KpiRunSettings.from_environment()}),
)
