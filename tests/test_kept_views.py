"""A night keeps the warehouse's dbt views (they hold no data and do not depend on the day) as
long as the dbt project is the one of the home's last complete build, and re-creates all of
them after any change to the project; Dagster still records every asset of the run."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import copy_home, dbt_invoke

from orchestration.defs.dbt import KEEP_VIEWS_SELECTION, _manifest, _views_to_keep
from orchestration.lib.dbt_manifest import PROJECT, project_fingerprint, views
from orchestration.lib.publish import _semantic_inputs
from orchestration.lib.settings import Home
from orchestration.pipeline import run_pipeline


def _project_copy(tmp_path) -> Path:
    """A copy of the dbt project (without dbt's build folders) to change."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT.project_dir, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def test_the_fingerprint_changes_with_a_model_or_a_macro_and_only_then(tmp_path):
    project = _project_copy(tmp_path)
    same = project_fingerprint(project)
    assert same == project_fingerprint()
    (project / "target").mkdir()
    (project / "target" / "anything.json").write_text("{}")  # dbt's build folder is not the project
    assert project_fingerprint(project) == same

    view = project / "models" / "staging" / "stg_sales__orders.sql"
    view.write_text(view.read_text().replace("order_id,", "order_id, 1 as extra,", 1))
    assert project_fingerprint(project) != same
    shutil.copyfile(PROJECT.project_dir / "models" / "staging" / "stg_sales__orders.sql", view)
    assert project_fingerprint(project) == same

    macro = project / "macros" / "periods.sql"
    macro.write_text(macro.read_text() + "\n{# a comment #}\n")
    assert project_fingerprint(project) != same


def test_views_are_kept_only_with_the_same_project_and_all_of_them_in_the_warehouse(demo_build, tmp_path):
    home = Home(copy_home(demo_build, tmp_path / "home"))
    manifest = _manifest()
    every_view = views(manifest)
    assert len(every_view) > 40
    # the demo build was complete: its record holds this project's fingerprint
    assert _views_to_keep(home, manifest) == every_view

    record = home.dbt_built.read_text()
    home.dbt_built.write_text(json.dumps({"fingerprint": "another project"}))
    assert _views_to_keep(home, manifest) == {}
    home.dbt_built.unlink()
    assert _views_to_keep(home, manifest) == {}
    home.dbt_built.write_text(record)
    assert _views_to_keep(home, manifest) == every_view

    schema, name = every_view["model.kpi_layer.stg_sales__orders"]
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(f'drop view "{schema}"."{name}"')
    assert _views_to_keep(home, manifest) == {}


@pytest.mark.slow
def test_a_night_on_an_unchanged_project_builds_no_view_and_records_every_asset(demo_build, tmp_path, monkeypatch):
    home = Home(copy_home(demo_build, tmp_path / "home"))
    night = demo_build.as_of + dt.timedelta(days=1)
    monkeypatch.setenv("KPI_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))  # run_pipeline points it at the home
    monkeypatch.delenv("KPI_SERVING_PATH", raising=False)
    monkeypatch.delenv("KPI_ALERT_WEBHOOK_URL", raising=False)
    from dbt.cli.main import dbtRunner

    invoked = []  # (dbt command, whether it was handed a parsed manifest), as the night ran them
    original_invoke = dbtRunner.invoke

    def invoke(self, args, **kwargs):
        invoked.append((args[0], self.manifest is not None))
        return original_invoke(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", invoke)
    assert run_pipeline(home, tags={"kpi/alerts": "off"}, landing=demo_build.landing, as_of=night)
    # dbt parsed once, in the background while the files landed, and the build used that parse
    assert invoked == [("parse", False), ("build", True)]

    manifest = _manifest()
    built = {r["unique_id"] for r in json.loads((home.dbt_target / "run_results.json").read_text())["results"]}
    models = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert built & set(views(manifest)) == set()
    assert models - set(views(manifest)) <= built  # every table and incremental model was built
    # and every data test ran (one that reads a kept view too: the next test)
    data_tests = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    assert data_tests and data_tests <= built
    # the home's manifest is the one dbt's parse wrote this night, not written again after the
    # build (lib/dbt_runner._one_manifest_write): no compiled SQL, and the graph the publish reads
    home_manifest = json.loads((home.dbt_target / "manifest.json").read_text())
    assert not home_manifest["nodes"]["model.kpi_layer.kpi_values"].get("compiled_code")
    inputs = _semantic_inputs(home.dbt_target)
    sem = {n["name"] for n in manifest["nodes"].values() if n["name"].startswith("sem_")}
    assert sem and set(inputs) == sem and inputs["sem_orders"] >= {"orders"}

    from orchestration.definitions import PIPELINE_JOB, defs

    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs(limit=1)
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
        ).records
    materialized = {r.event_log_entry.dagster_event.asset_key for r in records}
    partitions = {r.event_log_entry.dagster_event.partition for r in records}
    job_assets = set(defs.resolve_job_def(PIPELINE_JOB).asset_layer.executable_asset_keys)
    assert job_assets and materialized == job_assets
    assert partitions == {night.isoformat()}


def test_a_night_that_keeps_the_views_runs_a_data_test_that_reads_one(tmp_path, monkeypatch):
    """A night that keeps the views selects every node that is not a view (KEEP_VIEWS_SELECTION)
    rather than excluding the views: dbt's exclusion drops the data tests of what it excludes too,
    and a data test that reads a KPI view would not run. No data test of the project reads a view
    today (assert_mrr_bridge_identity reads int_kpi_rows), so one is added to a copy of the
    project: the night's selection lists it and no view, the exclusion would not list it."""
    project = _project_copy(tmp_path)
    (project / "tests" / "assert_mrr_is_never_negative.sql").write_text(
        "select * from {{ ref('kpi_mrr') }} where value < 0\n"
    )
    monkeypatch.setenv("KPI_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))

    def listed(*selection: str) -> set[str]:
        return set(dbt_invoke(["ls", *selection, "--output", "name"], project, tmp_path).result)

    view_names = {name for _, name in views(_manifest()).values()}
    assert "kpi_mrr" in view_names
    kept = listed("--select", KEEP_VIEWS_SELECTION)
    assert "assert_mrr_is_never_negative" in kept and "int_kpi_rows" in kept
    assert not kept & view_names
    assert "assert_mrr_is_never_negative" not in listed("--exclude", "config.materialized:view")


def test_a_new_homes_first_build_reuses_the_prepared_partial_parse(demo_build):
    """`make install` parses the project once (with the build's vars); a new home's first dbt
    build starts from that parse, though its warehouse path differs (lib/dbt_runner.py)."""
    log = (demo_build.home / "dbt_target" / "dbt.log").read_text()
    assert "Found " in log and "Done. PASS=" in log  # the build's own log
    assert "Unable to do partial parsing" not in log, [line for line in log.splitlines() if "partial pars" in line]


def test_a_preloaded_parse_serves_once_and_only_the_run_it_was_parsed_for(tmp_path):
    from orchestration.lib.dbt_runner import _preloaded, preload_manifest

    target = tmp_path / "dbt_target"
    target.mkdir()
    shutil.copyfile(
        PROJECT.project_dir / PROJECT.target_path / "partial_parse.msgpack", target / "partial_parse.msgpack"
    )
    env = {"KPI_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")}
    preload_manifest(PROJECT.project_dir, target, "run-a", env=env)
    assert _preloaded(target, "run-b") is None  # another run's build parses again itself
    assert _preloaded(target, "run-a") is None  # the first ask used it up, whoever asked
    preload_manifest(PROJECT.project_dir, target, "run-a", env=env)
    manifest = _preloaded(target, "run-a")
    assert manifest is not None and "model.kpi_layer.kpi_values" in manifest.nodes
    assert _preloaded(target, "run-a") is None
