"""Targets and the scorecard: `kpi_targets` (plan cascade + explicit targets) and
`kpi_scorecard` (each target against its actual), both in the warehouse's `marts` schema.

The logic lives in orchestration/lib (targets, cascade, scorecard); these assets only
read the warehouse, call it, write the results and describe them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.lib.cascade import build_targets
from orchestration.lib.scorecard import STATUSES, allocation_check, build_scorecard
from orchestration.lib.targets import KpiProfile, kpi_profiles, load_declarations, load_kpi_definitions

UPSTREAM = [dg.AssetKey("kpi_values"), dg.AssetKey("kpi_catalog")]

_DDL = {
    "kpi_targets": "kpi_id varchar, grain varchar, period_start date, target_value double, source varchar",
    "kpi_scorecard": (
        "kpi_id varchar, grain varchar, period_start date, actual double, target double, "
        "attainment double, projected double, status varchar, reason varchar"
    ),
    "kpi_allocation_check": (
        "kpi_id varchar, grain varchar, period_start date, comparison varchar, driver varchar, "
        "allocated double, actual double, difference double"
    ),
}


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: str = "*") -> pd.DataFrame | None:
    if not _table_exists(con, "marts", table):
        return None
    return con.sql(f"select {columns} from marts.{table}").df()


def write_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Replace marts.<table> with `frame`, typed as the output contract says."""
    con.execute("create schema if not exists marts")
    con.execute(f"create or replace table marts.{table} ({_DDL[table]})")
    if not frame.empty:
        con.register("_frame", frame)
        con.execute(f"insert into marts.{table} select * from _frame")
        con.unregister("_frame")


def load_profiles(
    con: duckdb.DuckDBPyConnection, declarations, models_dir: Path | None = None
) -> dict[str, KpiProfile]:
    """Direction and kind per declared KPI: the dbt YAML first; for a KPI whose YAML is
    not at hand, flow = published at day grain (only flow KPIs are), direction from the catalog."""
    flows = _read(con, "kpi_values", "distinct kpi_id, grain")
    flow_ids = set(flows.loc[flows["grain"] == "day", "kpi_id"]) if flows is not None else set()
    catalog = _read(con, "kpi_catalog", "kpi_id, direction")
    directions = dict(zip(catalog["kpi_id"], catalog["direction"], strict=True)) if catalog is not None else {}
    return kpi_profiles(declarations, load_kpi_definitions(models_dir), flow_ids, directions)


def compute_targets(
    con: duckdb.DuckDBPyConnection, targets_dir: Path | None = None, models_dir: Path | None = None
) -> pd.DataFrame:
    declarations = load_declarations(targets_dir)
    values = _read(con, "kpi_values", "kpi_id, grain, period_start, value, is_complete")
    targets = build_targets(declarations, values, load_profiles(con, declarations, models_dir))
    write_table(con, "kpi_targets", targets)
    return targets


def compute_scorecard(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    targets_dir: Path | None = None,
    models_dir: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    declarations = load_declarations(targets_dir)
    targets = _read(con, "kpi_targets")
    values = _read(con, "kpi_values")
    scorecard = build_scorecard(
        targets if targets is not None else pd.DataFrame(columns=["kpi_id", "grain", "period_start", "target_value"]),
        values,
        load_profiles(con, declarations, models_dir),
        as_of,
    )
    write_table(con, "kpi_scorecard", scorecard)
    bridges = {name: _read(con, name) for name in ("revenue_bridge", "mrr_bridge")}
    check = allocation_check(declarations, {k: v for k, v in bridges.items() if v is not None}, values)
    write_table(con, "kpi_allocation_check", check)
    return scorecard, check


def _preview(frame: pd.DataFrame, rows: int = 20) -> str:
    if frame.empty:
        return "_no rows_"
    shown = frame.head(rows).copy()
    for col in shown.columns:
        if shown[col].dtype == float:
            shown[col] = shown[col].map(lambda x: "" if pd.isna(x) else f"{x:,.4g}")
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "---|" * len(shown.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join([header, rule, *body])


@dg.asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="outputs",
    deps=UPSTREAM,
    kinds={"python", "duckdb"},
    description="Targets per KPI, grain and period: the plan cascade (plan → years → quarters → months) "
    "with explicit targets laid over it. Declared in dbt_project/kpi_targets/*.yml.",
)
def kpi_targets(kpi: KpiRunSettings) -> dg.MaterializeResult:
    with duckdb.connect(str(kpi.get_home().warehouse)) as con:
        targets = compute_targets(con)
    by_source = targets.groupby("source").size().to_dict() if not targets.empty else {}
    return dg.MaterializeResult(
        metadata={
            "rows": len(targets),
            "kpis": int(targets["kpi_id"].nunique()) if not targets.empty else 0,
            "explicit": int(by_source.get("explicit", 0)),
            "plan": int(by_source.get("plan", 0)),
            "preview": dg.MetadataValue.md(_preview(targets[targets["source"] == "explicit"])),
        }
    )


@dg.asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    group_name="outputs",
    deps=[kpi_targets, *UPSTREAM],
    kinds={"python", "duckdb"},
    description="Each targeted KPI and period up to the as-of date against its actual: attainment, "
    "projection, status (achieved, missed, on_track, at_risk, off_track, unmeasurable) and why.",
)
def kpi_scorecard(context, kpi: KpiRunSettings) -> dg.MaterializeResult:
    as_of = kpi.as_of_date(context)
    with duckdb.connect(str(kpi.get_home().warehouse)) as con:
        scorecard, check = compute_scorecard(con, as_of)
    counts = scorecard["status"].value_counts().to_dict()
    current = scorecard[scorecard["grain"] == "month"]
    if not current.empty:
        current = current[current["period_start"] == current["period_start"].max()]
    return dg.MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "rows": len(scorecard),
            **{f"status_{s}": int(counts.get(s, 0)) for s in STATUSES},
            "allocation_rows": len(check),
            "current_month": dg.MetadataValue.md(
                _preview(current[["kpi_id", "actual", "target", "projected", "status", "reason"]])
            ),
        }
    )


defs = dg.Definitions(assets=[kpi_targets, kpi_scorecard])
