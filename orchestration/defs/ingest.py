"""Dagster: the landing zone as 21 assets `raw_<table>` (group `landing`) with asset checks.

The 21 assets are produced by ONE subsettable `multi_asset` (`landing_tables`):
every selected table is ingested in one op, in foreign-key order, with one
DuckDB connection (DuckDB has a single writer per file) and one Great
Expectations context (creating it is the slow part of GX). Each asset still
has its own key, description, lineage (`deps` follow the "exists in" foreign
keys, plus `raw_fx_rates` for tables with a currency) and its own
`MaterializeResult` and check results, so the UI and dbt see 21 assets.

Checks on every `raw_<table>`:

- `rows_pass_contract` (severity WARN, with the materialization): fails when rows
  are quarantined; metadata has the counts, the rows per broken rule and sample keys.
- `table_usable` (severity ERROR, with the materialization): fails when the folder is
  missing, every file was rejected, or no row was accepted. It is **not blocking**: a
  missing or unusable table must not stop dbt for the other tables; the KPIs that need
  it become unmeasurable downstream (from `meta.table_status`).
- `great_expectations` (severity WARN, the step `raw_contract_gx`): the table's GX suite
  on the rows that landed this run, validated by the GX worker while dbt builds (it
  waits for the KPI values, so GX runs beside dbt rather than before it); metadata has
  each failing expectation with GX's unexpected count, and the Data Docs. GX and the SQL
  rules must agree expectation by expectation (lib/ingest.audit); the same audit gates
  `published_outputs`, so nothing is published that GX has not validated.

The load clock is `load_clock()` (overridable in tests), the home is the run's
`KpiRunSettings` resource (defs/resources.py).
"""

import datetime as dt

import dagster as dg

from orchestration.defs.keys import raw_key, table_of
from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.lib import contract as ct

ROW_CHECK = "rows_pass_contract"
TABLE_CHECK = "table_usable"


def load_clock() -> dt.datetime:
    """The load time (naive UTC) used for "not in the future". Tests override it."""
    from orchestration.lib.ingest import utc_now

    return utc_now()


def _spec(t: ct.Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_key(t.name),
        group_name="landing",
        description=t.description,
        deps=[raw_key(p) for p in t.parents],
        kinds={"duckdb", "python"},
        metadata={
            "table": f"raw.{t.name}",
            "primary_key": ", ".join(t.primary_key),
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(c.name, ct.DUCKDB_TYPES[c.type], description=c.type) for c in t.columns]
            ),
        },
    )


def _check_specs(t: ct.Table) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            ROW_CHECK,
            asset=raw_key(t.name),
            description=(
                f"Every winning row of {t.name} passes the contract's row rules (GX suite "
                f"'{t.name}') and key rules (primary key, foreign keys, currencies); "
                "quarantined rows make it fail with WARN."
            ),
        ),
        dg.AssetCheckSpec(
            TABLE_CHECK,
            asset=raw_key(t.name),
            description=(
                f"{t.name} is usable: its folder exists, not every file was rejected and at "
                "least one row was accepted (ERROR otherwise; not blocking)."
            ),
            blocking=False,
        ),
    ]


def _results(res, run_id: str) -> dg.MaterializeResult:
    from orchestration.lib.ingest import TableResult

    assert isinstance(res, TableResult)
    key = raw_key(res.table)
    docs = {}
    counts = {
        "rows_landed": res.rows_landed,
        "rows_loaded": res.rows_loaded,
        "rows_quarantined": res.rows_quarantined,
    }
    row_check = dg.AssetCheckResult(
        asset_key=key,
        check_name=ROW_CHECK,
        passed=res.rows_quarantined == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            **counts,
            "failing_rules": dg.MetadataValue.json(res.rule_counts),
            "sample_keys": dg.MetadataValue.json(res.sample_keys),
            **docs,
        },
    )
    reason = res.unusable_reason
    table_check = dg.AssetCheckResult(
        asset_key=key,
        check_name=TABLE_CHECK,
        passed=reason is None,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            **counts,
            "reason": reason or "usable",
            "folder_exists": res.folder_exists,
            "files_seen": res.files_seen,
            "files_rejected": res.files_rejected,
            **docs,
        },
    )
    return dg.MaterializeResult(
        asset_key=key,
        metadata={
            **counts,
            "dagster/row_count": res.rows_loaded,
            "rows_read_this_run": res.rows_read,
            "files_new": res.files_new,
            "files_restated": res.files_restated,
            "files_unchanged": res.files_unchanged,
            "files_rejected_this_run": len(res.rejected_this_run),
            "files_rejected": res.files_rejected,
            "rejected_files": dg.MetadataValue.json(res.rejected_this_run),
            "schema_drift": dg.MetadataValue.json(res.schema_drift),
            "skipped_files": dg.MetadataValue.json(res.skipped_this_run),
            "is_present": res.is_present,
            "seconds": res.seconds,
            "run_id": run_id,
            **docs,
        },
        check_results=[row_check, table_check],
    )


@dg.multi_asset(
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
    name="landing_tables",
    specs=[_spec(t) for t in ct.TABLES.values()],
    check_specs=[s for t in ct.TABLES.values() for s in _check_specs(t)],
    can_subset=True,
    description="Ingest the landing zone (ledger, GX row rules, SQL key rules, quarantine).",
)
def landing_tables(context: dg.AssetExecutionContext, kpi: KpiRunSettings):
    from orchestration.lib.gx_worker import prewarm
    from orchestration.lib.ingest import land_and_resolve

    home = kpi.get_home()
    prewarm(home.gx_dir)  # GX imports in its own process while the files land
    from orchestration.defs.dbt import preload_dbt

    preload_dbt(context, home)  # and dbt parses the project in a thread
    wanted = [t for t in ct.TABLES if raw_key(t) in context.selected_asset_keys]
    clock = load_clock()
    results = land_and_resolve(home, tables=wanted, clock=lambda: clock, run_id=context.run_id)
    for name in ct.load_order():
        if name in results:
            context.log.info(f"{name}: {results[name].summary}")
            yield _results(results[name], context.run_id)


GX_CHECK = "great_expectations"


@dg.multi_asset_check(
    name="raw_contract_gx",
    specs=[
        dg.AssetCheckSpec(
            GX_CHECK,
            asset=raw_key(t.name),
            description=(
                f"The Great Expectations suite '{t.name}' (expectations/expectations/{t.name}.json, generated "
                "from the contract) on the rows that landed this run; GX must agree with the SQL rules row "
                "for row (WARN: failing rows are quarantined, not lost)."
            ),
            blocking=False,
            # scheduled after dbt, so GX validates in its worker while dbt builds
            additional_deps=[dg.AssetKey("kpi_values")],
        )
        for t in ct.TABLES.values()
    ],
    can_subset=True,
    description="Waits for the GX worker's validation of this run's new rows, reconciles it with the SQL "
    "rules (lib/ingest.audit) and reports each table's suite.",
)
def raw_contract_gx(context: dg.AssetCheckExecutionContext, kpi: KpiRunSettings):
    import duckdb

    from orchestration.lib.ingest import audit, data_docs

    home = kpi.get_home()
    run_id = context.op_execution_context.run_id
    audit(home, run_id, log=context.log.info)
    docs = data_docs(home)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name, rule, expectation_type, success, unexpected_count FROM meta.gx_results "
            "WHERE run_id = ? ORDER BY table_name, expectation",
            [run_id],
        ).fetchall()
    by_table: dict[str, list[tuple]] = {}
    for r in rows:
        by_table.setdefault(r[0], []).append(r[1:])
    for key in context.selected_asset_check_keys:
        table = table_of(key.asset_key)
        results = by_table.get(table, [])
        failing = {f"{rule} ({kind})": n for rule, kind, ok, n in results if not ok}
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=GX_CHECK,
            passed=not failing,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(results)} expectations on this run's new rows"
                if results
                else "no new rows this run: nothing to validate"
            ),
            metadata={
                "expectations_evaluated": len(results),
                "expectations_failed": len(failing),
                "unexpected_counts": dg.MetadataValue.json(failing),
                **({"gx_data_docs": dg.MetadataValue.path(docs)} if docs else {}),
            },
        )


defs = dg.Definitions(assets=[landing_tables], asset_checks=[raw_contract_gx])
