"""Every DuckDB connection of a run, opened in one place: under a memory limit, spilling to the
home's `tmp/` folder, in UTC.

DuckDB's own default memory limit is 80 % of the machine's memory, per database instance. A run
opens several instances at once (the ingestion, dbt, the Great Expectations worker in its own
process, the publish), so one left at the default can take most of the machine on a large
landing zone. Every connection here gets an explicit limit instead:

- `KPI_DUCKDB_MEMORY_LIMIT` (default 2GB): the pipeline's own connections (ingestion, dbt's
  profile, publish);
- `KPI_GX_MEMORY_LIMIT` (default 1GB): the Great Expectations worker, which validates while
  the pipeline resolves keys in the other process.

The limit bounds DuckDB's buffer manager (hash tables, sorts, aggregates spill past it), not the
interpreter around it, so a run's peak is about the sum of these limits plus the Python processes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"
DEFAULT_GX_MEMORY_LIMIT = "1GB"


def memory_limit() -> str:
    return os.environ.get("KPI_DUCKDB_MEMORY_LIMIT", "").strip() or DEFAULT_MEMORY_LIMIT


def gx_memory_limit() -> str:
    return os.environ.get("KPI_GX_MEMORY_LIMIT", "").strip() or DEFAULT_GX_MEMORY_LIMIT


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def limit(con: duckdb.DuckDBPyConnection, spill: Path, memory: str | None = None) -> duckdb.DuckDBPyConnection:
    """Apply the run's settings to an open connection: UTC, the memory limit (default
    `memory_limit()`), and `spill` (created) as the folder where larger work spills."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {_lit(memory or memory_limit())}")
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = {_lit(str(spill))}")
    return con


def connect(
    path: Path | str,
    spill: Path | None = None,
    read_only: bool = False,
    memory: str | None = None,
    timeout_s: float = 120.0,
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database (":memory:" for an in-memory one) with `limit`, waiting while another
    process holds its lock. `spill` defaults to `tmp/` beside the file (required for ":memory:")."""
    if spill is None:
        if str(path) == ":memory:":
            raise ValueError("an in-memory DuckDB needs an explicit spill folder")
        spill = Path(path).parent / "tmp"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    return limit(con, spill, memory)
