"""The dbt semantic layer (models/semantic) is a valid MetricFlow semantic manifest, and every KPI
metric keeps the id of its KPI (issue 10: CI runs MetricFlow's own validation)."""

from __future__ import annotations

import json

from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtArtifacts
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

from orchestration.lib.dbt_manifest import prepared_manifest
from orchestration.lib.settings import DBT_PROJECT_DIR


def _semantic_manifest():
    prepared_manifest()  # dbt parse writes target/semantic_manifest.json beside the manifest
    return dbtArtifacts.build_semantic_manifest_from_dbt_project_root(DBT_PROJECT_DIR)


def test_metricflow_validates_the_semantic_manifest():
    results = SemanticManifestValidator().validate_semantic_manifest(_semantic_manifest())
    assert not results.errors, [str(e) for e in results.errors]


def test_every_kpi_metric_is_named_after_a_kpi_of_the_catalog():
    manifest = json.loads(prepared_manifest().read_text())
    kpi_ids = {
        node["config"]["meta"]["kpi"]["kpi_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("meta", {}).get("kpi")
    }
    metrics = [m for m in _semantic_manifest().metrics if (m.config and m.config.meta or {}).get("kpi")]
    assert len(metrics) >= 35, "issue 10: at least 35 of the KPIs are metrics"
    assert {m.name for m in metrics} <= kpi_ids, {m.name for m in metrics} - kpi_ids
