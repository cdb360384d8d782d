"""The dbt project: its DbtProject, how its manifest is prepared, and the run's as-of date.

dagster-dbt's `DbtProject` is the one description of the project. Its manifest is prepared
(`dbt parse`) when the project is installed (`make install`), by `kpi ui` (`dagster dev`:
`prepare_if_dev`), and whenever it is missing; never by a nightly run. A run builds with dbt's
partial parsing in the home's own target folder, so a model edited since the last preparation
is still built as it is now (`make install` refreshes the asset graph).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR

PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _dbt_on_path() -> None:
    # dagster-dbt's preparer starts the `dbt` of PATH: this environment's
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def prepared_manifest() -> Path:
    """The manifest of the project, prepared now if it has never been (a fresh clone)."""
    _dbt_on_path()
    PROJECT.prepare_if_dev()
    if not PROJECT.manifest_path.exists():
        PROJECT.preparer.prepare(PROJECT)
    return PROJECT.manifest_path


def mart_models(manifest_path: Path | None = None) -> list[str]:
    """The models of the project's marts folder (models/marts/), from the manifest: the dbt
    outputs that are published (kpi_values, kpi_catalog, the bridges), never a list kept by hand."""
    import json

    manifest = json.loads((manifest_path or prepared_manifest()).read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    )


def write_run_context(warehouse: Path, as_of) -> None:
    """Record the run's as-of date where the dbt models read it (meta.run_context)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists meta")
        con.execute("create or replace table meta.run_context as select cast(? as date) as as_of", [str(as_of)])
    finally:
        con.close()


if __name__ == "__main__":  # `make install`: prepare the manifest once
    _dbt_on_path()
    PROJECT.preparer.prepare(PROJECT)
    print(f"dbt manifest: {PROJECT.manifest_path}")
