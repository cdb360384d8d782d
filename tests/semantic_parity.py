"""The semantic layer agrees with kpi_values: every KPI metric, at every grain kpi_values
publishes it, through MetricFlow's own compiled SQL on the same warehouse (an independent path:
MetricFlow aggregates the event-level semantic models; the KPI models aggregate their daily
intermediate tables)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from orchestration.lib.semantic import SemanticLayer

REL = 1e-9


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


def parity_problems(con: duckdb.DuckDBPyConnection, values: str, only: set[str] | None = None) -> tuple[list, int]:
    """(mismatches, periods compared) between MetricFlow on `con` (where "warehouse"."semantic"
    holds the semantic models) and the kpi_values relation `values`.

    Compared: every period kpi_values publishes with a value or as measurable. A period kpi_values
    leaves NULL because an input is missing (unmeasurable) is MetricFlow's raw number, flagged
    by is_measurable in kpi_values_by_dimension. A flow's day with no event is 0 in kpi_values
    and has no row in MetricFlow (nothing to aggregate)."""
    layer = SemanticLayer(con)
    problems, compared = [], 0
    for kpi in layer.kpi_metrics:
        if only is not None and kpi not in only:
            continue
        grains = [r[0] for r in con.execute(f"select distinct grain from {values} where kpi_id = ?", [kpi]).fetchall()]
        for grain in grains:
            rows = con.execute(
                f"""with mf as ({layer.sql([kpi], [grain])}),
                v as (select period_start, value, is_measurable from {values} where kpi_id = '{kpi}' and grain = '{grain}')
                select coalesce(v.period_start, cast(mf.metric_time__{grain} as date)), v.period_start is not null,
                       cast(v.value as double), mf.metric_time__{grain} is not null, cast(mf.{kpi} as double),
                       coalesce(v.is_measurable, false)
                from v full outer join mf on cast(mf.metric_time__{grain} as date) = v.period_start"""
            ).fetchall()
            for period, in_kpi, want, in_mf, got, measurable in rows:
                if in_kpi and want is None and not measurable:
                    continue
                if not in_kpi:
                    if got is not None:  # MetricFlow has a value for a period kpi_values does not publish
                        problems.append((kpi, grain, period, None, got))
                    continue
                compared += 1
                if not in_mf:
                    if not (want is None or want == 0):
                        problems.append((kpi, grain, period, want, "no row"))
                elif (want is None) != (got is None) or (want is not None and not _close(want, got)):
                    problems.append((kpi, grain, period, want, got))
    return problems, compared


def warehouse_parity(warehouse: Path, only: set[str] | None = None) -> tuple[list, int]:
    """parity_problems over a warehouse file (its semantic views and marts.kpi_values)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        return parity_problems(con, "warehouse.marts.kpi_values", only)
    finally:
        con.close()
