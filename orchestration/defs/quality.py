"""What ingestion did this run, summed up for the UI; and the two `meta` tables dbt reads."""

import dagster as dg

from orchestration.defs.keys import raw_key
from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.lib.contract import TABLES


@dg.multi_asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    specs=[
        dg.AssetSpec(
            "meta_table_status",
            group_name="landing",
            deps=[raw_key(name) for name in TABLES],
            description="One row per raw table: present, rows loaded and quarantined, files rejected "
            "(meta.table_status), with this run's meta.data_quality as metadata.",
        ),
        dg.AssetSpec(
            "meta_rejected_rows",
            group_name="landing",
            deps=[raw_key(name) for name in TABLES],
            description="The rows of files rejected whole, per table and event date (meta.rejected_rows); they "
            "count as quarantined rows of their periods (kpis.md v1.2).",
        ),
        dg.AssetSpec(
            "meta_quarantine",
            group_name="landing",
            deps=[raw_key(name) for name in TABLES],
            description="Rows kept aside because they broke a contract rule (meta.quarantine), counted per table "
            "and rule.",
        ),
    ],
)
def ingestion_summary(context: dg.AssetExecutionContext, kpi: KpiRunSettings):
    import duckdb

    home = kpi.get_home()
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        run_id = con.execute("select run_id from meta.data_quality order by rowid desc limit 1").fetchone()
        rows = con.execute(
            "select table_name, rows_landed, rows_loaded, rows_quarantined, files_rejected, checks_failed"
            " from meta.data_quality where run_id = ? order by table_name",
            [run_id[0] if run_id else None],
        ).fetchall()
        missing = [
            r[0] for r in con.execute("select table_name from meta.table_status where not is_present").fetchall()
        ]
        by_rule = con.execute(
            "select table_name, rule, count(*) from meta.quarantine group by all order by 3 desc limit 30"
        ).fetchall()
        rejected_rows = int(con.execute("select coalesce(sum(row_count), 0) from meta.rejected_rows").fetchone()[0])
    finally:
        con.close()
    lines = ["| table | landed | loaded | quarantined | files rejected | checks failed |", "|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(str(v) for v in r)} |" for r in rows]
    total = {k: sum(r[i] for r in rows) for i, k in ((1, "landed"), (2, "loaded"), (3, "quarantined"), (4, "rejected"))}
    context.log.info(f"ingestion: {total}; missing tables: {missing or 'none'}")
    yield dg.MaterializeResult(
        asset_key="meta_table_status",
        metadata={
            "rows_landed": total["landed"],
            "rows_loaded": total["loaded"],
            "rows_quarantined": total["quarantined"],
            "files_rejected": total["rejected"],
            "missing_tables": ", ".join(missing) or "none",
            "per_table": dg.MetadataValue.md("\n".join(lines)),
        },
    )
    rule_lines = ["| table | rule | rows |", "|---|---|---|"] + [f"| {t} | {r} | {n} |" for t, r, n in by_rule]
    yield dg.MaterializeResult(asset_key="meta_rejected_rows", metadata={"rejected_rows": rejected_rows})
    yield dg.MaterializeResult(
        asset_key="meta_quarantine",
        metadata={"rows_quarantined": total["quarantined"], "by_rule": dg.MetadataValue.md("\n".join(rule_lines))},
    )


defs = dg.Definitions(assets=[ingestion_summary])
