"""Publish the output tables of kpis.md to the serving database and to Parquet:
write, audit, publish.

1. Write: every output table goes into a new file next to the serving database
   (`serving.duckdb.tmp`), read from the warehouse. The new file starts as a byte copy of the
   previous publish, whose semantic tables are rewritten only in the months whose rows changed
   (`refresh_table`).
2. Audit (`audit_publish`): the new file against the warehouse it came from, against dbt's
   tests of this run and against the previous publish: every table holds exactly the
   warehouse's rows, keys are unique, the MRR and revenue bridges add up on the published
   numbers, every dbt test of the run passed, and no KPI that had rows in the previous
   publish lost all of them.
3. Publish: only then the Parquet exports are replaced and the new file is renamed over the
   serving database (one atomic rename). A reader with the old file open keeps reading the
   old file; a reader that opens it after the rename reads the new one; nobody ever sees a
   half-written `kpi` schema, and the publisher never opens the serving database itself, so
   readers never block it. A failed audit leaves the previous publish in place, keeps the
   rejected file as `serving.duckdb.rejected` for a look, and raises (the run fails, and the
   run-failure alert fires).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib import duck
from orchestration.lib.periods import period_start, shift
from orchestration.lib.rules import lit

# output table -> SELECT over the warehouse (attached under its own catalog name, `warehouse`, so
# that its views resolve), in the column order of kpis.md
OUTPUTS: dict[str, str] = {
    "kpi_values": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(period_end as date) as period_end,
               cast(value as double) as value, cast(numerator as double) as numerator,
               cast(denominator as double) as denominator, is_complete, is_measurable,
               cast(quality_issues as varchar) as quality_issues
        from warehouse.marts.kpi_values order by kpi_id, grain, period_start""",
    "kpi_catalog": """
        select c.kpi_id, c.name, c.description, c.category, c.perspective, c.unit, c.direction,
               f.owner, f.aligns_to, c.inputs
        from warehouse.marts.kpi_catalog c left join catalog_fields f on c.kpi_id = f.kpi_id
        order by c.kpi_id""",
    "kpi_targets": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(target_value as double) as target_value,
               source
        from warehouse.marts.kpi_targets order by kpi_id, grain, period_start""",
    "kpi_scorecard": """
        select kpi_id, grain, cast(period_start as date) as period_start, cast(actual as double) as actual,
               cast(target as double) as target, cast(attainment as double) as attainment,
               cast(projected as double) as projected, status, reason
        from warehouse.marts.kpi_scorecard order by kpi_id, grain, period_start""",
    "revenue_bridge": """
        select grain, cast(period_start as date) as period_start, comparison, component, cast(amount as double) as amount
        from warehouse.marts.revenue_bridge order by grain, period_start, comparison, component""",
    "mrr_bridge": """
        select grain, cast(period_start as date) as period_start, component, cast(amount as double) as amount
        from warehouse.marts.mrr_bridge order by grain, period_start, component""",
    "quarantine": """
        select table_name, file_name, row_key, rule, raw_row, first_seen_at
        from warehouse.meta.quarantine order by table_name, file_name, row_key""",
    "rejected_files": """
        select table_name, file_name, reason, rejected_at
        from warehouse.meta.rejected_files order by table_name, file_name""",
    "schema_drift": """
        select table_name, file_name, column_name, first_seen_at
        from warehouse.meta.schema_drift order by table_name, file_name, column_name""",
    "data_quality": """
        select run_id, table_name, rows_landed, rows_loaded, rows_quarantined, files_rejected,
               checks_passed, checks_failed
        from warehouse.meta.data_quality order by run_id, table_name""",
}

#: every KPI sliced by the dimensions of the semantic layer (lib/semantic.py), at month, quarter, year
BY_DIMENSION = "kpi_values_by_dimension"

#: the key of every output table: the audit refuses a publish where one repeats
KEYS: dict[str, tuple[str, ...]] = {
    "kpi_values": ("kpi_id", "grain", "period_start"),
    "kpi_catalog": ("kpi_id",),
    "kpi_targets": ("kpi_id", "grain", "period_start"),
    "kpi_scorecard": ("kpi_id", "grain", "period_start"),
    "revenue_bridge": ("grain", "period_start", "comparison", "component"),
    "mrr_bridge": ("grain", "period_start", "component"),
    "schema_drift": ("table_name", "file_name", "column_name"),
    "data_quality": ("run_id", "table_name"),
    BY_DIMENSION: ("kpi_id", "grain", "period_start", "dimension", "member"),
}

#: money identities hold to the cent; the published values are doubles of exact decimals
_CENT = 0.005


class PublishAuditFailed(RuntimeError):
    """The new serving database failed its audit; the previous publish stays in place."""


def publish(
    warehouse: Path,
    serving: Path,
    exports: Path,
    catalog_fields: pd.DataFrame,
    dbt_run_results: Path | None = None,
    log=print,
) -> dict[str, int]:
    """Write, audit, publish every output table; returns rows per table.

    `catalog_fields`: kpi_id, owner, aligns_to. `dbt_run_results`: dbt's run_results.json of
    this run's build (its tests must all have passed); its folder holds the build's semantic
    manifest, and keeps the SQL MetricFlow plans for kpi_values_by_dimension between runs.
    `log` is told when the previous publish cannot be read (`_previous_publish`).
    Raises PublishAuditFailed."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    exports.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(serving.name + ".tmp")
    tmp.unlink(missing_ok=True)
    previous = _previous_publish(serving, log)
    counts = _write(tmp, warehouse, catalog_fields, dbt_run_results.parent if dbt_run_results else None, previous)
    problems = audit_publish(tmp, warehouse, previous, dbt_run_results)
    if problems:
        rejected = serving.with_name(serving.name + ".rejected")
        os.replace(tmp, rejected)
        raise PublishAuditFailed(
            f"the new publish failed its audit, so {serving} still holds the previous one "
            f"(the rejected file is {rejected}):\n  - " + "\n  - ".join(problems)
        )
    _export(tmp, exports)
    os.replace(tmp, serving)
    return counts


def _previous_publish(serving: Path, log) -> Path | None:
    """The previous publish, when there is one DuckDB can open. A file it cannot open (damaged,
    truncated, not a DuckDB file, or written by a newer DuckDB) is moved aside to
    `serving.duckdb.unreadable`, `log` is told, and this publish is written from scratch: every
    table and every period computed again, nothing compared with or copied from it."""
    if not serving.exists():
        return None
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            con.execute("select count(*) from duckdb_tables()").fetchone()
        return serving
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise RuntimeError(
                f"the serving database {serving} is held open for writing by another process ({exc}); "
                "only the publish writes it: stop that process (a `duckdb` shell or notebook opened without "
                "read_only) and run again"
            ) from exc
        aside = serving.with_name(serving.name + ".unreadable")
        os.replace(serving, aside)
        log(
            f"the previous publish {serving} cannot be opened ({str(exc).splitlines()[0]}); it was moved to "
            f"{aside} and this publish is written from scratch. Look at it or delete it: nothing reads it."
        )
        return None


def _write(
    tmp: Path, warehouse: Path, catalog_fields: pd.DataFrame, dbt_target: Path | None, previous: Path | None = None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    con = _open_from_previous(tmp, previous, warehouse.parent / "tmp")
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        con.register("catalog_fields_df", catalog_fields)
        con.execute("create temp table catalog_fields as select * from catalog_fields_df")
        con.execute("create schema kpi")
        for name, sql in OUTPUTS.items():
            con.execute(f"create table kpi.{name} as {sql}")
            counts[name] = con.execute(f"select count(*) from kpi.{name}").fetchone()[0]
        manifest_path, changed = _write_semantic(con, dbt_target, counts)
        con.execute("detach warehouse")
    finally:
        con.close()
    counts[BY_DIMENSION] = _write_values_by_dimension(tmp, manifest_path, dbt_target, warehouse, previous, changed)
    return counts


def _open_from_previous(tmp: Path, previous: Path | None, spill: Path) -> duckdb.DuckDBPyConnection:
    """The new file, opened: a copy of the previous publish without its `kpi` and state schemas
    (its semantic tables are kept and brought up to date by `_write_semantic`), or an empty file
    when there is no previous publish (or none DuckDB can open: `_previous_publish`)."""
    if previous is None:
        return duck.connect(tmp, spill=spill)
    shutil.copyfile(previous, tmp)
    con = duck.connect(tmp, spill=spill)
    if _columns(con, SEMANTIC_MONTHS) is not None:  # read before its schema goes (_write_semantic)
        con.execute(f"create temp table _stored_months as select * from {SEMANTIC_MONTHS}")
    for schema in ("kpi", BY_DIMENSION_STATE.split(".")[0]):
        con.execute(f"drop schema if exists {schema} cascade")
    con.execute("checkpoint")  # their blocks are free for the new tables
    return con


#: semantic relation -> its months (of its first DATE column; None: rows without one) whose rows
#: differ from the previous publish's; ALL_MONTHS when the relation was written whole
ALL_MONTHS = None


def _write_semantic(
    con: duckdb.DuckDBPyConnection, dbt_target: Path | None, counts: dict[str, int]
) -> tuple[Path | None, dict[str, list | None]]:
    """The semantic layer's tables (`semantic.sem_*`, what `kpi query` and MetricFlow read), from
    the warehouse's views; returns the semantic manifest they come from (None: a warehouse dbt has
    not built the semantic layer in, e.g. a hand-made one) and, per relation, the months whose
    rows changed since the previous publish (`_month_changes`).

    A relation the previous publish holds with the same columns is brought up to date month by
    month: the months whose rows differ (their count or the sum of their rows' hashes) are deleted
    and inserted again, the others are kept. Writing a table costs about four times more than
    reading it, and a night changes the last month or two of most relations."""
    from orchestration.lib.semantic import load_semantic_manifest, semantic_manifest_path, semantic_relations

    built = con.execute(
        "select count(*) from duckdb_views() where database_name = 'warehouse' and schema_name = 'semantic'"
    ).fetchone()[0]
    if not built:
        con.execute("drop schema if exists semantic cascade")
        return None, {}
    path = dbt_target / "semantic_manifest.json" if dbt_target is not None else None
    if path is None or not path.exists():
        path = semantic_manifest_path()
    relations = semantic_relations(load_semantic_manifest(path))
    con.execute("create schema if not exists semantic")
    for (stale,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'semantic'"
    ).fetchall():
        if stale not in relations:
            con.execute(f"drop table semantic.{stale}")
    changed: dict[str, list | None] = {}
    here = con.execute("select current_database()").fetchone()[0]
    stored = _stored_relations(con)
    con.execute("create temp table _semantic_months (relation varchar, month date, n bigint, h hugeint)")
    for name in relations:
        kept = f'"{here}".semantic.{name}'
        known = f"(select month, n, h from _stored_months where relation = {lit(name)})" if name in stored else None
        changed[name] = refresh_table(con, f"warehouse.semantic.{name}", kept, known)
        con.execute(f"insert into _semantic_months select {lit(name)}, month, n, h from _new_months")
        counts[f"semantic.{name}"] = con.execute(f"select count(*) from {kept}").fetchone()[0]
    con.execute(f"create schema if not exists {SEMANTIC_MONTHS.split('.')[0]}")
    con.execute(f"create table {SEMANTIC_MONTHS} as select * from _semantic_months order by relation, month")
    return path, changed


def _stored_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The relations whose month sums the previous publish recorded (`SEMANTIC_MONTHS`)."""
    if _columns(con, "_stored_months") is None:
        return set()
    return {r[0] for r in con.execute("select distinct relation from _stored_months").fetchall()}


def refresh_table(con: duckdb.DuckDBPyConnection, new: str, kept: str, known: str | None = None) -> list | None:
    """Makes table `kept` hold the rows of relation `new`, rewriting only the months whose rows
    differ (`_month_changes`), and returns them; when `kept` does not exist or has other columns,
    it is written whole (ALL_MONTHS). `known`: a relation (month, n, h) holding `kept`'s month
    sums, as the previous publish recorded them (None: they are computed from `kept`). Leaves
    `new`'s month sums in the temp table `_new_months`, for the next publish to know."""
    if _columns(con, kept) != _columns(con, new):
        con.execute(f"create or replace table {kept} as select * from {new}")
        con.execute(f"create or replace temp table _new_months as {_month_sums(con, kept)}")
        return ALL_MONTHS
    con.execute(f"create or replace temp table _new_months as {_month_sums(con, new)}")
    months, total = _month_changes(con, "_new_months", known or f"({_month_sums(con, kept)})")
    if 2 * len(months) > total:  # most of it: one write, without the deletes
        con.execute(f"create or replace table {kept} as select * from {new}")
    elif months:
        where = _in_months(con, new, months)
        con.execute(f"delete from {kept} where {where}")
        con.execute(f"insert into {kept} select * from {new} where {where}")
    return months


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]] | None:
    """(name, type) of each column of `relation` (None: there is no such relation)."""
    try:
        return [(r[0], r[1]) for r in con.execute(f"describe {relation}").fetchall()]
    except duckdb.CatalogException:
        return None


def _date_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The DATE columns of `relation`, in their order (none when there is no such relation)."""
    return [name for name, kind in _columns(con, relation) or [] if kind == "DATE"]


def _month_date(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    """The column whose month is a row's month in `relation` (its first DATE column, quoted;
    None without one): the month sums group by it and `_in_months` filters on it."""
    dates = _date_columns(con, relation)
    return f'"{dates[0]}"' if dates else None


def _month_column(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The month of a row of `relation` (`_month_date`; a constant NULL without one)."""
    column = _month_date(con, relation)
    return f"cast(date_trunc('month', {column}) as date)" if column else "cast(null as date)"


def _in_months(con: duckdb.DuckDBPyConnection, relation: str, months: list) -> str:
    """A filter on the rows of `relation` in `months` (`_month_column`; None among them: the rows
    without a month). Written as ranges of the DATE column itself, not as a test of its month: a
    range reaches the scans of the tables under a view, whose per-row-group min/max then skip
    the other months (a night's month of sem_orders at scale 100: 0.13 s against 0.91 s)."""
    column = _month_date(con, relation)
    if column is None:  # every row's month is NULL
        return "true" if None in months else "false"
    days = sorted(m for m in months if m is not None)
    spans: list[list[dt.date]] = []  # [first month, month after the last] of each run of months
    for month in days:
        if spans and spans[-1][1] == month:
            spans[-1][1] = shift("month", month, 1)
        else:
            spans.append([month, shift("month", month, 1)])
    parts = [f"({column} >= date '{a.isoformat()}' and {column} < date '{b.isoformat()}')" for a, b in spans]
    parts += [f"{column} is null"] if None in months else []
    return "(" + " or ".join(parts) + ")" if parts else "false"


def _month_sums(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """SELECT of each month's (`_month_column`) count of rows and sum of row hashes in `relation`."""
    return (
        f"select {_month_column(con, relation)} as month, count(*) as n, sum(hash(semantic_row)) as h"
        f" from {relation} as semantic_row group by all"
    )


def _month_changes(con: duckdb.DuckDBPyConnection, new: str, old: str) -> tuple[list, int]:
    """The months whose rows differ between two relations of the same columns, from their month
    sums (`_month_sums`, None for the rows without a month): in one and not the other, or with
    another count of rows or sum of row hashes; and how many months the two hold in all. A
    changed month could only go unseen if its rows' 64-bit hashes summed to the same number."""
    rows = con.execute(
        f"select coalesce(a.month, b.month), a.n is distinct from b.n or a.h is distinct from b.h"
        f" from {new} as a full join {old} as b on a.month is not distinct from b.month order by 1"
    ).fetchall()
    return [month for month, differs in rows if differs], len(rows)


#: what a publish's kpi_values_by_dimension was computed from, read by the next publish
BY_DIMENSION_STATE = "publish_state.by_dimension"
#: each semantic table's month sums (`_month_sums`) as published, read by the next publish
#: instead of hashing its copy of the table again
SEMANTIC_MONTHS = "publish_state.semantic_months"


def _write_values_by_dimension(
    tmp: Path,
    manifest_path: Path | None,
    dbt_target: Path | None,
    warehouse: Path,
    previous: Path | None,
    changed: dict[str, list | None],
) -> int:
    """kpi.kpi_values_by_dimension of the new file, computed through MetricFlow over the new
    file's own semantic tables (plain tables: about a third faster than the warehouse's views
    at scale 100). MetricFlow's SQL names `"warehouse"."semantic"."sem_*"`, so the new file is
    attached under that catalog name, as `kpi query` attaches the serving database.

    A night computes, statement by statement, the periods from the start of the period (of the
    statement's grain) of the first re-opened day of the tables that statement reads, and copies the earlier ones from the
    previous publish (`_since`)."""
    from orchestration.lib.semantic import (
        BY_DIMENSION_COLUMNS,
        WAREHOUSE_CATALOG,
        SemanticLayer,
        by_dimension_statements,
        load_semantic_manifest,
        write_values_by_dimension,
    )

    con = duck.connect(":memory:", spill=warehouse.parent / "tmp")
    try:
        con.execute(f"attach '{tmp}' as {WAREHOUSE_CATALOG}")
        table = f"{WAREHOUSE_CATALOG}.kpi.{BY_DIMENSION}"
        if manifest_path is None:
            con.execute(f"create table {table} ({BY_DIMENSION_COLUMNS})")
            return 0

        def layer():
            return SemanticLayer(con, load_semantic_manifest(manifest_path))

        plan = by_dimension_statements(layer, manifest_path, dbt_target)
        con.execute(f"attach '{warehouse}' as source_warehouse (read_only)")
        if previous is not None:
            con.execute(f"attach '{previous}' as previous_publish (read_only)")
        state = _ledger_state(con)
        since = None
        if previous and state:
            redrawn = _Redrawn(con, load_semantic_manifest(manifest_path), changed)
            since = _since(con, plan, state, _semantic_inputs(dbt_target), redrawn)
        count = write_values_by_dimension(
            con,
            plan,
            table,
            f"{WAREHOUSE_CATALOG}.kpi.kpi_values",
            since=since,
            previous=f"previous_publish.kpi.{BY_DIMENSION}" if since is not None else None,
        )
        if state is not None:
            schema = BY_DIMENSION_STATE.split(".")[0]
            con.execute(f"create schema if not exists {WAREHOUSE_CATALOG}.{schema}")
            con.execute(
                f"create table {WAREHOUSE_CATALOG}.{BY_DIMENSION_STATE} as select ? as plan_key,"
                " cast(? as bigint) as change_seq, ? as ledger, cast(? as date) as as_of",
                [plan.key, *state],
            )
        return count
    finally:
        con.close()


def _ledger_digest(con: duckdb.DuckDBPyConnection, seq: int) -> str:
    """The warehouse's change ledger up to `seq`, as a digest: another warehouse (rebuilt,
    replaced) has another one, even where its sequence numbers are the same."""
    n, digest = con.execute(
        "select count(*), coalesce(sum(hash(table_name, event_date, change_seq, changed_at)), 0)"
        " from source_warehouse.meta.changed_event_dates where change_seq <= ?",
        [seq],
    ).fetchone()
    return f"{n}:{digest}"


def _ledger_state(con: duckdb.DuckDBPyConnection) -> tuple[int, str, object] | None:
    """(last change_seq, ledger digest, as-of date) of the warehouse this publish reads; None for
    a warehouse without the ingestion ledger (a hand-made one): then every period is computed."""
    try:
        seq = con.execute("select coalesce(max(change_seq), 0) from source_warehouse.meta.changed_event_dates")
        seq = seq.fetchone()[0]
        as_of = con.execute("select max(as_of) from source_warehouse.meta.run_context").fetchone()[0]
    except duckdb.CatalogException:
        return None
    return (seq, _ledger_digest(con, seq), as_of) if as_of is not None else None


#: the pseudo-table of a semantic relation that looks ahead (`_semantic_inputs`)
LOOKS_AHEAD = "(looks ahead)"
#: the pseudo-table of a semantic relation that reads the period spine (`_semantic_inputs`)
SPINE = "(period spine)"


def _semantic_inputs(dbt_target: Path | None) -> dict[str, set[str]] | None:
    """Semantic relation (`sem_*`) -> the raw tables it reads, from the run's dbt manifest (None
    when there is none: then every statement computes every period). A relation whose rows of
    a day can change with a later day or the as-of date (`looking_ahead`) also reads LOOKS_AHEAD."""
    from orchestration.lib.dbt_manifest import looking_ahead, raw_inputs, reading_spine

    path = dbt_target / "manifest.json" if dbt_target is not None else None
    if path is None or not path.exists():
        return None
    manifest = json.loads(path.read_text())
    names = {n["name"] for n in manifest["nodes"].values() if n["name"].startswith("sem_")}
    inputs = raw_inputs(manifest, names)
    for name in looking_ahead(manifest, names):
        inputs[name] = inputs[name] | {LOOKS_AHEAD}
    for name in reading_spine(manifest, names):
        inputs[name] = inputs[name] | {SPINE}
    return inputs


class _Redrawn:
    """Where the rows of a dimension's semantic model changed since the previous publish re-slice
    events: a customer's segment comes from `sem_customers`, which holds the customers with a
    completed order up to the as-of date, so a customer's first order tonight moves its support
    tickets of last year from the member NULL to its segment; no ledger date of the tickets says so.

    For a dimension `entity__attribute`, the rows of the entity's primary model that differ between
    the previous publish and this one (new, gone, changed) give the changed keys; the day returned
    is the earliest date, in any date column, of those rows and of the rows of every other model the
    statement reads that name one of the keys (dt.date.min: everything, when a model the statement
    reads does not name the entity, or the previous publish lacks the model). Only the months of
    the model that `_write_semantic` found changed are compared (`months`)."""

    EVERYTHING = dt.date.min

    def __init__(self, con: duckdb.DuckDBPyConnection, manifest, months: dict[str, list | None]) -> None:
        from orchestration.lib.semantic import WAREHOUSE_CATALOG

        self.con, self.new, self.months = con, WAREHOUSE_CATALOG, months
        self.entities = {
            sm.node_relation.alias: {e.name: e.expr or e.name for e in sm.entities} for sm in manifest.semantic_models
        }
        self.primary = {
            e.name: sm.node_relation.alias
            for sm in manifest.semantic_models
            for e in sm.entities
            if e.type.value == "primary"
        }
        self.spines = {spine.node_relation.alias for spine in manifest.project_configuration.time_spines}
        self._first: dict[tuple[str, str], dt.date | None] = {}
        self.changed_keys: dict[str, int] = {}

    def _min(self, relation: str, where: str, catalogs: tuple[str, ...]) -> dt.date | None:
        """The earliest value of any DATE column of `relation`'s rows matching `where`, over `catalogs`."""
        days = []
        for catalog in catalogs:
            columns = ", ".join(f'min("{col}")' for col in _date_columns(self.con, f"{catalog}.semantic.{relation}"))
            if columns:
                row = self.con.execute(f"select {columns} from {catalog}.semantic.{relation} where {where}").fetchone()
                days.extend(d for d in row if d is not None)
        return min(days) if days else None

    def _compare(self, model: str) -> bool:
        """Compares the model's rows with the previous publish's (into temp table _redrawn_<model>),
        in the months `_write_semantic` found changed (once per model); False when there are no
        previous rows to compare with (ALL_MONTHS)."""
        months = self.months.get(model, ALL_MONTHS)
        if months is ALL_MONTHS:
            return False
        if model not in self.changed_keys:
            new, old = f"{self.new}.semantic.{model}", f"previous_publish.semantic.{model}"
            where = _in_months(self.con, new, months)
            self.con.execute(
                f"create or replace temp table _redrawn_{model} as"
                f" (select * from {new} where {where} except select * from {old} where {where})"
                f" union all (select * from {old} where {where} except select * from {new} where {where})"
            )
            self.changed_keys[model] = self.con.execute(f"select count(*) from _redrawn_{model}").fetchone()[0]
        return True

    def _changed(self, model: str, entity: str) -> dt.date | None:
        """The earliest date of the model's rows, new or previous, whose key (`entity`) names a row
        that differs (EVERYTHING: no previous rows to compare with)."""
        if not self._compare(model):
            return self.EVERYTHING
        if not self.changed_keys[model]:
            return None
        key = self.entities[model][entity]
        return self._min(model, f'"{key}" in (select "{key}" from _redrawn_{model})', (self.new, "previous_publish"))

    def rows_changed_from(self, model: str) -> dt.date | None:
        """For a relation that looks ahead: the earliest date, in any DATE column, of its rows that
        differ from the previous publish's (None: none differ; EVERYTHING: no previous rows, or a
        differing row without a month)."""
        months = self.months.get(model, ALL_MONTHS)
        if months is ALL_MONTHS or None in months or not self._compare(model):
            return self.EVERYTHING
        if not self.changed_keys[model]:
            return None
        columns = ", ".join(f'min("{col}")' for col in _date_columns(self.con, f"_redrawn_{model}"))
        days = (
            [d for d in self.con.execute(f"select {columns} from _redrawn_{model}").fetchone() if d] if columns else []
        )
        return min(days) if days else self.EVERYTHING

    def first_day(self, dimension: str, relations: set[str]) -> dt.date | None:
        """The earliest day the statement of `dimension` over `relations` re-slices (None: none)."""
        entity = dimension.split("__")[0] if "__" in dimension else None
        model = self.primary.get(entity) if entity else None
        if model is None or model not in relations:
            return None
        if (model, model) not in self._first:
            self._first[(model, model)] = self._changed(model, entity)
        days = [self._first[(model, model)]]
        if days[0] is not self.EVERYTHING and self.changed_keys.get(model):
            key = self.entities[model][entity]
            for relation in sorted(relations - {model} - self.spines):
                if (model, relation) not in self._first:
                    column = self.entities.get(relation, {}).get(entity)
                    where = f'"{column}" in (select "{key}" from _redrawn_{model})'
                    self._first[(model, relation)] = (
                        self.EVERYTHING if column is None else self._min(relation, where, (self.new,))
                    )
                days.append(self._first[(model, relation)])
        days = [d for d in days if d is not None]
        return min(days) if days else None


def _since(
    con: duckdb.DuckDBPyConnection, plan, state, inputs: dict[str, set[str]] | None, redrawn: _Redrawn
) -> list | None:
    """For each statement of `plan`, the first day of the periods this publish must compute again
    (the start of the statement's period that holds the first re-opened day; None: all of them);
    None when no statement may keep anything.

    The previous publish's rows of a period still hold when nothing that feeds the period
    changed since: the same plan (semantic manifest), the same warehouse (its ledger up to the
    previous publish's change_seq is the one recorded then), no change on every date to a table
    the statement reads (a dimension table such as customers or products: NULL in the ledger),
    and the period ends before the earliest event date that changed since in the tables the
    statement reads (a new, restated or re-resolved row; a late fx rate re-converts everything
    after its date), and on or before the earlier of the previous and today's as-of dates (a
    period that comes into view, moves or completes holds a day after it). The tables a statement reads are those of its semantic
    relations, through dbt's graph (`inputs`; every period is computed when it is unknown).
    Values only look back (a period's value reads its own and earlier days), so the later
    periods are all computed again; the earlier ones are copied, with is_measurable from
    today's kpi_values.
    A relation that looks ahead (LOOKS_AHEAD: a session converts with an order of a later day)
    can change on days the ledger does not name: a statement over one also computes again the
    periods from the earliest date of its rows that differ from the previous publish's
    (`_Redrawn.rows_changed_from`).
    A relation that reads the period spine (SPINE: snapshots at measurement days, the daily
    calendar) reads no table through it but the spine's first day, as int_kpi_rows: its statements
    are computed whole when a change since meets or precedes the spine's first day (the spine
    starts elsewhere), and otherwise only the as-of dates move it."""
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'previous_publish'"
        f" and schema_name || '.' || table_name in ('{BY_DIMENSION_STATE}', 'kpi.{BY_DIMENSION}')"
    ).fetchone()[0]
    if found != 2 or plan.key is None:
        return None
    recorded = con.execute(f"select plan_key, change_seq, ledger, as_of from previous_publish.{BY_DIMENSION_STATE}")
    rows = recorded.fetchall()
    if len(rows) != 1:
        return None
    key, seq, ledger, last_as_of = rows[0]
    if key != plan.key or ledger != _ledger_digest(con, seq) or last_as_of is None:
        return None
    changes = {
        table: (everything, first)
        for table, everything, first in con.execute(
            "select table_name, bool_or(event_date is null), min(event_date)"
            " from source_warehouse.meta.changed_event_dates where change_seq > ? group by table_name",
            [seq],
        ).fetchall()
    }
    # the as-of date's move changes the periods from the day after the earlier date on (a period
    # that ends on it was measured at its last day both times: _as_of_moved_from in dbt)
    floor = min(last_as_of, state[2]) + dt.timedelta(days=1)
    spine_moved = _spine_moved(con, changes)
    out: list[dt.date | None] = []
    for i in range(len(plan.full)):
        relations = plan.relations(i)
        known = inputs is not None and relations and all(r in inputs for r in relations)
        if not known:
            out.append(None)
            continue
        tables = set().union(*(inputs[r] for r in relations))
        hit = [changes[t] for t in sorted(tables) if t in changes]
        if any(everything for everything, _ in hit) or (SPINE in tables and spine_moved):
            out.append(None)
            continue
        # where the rows of a relation that looks ahead changed, whatever the ledger says
        ahead = [redrawn.rows_changed_from(r) for r in sorted(relations) if LOOKS_AHEAD in inputs[r]]
        redrawn_from = [redrawn.first_day(plan.pieces[i][0], relations), *ahead]
        if _Redrawn.EVERYTHING in redrawn_from:
            out.append(None)
            continue
        day = min([floor, *(first for _, first in hit if first is not None), *(d for d in redrawn_from if d)])
        out.append(period_start(plan.pieces[i][1], day))
    return out


def _spine_moved(con: duckdb.DuckDBPyConnection, changes: dict[str, tuple[bool, object]]) -> bool:
    """spine_moves, with the spine's first day read from the warehouse (None without a spine)."""
    try:
        first = con.execute(
            "select min(period_start) from source_warehouse.intermediate.int_periods where grain = 'day'"
        ).fetchone()[0]
    except duckdb.CatalogException:
        first = None
    return spine_moves(changes, first)


def spine_moves(changes: dict[str, tuple[bool, object]], spine_first) -> bool:
    """Whether the period spine may start on another day than at the previous publish: there is
    no spine (`spine_first` is None), a changed event date meets or precedes its first day, or a
    table with an event date changed on every date (its first, full resolution). `changes`:
    table -> (changed on every date, earliest changed date or None). The same rule as the
    `spine_moves` macro of the incremental models (macros/incremental_facts.sql);
    tests/test_dbt_project.py holds the two to the same cases."""
    from orchestration.lib import contract as ct

    if spine_first is None:
        return True
    for table, (every, first) in changes.items():
        if first is not None and first <= spine_first:
            return True
        if every and ct.TABLES.get(table) and ct.TABLES[table].event_date:
            return True
    return False


def _export(serving: Path, exports: Path) -> None:
    """exports/<table>.parquet from the audited file, each written aside and renamed in."""
    with duckdb.connect(str(serving), read_only=True) as con:
        for name in [*OUTPUTS, BY_DIMENSION]:
            out = exports / f"{name}.parquet"
            part = out.with_name(out.name + ".tmp")
            con.execute(f"copy kpi.{name} to '{part}' (format parquet)")
            os.replace(part, out)


def audit_publish(new: Path, warehouse: Path, previous: Path | None, dbt_run_results: Path | None) -> list[str]:
    """What is wrong with the new serving database `new`; empty when it may be published."""
    problems: list[str] = []
    if dbt_run_results is not None:
        problems += _failed_dbt_tests(dbt_run_results)
    con = duckdb.connect(str(new), read_only=True)
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        for name, sql in OUTPUTS.items():
            got = con.execute(f"select count(*) from kpi.{name}").fetchone()[0]
            want = con.execute(f"select count(*) from {_source(sql)}").fetchone()[0]
            if got != want:
                problems.append(f"kpi.{name} holds {got} rows, the warehouse {want}")
        for name, key in KEYS.items():
            cols = ", ".join(key)
            dup = con.execute(
                f"select {cols}, count(*) from kpi.{name} group by all having count(*) > 1 limit 3"
            ).fetchall()
            if dup:
                problems.append(f"kpi.{name}: the key ({cols}) repeats, e.g. {dup}")
        problems += _bridge_problems(con)
        if previous is not None:
            con.execute(f"attach '{previous}' as prev (read_only)")
            lost = [
                r[0]
                for r in con.execute(
                    "select distinct kpi_id from prev.kpi.kpi_values except select distinct kpi_id from kpi.kpi_values"
                    " order by 1"
                ).fetchall()
            ]
            if lost:
                problems.append(f"KPI(s) with rows in the previous publish have none now: {', '.join(lost)}")
    finally:
        con.close()
    return problems


def _source(sql: str) -> str:
    """The warehouse relation an output table copies (each copies exactly one, row for row)."""
    return re.search(r"\bfrom (warehouse\.\w+\.\w+)", sql).group(1)


def _failed_dbt_tests(run_results: Path) -> list[str]:
    if not run_results.exists():
        return [f"dbt's run results {run_results} are missing: the build's tests cannot be checked"]
    results = json.loads(run_results.read_text())["results"]
    failed = [
        f"{r['unique_id']} ({r['status']})"
        for r in results
        if r["unique_id"].startswith(("test.", "unit_test.")) and r["status"] in ("fail", "error")
    ]
    return [f"dbt test(s) failed in this run: {', '.join(failed[:10])}"] if failed else []


def _bridge_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The bridges add up on the published numbers: Σ mrr_bridge = mrr(p) − mrr(p−1), and for a
    complete period Σ revenue_bridge = revenue(p) − revenue(b). (The incomplete period's to-date
    comparison windows are not published; dbt's identity test covers them.)"""
    problems = []
    mrr = con.execute(
        f"""
        with v as (select grain, period_start, value from kpi.kpi_values where kpi_id = 'mrr'),
        b as (select grain, period_start, sum(amount) as bridged from kpi.mrr_bridge group by all)
        select b.grain, b.period_start, b.bridged, cur.value - coalesce(prev.value, 0) as moved
        from b join v cur using (grain, period_start)
        left join v prev on prev.grain = b.grain
         and prev.period_start = cast(b.period_start - (case b.grain when 'month' then interval 1 month
             when 'quarter' then interval 3 month else interval 1 year end) as date)
        where abs(b.bridged - (cur.value - coalesce(prev.value, 0))) > {_CENT}
        order by 1, 2 limit 3"""
    ).fetchall()
    if mrr:
        problems.append(f"mrr_bridge does not add up to mrr(p) − mrr(p−1): {mrr}")
    revenue = con.execute(
        f"""
        with v as (select grain, period_start, value, is_complete from kpi.kpi_values where kpi_id = 'revenue'),
        b as (select grain, period_start, comparison, sum(amount) as bridged from kpi.revenue_bridge group by all)
        select b.grain, b.period_start, b.comparison, b.bridged, cur.value - base.value
        from b join v cur using (grain, period_start)
        join v base on base.grain = b.grain
         and base.period_start = cast(b.period_start - (case
             when b.comparison = 'year_ago' then interval 1 year
             when b.grain = 'month' then interval 1 month
             when b.grain = 'quarter' then interval 3 month else interval 1 year end) as date)
        where cur.is_complete and cur.value is not null and base.value is not null
          and abs(b.bridged - (cur.value - base.value)) > {_CENT}
        order by 1, 2, 3 limit 3"""
    ).fetchall()
    if revenue:
        problems.append(f"revenue_bridge does not add up to revenue(p) − revenue(b): {revenue}")
    return problems
