"""Keep dbt's manifest in step with the project, so the Dagster definitions always load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.lib.settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_WATCHED = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    """The dbt of this environment (dagster-dbt needs it; it may not be on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _WATCHED:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else path.rglob("*")
        for f in files:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than any model, macro or test."""
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            "dbt could not parse dbt_project/ (fix the model named below, then run again):\n"
            + proc.stdout[-4000:]
            + proc.stderr[-2000:]
        )
    return MANIFEST


def write_run_context(warehouse: Path, as_of) -> None:
    """Record the run's as-of date where the dbt models read it (meta.run_context)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists meta")
        con.execute("create or replace table meta.run_context as select cast(? as date) as as_of", [str(as_of)])
    finally:
        con.close()
