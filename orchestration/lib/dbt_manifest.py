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


def views(manifest: dict) -> dict[str, tuple[str, str]]:
    """The dbt models materialized as views: unique_id -> (schema, name) in the warehouse."""
    return {
        uid: (node["schema"], node.get("alias") or node["name"])
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "view"
    }


def raw_inputs(manifest: dict, models: list[str] | set[str]) -> dict[str, set[str]]:
    """model name -> the raw tables (sources in schema `raw`) it reads through dbt's graph: the
    inputs whose changes can change its rows. Names that are not models of `manifest` are left out.
    As dbt's raw_inputs_of (macros/kpi_graph.sql), the walk stops at a model marked
    `not_a_kpi_input` (the period spine reads every table only for its first day: `reading_spine`)."""
    nodes, sources = manifest["nodes"], manifest["sources"]
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] == "model"}
    found: dict[str, set[str]] = {}

    def walk(uid: str) -> set[str]:
        if uid in found:
            return found[uid]
        found[uid] = out = set()
        if uid in sources:
            if sources[uid]["schema"] == "raw":
                out.add(sources[uid]["name"])
            return out
        if _meta(nodes.get(uid, {})).get(NOT_AN_INPUT):
            return out
        for parent in nodes.get(uid, {}).get("depends_on", {}).get("nodes", []):
            out |= walk(parent)
        return out

    return {name: walk(by_name[name]) for name in models if name in by_name}


#: config.meta of the period spine (int_periods): it reads every table only for its first day
NOT_AN_INPUT = "not_a_kpi_input"


def _meta(node: dict) -> dict:
    return (node.get("config") or {}).get("meta") or {}


def _reading(manifest: dict, models: list[str] | set[str], key: str) -> set[str]:
    """The models of `models` that read a model whose config.meta sets `key`, themselves
    included, through dbt's graph."""
    nodes = manifest["nodes"]
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] == "model"}
    found: dict[str, bool] = {}

    def walk(uid: str) -> bool:
        if uid not in found:
            found[uid] = False  # (a cycle reads as no)
            node = nodes.get(uid, {})
            found[uid] = bool(_meta(node).get(key)) or any(
                walk(parent) for parent in node.get("depends_on", {}).get("nodes", [])
            )
        return found[uid]

    return {name for name in models if name in by_name and walk(by_name[name])}


def looking_ahead(manifest: dict, models: list[str] | set[str]) -> set[str]:
    """The models of `models` that read a model marked `looks_ahead` (config.meta), themselves
    included, through dbt's graph: a row of a day of theirs can change with a row of a later day
    or with the as-of date alone (dbt_project/macros/kpi_graph.sql, looks_ahead)."""
    return _reading(manifest, models, "looks_ahead")


def reading_spine(manifest: dict, models: list[str] | set[str]) -> set[str]:
    """The models of `models` that read the period spine (a model marked `not_a_kpi_input`): their
    rows change when the spine's first day moves, whichever table moved it."""
    return _reading(manifest, models, NOT_AN_INPUT)


def project_fingerprint(root: Path | None = None) -> str:
    """A digest of everything a dbt model's SQL is made of: the models, macros, seeds, the
    project and profile files, and dbt's version. The same digest means the same SQL.
    `root`: the dbt project's folder (default: this repository's)."""
    import hashlib

    from dbt.version import __version__ as dbt_version

    root = Path(root or PROJECT.project_dir)
    digest = hashlib.sha256(dbt_version.encode())
    files = [root / "dbt_project.yml", root / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "snapshots"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def existing_views(warehouse: Path) -> set[tuple[str, str]]:
    """(schema, name) of every view in the warehouse file."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute("select table_schema, table_name from information_schema.tables where table_type = 'VIEW'")
        return {(schema, name) for schema, name in rows.fetchall()}
    finally:
        con.close()


if __name__ == "__main__":  # `make install`: prepare the manifest once
    from orchestration.lib.dbt_runner import parse_project

    _dbt_on_path()
    # in process, as the pipeline runs dbt (lib/dbt_runner.py): the same vars and profile digest,
    # so a new home's first build starts from this partial parse instead of parsing everything
    parse_project(PROJECT.project_dir, PROJECT.project_dir / PROJECT.target_path)
    print(f"dbt manifest: {PROJECT.manifest_path}")
    # and the MetricFlow statements of kpi_values_by_dimension, planned from it (no run plans them)
    from orchestration.lib.semantic import prepare_shared_plan

    print(f"kpi_values_by_dimension plan: {prepare_shared_plan()}")
