"""The KPI arithmetic, next to each model: dbt's own unit tests (`unit_tests:` in each KPI
folder's `_<domain>__unit_tests.yml`, given rows of the model's direct inputs and expected
values computed by hand) run here with `dbt test --select test_type:unit`.

dbt reads the column types of a unit test's inputs from the warehouse, so they run over a copy
of the shared demo build's warehouse; the given rows replace the inputs, so the demo's data
never reaches them. The nightly build leaves them out (`--exclude-resource-type unit_test`).
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import Build

from orchestration.lib.dbt_manifest import prepared_manifest
from orchestration.lib.dbt_runner import run_dbt
from orchestration.lib.settings import DBT_PROJECT_DIR


def _manifest() -> dict:
    return json.loads(prepared_manifest().read_text())


def _kpi_models(manifest: dict) -> set[str]:
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/kpis/")
    }


def test_every_kpi_model_has_a_dbt_unit_test():
    manifest = _manifest()
    tested = {test["model"] for test in manifest["unit_tests"].values()}
    kpis = _kpi_models(manifest)
    assert len(kpis) == 50
    assert sorted(kpis - tested) == []


@pytest.fixture(scope="module")
def unit_test_results(demo_build: Build, tmp_path_factory) -> list:
    root = tmp_path_factory.mktemp("dbt_unit_tests")
    # the same file name: the views of the copy name their catalog after it
    warehouse = root / demo_build.home.joinpath("warehouse.duckdb").name
    shutil.copyfile(demo_build.home / "warehouse.duckdb", warehouse)
    mp = pytest.MonkeyPatch()
    mp.setenv("KPI_WAREHOUSE_PATH", str(warehouse))
    try:
        return list(run_dbt(["test", "--select", "test_type:unit"], DBT_PROJECT_DIR, root / "dbt_target"))
    finally:
        mp.undo()


def test_the_dbt_unit_tests_pass(unit_test_results):
    results = [r for r in unit_test_results if r.unique_id.startswith("unit_test.")]
    assert len(results) == len(_manifest()["unit_tests"]) >= 50
    failed = [f"{r.unique_id}: {r.status}: {r.message}" for r in results if r.status != "pass"]
    assert not failed, "\n".join(failed)


def test_a_wrong_expectation_fails(demo_build: Build, tmp_path):
    """The check can fail: a copy of the project with one expected value changed by a cent."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    tests_yml = project / "models" / "kpis" / "financial" / "_financial__unit_tests.yml"
    text = tests_yml.read_text()
    assert "month,2026-10-01,120.75,true,1" in text
    tests_yml.write_text(text.replace("month,2026-10-01,120.75,true,1", "month,2026-10-01,120.74,true,1"))
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_build.home / "warehouse.duckdb", warehouse)
    mp = pytest.MonkeyPatch()
    mp.setenv("KPI_WAREHOUSE_PATH", str(warehouse))
    try:
        select = ["test", "--select", "kpi_revenue,test_type:unit"]
        results = [r for r in run_dbt(select, project, tmp_path / "dbt_target") if r.unique_id.startswith("unit_test.")]
    finally:
        mp.undo()
    assert [(r.unique_id.rsplit(".", 1)[-1], r.status) for r in results] == [
        ("revenue_sums_the_days_of_each_period", "fail")
    ]
