"""One asset that sums up what ingestion did this run, for the UI and for dbt's `meta` source."""

from __future__ import annotations

import dagster as dg

from orchestration.lib.contract import TABLES
from orchestration.lib.settings import Home


@dg.asset(
    group_name="landing",
    deps=[dg.AssetKey(f"raw_{name}") for name in TABLES],
    description="Rows landed, loaded and quarantined and files rejected per raw table, for the latest run "
    "(meta.data_quality, meta.table_status). dbt reads meta.quarantine and meta.table_status through it.",
)
def ingestion_summary(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    import duckdb

    home = Home.from_env()
    con = duckdb.connect(str(home.warehouse))
    try:
        run_id = con.execute("select run_id from meta.data_quality order by rowid desc limit 1").fetchone()
        rows = con.execute(
            "select table_name, rows_landed, rows_loaded, rows_quarantined, files_rejected, checks_failed"
            " from meta.data_quality where run_id = ? order by table_name",
            [run_id[0] if run_id else None],
        ).fetchall()
        missing = [r[0] for r in con.execute("select table_name from meta.table_status where not is_present").fetchall()]
    finally:
        con.close()
    lines = ["| table | landed | loaded | quarantined | files rejected | checks failed |", "|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(str(v) for v in r)} |" for r in rows]
    total = {k: sum(r[i] for r in rows) for i, k in ((1, "landed"), (2, "loaded"), (3, "quarantined"), (4, "rejected"))}
    context.log.info(f"ingestion: {total}; missing tables: {missing or 'none'}")
    return dg.MaterializeResult(
        metadata={
            "rows_landed": total["landed"],
            "rows_loaded": total["loaded"],
            "rows_quarantined": total["quarantined"],
            "files_rejected": total["rejected"],
            "missing_tables": ", ".join(missing) or "none",
            "per_table": dg.MetadataValue.md("\n".join(lines)),
        }
    )


defs = dg.Definitions(assets=[ingestion_summary])
