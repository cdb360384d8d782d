"""Read the published outputs of a home, for tests that compare two runs."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

# table -> the columns that must be equal between two runs of the same data and as-of date
COMPARED = {
    "kpi_values": "kpi_id, grain, period_start, period_end, value, numerator, denominator, is_complete,"
    " is_measurable, quality_issues",
    "revenue_bridge": "grain, period_start, comparison, component, amount",
    "mrr_bridge": "grain, period_start, component, amount",
    "kpi_targets": "kpi_id, grain, period_start, target_value, source",
    "kpi_scorecard": "kpi_id, grain, period_start, actual, target, attainment, projected, status, reason",
    "quarantine": "table_name, file_name, row_key, rule, raw_row",
    "kpi_catalog": "kpi_id, name, description, category, perspective, unit, direction, owner, aligns_to, inputs",
    # a night computes the periods from the year of its first re-opened day and copies the rest
    "kpi_values_by_dimension": "kpi_id, grain, period_start, dimension, member, value, numerator, denominator,"
    " is_measurable",
}

#: the tables whose rows depend on the files landed, not on the as-of date only: the quarantine
#: lists every landed row, whatever the as-of date
LANDED_TABLES = ("quarantine",)


def snapshot(home: Path) -> dict[str, list[tuple]]:
    """The COMPARED tables of the serving database, and every semantic table (`semantic.sem_*`,
    all columns), each sorted."""
    con = duckdb.connect(str(home / "serving.duckdb"), read_only=True)
    try:
        out = {
            table: con.execute(f"select {cols} from kpi.{table} order by all").fetchall()
            for table, cols in COMPARED.items()
        }
        semantic = con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'semantic' order by 1"
        ).fetchall()
        for (table,) in semantic:
            out[f"semantic.{table}"] = con.execute(f"select * from semantic.{table} order by all").fetchall()
        return out
    finally:
        con.close()


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def differences(
    left: dict[str, list[tuple]], right: dict[str, list[tuple]], limit: int = 10, skip: tuple[str, ...] = ()
) -> list[str]:
    """Human-readable differences between two snapshots, but for the tables in `skip` (empty when
    equal)."""
    out: list[str] = []
    for table in sorted((set(left) | set(right)) - set(skip)):
        if table not in left or table not in right:
            out.append(f"{table}: only in the {'left' if table in left else 'right'} snapshot")
            continue
        a, b = left[table], right[table]
        if len(a) != len(b):
            out.append(f"{table}: {len(a)} rows vs {len(b)} rows")
            only_a = set(a) - set(b)
            only_b = set(b) - set(a)
            out += [f"  only left: {r}" for r in list(only_a)[:limit]]
            out += [f"  only right: {r}" for r in list(only_b)[:limit]]
            continue
        for ra, rb in zip(a, b, strict=True):
            if len(ra) != len(rb) or not all(_same(x, y) for x, y in zip(ra, rb, strict=True)):
                out.append(f"{table}: {ra} != {rb}")
                if len(out) > limit:
                    return out
    return out
