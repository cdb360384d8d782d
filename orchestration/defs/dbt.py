"""The dbt project as Dagster assets: staging, intermediate, KPI and mart models.

Group names follow the dbt folder (staging, intermediate, kpis, outputs), and the raw
sources map onto the ingestion assets `raw_<table>`, so the graph runs from the landing
zone to the published outputs without a name written twice.
"""

import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.lib.dbt_manifest import dbt_executable, ensure_manifest, write_run_context
from orchestration.lib.settings import DBT_PROJECT_DIR, Home, as_of_from_env, quarantine_threshold

MANIFEST_PATH = ensure_manifest()

_FOLDER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "kpis": "kpis", "marts": "outputs"}


class KpiDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == "meta":
                return dg.AssetKey(f"meta_{dbt_resource_props['name']}")
            return dg.AssetKey(f"raw_{dbt_resource_props['name']}")
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        return _FOLDER_GROUPS.get(folder, "kpis")


def dbt_vars() -> str:
    return json.dumps({"quarantine_threshold": quarantine_threshold()})


@dbt_assets(
    manifest=MANIFEST_PATH,
    dagster_dbt_translator=KpiDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def kpi_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build every dbt model and run its data tests against the warehouse of this home."""
    home = Home.from_env().ensure()
    os.environ["KPI_WAREHOUSE_PATH"] = str(home.warehouse)
    as_of = as_of_from_env()
    write_run_context(home.warehouse, as_of)
    context.log.info(f"dbt build on {home.warehouse} as of {as_of}")
    # A stable target folder per home keeps dbt's artifacts out of the repository and lets
    # each night reuse the previous night's partial parse.
    target = home.root / "dbt_target"
    yield from dbt.cli(["build", "--vars", dbt_vars()], context=context, target_path=target).stream()


dbt_resource = DbtCliResource(
    project_dir=str(DBT_PROJECT_DIR),
    profiles_dir=str(DBT_PROJECT_DIR),
    dbt_executable=dbt_executable(),
)

defs = dg.Definitions(assets=[kpi_dbt_models], resources={"dbt": dbt_resource})
