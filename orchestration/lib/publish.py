"""Publish the output tables of kpis.md to the serving database and to Parquet.

The serving database is written to a temporary file next to it and renamed over the old
one, so a BI tool never sees a half-written `kpi` schema, and a run killed half-way leaves
the previous outputs intact.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

# output table -> SELECT over the warehouse (attached as `wh`), in the column order of kpis.md
OUTPUTS: dict[str, str] = {
    "kpi_values": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(period_end as date) as period_end,
               cast(value as double) as value, cast(numerator as double) as numerator,
               cast(denominator as double) as denominator, is_complete, is_measurable,
               cast(quality_issues as varchar) as quality_issues
        from wh.marts.kpi_values order by kpi_id, grain, period_start""",
    "kpi_catalog": """
        select c.kpi_id, c.name, c.description, c.category, c.perspective, c.unit, c.direction,
               f.owner, f.aligns_to, c.inputs
        from wh.marts.kpi_catalog c left join catalog_fields f on c.kpi_id = f.kpi_id
        order by c.kpi_id""",
    "kpi_targets": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(target_value as double) as target_value,
               source
        from wh.marts.kpi_targets order by kpi_id, grain, period_start""",
    "kpi_scorecard": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(actual as double) as actual,
               cast(target as double) as target, cast(attainment as double) as attainment,
               cast(projected as double) as projected, status, reason
        from wh.marts.kpi_scorecard order by kpi_id, grain, period_start""",
    "revenue_bridge": """
        select grain, cast(period_start as date) as period_start, comparison, component, cast(amount as double) as amount
        from wh.marts.revenue_bridge order by grain, period_start, comparison, component""",
    "mrr_bridge": """
        select grain, cast(period_start as date) as period_start, component, cast(amount as double) as amount
        from wh.marts.mrr_bridge order by grain, period_start, component""",
    "quarantine": """
        select table_name, file_name, row_key, rule, raw_row, first_seen_at
        from wh.meta.quarantine order by table_name, file_name, row_key""",
    "rejected_files": """
        select table_name, file_name, reason, rejected_at
        from wh.meta.rejected_files order by table_name, file_name""",
    "schema_drift": """
        select table_name, file_name, column_name, first_seen_at
        from wh.meta.schema_drift order by table_name, file_name, column_name""",
    "data_quality": """
        select run_id, table_name, rows_landed, rows_loaded, rows_quarantined, files_rejected,
               checks_passed, checks_failed
        from wh.meta.data_quality order by run_id, table_name""",
}


def publish(warehouse: Path, serving: Path, exports: Path, catalog_fields: pd.DataFrame) -> dict[str, int]:
    """Write every output table; returns rows per table. `catalog_fields`: kpi_id, owner, aligns_to."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    exports.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(serving.name + ".tmp")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        con.register("catalog_fields_df", catalog_fields)
        con.execute("create temp table catalog_fields as select * from catalog_fields_df")
        con.execute("create schema kpi")
        for name, sql in OUTPUTS.items():
            con.execute(f"create table kpi.{name} as {sql}")
            counts[name] = con.execute(f"select count(*) from kpi.{name}").fetchone()[0]
            out = exports / f"{name}.parquet"
            part = out.with_name(out.name + ".tmp")
            con.execute(f"copy kpi.{name} to '{part}' (format parquet)")
            os.replace(part, out)
        con.execute("detach wh")
    finally:
        con.close()
    os.replace(tmp, serving)
    return counts
