"""Build the dbt project for real on a tiny, hand-written warehouse.

The rows are written straight into the accepted `raw.<table>` tables (and the `meta`
bookkeeping tables) that ingestion maintains, with the column types of
docs/architecture.md, so a KPI test states its input rows and the expected values it
computed by hand, and dbt does the rest on a real DuckDB file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import yaml

from orchestration.lib.dbt_manifest import write_run_context
from orchestration.lib.settings import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_raw__sources.yml"


def raw_table_types() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, duckdb type)] from the dbt sources (contract columns + metadata)."""
    spec = yaml.safe_load(SOURCES_YML.read_text())
    out: dict[str, list[tuple[str, str]]] = {}
    for source in spec["sources"]:
        if source["name"] == "meta":
            continue
        for table in source["tables"]:
            out[table["name"]] = [(c["name"], c["data_type"]) for c in table["columns"]]
    return out


def create_warehouse(
    path: Path,
    rows: dict[str, list[dict]],
    quarantine: list[dict] | None = None,
) -> None:
    """Create raw.* (all 21 tables; a table absent from `rows` is treated as missing) and meta.*."""
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists raw; create schema if not exists meta")
    types = raw_table_types()
    for table, cols in types.items():
        col_sql = ", ".join(f'"{c}" {t}' for c, t in cols)
        con.execute(f"create or replace table raw.{table} ({col_sql})")
        for r in rows.get(table, []):
            names = [c for c, _ in cols if c in r]
            unknown = set(r) - {c for c, _ in cols}
            assert not unknown, f"{table}: unknown columns {unknown}"
            placeholders = ", ".join("?" for _ in names)
            con.execute(
                f"insert into raw.{table} ({', '.join(names)}) values ({placeholders})",
                [r[c] for c in names],
            )
    quarantine = quarantine or []
    con.execute(
        "create or replace table meta.quarantine (table_name varchar, file_name varchar, row_key varchar,"
        " rule varchar, raw_row varchar, first_seen_at timestamp, event_date date)"
    )
    for q in quarantine:
        con.execute(
            "insert into meta.quarantine (table_name, file_name, row_key, rule, raw_row, event_date)"
            " values (?, ?, ?, ?, ?, ?)",
            [
                q["table_name"],
                q.get("file_name", "x.csv"),
                q.get("row_key"),
                q.get("rule", "test rule"),
                json.dumps(q.get("raw_row", {})),
                q.get("event_date"),
            ],
        )
    con.execute(
        "create or replace table meta.rejected_rows (table_name varchar, file_name varchar, event_date date,"
        " row_count bigint)"
    )
    # every table changed on every date: the incremental facts re-read everything
    con.execute(
        "create table if not exists meta.changed_event_dates (table_name varchar, event_date date,"
        " changed_at timestamp, change_seq bigint)"
    )
    seq = con.execute("select coalesce(max(change_seq), 0) + 1 from meta.changed_event_dates").fetchone()[0]
    for table in types:
        con.execute("insert into meta.changed_event_dates values (?, null, now(), ?)", [table, seq])
    con.execute(
        "create or replace table meta.table_status (table_name varchar, is_present boolean,"
        " rows_loaded bigint, rows_quarantined bigint, files_rejected bigint)"
    )
    for table in types:
        n_q = sum(1 for q in quarantine if q["table_name"] == table)
        con.execute(
            "insert into meta.table_status values (?, ?, ?, ?, 0)",
            [table, table in rows, len(rows.get(table, [])), n_q],
        )
    con.close()


def dbt_build(warehouse: Path, as_of: str, select: str | None = None, extra_vars: dict | None = None) -> None:
    """Run `dbt build` in process (as the pipeline does) against `warehouse`; raise with dbt's
    messages when a node fails."""
    from orchestration.lib.dbt_runner import run_dbt

    os.environ["KPI_WAREHOUSE_PATH"] = str(warehouse)
    write_run_context(warehouse, as_of)
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(extra_vars or {})]
    if select:
        args += ["--select", select]
    failures = [
        f"{n.unique_id}: {n.status}: {n.message}"
        for n in run_dbt(args, DBT_PROJECT_DIR, warehouse.parent / "dbt_target", warehouse.parent / "dbt_logs")
        if n.status not in ("success", "pass")
    ]
    if failures:
        raise AssertionError("dbt build failed:\n" + "\n".join(failures))


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def kpi(warehouse: Path, kpi_id: str, grain: str, period_start: str):
    """(value, numerator, denominator, is_complete, is_measurable, quality_issues) of one KPI value."""
    rows = query(
        warehouse,
        "select value, numerator, denominator, is_complete, is_measurable, quality_issues"
        " from marts.kpi_values where kpi_id = ? and grain = ? and period_start = ?",
        [kpi_id, grain, period_start],
    )
    assert len(rows) == 1, f"{kpi_id} {grain} {period_start}: {len(rows)} rows"
    return rows[0]
