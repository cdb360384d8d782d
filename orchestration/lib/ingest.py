"""Ingestion of the landing zone into `raw.*` and `meta.*` (plain Python: DuckDB + GX).

Call it from code::

    from orchestration.lib.ingest import ingest
    from orchestration.lib.settings import Home
    results = ingest(Home.from_env())            # all 21 tables, load clock = now (UTC)
    results["orders"].rows_loaded

Per table, in `contract.load_order()` (parents first):

1. **Ledger.** Every top-level file of `landing/<table>/` is hashed (sha256).
   Only files whose (name, checksum) is not in `meta.ingest_ledger` are read.
   A known name with a new checksum is a *restatement*: once it has been read
   successfully its rows replace the earlier rows of that file with the same
   primary key (and those whose key did not parse); an earlier row whose key
   the new version no longer carries stays. Rows are never deleted because a
   file disappeared. An unreadable
   file (or one without a required column) is rejected whole
   (`meta.rejected_files`); when it was a restatement, the earlier version's
   rows stay in place.
2. **Landing.** The rows of new files are kept as strings in
   `meta.landed_<table>` (file name, 1-based data row number, file
   modification time, `raw_row` JSON of the row as landed, trimmed contract
   strings, parsed values `<column>__v`) together with the row's GX verdict
   (`_row_rules`, the row rules it broke, NULL when none). Old files are never
   re-validated: the cost of GX is proportional to the new rows.
3. **Row rules** run through Great Expectations 1.x (pandas path, one
   validation per table and run over the new rows, suites generated from
   `contract.py`, see `lib/gx_suites.py`).
4. **Key rules** run in DuckDB SQL over the whole landing table, every run:
   a. last landed wins: for each parseable primary key only the rows of the
      file that landed last (file modification time, then file name) survive
      ("winning rows"); rows of earlier files with that key are superseded;
   b. a key repeated inside that winning file quarantines every copy;
   c. foreign keys ("exists in" columns only) against the *accepted* rows of
      the parent table (`raw.<parent>`), so a quarantined parent cascades;
   d. a currency that is not USD and never appears in accepted `fx_rates`;
   e. subscription periods of one subscription must not overlap (among rows
      that broke no other rule; both rows of an overlapping pair are
      quarantined, the data does not say which one is right).
5. **Outputs.** `raw.<table>` is rebuilt from the accepted winning rows (typed
   per docs/architecture.md), `meta.quarantine` holds the quarantined winning
   rows (rules joined by "; "; `first_seen_at` kept across runs), and
   `meta.table_status`, `meta.data_quality` are written.

**rows_landed** (per table, after the run) = the number of *winning rows*:
for every parseable primary key, all rows carrying it in the file that landed
last for that key (1, or n when the key is repeated n times in that file), plus
every row whose primary key does not parse. Superseded rows (same key in an
earlier file) are not counted. Every winning row is either accepted
(`rows_loaded`) or quarantined (`rows_quarantined`), so
rows_landed = rows_loaded + rows_quarantined holds by construction.

`checks_passed` / `checks_failed` in `meta.data_quality` count the table's
contract rules (row rules + key rules) with no / with at least one broken
winning row.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.lib import contract as ct
from orchestration.lib.gx_suites import max_discount, typed
from orchestration.lib.landing_files import list_files, read_files, sha256
from orchestration.lib.settings import Home

SAMPLE_KEYS = 5
_TS_RE = (
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


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
    schema_drift: dict[str, list[str]] = field(default_factory=dict)  # file -> extra columns
    rows_new: int = 0  # rows landed from new/changed files this run
    rows_landed: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rule_counts: dict[str, int] = field(default_factory=dict)
    sample_keys: dict[str, list[str]] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: int = 0
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

# --- schema ----------------------------------------------------------------------------

META_DDL = [
    "CREATE SCHEMA IF NOT EXISTS raw",
    "CREATE SCHEMA IF NOT EXISTS meta",
    """CREATE TABLE IF NOT EXISTS meta.ingest_ledger (table_name VARCHAR, file_name VARCHAR,
        checksum VARCHAR, rows BIGINT, modified_at TIMESTAMP, loaded_at TIMESTAMP, status VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.rejected_files (table_name VARCHAR, file_name VARCHAR,
        reason VARCHAR, rejected_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.quarantine (table_name VARCHAR, file_name VARCHAR,
        row_key VARCHAR, rule VARCHAR, raw_row VARCHAR, first_seen_at TIMESTAMP, event_date DATE)""",
    """CREATE TABLE IF NOT EXISTS meta.table_status (table_name VARCHAR, is_present BOOLEAN,
        rows_loaded BIGINT, rows_quarantined BIGINT, files_rejected BIGINT)""",
    # Internal: when a table's raw version and its parents' versions are unchanged and no new
    # file arrived, the SQL key rules are skipped and the stored stats reused (nightly runs).
    """CREATE TABLE IF NOT EXISTS meta.ingest_state (table_name VARCHAR, version BIGINT,
        parent_versions VARCHAR, stats VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.data_quality (run_id VARCHAR, table_name VARCHAR,
        rows_landed BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, files_rejected BIGINT,
        checks_passed BIGINT, checks_failed BIGINT)""",
]

_TYPED_STORAGE = {"date": "DATE", "timestamp": "TIMESTAMP", "int": "BIGINT", "decimal": "DOUBLE"}


def landed_table(t: ct.Table) -> str:
    return f"meta.landed_{t.name}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def landed_ddl(t: ct.Table) -> str:
    cols = [
        "_file_name VARCHAR",
        "_row_number BIGINT",
        "_file_mtime TIMESTAMP",
        "_landed_at TIMESTAMP",
        "_key VARCHAR",
        "_event_date DATE",
        "_row_rules VARCHAR",
        "_raw_row VARCHAR",
    ]
    for c in t.columns:
        cols.append(f"{_q(c.name)} VARCHAR")
        if c.type in _TYPED_STORAGE:
            cols.append(f"{_q(typed(c.name))} {_TYPED_STORAGE[c.type]}")
    return f"CREATE TABLE IF NOT EXISTS {landed_table(t)} ({', '.join(cols)})"


def raw_select(t: ct.Table) -> str:
    """Typed contract columns of raw.<table>, from the landing table's columns."""
    out = []
    for c in t.columns:
        if c.type in ("id", "string", "currency"):
            expr = _q(c.name)
        elif c.type == "money":
            expr = f"CAST({_q(c.name)} AS DECIMAL(18,4))"
        else:
            expr = f"CAST({_q(typed(c.name))} AS {ct.DUCKDB_TYPES[c.type]})"
        out.append(f"{expr} AS {_q(c.name)}")
    return ", ".join(out)


def raw_ddl(t: ct.Table) -> str:
    cols = [f"{_q(c.name)} {ct.DUCKDB_TYPES[c.type]}" for c in t.columns]
    cols += ["_file_name VARCHAR", "_loaded_at TIMESTAMP"]
    return f"CREATE TABLE IF NOT EXISTS raw.{t.name} ({', '.join(cols)})"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in META_DDL:
        con.execute(stmt)
    for t in ct.TABLES.values():
        con.execute(landed_ddl(t))
        con.execute(raw_ddl(t))


def connect(path: Path, timeout_s: float = 120.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting while another process holds its write lock."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = duckdb.connect(str(path))
            con.execute("SET TimeZone = 'UTC'")
            return con
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- parsing (the values the GX suites compare) --------------------------------------------


def _to_datetime64(strings: pd.Series, unit: str) -> pd.Series:
    """Strict ISO parse by numpy into datetime64[us] (years 1-9999); NaT where invalid."""
    values = strings.where(strings.notna(), "NaT").astype(str).to_numpy()
    try:
        arr = values.astype(f"datetime64[{unit}]")
    except ValueError:  # some value is not a valid calendar date/time: parse one by one
        arr = np.array([_one_datetime64(v, unit) for v in values], dtype=f"datetime64[{unit}]")
    return pd.Series(arr.astype("datetime64[us]"), index=strings.index)


def _one_datetime64(v: str, unit: str):
    try:
        return np.datetime64(v, unit)
    except ValueError:
        return np.datetime64("NaT", unit)


def parse_values(s: pd.Series, typ: str) -> pd.Series:
    """Parsed values of a trimmed string column; NaN/NaT where the string does not parse.

    Timestamps: the offset (Z, +hh, +hhmm, +hh:mm; none = UTC) is applied, the
    result is naive UTC. Dates and timestamps are datetime64[us] (years 1-9999).
    """
    s = s.astype(object)
    if typ == "timestamp":
        m = s.astype("string").str.extract(_TS_RE)
        local = m[0] + "T" + m[1] + m[2].fillna(":00")
        naive = _to_datetime64(local.astype(object).where(local.notna(), None), "us")
        off = m[3].fillna("Z").str.upper()
        sign = np.where(off.str.startswith("-"), -1, 1)
        hh = pd.to_numeric(off.str.slice(1, 3), errors="coerce").fillna(0)
        mm = pd.to_numeric(off.str.replace(":", "", regex=False).str.slice(3, 5), errors="coerce")
        minutes = (sign * (hh * 60 + mm.fillna(0))).astype("int64").to_numpy()
        shifted = naive.to_numpy() - minutes.astype("timedelta64[m]").astype("timedelta64[us]")
        return pd.Series(shifted, index=s.index)
    ok = s.astype("string").str.match(ct.TYPE_REGEX[typ]).fillna(False).astype(bool)
    valid = s.where(ok, None)
    if typ == "date":
        return _to_datetime64(valid, "D")
    return pd.to_numeric(valid, errors="coerce").astype("float64")


def key_part(s: pd.Series, parsed: pd.Series | None, typ: str) -> pd.Series:
    """Canonical text of a primary-key column (None when it does not parse)."""
    if parsed is None:
        return s
    if typ == "date":
        return parsed.astype(str).str.slice(0, 10).where(parsed.notna(), None)
    if typ == "int":
        return parsed.map(lambda v: None if pd.isna(v) else str(int(v)))
    return parsed.astype(str).where(parsed.notna(), None)


def prepare_frame(t: ct.Table, landed: pd.DataFrame) -> pd.DataFrame:
    """Contract columns trimmed (empty -> None), parsed `__v` values, derived columns, `_key`."""
    out = pd.DataFrame(index=landed.index)
    for c in t.columns:
        if c.name in landed.columns:
            s = landed[c.name].astype("string").str.strip()
            s = s.where(s.notna() & (s != ""), None).astype(object)
        else:
            s = pd.Series([None] * len(landed), index=landed.index, dtype=object)
        out[c.name] = s
        if c.type in _TYPED_STORAGE or c.type == "money":
            out[typed(c.name)] = parse_values(s, c.type)
    for r in t.pair_rules:
        if r.kind == "le_product":
            prod = out[typed(r.b)] * out[typed(r.third)]  # type: ignore[index]
            out[max_discount(r.a)] = prod.round(4)
    parts = [key_part(out[k], out.get(typed(k)), t.column(k).type).astype(object) for k in t.primary_key]
    key = parts[0].where(parts[0].notna(), None)
    for p in parts[1:]:
        both = key.notna() & p.notna()
        key = (key.astype(str) + "|" + p.astype(str)).where(both, None)
    out["_key"] = key.astype(object)
    if t.event_date:
        ev = out[typed(t.event_date)]
        out["_event_date"] = ev.dt.normalize()
    else:
        out["_event_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    return out


# --- the run ---------------------------------------------------------------------------


@dataclass
class _NewFile:
    path: Path
    rel: str
    checksum: str
    mtime: dt.datetime
    restated: bool
    rows: int = 0


class Ingestion:
    """One ingestion run over some tables of one home (one DuckDB connection, one GX context)."""

    def __init__(
        self,
        home: Home,
        clock: Callable[[], dt.datetime] = utc_now,
        run_id: str | None = None,
    ):
        self.home = home.ensure()
        self.clock = clock
        self.load_clock = clock()
        self.run_id = run_id or f"ingest-{self.load_clock:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self.con = connect(home.warehouse)
        ensure_schema(self.con)
        self._gx = None
        self.data_docs: str | None = None

    # GX is imported and its context created lazily: a run with no new rows never pays for it.
    @property
    def gx(self):
        if self._gx is None:
            from orchestration.lib.gx_suites import GxRunner

            self._gx = GxRunner(self.home.gx_dir, run_name=self.run_id)
        return self._gx

    def close(self) -> None:
        self.con.close()

    # -- per table -------------------------------------------------------------------------

    def ingest_table(self, name: str) -> TableResult:
        start = time.monotonic()
        t = ct.TABLES[name]
        res = TableResult(table=name)
        folder = self.home.landing / name
        res.folder_exists = folder.is_dir()
        ledger = {
            r[0]: (r[1], r[2])
            for r in self.con.execute(
                "SELECT file_name, checksum, status FROM meta.ingest_ledger WHERE table_name = ?",
                [name],
            ).fetchall()
        }
        candidates: list[_NewFile] = []
        for path in list_files(folder):
            rel = f"{name}/{path.name}"
            res.files_seen += 1
            checksum = sha256(path)
            if rel in ledger and ledger[rel][0] == checksum:
                res.files_unchanged += 1
                continue
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
            candidates.append(_NewFile(path, rel, checksum, mtime, rel in ledger))
        frame, unreadable, headers = read_files([c.path for c in candidates], t, self.con)
        new_files: list[_NewFile] = []
        for c in candidates:
            if c.path in unreadable:
                reason = (
                    f"{c.rel}: {unreadable[c.path]}. Nothing from this file was loaded"
                    + ("; the rows of its previous version are kept" if c.restated else "")
                    + ". Fix the file (UTF-8 CSV with a header row, Parquet or xlsx with every "
                    "required column) and land it again."
                )
                self._reject(name, c.rel, c.checksum, c.mtime, reason)
                res.rejected_this_run.append({"file_name": c.rel, "reason": reason})
                continue
            c.rows = int((frame["_file"] == str(c.path)).sum()) if len(frame) else 0
            extra = [h for h in headers.get(c.path, []) if h not in t.column_names]
            if extra:
                res.schema_drift[c.rel] = extra
            new_files.append(c)
        res.files_new = sum(not f.restated for f in new_files)
        res.files_restated = sum(f.restated for f in new_files)
        if new_files:
            res.rows_new = self._land(t, new_files, frame)
        state = {r[0]: (r[1], r[2], r[3]) for r in self.con.execute("SELECT * FROM meta.ingest_state").fetchall()}
        parents = json.dumps({p: state.get(p, (0,))[0] for p in t.parents}, sort_keys=True)
        mine = state.get(name)
        if mine and not new_files and mine[1] == parents:
            for k, v in json.loads(mine[2]).items():
                setattr(res, k, v)
        else:
            # raw.<t>, its quarantine and its state change in one transaction: a run killed at
            # any point leaves either the old or the new state, never raw without its state.
            # a fresh version on every resolve (never reused), so children re-check their keys
            self._resolve(t, res, version=time.time_ns(), parents=parents)
        res.is_present = res.folder_exists and bool(
            self.con.execute(
                "SELECT count(*) FROM meta.ingest_ledger WHERE table_name = ? AND status <> 'rejected'",
                [name],
            ).fetchone()[0]
        )
        res.files_rejected = self.con.execute(
            "SELECT count(*) FROM meta.rejected_files WHERE table_name = ?", [name]
        ).fetchone()[0]
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("DELETE FROM meta.table_status WHERE table_name = ?", [name])
        self.con.execute(
            "INSERT INTO meta.table_status VALUES (?, ?, ?, ?, ?)",
            [name, res.is_present, res.rows_loaded, res.rows_quarantined, res.files_rejected],
        )
        self.con.execute(
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
        self.con.execute("COMMIT")
        res.seconds = round(time.monotonic() - start, 3)
        return res

    def _reject(self, name: str, rel: str, checksum: str, mtime: dt.datetime, reason: str) -> None:
        now = self.load_clock
        self.con.execute("DELETE FROM meta.rejected_files WHERE table_name = ? AND file_name = ?", [name, rel])
        self.con.execute("INSERT INTO meta.rejected_files VALUES (?, ?, ?, ?)", [name, rel, reason, now])
        self.con.execute("DELETE FROM meta.ingest_ledger WHERE table_name = ? AND file_name = ?", [name, rel])
        self.con.execute(
            "INSERT INTO meta.ingest_ledger VALUES (?, ?, ?, 0, ?, ?, 'rejected')",
            [name, rel, checksum, mtime, now],
        )

    def _land(self, t: ct.Table, files: list[_NewFile], landed: pd.DataFrame) -> int:
        """Validate the new files' rows with GX (one validation) and store them with verdicts."""
        by_path = {str(f.path): f for f in files}
        landed = landed[landed["_file"].isin(by_path)].reset_index(drop=True)
        batch = prepare_frame(t, landed)
        batch["_file_name"] = landed["_file"].map(lambda p: by_path[p].rel)
        batch["_row_number"] = landed["_row_number"].astype("int64")
        batch["_file_mtime"] = landed["_file"].map(lambda p: by_path[p].mtime).astype("datetime64[us]")
        batch["_raw_row"] = landed["_raw_row"]
        batch["_landed_at"] = self.load_clock
        rules = pd.Series([None] * len(batch), dtype=object)
        if len(batch):
            gx_cols = [c for c in batch.columns if not c.startswith("_") and c != "_key"]
            verdicts = self.gx.validate(t.name, batch[gx_cols], self.load_clock)
            for pos, broken in verdicts.items():
                rules.iat[pos] = "; ".join(broken)
        batch["_row_rules"] = rules
        stored = {r[0] for r in self.con.execute(f"DESCRIBE {landed_table(t)}").fetchall()}
        store_cols = [c for c in batch.columns if c in stored]
        to_store = batch[store_cols]
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.register("_new_rows", to_store)
            for f in files:
                # A restatement replaces the earlier rows with the same primary key (and the
                # earlier rows whose key did not parse); a key the new version no longer
                # carries keeps its row: rows are never deleted because they stopped arriving.
                self.con.execute(
                    f"""DELETE FROM {landed_table(t)} WHERE _file_name = ? AND (_key IS NULL
                        OR _key IN (SELECT _key FROM _new_rows WHERE _file_name = ? AND _key IS NOT NULL))""",
                    [f.rel, f.rel],
                )
            # new rows invalidate the stored key-rule state, in the same transaction: a run killed
            # after landing but before resolving resolves the table next time
            self.con.execute("DELETE FROM meta.ingest_state WHERE table_name = ?", [t.name])
            self.con.execute(f"INSERT INTO {landed_table(t)} BY NAME SELECT * FROM _new_rows")
            self.con.unregister("_new_rows")
            for f in files:
                self.con.execute(
                    "DELETE FROM meta.ingest_ledger WHERE table_name = ? AND file_name = ?",
                    [t.name, f.rel],
                )
                self.con.execute(
                    "INSERT INTO meta.ingest_ledger VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        t.name,
                        f.rel,
                        f.checksum,
                        f.rows,
                        f.mtime,
                        self.load_clock,
                        "restated" if f.restated else "loaded",
                    ],
                )
                self.con.execute(
                    "DELETE FROM meta.rejected_files WHERE table_name = ? AND file_name = ?",
                    [t.name, f.rel],
                )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return len(batch)

    def _resolve(self, t: ct.Table, res: TableResult, version: int, parents: str) -> None:
        """Key rules in SQL over the whole landing table; rebuild raw.<t>, its quarantine and
        its ingest_state (the stats reused while nothing changes) in one transaction."""
        lt = landed_table(t)
        joins, checks = [], ["CASE WHEN _row_rules IS NOT NULL THEN _row_rules END"]
        checks.append(f"CASE WHEN _copies > 1 THEN {_sql_str(t.pk_rule)} END")
        for i, (col, parent, pcol) in enumerate(t.foreign_keys):
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {_q(pcol)} AS k FROM raw.{parent}) fk{i} ON w.{_q(col)} = fk{i}.k"
            )
            checks.append(
                f"CASE WHEN w.{_q(col)} IS NOT NULL AND fk{i}.k IS NULL THEN {_sql_str(ct.fk_rule(col, parent))} END"
            )
        if t.name != "fx_rates":
            for i, c in enumerate(c for c in t.columns if c.type == "currency"):
                joins.append(
                    f"LEFT JOIN (SELECT DISTINCT currency AS k FROM raw.fx_rates) cur{i} ON w.{_q(c.name)} = cur{i}.k"
                )
                checks.append(
                    f"CASE WHEN regexp_full_match(w.{_q(c.name)}, '[A-Z]{{3}}') "
                    f"AND w.{_q(c.name)} <> 'USD' AND cur{i}.k IS NULL "
                    f"THEN {_sql_str(ct.currency_known_rule(c.name))} END"
                )
        if t.event_date_via:
            fk_col, parent, pcol = t.event_date_via
            joins.append(
                f"LEFT JOIN (SELECT {_q(fk_col)} AS k, "
                f"CAST(max_by({_q(typed(pcol))}, _file_mtime) AS DATE) AS d "
                f"FROM meta.landed_{parent} GROUP BY 1) ev ON w.{_q(fk_col)} = ev.k"
            )
            event = "ev.d"
        else:
            event = "w._event_date"
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _winning AS
            WITH ranked AS (
                SELECT *,
                    dense_rank() OVER (PARTITION BY _key ORDER BY _file_mtime DESC, _file_name DESC, _landed_at DESC)
                        AS _file_rank,
                    count(*) OVER (PARTITION BY _key, _file_name, _file_mtime, _landed_at) AS _n
                FROM {lt}
            )
            SELECT *, CASE WHEN _key IS NULL THEN 1 ELSE _n END AS _copies,
                row_number() OVER () AS _rid
            FROM ranked WHERE _key IS NULL OR _file_rank = 1
            """
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _resolved AS
            SELECT w.*, {event} AS _event_day,
                list_filter([{", ".join(checks)}], x -> x IS NOT NULL) AS _issues
            FROM _winning w {" ".join(joins)}
            """
        )
        if t.no_overlap:
            grp, lo, hi = t.no_overlap
            lo_v, hi_v = _q(typed(lo)), _q(typed(hi))
            self.con.execute(
                f"""
                UPDATE _resolved SET _issues = list_append(_issues, {_sql_str(ct.overlap_rule(t))})
                WHERE _rid IN (
                    SELECT a._rid FROM _resolved a JOIN _resolved b
                      ON a.{_q(grp)} = b.{_q(grp)} AND a._rid <> b._rid
                     AND len(a._issues) = 0 AND len(b._issues) = 0
                     AND a.{lo_v} < coalesce(b.{hi_v}, DATE '9999-12-31')
                     AND b.{lo_v} < coalesce(a.{hi_v}, DATE '9999-12-31'))
                """
            )
        landed, loaded = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE len(_issues) = 0) FROM _resolved"
        ).fetchone()
        res.rows_landed, res.rows_loaded = int(landed), int(loaded)
        res.rows_quarantined = res.rows_landed - res.rows_loaded
        per_rule = self.con.execute(
            f"""SELECT rule, count(*) AS n,
                   list(coalesce(_key, _file_name || ':' || _row_number) ORDER BY _file_name, _row_number)
                     [1:{SAMPLE_KEYS}]
                FROM (SELECT unnest(list_distinct(flatten(list_transform(_issues, x -> string_split(x, '; ')))))
                        AS rule, _key, _file_name, _row_number
                      FROM _resolved WHERE len(_issues) > 0)
                GROUP BY rule ORDER BY n DESC, rule"""
        ).fetchall()
        res.rule_counts = {r[0]: int(r[1]) for r in per_rule}
        res.sample_keys = {r[0]: list(r[2]) for r in per_rule}
        all_rules = ct.row_rules(t) + ct.key_rules(t)
        res.checks_failed = sum(1 for r in set(all_rules) if r in res.rule_counts)
        res.checks_passed = len(set(all_rules)) - res.checks_failed
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"CREATE OR REPLACE TABLE raw.{t.name} AS SELECT {raw_select(t)}, "
                "_file_name, _landed_at AS _loaded_at FROM _resolved WHERE len(_issues) = 0 "
                "ORDER BY _file_name, _row_number"
            )
            self.con.execute(
                """CREATE OR REPLACE TEMP TABLE _prev_q AS
                   SELECT file_name, coalesce(row_key, raw_row) AS k, rule, min(first_seen_at) AS f
                   FROM meta.quarantine WHERE table_name = ? GROUP BY ALL""",
                [t.name],
            )
            self.con.execute("DELETE FROM meta.quarantine WHERE table_name = ?", [t.name])
            self.con.execute(
                """INSERT INTO meta.quarantine
                   SELECT ?, r._file_name, r._key, array_to_string(r._issues, '; '), r._raw_row,
                          coalesce(p.f, ?), CAST(r._event_day AS DATE)
                   FROM _resolved r LEFT JOIN _prev_q p
                     ON p.file_name = r._file_name AND p.k = coalesce(r._key, r._raw_row)
                    AND p.rule = array_to_string(r._issues, '; ')
                   WHERE len(r._issues) > 0
                   ORDER BY r._file_name, r._row_number""",
                [t.name, self.load_clock],
            )
            stats = {k: getattr(res, k) for k in _STATE_FIELDS}
            self.con.execute("DELETE FROM meta.ingest_state WHERE table_name = ?", [t.name])
            self.con.execute(
                "INSERT INTO meta.ingest_state VALUES (?, ?, ?, ?)", [t.name, version, parents, json.dumps(stats)]
            )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def finish(self) -> str | None:
        """Build GX Data Docs for this run (when GX ran); return the index.html path."""
        if self._gx is not None and self._gx.validated:
            self.data_docs = self._gx.build_data_docs()
        if self.data_docs is None:
            idx = self.home.gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"
            self.data_docs = str(idx) if idx.exists() else None
        return self.data_docs


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def ingest(
    home: Home,
    tables: Iterable[str] | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    run_id: str | None = None,
) -> dict[str, TableResult]:
    """Ingest the given tables (default: all 21), parents first; return results by table.

    `clock` returns the load time (naive UTC) used for "not in the future".
    """
    wanted = set(tables) if tables is not None else set(ct.TABLES)
    unknown = wanted - set(ct.TABLES)
    if unknown:
        raise ValueError(f"not contract tables: {sorted(unknown)}")
    run = Ingestion(home, clock=clock, run_id=run_id)
    try:
        results = {name: run.ingest_table(name) for name in ct.load_order() if name in wanted}
        docs = run.finish()
        for r in results.values():
            r.data_docs = docs
        return results
    finally:
        run.close()


def quarantine_frame(home: Home, table: str | None = None) -> pd.DataFrame:
    """meta.quarantine as a DataFrame (for reports and tests)."""
    con = connect(home.warehouse)
    try:
        sql = "SELECT * FROM meta.quarantine" + (" WHERE table_name = ?" if table else "")
        return con.execute(sql, [table] if table else []).df()
    finally:
        con.close()


if __name__ == "__main__":  # pragma: no cover
    out = ingest(Home.from_env())
    print(json.dumps({k: v.as_dict() for k, v in out.items()}, indent=1, default=str))
