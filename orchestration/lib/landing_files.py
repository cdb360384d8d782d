"""The files of the landing zone: which ones are read, and how they reach DuckDB.

Nothing here holds a table in Python memory: CSV and Parquet are read by DuckDB itself
(`read_csv` / `read_parquet`, every column as the text that landed), xlsx is streamed
row by row with openpyxl (read-only mode) into DuckDB in bounded batches.

- `scan_table_folder` lists the files of `landing/<table>/` that are read, and reports
  every other entry once as *skipped* with the reason (a sub-folder, an unsupported
  suffix). Dot-files and Excel lock files (`~$*.xlsx`) are ignored quietly.
- `scan_landing_root` reports what sits beside the table folders (a folder that is no
  table, a loose file).
- `read_header` reads a file's column names (CSV: UTF-8 with or without a BOM, RFC 4180).
- `source_sql` is the DuckDB table function that yields a group of files' rows as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib import contract as ct

SUFFIXES = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "xlsx"}
XLSX_BATCH_ROWS = 5000


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    rel: str  # relative to the landing root, e.g. "orders/orders_2024-05.csv"
    size: int
    mtime_ns: int

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def mtime(self) -> dt.datetime:
        """Modification time, naive UTC (what "landed last" compares)."""
        return dt.datetime.fromtimestamp(self.mtime_ns / 1e9, dt.UTC).replace(tzinfo=None)


def _ignored(name: str) -> bool:
    """Files nobody meant to land: hidden files and the lock files Excel leaves open."""
    return name.startswith(".") or name.startswith("~$")


def scan_table_folder(landing: Path, table: str) -> tuple[list[LandingFile], list[tuple[str, str]]]:
    """(files to read, [(skipped entry, why)]) of one table folder, by name."""
    folder = landing / table
    files: list[LandingFile] = []
    skipped: list[tuple[str, str]] = []
    if not folder.is_dir():
        return files, skipped
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if _ignored(p.name):
            continue
        rel = f"{table}/{p.name}"
        if p.is_dir():
            skipped.append((rel + "/", f"sub-folders are not read; move its files up into {table}/ to land them"))
        elif p.suffix.lower() not in SUFFIXES:
            skipped.append((rel, f"unsupported file type '{p.suffix}' (a landing file is .csv, .parquet or .xlsx)"))
        elif p.is_file():
            st = p.stat()
            files.append(LandingFile(p, rel, st.st_size, st.st_mtime_ns))
    return files, skipped


def scan_landing_root(landing: Path) -> list[tuple[str, str]]:
    """[(entry, why)] for everything in the landing root that is not a table folder."""
    if not landing.is_dir():
        return []
    out = []
    for p in sorted(landing.iterdir(), key=lambda p: p.name):
        if _ignored(p.name) or (p.is_dir() and p.name in ct.TABLES):
            continue
        if p.is_dir():
            out.append((p.name + "/", "not a table of the contract, so it is not read (see raw-contract.md)"))
        else:
            out.append((p.name, "files belong in a table folder (e.g. orders/), so it is not read"))
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def read_header(f: LandingFile) -> list[str]:
    """The column names of a file (stripped), without reading its rows."""
    if f.size == 0:
        raise UnreadableFile("the file is empty (no header row)")
    try:
        if f.suffix == ".csv":
            # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark
            with f.path.open(encoding="utf-8-sig", newline="") as fh:
                row = next(csv.reader(fh), None)
            if not row or not any(c.strip() for c in row):
                raise UnreadableFile("the file has no header row")
            header = [c.strip() for c in row]
        elif f.suffix == ".parquet":
            import pyarrow.parquet as pq

            header = [c.strip() for c in pq.read_schema(f.path).names]
        else:
            import openpyxl

            wb = openpyxl.load_workbook(f.path, read_only=True, data_only=True)
            try:
                first = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), None)
            finally:
                wb.close()
            if not first:
                raise UnreadableFile("the first sheet has no header row")
            header = ["" if v is None else str(v).strip() for v in first]
    except UnreadableFile:
        raise
    except UnicodeDecodeError as err:
        raise UnreadableFile(f"cannot be read as CSV: it is not UTF-8 text ({_first_line(err)})") from err
    except Exception as err:
        raise UnreadableFile(f"cannot be read as {SUFFIXES[f.suffix]}: {_first_line(err)}") from err
    named = [h for h in header if h]
    dupes = sorted({h for h in named if named.count(h) > 1})
    if dupes:
        raise UnreadableFile(f"column '{dupes[0]}' appears more than once in the header")
    return header


def missing_required(header: list[str], table: ct.Table) -> str | None:
    """Why a header cannot be loaded (a required column missing), or None."""
    missing = [c for c in table.required_columns if c not in header]
    if not missing:
        return None
    c = table.column(missing[0])
    return (
        f"required column '{c.name}' is missing (contract rule: {table.name}.{c.name} ({c.type}) is required"
        + (f"; all missing: {', '.join(missing)}" if len(missing) > 1 else "")
        + ")"
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_sql(files: list[LandingFile], header: list[str], rejects: str | None = None) -> tuple[str, dict]:
    """(DuckDB relation, params) yielding every row of `files` (one format, one header) as text,
    with `filename`. CSV lines that cannot be parsed go to the rejects tables `<rejects>_errors`
    / `<rejects>_scans` instead of failing the read."""
    paths = [str(f.path) for f in files]
    if files[0].suffix == ".csv":
        cols = "{" + ", ".join(f"{_sql_str(h or f'column{i}')}: 'VARCHAR'" for i, h in enumerate(header)) + "}"
        opts = (
            f"header = true, auto_detect = false, columns = {cols}, delim = ',', quote = '\"', escape = '\"', "
            "filename = true, null_padding = false"
        )
        if rejects:
            opts += f", store_rejects = true, rejects_table = '{rejects}_errors', rejects_scan = '{rejects}_scans'"
        return f"read_csv($files, {opts})", {"files": paths}
    return "read_parquet($files, filename = true, union_by_name = true)", {"files": paths}


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def read_columns(con: duckdb.DuckDBPyConnection, relation: str, params: dict) -> list[str]:
    """The names of a relation's columns as read (filename excluded)."""
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()]
    return [n for n in names if n != "filename"]


def as_text(names: list[str]) -> list[tuple[str, str]]:
    """[(stripped column name, SQL casting it to text)] of columns as read (`read_columns`)."""
    return [(n.strip(), f"CAST({_q(n)} AS VARCHAR)") for n in names]


def text_columns(con: duckdb.DuckDBPyConnection, relation: str, params: dict) -> list[tuple[str, str]]:
    """[(stripped column name, SQL casting it to text)] of a relation (filename excluded)."""
    return as_text(read_columns(con, relation, params))


# --- xlsx, streamed --------------------------------------------------------------------------


def load_xlsx(con: duckdb.DuckDBPyConnection, f: LandingFile, table: ct.Table, target: str) -> list[str]:
    """Stream the first sheet of an xlsx file into a new temp table `target` (all text, plus
    `filename`), XLSX_BATCH_ROWS rows at a time; return the header."""
    import openpyxl
    import pyarrow as pa

    types = {c.name: c.type for c in table.columns}
    try:
        wb = openpyxl.load_workbook(f.path, read_only=True, data_only=True)
    except Exception as err:
        raise UnreadableFile(f"cannot be read as xlsx: {_first_line(err)}") from err
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if not first:
            raise UnreadableFile("the first sheet has no header row")
        header = ["" if v is None else str(v).strip() for v in first]
        names = [h or f"column{i}" for i, h in enumerate(header)]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {target} ("
            + ", ".join(f"{_q(n)} VARCHAR" for n in names)
            + ", filename VARCHAR)"
        )
        typ = [types.get(h) for h in header]
        batch: list[list] = []

        def flush() -> None:
            cols = list(zip(*batch, strict=True)) if batch else [[] for _ in names]
            arrays = [pa.array(list(c), type=pa.string()) for c in cols]
            arrays.append(pa.array([str(f.path)] * len(batch), type=pa.string()))
            part = pa.Table.from_arrays(arrays, names=[*names, "filename"])
            con.register("_xlsx_part", part)
            con.execute(f"INSERT INTO {target} SELECT * FROM _xlsx_part")
            con.unregister("_xlsx_part")
            batch.clear()

        for row in rows:
            values = list(row)[: len(names)] + [None] * max(0, len(names) - len(row))
            if all(v is None for v in values):
                continue  # Excel keeps formatted but empty rows
            batch.append([_cell_to_string(v, t) for v, t in zip(values, typ, strict=True)])
            if len(batch) >= XLSX_BATCH_ROWS:
                flush()
        if batch:
            flush()
        return header
    except UnreadableFile:
        raise
    except Exception as err:
        raise UnreadableFile(f"cannot be read as xlsx: {_first_line(err)}") from err
    finally:
        wb.close()


def _cell_to_string(v, typ: str | None) -> str | None:
    """An Excel cell as the text a user would have typed (dates as ISO 8601)."""
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        if typ == "date" and (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.strftime("%Y-%m-%d")
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer() and typ in ("int", "money", "decimal"):
        return str(int(v))
    return str(v)
