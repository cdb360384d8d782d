"""Ingestion of the landing zone: SQL over DuckDB, out of core, a night does one day's work.

    from orchestration.lib.ingest import ingest
    results = ingest(Home.from_env())          # all 21 tables, load clock = now (UTC)
    results["orders"].rows_loaded

No table is ever held in Python memory: files go from disk into DuckDB (`read_csv`,
`read_parquet`, xlsx streamed in batches), and parsing, the row rules, keys,
last-landed-wins, foreign keys and the quarantine are SQL generated from the contract
(`lib/contract.py`, `lib/rules.py`). DuckDB works under a memory limit and spills to
`<home>/tmp` (KPI_DUCKDB_MEMORY_LIMIT, default 2GB).

Two files, so Great Expectations can read one while the pipeline writes the other:

- `landed.duckdb` (schema `landing`): the ledger of files, every row of every file as it
  landed (all versions), rejected files, and the views GX validates (schema `gx`).
- `warehouse.duckdb`: the accepted rows `raw.<table>`, the quarantine and the status
  tables in `meta`, and everything dbt builds.

A run has four steps, each writing one of the two files (so each publishes a table in one
transaction, and a run killed at any point resumes where it stopped: every step finds its work
from what the previous step committed; rows the landing read for a table whose transaction
never committed are deleted by the next run, `Lander.table`):

1. **Land** (landed.duckdb). The files of `landing/<table>/` are compared with the ledger:
   a file whose size and modification time are unchanged is not read; otherwise its
   sha256 decides whether it is new, a *restatement* (known name, new content) or
   unchanged. New and restated files are read into `landing.rows_<table>`: the text as
   landed, the values parsed in SQL (`<column>__v`), the canonical primary key `_key`,
   the event date and `_row_rules`, the row rules the row breaks. A restatement replaces
   its previous version's rows that share a key (and those whose key did not parse); an
   old key the new version lacks keeps its row. A CSV line that cannot be parsed is kept
   with its line number and the reader's reason (quarantined later); the file's other
   rows are kept. A file that cannot be read at all, or lacks a required column, is
   rejected whole; the rows of such a file whose event date can be read are counted per
   event date (kpis.md v1.2: they count as quarantined rows of their periods).
   Sub-folders and unsupported files are reported once as skipped; extra columns as
   schema drift.
2. **Validate** (read-only, in the GX worker process, while the pipeline goes on). Great
   Expectations validates the new rows of every table on its SQL engine
   (`lib/gx_suites.py`); it is the validator of record.
3. **Resolve** (warehouse.duckdb). Key rules in SQL, only over the keys that changed (the
   new rows' keys, keys a restatement touched, rows whose parent or currency changed
   acceptance): a. last landed wins (per key, the file with the latest modification time,
   then name); b. a key repeated inside that winning file quarantines every copy;
   c. foreign keys against the *accepted* rows of the parent (a quarantined parent
   cascades); d. a currency that is not USD and never appears in accepted fx_rates;
   e. periods of one subscription must not overlap (both rows of a pair quarantined).
4. **Audit** (`audit`, before anything is published): per expectation, GX's unexpected
   count must equal the number of rows `_row_rules` marks for that rule; a disagreement
   or an expectation GX could not evaluate stops the run.

**rows_landed** = the table's current winning rows (one per key from the file that landed
last; all copies of a key repeated inside that file; every row whose key does not parse
and every unreadable CSV line); each is accepted (`rows_loaded`) or quarantined
(`rows_quarantined`), so rows_landed = rows_loaded + rows_quarantined by construction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib import contract as ct
from orchestration.lib import duck, rules
from orchestration.lib.landing_files import (
    LandingFile,
    UnreadableFile,
    as_text,
    load_xlsx,
    missing_required,
    read_columns,
    read_header,
    scan_landing_root,
    scan_table_folder,
    sha256,
    source_sql,
    text_columns,
)
from orchestration.lib.rules import lit, q, typed
from orchestration.lib.settings import Home

SCHEMA_VERSION = 2

#: Tables without event date whose rows only describe the events that name them (a customer's
#: segment, a campaign's channel, an account's type): no KPI, semantic model or grid reads one
#: of their rows except through such an event. A new key alone then changes only the dates of
#: the events that name it: those with a foreign-key rule were quarantined until it came, and are
#: resolved again with their own dates; the dates of those without one (`unchecked_references`)
#: are recorded. Only a changed or removed accepted row changes every date. products is
#: not one of them: the inventory grid has a row per product and day, events or not.
DESCRIBES_EVENTS_ONLY = frozenset({"customers", "campaigns", "accounts"})
SAMPLE_KEYS = 5
GX_SCHEMA = "gx"


def utc_now() -> dt.datetime:
    """The load clock: now, naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class TableResult:
    table: str
    folder_exists: bool = False
    is_present: bool = False
    files_seen: int = 0
    files_new: int = 0
    files_restated: int = 0
    files_unchanged: int = 0
    files_rejected: int = 0  # currently rejected files of the table
    rejected_this_run: list[dict] = field(default_factory=list)  # {file_name, reason}
    skipped_this_run: list[dict] = field(default_factory=list)  # {file_name, reason}, reported once
    schema_drift: dict[str, list[str]] = field(default_factory=dict)  # file -> extra columns (this run)
    rows_read: int = 0  # rows read this run from new and restated files
    rows_landed: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rule_counts: dict[str, int] = field(default_factory=dict)
    sample_keys: dict[str, list[str]] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: int = 0
    gx_results: list[dict] = field(default_factory=list)  # per expectation: rule, success, counts
    data_docs: str | None = None
    seconds: float = 0.0

    @property
    def unusable_reason(self) -> str | None:
        """Why the table cannot be used at all (None when it can)."""
        if not self.folder_exists:
            return f"landing folder {self.table}/ is missing"
        if self.files_seen and self.files_seen == self.files_rejected:
            return f"every file of {self.table}/ was rejected"
        if self.rows_loaded == 0:
            return f"{self.table} has no accepted rows"
        return None

    @property
    def summary(self) -> str:
        """One line for the run log: what was read, and what the table now holds."""
        read = (
            f"read {self.rows_read} rows from {self.files_new} new and {self.files_restated} restated file(s)"
            if self.files_new or self.files_restated
            else "no new or changed files"
        )
        extra = []
        if self.rejected_this_run:
            extra.append(f"{len(self.rejected_this_run)} file(s) rejected")
        if self.skipped_this_run:
            extra.append(f"{len(self.skipped_this_run)} skipped")
        if self.schema_drift:
            extra.append(f"extra columns in {len(self.schema_drift)} file(s)")
        return (
            f"{read}; now holds {self.rows_landed} current rows: {self.rows_loaded} accepted, "
            f"{self.rows_quarantined} quarantined" + (f" ({', '.join(extra)})" if extra else "")
        )

    def as_dict(self) -> dict:
        return asdict(self)


_STATE_FIELDS = (
    "rows_landed",
    "rows_loaded",
    "rows_quarantined",
    "rule_counts",
    "sample_keys",
    "checks_passed",
    "checks_failed",
)

# --- the two databases -------------------------------------------------------------------------

LANDED_DDL = [
    "CREATE SCHEMA IF NOT EXISTS landing",
    f"CREATE SCHEMA IF NOT EXISTS {GX_SCHEMA}",
    "CREATE TABLE IF NOT EXISTS landing.schema_version (version INTEGER)",
    """CREATE TABLE IF NOT EXISTS landing.ledger (table_name VARCHAR, file_name VARCHAR,
        checksum VARCHAR, rows BIGINT, modified_at TIMESTAMP, loaded_at TIMESTAMP, status VARCHAR,
        size_bytes BIGINT, mtime_ns BIGINT, reason VARCHAR)""",
    # one per table and run that landed rows; validated once GX's results were audited
    """CREATE TABLE IF NOT EXISTS landing.batches (table_name VARCHAR, batch VARCHAR, load_clock TIMESTAMP,
        validated BOOLEAN)""",
    "CREATE TABLE IF NOT EXISTS landing.restated_keys (table_name VARCHAR, batch VARCHAR, key VARCHAR)",
    # a table's batch whose rows are being read (`Lander.table`): rows of a batch still open when a
    # run starts were left by a run that stopped before it committed them, and are deleted
    "CREATE TABLE IF NOT EXISTS landing.open_batches (table_name VARCHAR, batch VARCHAR)",
    "CREATE TABLE IF NOT EXISTS landing.changed_dates (table_name VARCHAR, batch VARCHAR, event_date DATE)",
    """CREATE TABLE IF NOT EXISTS landing.rejected_files (table_name VARCHAR, file_name VARCHAR,
        reason VARCHAR, rejected_at TIMESTAMP)""",
    # kpis.md v1.2: the rows of a file rejected whole count as quarantined rows of their periods
    """CREATE TABLE IF NOT EXISTS landing.rejected_rows (table_name VARCHAR, file_name VARCHAR,
        event_date DATE, row_count BIGINT)""",
    """CREATE TABLE IF NOT EXISTS landing.schema_drift (table_name VARCHAR, file_name VARCHAR,
        column_name VARCHAR, first_seen_at TIMESTAMP)""",
]

WAREHOUSE_DDL = [
    "CREATE SCHEMA IF NOT EXISTS raw",
    "CREATE SCHEMA IF NOT EXISTS meta",
    "CREATE TABLE IF NOT EXISTS meta.schema_version (version INTEGER)",
    """CREATE TABLE IF NOT EXISTS meta.quarantine (table_name VARCHAR, file_name VARCHAR,
        row_key VARCHAR, rule VARCHAR, raw_row VARCHAR, first_seen_at TIMESTAMP, event_date DATE)""",
    """CREATE TABLE IF NOT EXISTS meta.table_status (table_name VARCHAR, is_present BOOLEAN,
        rows_loaded BIGINT, rows_quarantined BIGINT, files_rejected BIGINT)""",
    """CREATE TABLE IF NOT EXISTS meta.data_quality (run_id VARCHAR, table_name VARCHAR,
        rows_landed BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, files_rejected BIGINT,
        checks_passed BIGINT, checks_failed BIGINT)""",
    "CREATE TABLE IF NOT EXISTS meta.resolved_batches (table_name VARCHAR, batch VARCHAR)",
    # keys a parent's (or fx_rates') change of acceptance hands to a child table
    "CREATE TABLE IF NOT EXISTS meta.pending_keys (table_name VARCHAR, key VARCHAR)",
    "CREATE TABLE IF NOT EXISTS meta.ingest_state (table_name VARCHAR, stats VARCHAR)",
    # event dates whose accepted rows may have changed (NULL: every date), for the incremental dbt
    # models; change_seq grows with every resolution (models remember the last one they consumed)
    """CREATE TABLE IF NOT EXISTS meta.changed_event_dates (table_name VARCHAR, event_date DATE,
        changed_at TIMESTAMP, change_seq BIGINT)""",
    """CREATE TABLE IF NOT EXISTS meta.gx_results (run_id VARCHAR, table_name VARCHAR, batch VARCHAR,
        expectation INTEGER, rule VARCHAR, expectation_type VARCHAR, success BOOLEAN,
        unexpected_count BIGINT, sql_count BIGINT, validated_at TIMESTAMP)""",
    # copies of the landing-side tables that dbt and the published outputs read
    """CREATE TABLE IF NOT EXISTS meta.rejected_files (table_name VARCHAR, file_name VARCHAR,
        reason VARCHAR, rejected_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.rejected_rows (table_name VARCHAR, file_name VARCHAR,
        event_date DATE, row_count BIGINT)""",
    """CREATE TABLE IF NOT EXISTS meta.schema_drift (table_name VARCHAR, file_name VARCHAR,
        column_name VARCHAR, first_seen_at TIMESTAMP)""",
]


def rows_table(t: ct.Table, db: str = "") -> str:
    """The landed rows of a table (in landed.duckdb; `db` is its attached name)."""
    return f"{db + '.' if db else ''}landing.rows_{t.name}"


def _landed_column_names(t: ct.Table) -> list[str]:
    cols = ["_file_name", "_row_number", "_file_mtime", "_landed_at", "_batch", "_raw_line"]
    cols += [c.name for c in t.columns]
    cols += [n for n, _ in rules.parsed_columns(t)]
    return cols + ["_key", "_event_date", "_row_rules"]


def rows_ddl(t: ct.Table) -> str:
    types = {
        "_file_name": "VARCHAR",
        "_row_number": "BIGINT",
        "_file_mtime": "TIMESTAMP",
        "_landed_at": "TIMESTAMP",
        "_batch": "VARCHAR",
        "_raw_line": "VARCHAR",  # an unparseable CSV line, as landed (its columns are then NULL)
        "_key": "VARCHAR",
        "_event_date": "DATE",
        "_row_rules": "VARCHAR[]",
    }
    for c in t.columns:
        types[c.name] = "VARCHAR"
    for name, _ in rules.parsed_columns(t):
        base = name.rsplit("__", 1)[0]
        types[name] = "DECIMAL(38,4)" if name.endswith("__max") else rules.PARSED_TYPES[t.column(base).type]
    cols = ", ".join(f"{q(n)} {types[n]}" for n in _landed_column_names(t))
    return f"CREATE TABLE IF NOT EXISTS {rows_table(t)} ({cols})"


def raw_ddl(t: ct.Table) -> str:
    cols = [f"{q(c.name)} {ct.DUCKDB_TYPES[c.type]}" for c in t.columns]
    cols += ["_file_name VARCHAR", "_loaded_at TIMESTAMP"]
    return f"CREATE TABLE IF NOT EXISTS raw.{t.name} ({', '.join(cols)})"


def _check_version(con: duckdb.DuckDBPyConnection, schema: str, drop: list[str]) -> bool:
    """True when the layout is current; an older layout is dropped (rebuilt from the landing zone)."""
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'schema_version'",
        [schema],
    ).fetchone()[0]
    version = con.execute(f"SELECT max(version) FROM {schema}.schema_version").fetchone()[0] if present else None
    if version == SCHEMA_VERSION:
        return True
    anything = con.execute(
        f"SELECT count(*) FROM information_schema.tables WHERE table_schema IN ({', '.join(lit(d) for d in drop)})"
    ).fetchone()[0]
    if anything:
        print(
            f"kpi: {schema} tables of an older layout ({version or 1}) found; rebuilding them from the landing zone",
            flush=True,
        )
        for d in drop:
            con.execute(f"DROP SCHEMA IF EXISTS {d} CASCADE")
    return False


def ensure_landed_schema(con: duckdb.DuckDBPyConnection) -> None:
    current = _check_version(con, "landing", ["landing", GX_SCHEMA])
    for stmt in LANDED_DDL:
        con.execute(stmt)
    if not current:
        con.execute("DELETE FROM landing.schema_version")
        con.execute("INSERT INTO landing.schema_version VALUES (?)", [SCHEMA_VERSION])
    for t in ct.TABLES.values():
        con.execute(rows_ddl(t))


def ensure_warehouse_schema(con: duckdb.DuckDBPyConnection) -> None:
    current = _check_version(con, "meta", ["raw", "meta"])
    for stmt in WAREHOUSE_DDL:
        con.execute(stmt)
    if not current:
        con.execute("DELETE FROM meta.schema_version")
        con.execute("INSERT INTO meta.schema_version VALUES (?)", [SCHEMA_VERSION])
    for t in ct.TABLES.values():
        con.execute(raw_ddl(t))


def connect(path: Path, timeout_s: float = 120.0, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a database of the home (lib/duck.py: memory limit, spill folder, UTC), waiting while
    another process holds its lock; rows keep the order they were inserted in."""
    con = duck.connect(path, read_only=read_only, timeout_s=timeout_s)
    con.execute("SET preserve_insertion_order = true")
    return con


# --- SQL built from the contract ---------------------------------------------------------------


def _trim(col: str, alias: str = "") -> str:
    return rules.trimmed_sql(col, f"{alias}." if alias else "")


def raw_key_sql(t: ct.Table, alias: str) -> str:
    """The canonical key text from the typed columns of raw.<table> (as `_key` is built)."""
    parts = []
    for k in t.primary_key:
        col = f"{alias}.{q(k)}"
        parts.append(f"strftime({col}, '%Y-%m-%d')" if t.column(k).type == "date" else f"CAST({col} AS VARCHAR)")
    return parts[0] if len(parts) == 1 else f"concat_ws('|', {', '.join(parts)})"


def landing_select(t: ct.Table, relation: str, text_cols: dict[str, str]) -> str:
    """SELECT of `_rn, _path, <text as landed>, <parsed>, _key, _event_date, _row_rules` from a
    relation with `_rn`, `_path` and the file's columns. `$clock` is the load clock.

    `text_cols`: contract column -> SQL of its text in `relation` (absent columns are NULL).
    The canonical key: dates ISO, ints as digits, ids trimmed, parts joined by '|'; NULL
    when a part does not parse.
    """
    raw = ", ".join(f"{text_cols.get(c.name, 'CAST(NULL AS VARCHAR)')} AS {q(c.name + '__raw')}" for c in t.columns)
    trimmed = ", ".join(f"{_trim(c.name + '__raw')} AS {q(c.name)}" for c in t.columns)
    parsed = [(n, sql) for n, sql in rules.parsed_columns(t) if not n.endswith("__max")]
    derived = [(n, sql) for n, sql in rules.parsed_columns(t) if n.endswith("__max")]
    pk_parts = []
    for k in t.primary_key:
        c = t.column(k)
        if c.type == "date":
            pk_parts.append(f"strftime({q(typed(k))}, '%Y-%m-%d')")
        elif c.type in rules.PARSED_TYPES:
            pk_parts.append(f"CAST({q(typed(k))} AS VARCHAR)")
        else:
            pk_parts.append(q(k))
    if len(pk_parts) == 1:
        key = pk_parts[0]
    else:
        present = " AND ".join(f"{p} IS NOT NULL" for p in pk_parts)
        key = f"CASE WHEN {present} THEN concat_ws('|', {', '.join(pk_parts)}) END"
    event = f"CAST({q(typed(t.event_date))} AS DATE)" if t.event_date else "CAST(NULL AS DATE)"
    out = ["_rn", "_path"] + [f"{q(c.name + '__raw')} AS {q(c.name)}" for c in t.columns]
    out += [q(n) for n, _ in rules.parsed_columns(t)]
    out += [f"{key} AS _key", f"{event} AS _event_date", f"{rules.row_rules_sql(t)} AS _row_rules"]
    stage_p = ", ".join(f"{sql} AS {q(n)}" for n, sql in parsed)
    stage_d = "".join(f", {sql} AS {q(n)}" for n, sql in derived)
    return f"""
        WITH s AS (SELECT _rn, _path, CAST($clock AS TIMESTAMP) AS {rules.LOAD_CLOCK_COLUMN}, {raw} FROM {relation}),
        tr AS (SELECT *, {trimmed} FROM s),
        p AS (SELECT *{", " + stage_p if stage_p else ""} FROM tr),
        d AS (SELECT *{stage_d} FROM p)
        SELECT {", ".join(out)} FROM d"""


def gx_view_sql(t: ct.Table, batches: list[str]) -> str:
    """The view GX validates: the new rows of `batches` as trimmed strings and parsed values."""
    cols = ["_file_name", "_row_number", f"_landed_at AS {rules.LOAD_CLOCK_COLUMN}"]
    cols += [f"{_trim(c.name)} AS {q(c.name)}" for c in t.columns]
    cols += [q(n) for n, _ in rules.parsed_columns(t)]
    return (
        f"CREATE OR REPLACE VIEW {GX_SCHEMA}.{t.name} AS SELECT {', '.join(cols)} FROM {rows_table(t)} "
        f"WHERE _batch IN ({', '.join(lit(b) for b in batches)}) AND _raw_line IS NULL"
    )


def raw_select(t: ct.Table, alias: str) -> str:
    """Typed contract columns of raw.<table> from landed rows."""
    out = []
    for c in t.columns:
        if c.type in rules.PARSED_TYPES:
            expr = f"CAST({alias}.{q(typed(c.name))} AS {ct.DUCKDB_TYPES[c.type]})"
        else:
            expr = _trim(c.name, alias)
        out.append(f"{expr} AS {q(c.name)}")
    return ", ".join(out)


def references_to(parent: str) -> list[tuple[str, str, str]]:
    """(child table, child column, parent column) of every rule that reads `parent`'s
    accepted rows: the "exists in" foreign keys, and for fx_rates every currency column."""
    out = []
    for t in ct.TABLES.values():
        for col, p, pcol in t.foreign_keys:
            if p == parent:
                out.append((t.name, col, pcol))
        if parent == "fx_rates" and t.name != "fx_rates":
            out += [(t.name, c.name, "currency") for c in t.columns if c.type == "currency"]
    return out


def unchecked_references(parent: str) -> list[tuple[str, str]]:
    """(child table, column) of every column that names a row of `parent` by its key column's name
    without a foreign-key rule (leads.customer_id, nps_responses.customer_id, leads.campaign_id):
    such a row is accepted whether its parent exists or not, and takes its dimensions from it."""
    (key,) = ct.TABLES[parent].primary_key
    return [
        (t.name, key)
        for t in ct.TABLES.values()
        if t.name != parent and key in t.column_names and key not in {col for col, _, _ in t.foreign_keys}
    ]


#: files read by one DuckDB statement, at most this many bytes (small files together: one
#: statement for a whole demo table; big ones alone: the row numbering stays small in memory)
READ_CHUNK_BYTES = 64 << 20

#: the temp table a table's new rows are read into when one of its files is restated (`Lander._staging`)
STAGE = "_staged_rows"

#: the temp table one statement's files are read and numbered into before they are parsed (`Lander._land_files`)
READ = "_read_rows"


def _chunks(files: list) -> list[list]:
    out, size = [[]], 0
    for nf in files:
        if out[-1] and size + nf.f.size > READ_CHUNK_BYTES:
            out.append([])
            size = 0
        out[-1].append(nf)
        size += nf.f.size
    return [c for c in out if c]


def _case_path(column: str, values: dict, render: Callable[[object], str] = lit) -> str:
    """SQL mapping a file path column to one value per file (`render`: the value as SQL, a
    string literal by default)."""
    return f"CASE {column} " + " ".join(f"WHEN {lit(p)} THEN {render(v)}" for p, v in values.items()) + " END"


class _ReadError(Exception):
    pass


def _read_error(f: LandingFile, err: BaseException) -> str:
    text = str(err).strip().splitlines()
    first = text[0][:300] if text else type(err).__name__
    kind = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "xlsx"}[f.suffix]
    return f"cannot be read as {kind}: {first}"


def _exec(con: duckdb.DuckDBPyConnection, sql: str, **params):
    """Execute with the named parameters the statement uses (DuckDB refuses unused ones)."""
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


# --- 1. land -------------------------------------------------------------------------------


@dataclass
class _File:
    f: LandingFile
    checksum: str
    restated: bool
    header: list[str] | None = None
    rows: int = 0


class Lander:
    """Step 1: new and restated files into landed.duckdb, one transaction per table."""

    def __init__(self, home: Home, load_clock: dt.datetime, batch: str, results: dict[str, TableResult]):
        self.home, self.load_clock, self.batch, self.results = home, load_clock, batch, results
        self.con = connect(home.landed)
        ensure_landed_schema(self.con)
        self._rejected: set[str] = set()
        #: the files rejected while a table's files are read: (file, why, count its rows), written in its transaction
        self._rejections: list[tuple[_File, str, bool]] = []
        #: where this table's new rows are written while its files are read (`_staging`)
        self._into = ""
        self._discard_open_batches()

    def close(self) -> None:
        self.con.close()

    def _one(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchone()

    def landing_root(self) -> list[dict]:
        """Entries of the landing root that are no table folder: recorded in the ledger and
        reported once (a folder named like no table, a loose file)."""
        known = {
            r[0]: r[1]
            for r in self.con.execute("SELECT file_name, reason FROM landing.ledger WHERE table_name = ''").fetchall()
        }
        new = []
        for rel, reason in scan_landing_root(self.home.landing):
            if known.get(rel) != reason:
                self._ledger("", rel, None, 0, None, "skipped", reason)
                new.append({"file_name": rel, "reason": reason})
        return new

    def table(self, name: str) -> None:
        """Land a table's new and restated files: their rows are read first, statement by
        statement, then published in one transaction (what the rows replace, the ledger, the
        rejections, the batch). Reading outside the transaction keeps DuckDB's scans of what was
        read parallel: inside one, a table written by the same transaction is scanned on one
        thread (web_sessions at scale 100: 24.5 s in one transaction, 15.2 s read outside it).
        Until the transaction commits, the batch is open (landing.open_batches): a run that
        stops before then leaves rows no ledger entry names, which the next Lander deletes
        (`_discard_open_batches`), so a table lands whole or not at all, as before."""
        t = ct.TABLES[name]
        res = self.results[name]
        res.folder_exists = (self.home.landing / name).is_dir()
        new = self._scan(t, res)
        if not new:
            return
        self.con.execute("INSERT INTO landing.open_batches VALUES (?, ?)", [name, self.batch])
        self._rejections = []
        try:
            self._into = self._staging(t, new)
            self._read(t, new)
            self.con.execute("BEGIN TRANSACTION")
            try:
                self._publish(t, res, new)
                self.con.execute(
                    "DELETE FROM landing.open_batches WHERE table_name = ? AND batch = ?", [name, self.batch]
                )
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # else the next Lander deletes them
                self._discard_open_batches()
            raise
        finally:
            if self._into == STAGE:
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"DROP TABLE IF EXISTS {STAGE}")
            self._into = ""  # nothing lands outside `table`

    def _discard_open_batches(self) -> None:
        """Delete the rows of batches that were read but never published (see `table`)."""
        for name, batch in self.con.execute("SELECT DISTINCT table_name, batch FROM landing.open_batches").fetchall():
            self.con.execute(f"DELETE FROM {rows_table(ct.TABLES[name])} WHERE _batch = ?", [batch])
            self.con.execute("DELETE FROM landing.open_batches WHERE table_name = ? AND batch = ?", [name, batch])

    def _scan(self, t: ct.Table, res: TableResult) -> list[_File]:
        files, skipped = scan_table_folder(self.home.landing, t.name)
        ledger = {
            r[0]: r[1:]
            for r in self.con.execute(
                "SELECT file_name, checksum, size_bytes, mtime_ns, status, reason FROM landing.ledger "
                "WHERE table_name = ?",
                [t.name],
            ).fetchall()
        }
        for rel, reason in skipped:
            known = ledger.get(rel)
            if known is None or known[3] != "skipped" or known[4] != reason:
                self._ledger(t.name, rel, None, 0, None, "skipped", reason)
                res.skipped_this_run.append({"file_name": rel, "reason": reason})
        new: list[_File] = []
        for f in files:
            res.files_seen += 1
            known = ledger.get(f.rel)
            if known and known[3] != "skipped" and known[1] == f.size and known[2] == f.mtime_ns:
                res.files_unchanged += 1
                continue
            checksum = sha256(f.path)
            if known and known[3] != "skipped" and known[0] == checksum:
                res.files_unchanged += 1  # touched, same content: not read again (keeps its landing time)
                self.con.execute(
                    "UPDATE landing.ledger SET size_bytes = ?, mtime_ns = ? WHERE table_name = ? AND file_name = ?",
                    [f.size, f.mtime_ns, t.name, f.rel],
                )
                continue
            new.append(_File(f, checksum, restated=bool(known) and known[3] != "skipped"))
        return new

    def _ledger(self, table: str, rel: str, checksum, rows: int, f: LandingFile | None, status: str, reason=None):
        self.con.execute("DELETE FROM landing.ledger WHERE table_name = ? AND file_name = ?", [table, rel])
        self.con.execute(
            "INSERT INTO landing.ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                table,
                rel,
                checksum,
                rows,
                f.mtime if f else None,
                self.load_clock,
                status,
                f.size if f else None,
                f.mtime_ns if f else None,
                reason,
            ],
        )

    def _staging(self, t: ct.Table, new: list[_File]) -> str:
        """Where the rows read from this run's files go first: straight into landing.rows_<t>, or,
        when a file is restated, into the temp table STAGE. A restated file mostly repeats its
        previous version (a whole customers.csv every night, for a few new customers); staged,
        its repeated rows are dropped in memory (`_drop_repeated_rows`) and only the others are
        written to the database (`_move_staged`), instead of writing every row and deleting
        most of them again (customers.csv at scale 100, 575 k rows: read into the stage in 1.3 s,
        against 2.4 s into the table).
        While staged, landing.rows_<t> together with STAGE hold what landing.rows_<t> alone
        would hold without the stage."""
        if not any(nf.restated for nf in new):
            return rows_table(t)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} AS SELECT * FROM {rows_table(t)} LIMIT 0")
        return STAGE

    def _move_staged(self, t: ct.Table, nf: _File) -> None:
        """Write a file's staged rows to landing.rows_<t> (after its repeated rows are dropped)."""
        if self._into != STAGE:
            return
        this = lit(nf.f.rel)
        self.con.execute(f"INSERT INTO {rows_table(t)} SELECT * FROM {STAGE} WHERE _file_name = {this}")
        self.con.execute(f"DELETE FROM {STAGE} WHERE _file_name = {this}")

    def _read(self, t: ct.Table, new: list[_File]) -> None:
        """Read the files' rows into `self._into`, tagged with the batch; a file that cannot be
        read is rejected (written in `_publish`)."""
        groups: dict[tuple, list[_File]] = {}
        for nf in new:
            try:
                nf.header = read_header(nf.f)
            except UnreadableFile as err:
                self._reject(t, nf, str(err))
                continue
            missing = missing_required(nf.header, t)
            if missing:
                self._reject(t, nf, missing, count_rows=True)
                continue
            groups.setdefault((nf.f.suffix, tuple(nf.header)), []).append(nf)
        for (suffix, _header), same_header in groups.items():
            if suffix == ".xlsx":
                for nf in same_header:
                    self._read_one_by_one(t, [nf])
                continue
            for group in _chunks(same_header):
                try:
                    self._land_files(t, group)
                except _ReadError:
                    self._delete_batch_rows(t, group)
                    self._read_one_by_one(t, group)

    def _publish(self, t: ct.Table, res: TableResult, new: list[_File]) -> None:
        """What the read rows replace, the ledger, the rejections and the batch (in the table's
        transaction)."""
        for nf, why, count_rows in self._rejections:
            self._write_rejection(t, nf, why, count_rows)
        landed = [nf for nf in new if nf.f.rel not in self._rejected]
        for nf in landed:
            if nf.restated:
                self._drop_repeated_rows(t, nf)
            self._move_staged(t, nf)
            self._replace_previous_version(t, nf)
            self._ledger(t.name, nf.f.rel, nf.checksum, nf.rows, nf.f, "restated" if nf.restated else "loaded")
            for table in ("rejected_files", "rejected_rows"):
                self.con.execute(
                    f"DELETE FROM landing.{table} WHERE table_name = ? AND file_name = ?", [t.name, nf.f.rel]
                )
            extra = [h for h in (nf.header or []) if h and h not in t.column_names]
            if extra:
                res.schema_drift[nf.f.rel] = extra
                for col in extra:
                    self.con.execute(
                        "INSERT INTO landing.schema_drift SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
                        "landing.schema_drift WHERE table_name = ? AND file_name = ? AND column_name = ?)",
                        [t.name, nf.f.rel, col, self.load_clock, t.name, nf.f.rel, col],
                    )
        res.files_new = sum(not nf.restated for nf in landed)
        res.files_restated = sum(nf.restated for nf in landed)
        res.rows_read = sum(nf.rows for nf in landed)
        if landed:
            self.con.execute(
                "INSERT INTO landing.batches VALUES (?, ?, ?, false)", [t.name, self.batch, self.load_clock]
            )
            self._record_changed_dates(t, f"_batch = {lit(self.batch)}")

    def _read_one_by_one(self, t: ct.Table, group: list[_File]) -> None:
        for nf in group:
            try:
                self._land_files(t, [nf])
            except _ReadError as err:
                self._delete_batch_rows(t, [nf])
                self._reject(t, nf, str(err))

    def _delete_batch_rows(self, t: ct.Table, group: list[_File]) -> None:
        self.con.execute(
            f"DELETE FROM {self._into} WHERE _batch = ? AND _file_name IN ({', '.join(lit(nf.f.rel) for nf in group)})",
            [self.batch],
        )

    def _land_files(self, t: ct.Table, group: list[_File]) -> None:
        """Insert the rows of files sharing one format and header into landing.rows_<t>."""
        header = group[0].header or []
        rej = f"_rej_{uuid.uuid4().hex[:8]}"
        by_path = {str(nf.f.path): nf for nf in group}
        if group[0].f.suffix == ".xlsx":
            try:
                header = load_xlsx(self.con, group[0].f, t, "_xlsx_rows")
            except UnreadableFile as err:
                raise _ReadError(str(err)) from err
            relation, params = "_xlsx_rows", {}
        else:
            relation, params = source_sql([nf.f for nf in group], header, rejects=rej)
        try:
            read = read_columns(self.con, relation, params)
            cols = as_text(read)
            # Numbered first, parsed second. row_number() OVER () follows the files (DuckDB
            # preserves insertion order, set in connect), but a pipeline that numbers rows runs on
            # one thread: reading and numbering alone into a temp table leaves the parsing, the
            # row rules and the write (most of the work) to a plain scan that runs on every
            # thread, once the temp table is committed (`table`). Landing web_sessions at scale
            # 100 (6.25 M rows, 8 statements): 24.8-32.0 s before, 18.2-18.8 s.
            _exec(
                self.con,
                f"CREATE OR REPLACE TEMP TABLE {READ} AS "
                f"SELECT row_number() OVER () AS _rn, filename AS _path{''.join(', ' + q(n) for n in read)} "
                f"FROM {relation}",
                **params,
            )
        except duckdb.Error as err:
            raise _ReadError(_read_error(group[0].f, err)) from err
        text = {name: sql for name, sql in cols if name in t.column_names}
        # a file's row number: its rows' number in the read, less its first row's, plus one
        firsts = self.con.execute(f"SELECT _path, min(_rn) - 1 FROM {READ} GROUP BY _path").fetchall()
        offset = _case_path("_path", {p: int(n) for p, n in firsts}, render=str)
        names = _landed_column_names(t)
        sql = f"""
            INSERT INTO {self._into} ({", ".join(q(n) for n in names)})
            SELECT {_case_path("_path", {p: nf.f.rel for p, nf in by_path.items()})},
                   _rn - {offset if firsts else 0},
                   CAST({_case_path("_path", {p: str(nf.f.mtime) for p, nf in by_path.items()})} AS TIMESTAMP),
                   CAST($clock AS TIMESTAMP), $batch, CAST(NULL AS VARCHAR),
                   {", ".join(q(n) for n in names[6:])}
            FROM ({landing_select(t, READ, text)}) landed
        """
        try:
            _exec(self.con, sql, clock=self.load_clock, batch=self.batch)
        except duckdb.Error as err:
            raise _ReadError(_read_error(group[0].f, err)) from err
        self.con.execute(f"DROP TABLE {READ}")
        if relation != "_xlsx_rows":
            self._land_rejected_lines(t, rej, by_path)
        counts = dict(
            self.con.execute(
                f"SELECT _file_name, count(*) FROM {self._into} WHERE _batch = ? GROUP BY 1", [self.batch]
            ).fetchall()
        )
        for nf in group:
            nf.rows = int(counts.get(nf.f.rel, 0))
            nf.header = header

    def _land_rejected_lines(self, t: ct.Table, rej: str, by_path: dict[str, _File]) -> None:
        """CSV lines the reader could not parse become landed rows with only `_raw_line` and the
        reason (quarantined at resolution, with no key)."""
        exists = self._one(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [f"{rej}_errors"]
        )[0]
        if not exists:
            return
        rels = _case_path("s.file_path", {p: nf.f.rel for p, nf in by_path.items()})
        mtimes = _case_path("s.file_path", {p: str(nf.f.mtime) for p, nf in by_path.items()})
        _exec(
            self.con,
            f"""
            INSERT INTO {self._into} (_file_name, _row_number, _file_mtime, _landed_at, _batch, _raw_line,
                _key, _event_date, _row_rules)
            SELECT {rels}, line, CAST({mtimes} AS TIMESTAMP), CAST($clock AS TIMESTAMP), $batch,
                   rtrim(csv_line, chr(13) || chr(10)), NULL, NULL, ['line ' || line || ' cannot be read as CSV: ' || why]
            FROM (
                SELECT s.file_path, e.line, any_value(e.csv_line) AS csv_line,
                       string_agg(DISTINCT lower(replace(e.error_type, '_', ' ')) || ' (' || e.error_message || ')',
                                  '; ') AS why
                FROM {rej}_errors e JOIN {rej}_scans s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
                GROUP BY s.file_path, e.line
            ) s
            """,
            clock=self.load_clock,
            batch=self.batch,
        )
        self.con.execute(f"DROP TABLE IF EXISTS {rej}_errors")
        self.con.execute(f"DROP TABLE IF EXISTS {rej}_scans")
        for nf in by_path.values():
            good, every = self._one(
                f"SELECT count(*) FILTER (WHERE _raw_line IS NULL), count(*) FROM {self._into} "
                "WHERE _batch = ? AND _file_name = ?",
                [self.batch, nf.f.rel],
            )
            if every and not good:
                # not one line parsed: this is not a CSV of the table; reject the file whole
                raise _ReadError(
                    f"cannot be read as CSV: no line has the {len(nf.header or [])} comma-separated fields of "
                    "its header (is it comma-separated, with RFC 4180 quoting?)"
                )

    def _replace_previous_version(self, t: ct.Table, nf: _File) -> None:
        """A restatement replaces its previous version's rows with the same key (and those whose
        key did not parse); their keys are resolved again. A key the new version repeats as it
        was has kept its previous row instead (`_drop_repeated_rows`, run before): nothing about it
        changed, so it is neither resolved again nor re-opens its date."""
        if not nf.restated:
            return
        rt = rows_table(t)
        old = f"_file_name = {lit(nf.f.rel)} AND _batch <> {lit(self.batch)}"
        new_keys = f"SELECT _key FROM {rt} WHERE _file_name = {lit(nf.f.rel)} AND _batch = {lit(self.batch)}"
        replaced = f"{old} AND (_key IS NULL OR _key IN ({new_keys}))"
        self._record_changed_dates(t, replaced)
        self.con.execute(
            f"INSERT INTO landing.restated_keys SELECT DISTINCT {lit(t.name)}, {lit(self.batch)}, _key FROM {rt} "
            f"WHERE {replaced} AND _key IS NOT NULL"
        )
        self.con.execute(f"DELETE FROM {rt} WHERE {replaced}")

    def _drop_repeated_rows(self, t: ct.Table, nf: _File) -> None:
        """Deletes the new version's rows that repeat the previous version's exactly: one row of
        the key in each version, every column of the contract equal (NULL equal to NULL), and no
        other file holding the key (there, the newer file now wins). A monthly file restated
        for a few changed rows then re-opens those rows' dates, not the month's. The new rows are
        deleted where they are still staged (`_staging`); the previous version is in
        landing.rows_<t>. The rows of each key are counted for the new version's keys only, so
        the work follows the file, not the table's history (a restated monthly file of
        subscription_periods on the scale-100 bench night: about 27 ms -> 17 ms)."""
        rt, staged, this, batch = rows_table(t), self._into, lit(nf.f.rel), lit(self.batch)
        every = rt if staged == rt else f"(SELECT * FROM {rt} UNION ALL SELECT * FROM {staged})"
        same = " AND ".join(f"n.{q(c.name)} IS NOT DISTINCT FROM o.{q(c.name)}" for c in t.columns)
        new = f"(SELECT * FROM {staged} WHERE _file_name = {this} AND _batch = {batch})"
        self.con.execute(
            f"""DELETE FROM {staged} WHERE _file_name = {this} AND _batch = {batch} AND _key IN (
                SELECT n._key
                FROM {new} n
                JOIN (SELECT * FROM {rt} WHERE _file_name = {this} AND _batch <> {batch}) o
                  ON n._key = o._key AND {same}
                WHERE n._key IN (
                    SELECT _key FROM {every} AS e WHERE _key IN (SELECT _key FROM {new} AS k) GROUP BY _key
                    HAVING count(*) FILTER (WHERE _file_name = {this} AND _batch = {batch}) = 1
                       AND count(*) FILTER (WHERE _file_name = {this} AND _batch <> {batch}) = 1
                       AND count(*) FILTER (WHERE _file_name <> {this}) = 0))"""
        )

    def _record_changed_dates(self, t: ct.Table, where: str) -> None:
        rt = rows_table(t)
        if t.event_date_via:
            fk, parent, pcol = t.event_date_via
            sql = (
                f"SELECT DISTINCT CAST(p.{q(typed(pcol))} AS DATE) FROM (SELECT * FROM {rt} WHERE {where}) l "
                f"JOIN {rows_table(ct.TABLES[parent])} p ON p._key = {_trim(fk, 'l')}"
            )
        elif t.event_date:
            # a keyed row of a table with validity ranges: the resolver compares its accepted
            # versions (Resolver._validity_dates)
            keyed = " AND _key IS NULL" if t.valid_until else ""
            sql = f"SELECT DISTINCT _event_date FROM {rt} WHERE ({where}){keyed}"
        elif t.name in DESCRIBES_EVENTS_ONLY:
            return  # the resolver compares the accepted rows before and after (Resolver._record_changed_dates)
        else:
            sql = "SELECT CAST(NULL AS DATE)"  # a table without event date changes every period
        self.con.execute(
            f"INSERT INTO landing.changed_dates SELECT {lit(t.name)}, {lit(self.batch)}, d FROM ({sql}) x(d)"
        )

    def _reject(self, t: ct.Table, nf: _File, why: str, count_rows: bool = False) -> None:
        """Reject a file whole; written with the table's other changes, in `_publish`."""
        self._rejected.add(nf.f.rel)
        self._rejections.append((nf, why, count_rows))

    def _write_rejection(self, t: ct.Table, nf: _File, why: str, count_rows: bool) -> None:
        name, rel = t.name, nf.f.rel
        reason = (
            f"{rel}: {why.rstrip('.')}. Nothing from this file was loaded"
            + ("; the rows of its previous version are kept" if nf.restated else "")
            + ". Fix the file (UTF-8 CSV with a header row, Parquet or xlsx with every "
            "required column) and land it again."
        )
        self.con.execute("DELETE FROM landing.rejected_files WHERE table_name = ? AND file_name = ?", [name, rel])
        self.con.execute("INSERT INTO landing.rejected_files VALUES (?, ?, ?, ?)", [name, rel, reason, self.load_clock])
        self.con.execute("DELETE FROM landing.rejected_rows WHERE table_name = ? AND file_name = ?", [name, rel])
        if count_rows:
            self._count_rejected_rows(t, nf)
        self._ledger(name, rel, nf.checksum, 0, nf.f, "rejected", reason)
        self.results[name].rejected_this_run.append({"file_name": rel, "reason": reason})

    def _count_rejected_rows(self, t: ct.Table, nf: _File) -> None:
        """kpis.md v1.2: the rows of a file rejected whole (here: a required column is missing)
        count as quarantined in their event-date periods when that date can be read; order
        lines through their order; tables without an event date in the whole-table share
        (NULL date). A file whose rows cannot be read counts in no period."""
        try:
            if nf.f.suffix == ".xlsx":
                load_xlsx(self.con, nf.f, t, "_rejected_rows")
                relation, params = "_rejected_rows", {}
            else:
                relation, params = source_sql([nf.f], nf.header or [])
            cols = dict(text_columns(self.con, relation, params))
            if t.event_date_via:
                fk, parent, pcol = t.event_date_via
                if fk not in cols:
                    return
                sql = (
                    f"SELECT (SELECT CAST(max_by(p.{q(typed(pcol))}, p._file_mtime) AS DATE) "
                    f"FROM {rows_table(ct.TABLES[parent])} p WHERE p._key = r.v) AS d "
                    f"FROM (SELECT nullif(trim({cols[fk]}), '') AS v FROM {relation}) r"
                )
            elif t.event_date:
                if t.event_date not in cols:
                    return
                parsed = rules.parse_sql(t.column(t.event_date).type, f"nullif(trim({cols[t.event_date]}), '')")
                sql = f"SELECT CAST({parsed} AS DATE) AS d FROM {relation}"
            else:
                sql = f"SELECT CAST(NULL AS DATE) AS d FROM {relation}"
            _exec(
                self.con,
                f"INSERT INTO landing.rejected_rows SELECT $table, $file, d, count(*) FROM ({sql}) x GROUP BY d",
                **params,
                table=t.name,
                file=nf.f.rel,
            )
        except (duckdb.Error, UnreadableFile):
            return

    def gx_views(self, names: list[str]) -> list[str]:
        """(Re)define the GX view of every table with batches not yet validated; those tables."""
        todo = []
        for name in names:
            batches = [
                r[0]
                for r in self.con.execute(
                    "SELECT batch FROM landing.batches WHERE table_name = ? AND NOT validated", [name]
                ).fetchall()
            ]
            if batches:
                self.con.execute(gx_view_sql(ct.TABLES[name], batches))
                todo.append(name)
        return todo


# --- 3. resolve ------------------------------------------------------------------------------


class Resolver:
    """Step 3: key rules over what changed, into warehouse.duckdb (landed.duckdb attached read-only)."""

    def __init__(self, home: Home, load_clock: dt.datetime, run_id: str, results: dict[str, TableResult]):
        self.home, self.load_clock, self.run_id, self.results = home, load_clock, run_id, results
        self.con = connect(home.warehouse)
        ensure_warehouse_schema(self.con)
        self.con.execute(f"ATTACH {lit(str(home.landed))} AS landed (READ_ONLY)")

    def close(self) -> None:
        self.con.close()

    def _one(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchone()

    def table(self, name: str) -> None:
        t, res = ct.TABLES[name], self.results[name]
        start = time.monotonic()
        batches = [
            r[0]
            for r in self.con.execute(
                "SELECT batch FROM landed.landing.batches WHERE table_name = ? "
                "EXCEPT SELECT batch FROM meta.resolved_batches WHERE table_name = ?",
                [name, name],
            ).fetchall()
        ]
        n_keys = self._one("SELECT count(*) FROM meta.pending_keys WHERE table_name = ?", [name])[0]
        state = self._one("SELECT stats FROM meta.ingest_state WHERE table_name = ?", [name])
        self.con.execute("BEGIN TRANSACTION")
        try:
            if state and not batches and not n_keys:
                for k, v in json.loads(state[0]).items():
                    setattr(res, k, v)
            else:
                self._resolve(t, res, batches)
            self._status(t, res)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        res.seconds = round(res.seconds + time.monotonic() - start, 3)

    def _status(self, t: ct.Table, res: TableResult) -> None:
        name, con = t.name, self.con
        for table in ("rejected_files", "rejected_rows", "schema_drift"):
            con.execute(f"DELETE FROM meta.{table} WHERE table_name = ?", [name])
            con.execute(f"INSERT INTO meta.{table} SELECT * FROM landed.landing.{table} WHERE table_name = ?", [name])
        res.is_present = res.folder_exists and bool(
            self._one(
                "SELECT count(*) FROM landed.landing.ledger WHERE table_name = ? AND status IN ('loaded', 'restated')",
                [name],
            )[0]
        )
        res.files_rejected = self._one("SELECT count(*) FROM meta.rejected_files WHERE table_name = ?", [name])[0]
        con.execute("DELETE FROM meta.table_status WHERE table_name = ?", [name])
        con.execute(
            "INSERT INTO meta.table_status VALUES (?, ?, ?, ?, ?)",
            [name, res.is_present, res.rows_loaded, res.rows_quarantined, res.files_rejected],
        )
        con.execute(
            "INSERT INTO meta.data_quality VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_id,
                name,
                res.rows_landed,
                res.rows_loaded,
                res.rows_quarantined,
                res.files_rejected,
                res.checks_passed,
                res.checks_failed,
            ],
        )

    def _resolve(self, t: ct.Table, res: TableResult, batches: list[str]) -> None:
        """Key rules over the candidates (every landed row on a first build; else the rows of the
        keys that changed), in passes that stream: only the identities and issues of the rows
        that break a rule are kept aside (`_bad`), never a copy of the table."""
        rt, name, con = rows_table(t, "landed"), t.name, self.con
        in_batches = "(" + ", ".join(lit(b) for b in batches) + ")" if batches else "(NULL)"
        held = self._one(
            f"SELECT (SELECT count(*) FROM raw.{name}) + (SELECT count(*) FROM meta.quarantine WHERE table_name = ?)",
            [name],
        )[0]
        full = held == 0
        if full:
            cand = f"SELECT * FROM {rt}"
        else:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _k AS
                    SELECT DISTINCT _key AS key FROM {rt} WHERE _batch IN {in_batches} AND _key IS NOT NULL
                    UNION SELECT key FROM landed.landing.restated_keys
                          WHERE table_name = {lit(name)} AND batch IN {in_batches}
                    UNION SELECT key FROM meta.pending_keys WHERE table_name = {lit(name)} AND key IS NOT NULL"""
            )
            if t.no_overlap:  # the overlap rule compares all periods of one subscription
                grp = q(t.no_overlap[0])
                con.execute(
                    f"""INSERT INTO _k SELECT DISTINCT l._key FROM {rt} l
                        WHERE l._key IS NOT NULL AND trim(l.{grp}) IN (
                            SELECT trim(x.{grp}) FROM {rt} x JOIN _k ON x._key = _k.key)
                          AND l._key NOT IN (SELECT key FROM _k)"""
                )
            # the few candidate rows, read from the landed rows once: two selects, not one with OR,
            # which DuckDB runs as a mark join over every landed row (web_sessions at scale 100:
            # 0.39 s against 0.02 s)
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _cand_rows AS
                    SELECT * FROM {rt} WHERE _key IN (SELECT key FROM _k)
                    UNION ALL SELECT * FROM {rt} WHERE _key IS NULL"""
            )
            cand = "SELECT * FROM _cand_rows"
        # a. last landed wins; b. copies of a key inside the winning file (keys seen more than once
        # are few: only those are ranked)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _multi AS
                SELECT _key FROM ({cand}) c WHERE _key IS NOT NULL GROUP BY _key HAVING count(*) > 1"""
        )
        landed = ", ".join(f"ranked.{q(n)}" for n in _landed_column_names(t))
        winning = f"""
            SELECT c.*, 1 AS _copies FROM ({cand}) c
            WHERE c._key IS NULL OR c._key NOT IN (SELECT _key FROM _multi)
            UNION ALL
            SELECT {landed}, count(*) OVER (PARTITION BY ranked._key) AS _copies FROM (
                SELECT c.*, dense_rank() OVER (PARTITION BY c._key
                    ORDER BY c._file_mtime DESC, c._file_name DESC, c._landed_at DESC) AS _rank
                FROM ({cand}) c WHERE c._key IN (SELECT _key FROM _multi)
            ) ranked WHERE ranked._rank = 1"""
        # c. foreign keys; d. known currencies
        joins, checks = [], ["w._row_rules", f"CASE WHEN w._copies > 1 THEN [{lit(t.pk_rule)}] ELSE [] END"]
        for i, (col, parent, pcol) in enumerate(t.foreign_keys):
            # a night looks up only the parent keys its candidates name, not every key of the parent
            named = "" if full else f" WHERE {q(pcol)} IN (SELECT {_trim(col, 'c')} FROM ({cand}) c)"
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {q(pcol)} AS k FROM raw.{parent}{named}) fk{i} ON {_trim(col, 'w')} = fk{i}.k"
            )
            checks.append(
                f"CASE WHEN {_trim(col, 'w')} IS NOT NULL AND fk{i}.k IS NULL "
                f"THEN [{lit(ct.fk_rule(col, parent))}] ELSE [] END"
            )
        if name != "fx_rates":
            for i, c in enumerate(c for c in t.columns if c.type == "currency"):
                v = _trim(c.name, "w")
                joins.append(f"LEFT JOIN (SELECT DISTINCT currency AS k FROM raw.fx_rates) cur{i} ON {v} = cur{i}.k")
                checks.append(
                    f"CASE WHEN regexp_matches({v}, '^[A-Z]{{3}}$') AND {v} <> 'USD' AND cur{i}.k IS NULL "
                    f"THEN [{lit(ct.currency_known_rule(c.name))}] ELSE [] END"
                )
        resolved = f"""SELECT w.*, flatten([{", ".join(checks)}]) AS _issues
                       FROM ({winning}) w {" ".join(joins)}"""
        # the identity of a landed row: its batch, file and row number
        ident = "_batch, _file_name, _row_number"
        if t.no_overlap:  # e. periods of one subscription must not overlap (a small table)
            grp, lo, hi = t.no_overlap
            lo_v, hi_v = q(typed(lo)), q(typed(hi))
            con.execute(f"CREATE OR REPLACE TEMP TABLE _res AS {resolved}")
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _bad AS
                    SELECT {ident}, _key, list_concat(_issues, CASE WHEN EXISTS (
                        SELECT 1 FROM _res b WHERE trim(b.{q(grp)}) = trim(a.{q(grp)})
                          AND (b._batch, b._file_name, b._row_number) <> (a._batch, a._file_name, a._row_number)
                          AND len(a._issues) = 0 AND len(b._issues) = 0
                          AND a.{lo_v} < coalesce(b.{hi_v}, DATE '9999-12-31')
                          AND b.{lo_v} < coalesce(a.{hi_v}, DATE '9999-12-31'))
                        THEN [{lit(ct.overlap_rule(t))}] ELSE [] END) AS _issues
                    FROM _res a"""
            )
            con.execute("DELETE FROM _bad WHERE len(_issues) = 0")
            source = "_res"
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _bad AS SELECT {ident}, _key, _issues FROM ({resolved}) r "
                "WHERE len(_issues) > 0"
            )
            source = f"({winning})"
        event = "r._event_date"
        if t.event_date_via:
            fk, parent, pcol = t.event_date_via
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _ev AS
                    SELECT p._key AS k, CAST(max_by(p.{q(typed(pcol))}, p._file_mtime) AS DATE) AS d
                    FROM {rows_table(ct.TABLES[parent], "landed")} p
                    WHERE p._key IN (
                        SELECT {_trim(fk, "l")} FROM {rt} l
                        JOIN _bad USING (_batch, _file_name, _row_number))
                    GROUP BY 1"""
            )
            event = f"(SELECT d FROM _ev WHERE _ev.k = {_trim(fk, 'r')})"
        packed = ", ".join(f"{q(c.name)} := r.{q(c.name)}" for c in t.columns)
        raw_row = (
            "CAST(CASE WHEN r._raw_line IS NOT NULL THEN to_json(r._raw_line) "
            f"ELSE to_json(struct_pack({packed})) END AS VARCHAR)"
        )
        # what the table accepted before, to hand the changes to the tables that read it
        refs = [r for r in references_to(name) if r[0] != name and self._ever_resolved(r[0])]
        pcols = sorted({pcol for _, _, pcol in refs})
        scope = {
            pcol: "" if full else f"WHERE {q(pcol)} IN (SELECT {_trim(pcol, 'c')} FROM _cand_rows c)" for pcol in pcols
        }
        for pcol in pcols:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _before_{pcol} AS SELECT DISTINCT {q(pcol)} AS v FROM raw.{name} "
                f"{scope[pcol]}"
            )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _prev_q AS
               SELECT file_name, coalesce(row_key, raw_row) AS k, rule, min(first_seen_at) AS f
               FROM meta.quarantine WHERE table_name = ? GROUP BY ALL""",
            [name],
        )
        describes = not full and name in DESCRIBES_EVENTS_ONLY
        columns = ", ".join(f"x.{q(c.name)}" for c in t.columns)
        accepted_now = f"SELECT {columns} FROM raw.{name} x WHERE {raw_key_sql(t, 'x')} IN (SELECT key FROM _k)"
        if describes:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _before_rows AS {accepted_now}")
        spans = not full and t.valid_until is not None
        if spans:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _before_spans AS {self._spans(t)}")
        if full:
            con.execute(f"DELETE FROM raw.{name}")
            con.execute("DELETE FROM meta.quarantine WHERE table_name = ?", [name])
        else:
            con.execute(f"DELETE FROM raw.{name} x WHERE {raw_key_sql(t, 'x')} IN (SELECT key FROM _k)")
            con.execute(
                "DELETE FROM meta.quarantine WHERE table_name = ? AND (row_key IS NULL OR row_key IN "
                "(SELECT key FROM _k))",
                [name],
            )
        con.execute(
            f"""INSERT INTO raw.{name} SELECT {raw_select(t, "r")}, r._file_name, r._landed_at
                FROM {source} r WHERE NOT EXISTS (
                    SELECT 1 FROM _bad b WHERE b._batch = r._batch AND b._file_name = r._file_name
                      AND b._row_number = r._row_number)"""
        )
        _exec(
            con,
            f"""INSERT INTO meta.quarantine
               SELECT {lit(name)}, r._file_name, r._key, array_to_string(b._issues, '; '), {raw_row},
                      coalesce(p.f, CAST($clock AS TIMESTAMP)), CAST({event} AS DATE)
               FROM {rt} r JOIN _bad b USING (_batch, _file_name, _row_number)
               LEFT JOIN _prev_q p
                 ON p.file_name = r._file_name AND p.k = coalesce(r._key, {raw_row})
                AND p.rule = array_to_string(b._issues, '; ')""",
            clock=self.load_clock,
        )
        for pcol in pcols:  # keys whose acceptance changed, handed to the tables that read them
            now = f"SELECT DISTINCT {q(pcol)} FROM raw.{name} {scope[pcol]}"
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _changed AS
                    (SELECT v FROM _before_{pcol} EXCEPT {now}) UNION ALL ({now} EXCEPT SELECT v FROM _before_{pcol})"""
            )
            for child, col, rcol in refs:
                if rcol == pcol:
                    self._pending_children(ct.TABLES[child], col)
        # a row of a table that only describes events changed when one accepted before is now
        # different or gone; a new key alone reaches the KPIs only through the events that name
        # it, resolved again with their own dates (pending_keys) or recorded with them
        changed = not describes or bool(
            self._one(f"SELECT count(*) FROM (SELECT * FROM _before_rows EXCEPT ALL {accepted_now})")[0]
        )
        self._record_changed_dates(t, full, in_batches, changed)
        if describes:
            self._record_rows_naming_new_keys(t, accepted_now)
        con.execute(
            f"INSERT INTO meta.resolved_batches SELECT table_name, batch FROM landed.landing.batches "
            f"WHERE table_name = ? AND batch IN {in_batches}",
            [name],
        )
        con.execute("DELETE FROM meta.pending_keys WHERE table_name = ?", [name])
        self._stats(t, res)
        con.execute("DELETE FROM meta.ingest_state WHERE table_name = ?", [name])
        con.execute(
            "INSERT INTO meta.ingest_state VALUES (?, ?)",
            [name, json.dumps({k: getattr(res, k) for k in _STATE_FIELDS})],
        )

    def _pending_children(self, child: ct.Table, col: str) -> None:
        """Hands to `child` the keys of its rows whose foreign key `col` names a value of the
        temp table `_changed` (a parent key accepted now and not before, or the other way):
        their acceptance may change. Only a resolved row can: the winning row of its key, in
        raw.<child> if it was accepted or in meta.quarantine if not (rows landed since are
        resolved anyway, and a losing copy is never checked). So raw.<child> is read by its
        already trimmed column and the landed rows only for the quarantined keys, not every
        landed row with its column trimmed (at scale 100, 0.75 s for order_lines)."""
        landed = rows_table(child, "landed")
        self.con.execute(
            f"""INSERT INTO meta.pending_keys
                SELECT DISTINCT {lit(child.name)}, k FROM (
                    SELECT {raw_key_sql(child, "x")} AS k FROM raw.{child.name} x
                    WHERE x.{q(col)} IN (SELECT v FROM _changed)
                    UNION ALL
                    SELECT l._key FROM {landed} l
                    WHERE l._key IN (SELECT row_key FROM meta.quarantine WHERE table_name = {lit(child.name)})
                      AND {_trim(col, "l")} IN (SELECT v FROM _changed)
                ) AS pending WHERE k IS NOT NULL"""
        )

    def _record_changed_dates(self, t: ct.Table, full: bool, in_batches: str, changed: bool = True) -> None:
        """The event dates of every row resolved again (accepted or not, before or now; and the dates
        of the versions a restatement replaced), so the incremental dbt models re-open exactly those
        dates; a full resolution changes every date. A table without event date changes every date
        (NULL) when `changed`, else none."""
        if not changed:
            return
        if full:
            dates = "SELECT CAST(NULL AS DATE)"
        elif t.event_date_via:
            fk, parent, pcol = t.event_date_via
            dates = (
                f"SELECT DISTINCT CAST(p.{q(typed(pcol))} AS DATE) FROM _cand_rows c "
                f"JOIN {rows_table(ct.TABLES[parent], 'landed')} p ON p._key = {_trim(fk, 'c')}"
            )
        elif t.valid_until:
            dates = self._validity_dates(t)
        elif t.event_date:
            dates = "SELECT DISTINCT _event_date FROM _cand_rows WHERE _key IS NOT NULL"
        else:
            dates = "SELECT CAST(NULL AS DATE)"
        replaced = (
            f"SELECT event_date FROM landed.landing.changed_dates WHERE table_name = {lit(t.name)} "
            f"AND batch IN {in_batches}"
        )
        self._record_dates(t.name, f"{dates} UNION {replaced}")

    @staticmethod
    def _spans(t: ct.Table) -> str:
        """The state of the candidate keys of a table with validity ranges: each key's accepted row
        (event date, end, the other contract columns) or its quarantined rows (event date only)."""
        assert t.event_date and t.valid_until
        others = [c.name for c in t.columns if c.name != t.valid_until]
        packed = ", ".join(f"{q(c)} := x.{q(c)}" for c in others)
        key = raw_key_sql(t, "x")
        return f"""
            SELECT {key} AS k, x.{q(t.event_date)} AS d, x.{q(t.valid_until)} AS e, struct_pack({packed}) AS r
            FROM raw.{t.name} x WHERE {key} IN (SELECT key FROM _k)
            UNION ALL
            SELECT row_key, event_date, NULL, NULL FROM meta.quarantine
            WHERE table_name = {lit(t.name)} AND row_key IN (SELECT key FROM _k)"""

    def _validity_dates(self, t: ct.Table) -> str:
        """The changed dates of the candidate keys of a table with validity ranges (a
        subscription period, an employee), from their state before and after: a key accepted
        both times whose row changed only its end changes the days from the earlier end (a
        subscription ended today re-opens today, not the day it began; an unchanged one
        nothing); any other change, its event dates before and after; a quarantined row, its own."""
        return f"""
            WITH before AS (SELECT * FROM _before_spans), after AS ({self._spans(t)}),
            accepted_both AS (
                SELECT b.k, b.r IS NOT DISTINCT FROM a.r AS same_rest,
                       least(coalesce(b.e, a.e), coalesce(a.e, b.e)) AS first_end, b.e IS NOT DISTINCT FROM a.e AS same_end
                FROM before b JOIN after a ON a.k = b.k AND a.r IS NOT NULL AND b.r IS NOT NULL)
            SELECT first_end FROM accepted_both WHERE same_rest AND NOT same_end
            UNION SELECT d FROM before WHERE r IS NULL OR k NOT IN (SELECT k FROM accepted_both WHERE same_rest)
            UNION SELECT d FROM after WHERE r IS NULL OR k NOT IN (SELECT k FROM accepted_both WHERE same_rest)"""

    def _record_dates(self, name: str, dates: str) -> None:
        """The dates of `dates` (a one-column SELECT) into the ledger as one change of table `name`."""
        seq = self._one("SELECT coalesce(max(change_seq), 0) + 1 FROM meta.changed_event_dates")[0]
        self.con.execute(
            f"INSERT INTO meta.changed_event_dates SELECT DISTINCT ?, d, ?, ? FROM ({dates}) x(d)",
            [name, self.load_clock, seq],
        )

    def _record_rows_naming_new_keys(self, t: ct.Table, accepted_now: str) -> None:
        """The event dates of the accepted rows of other tables that name a key of `t` new in this
        run without a foreign-key rule (`unchecked_references`): they were accepted before it came,
        and their dimensions (a lead's channel, a response's segment) change with it."""
        (key,) = t.primary_key
        new = f"SELECT {q(key)} FROM ({accepted_now}) EXCEPT SELECT {q(key)} FROM _before_rows"
        for child, col in unchecked_references(t.name):
            c = ct.TABLES[child]
            date = f"CAST({q(c.event_date)} AS DATE)" if c.event_date else "CAST(NULL AS DATE)"
            self._record_dates(child, f"SELECT {date} FROM raw.{child} WHERE {q(col)} IN ({new})")

    def _ever_resolved(self, name: str) -> bool:
        return bool(self._one("SELECT count(*) FROM meta.ingest_state WHERE table_name = ?", [name])[0])

    def _stats(self, t: ct.Table, res: TableResult) -> None:
        name = t.name
        res.rows_loaded = self._one(f"SELECT count(*) FROM raw.{name}")[0]
        res.rows_quarantined = self._one("SELECT count(*) FROM meta.quarantine WHERE table_name = ?", [name])[0]
        res.rows_landed = res.rows_loaded + res.rows_quarantined
        per_rule = self.con.execute(
            f"""SELECT rule, count(*) AS n,
                   list(coalesce(row_key, file_name) ORDER BY file_name, row_key)[1:{SAMPLE_KEYS}]
                FROM (SELECT unnest(string_split(rule, '; ')) AS rule, row_key, file_name
                      FROM meta.quarantine WHERE table_name = ?)
                GROUP BY rule ORDER BY n DESC, rule""",
            [name],
        ).fetchall()
        res.rule_counts = {r[0]: int(r[1]) for r in per_rule}
        res.sample_keys = {r[0]: list(r[2]) for r in per_rule}
        all_rules = set(ct.row_rules(t) + ct.key_rules(t))
        res.checks_failed = sum(1 for r in all_rules if r in res.rule_counts)
        res.checks_passed = len(all_rules) - res.checks_failed


# --- 2 and 4. validate and audit ---------------------------------------------------------------


class ContractDisagreement(RuntimeError):
    """GX and the SQL rules disagree, or GX could not evaluate an expectation."""


def request_validation(home: Home, tables: list[str], run_id: str) -> None:
    """Step 2: ask the GX worker to validate the new rows of `tables` (returns at once)."""
    if not tables:
        return
    from orchestration.lib.gx_worker import GxWorker

    GxWorker.get().validate_async(home.gx_dir, home.landed, tables, run_id)


def audit(home: Home, run_id: str, log: Callable[[str], None] | None = None) -> dict[str, list[dict]]:
    """Step 4: GX's results for every batch not yet audited, reconciled with the SQL rules,
    recorded in meta.gx_results; {table: [per expectation]}. Raises ContractDisagreement."""
    from orchestration.lib.gx_worker import GxWorker

    if not home.landed.exists():
        return {}
    worker = GxWorker.get()
    started = time.monotonic()
    con = connect(home.landed, read_only=True)  # the worker may be reading it right now
    try:
        pending = con.execute(
            "SELECT table_name, list(batch) FROM landing.batches WHERE NOT validated GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    if not pending:
        worker.forget(home.landed)
        return {}
    tables = [p[0] for p in pending]
    gx = worker.result(home.gx_dir, home.landed, tables, run_id)  # waits for a request already made, or makes it
    con = connect(home.landed)
    out: dict[str, list[dict]] = {}
    try:
        con.execute("BEGIN TRANSACTION")
        for name, batches in pending:
            t = ct.TABLES[name]
            con.execute(gx_view_sql(t, batches))  # exactly the rows GX saw
            sql_counts = list(con.execute(f"SELECT {rules.counts_sql(t)} FROM {GX_SCHEMA}.{name}").fetchone())
            results = gx.get(name)
            if results is None:
                raise ContractDisagreement(f"Great Expectations returned no result for {name}")
            for check, result, n_sql in zip(rules.checks(t), results, sql_counts, strict=True):
                result["sql_count"] = int(n_sql)
                if result["error"]:
                    raise ContractDisagreement(
                        f"Great Expectations could not evaluate '{check.rule}' on {name}: {result['error']}"
                    )
                if int(result["unexpected_count"] or 0) != n_sql:
                    raise ContractDisagreement(
                        f"{name}: Great Expectations finds {result['unexpected_count']} row(s) breaking "
                        f"'{check.rule}' ({check.gx_type}), the SQL rule {n_sql}. They must agree; this is a "
                        "bug of orchestration/lib/rules.py: report it with the landing file."
                    )
            out[name] = results
            con.execute(
                f"UPDATE landing.batches SET validated = true WHERE table_name = ? AND batch IN "
                f"({', '.join(lit(b) for b in batches)})",
                [name],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    now = utc_now()
    wcon = connect(home.warehouse)
    try:
        ensure_warehouse_schema(wcon)
        for name, batches in pending:
            for i, r in enumerate(out[name]):
                wcon.execute(
                    "INSERT INTO meta.gx_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        name,
                        ",".join(batches),
                        i,
                        r["rule"],
                        r["type"],
                        r["success"],
                        r["unexpected_count"],
                        r["sql_count"],
                        now,
                    ],
                )
    finally:
        wcon.close()
    worker.build_data_docs(home.gx_dir, run_id)
    if log:
        log(f"Great Expectations: {len(tables)} table(s) validated and reconciled ({time.monotonic() - started:.1f} s)")
    return out


def data_docs(home: Home, wait: bool = True) -> str | None:
    """The index.html of the GX Data Docs of this home (waiting for a build under way)."""
    docs = None
    if wait:
        from orchestration.lib.gx_worker import GxWorker

        docs = GxWorker.get().docs_done()
    idx = home.gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return docs or (str(idx) if idx.exists() else None)


# --- the whole run ------------------------------------------------------------------------------


def new_run_id(clock: dt.datetime) -> str:
    return f"ingest-{clock:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def land_and_resolve(
    home: Home,
    tables: Iterable[str] | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    run_id: str | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, TableResult]:
    """Steps 1-3 (GX keeps validating in the background; `audit` waits for it)."""
    wanted = set(tables) if tables is not None else set(ct.TABLES)
    unknown = wanted - set(ct.TABLES)
    if unknown:
        raise ValueError(f"not contract tables: {sorted(unknown)}")
    home.ensure()
    load_clock = clock()
    run_id = run_id or new_run_id(load_clock)
    order = [n for n in ct.load_order() if n in wanted]
    results = {n: TableResult(table=n) for n in order}
    lander = Lander(home, load_clock, f"{run_id}-{uuid.uuid4().hex[:6]}", results)
    try:
        for skipped in lander.landing_root():
            (log or print)(f"skipped {skipped['file_name']}: {skipped['reason']}")
        for n in order:
            started = time.monotonic()
            lander.table(n)
            results[n].seconds += time.monotonic() - started
        to_validate = lander.gx_views(order)
    finally:
        lander.close()
    request_validation(home, to_validate, run_id)
    resolver = Resolver(home, load_clock, run_id, results)
    try:
        for n in order:
            resolver.table(n)
    finally:
        resolver.close()
    return results


def ingest(
    home: Home,
    tables: Iterable[str] | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    run_id: str | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, TableResult]:
    """Ingest the given tables (default: all 21), parents first, and audit GX's validation;
    return results by table. `clock` returns the load time (naive UTC) used for "not in the future"."""
    load_clock = clock()
    run_id = run_id or new_run_id(load_clock)
    results = land_and_resolve(home, tables, lambda: load_clock, run_id, log)
    gx = audit(home, run_id, log)
    docs = data_docs(home)
    for name, r in results.items():
        r.gx_results = gx.get(name, [])
        r.data_docs = docs
    return results


def skipped_since(home: Home, since: dt.datetime) -> list[tuple[str, str]]:
    """(file, why) of every entry of the landing zone first skipped since `since` (naive UTC)."""
    if not home.landed.exists():
        return []
    con = connect(home.landed, read_only=True)
    try:
        return con.execute(
            "SELECT file_name, reason FROM landing.ledger WHERE status = 'skipped' AND loaded_at >= ? "
            "ORDER BY file_name",
            [since],
        ).fetchall()
    finally:
        con.close()


if __name__ == "__main__":  # pragma: no cover
    out = ingest(Home.from_env())
    print(json.dumps({k: v.as_dict() for k, v in out.items()}, indent=1, default=str))
