"""Reading landing-zone files into all-string pandas frames (no Dagster, no GX).

Every value is kept as the string that landed, so validation and the quarantine's
`raw_row` see exactly what the user sent: CSV through DuckDB `read_csv` with
`all_varchar` (nothing is coerced silently), Parquet through DuckDB with every
column cast to VARCHAR (session time zone UTC), xlsx (first sheet) through
pandas + openpyxl, with Excel date cells written back as ISO 8601 strings
(`YYYY-MM-DD` for a contract `date` column at midnight).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib import contract as ct

SUFFIXES = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "xlsx"}


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why and what to do."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def list_files(folder: Path) -> list[Path]:
    """Top-level files of a table folder (dot-files and folders ignored), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def header_of(path: Path) -> list[str] | None:
    """Column names of a CSV/Parquet file without reading its rows (None for xlsx)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{path.suffix}' (a landing file must be .csv, .parquet or .xlsx)")
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (no header row)")
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as f:
                row = next(csv.reader(f), None)
            if not row:
                raise UnreadableFile("the file has no header row")
            return [c.strip() for c in row]
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return [c.strip() for c in pq.read_schema(path).names]
    except UnreadableFile:
        raise
    except Exception as err:
        raise UnreadableFile(f"cannot be read as {SUFFIXES[suffix]}: {_first_line(err)}") from err
    return None


def _source(paths: list[Path], suffix: str) -> tuple[str, list]:
    files = [str(p) for p in paths]
    if suffix == ".csv":
        return (
            "read_csv(?, all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', filename = true)",
            [files],
        )
    return "read_parquet(?, filename = true, union_by_name = true)", [files]


def _select_strings(con: duckdb.DuckDBPyConnection, src: str, params: list) -> pd.DataFrame:
    """Every column as VARCHAR, plus `_raw_row` (JSON of the row as landed) and `_file`."""
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}", params).fetchall()]
    names = [n for n in names if n != "filename"]

    def q(n: str) -> str:
        return '"' + n.replace('"', '""') + '"'

    cols = [f"CAST({q(n)} AS VARCHAR)" for n in names]
    packed = ", ".join(f"{q(n)} := {c}" for n, c in zip(names, cols, strict=False))
    select = ", ".join(f"{c} AS {q(n)}" for n, c in zip(names, cols, strict=False))
    df = con.execute(
        f"SELECT filename AS _file, to_json(struct_pack({packed})) AS _raw_row, {select} FROM {src}",
        params,
    ).df()
    df.columns = ["_file", "_raw_row"] + [str(n).strip() for n in names]
    return df


def read_files(
    paths: list[Path], table: ct.Table, con: duckdb.DuckDBPyConnection
) -> tuple[pd.DataFrame, dict[Path, str], dict[Path, list[str]]]:
    """Read new files of one table: (rows as strings, {unreadable file: why}, {file: header}).

    The frame has `_file` (the path), `_row_number` (1-based data row), `_raw_row`
    and one column per file column (stripped names, union over files). Files with
    the same format and header are read in one DuckDB call; when that call fails,
    the group is read file by file so only the bad file is rejected.
    """
    rejected: dict[Path, str] = {}
    headers: dict[Path, list[str]] = {}
    groups: dict[tuple, list[Path]] = {}
    frames: list[pd.DataFrame] = []
    for p in paths:
        try:
            header = header_of(p)
            if header is not None:
                _check_required(header, table)
                headers[p] = header
        except UnreadableFile as err:
            rejected[p] = str(err)
            continue
        key = (p.suffix.lower(), tuple(header) if header is not None else (str(p),))
        groups.setdefault(key, []).append(p)
    for (suffix, _), group in groups.items():
        if suffix == ".xlsx":
            for p in group:
                try:
                    frames.append(_read_xlsx_file(p, table, con))
                    headers[p] = list(frames[-1].columns[2:])
                except UnreadableFile as err:
                    rejected[p] = str(err)
            continue
        try:
            frames.append(_select_strings(con, *_source(group, suffix)))
        except Exception:
            for p in group:
                try:
                    frames.append(_select_strings(con, *_source([p], suffix)))
                except Exception as err:
                    rejected[p] = f"cannot be read as {SUFFIXES[suffix]}: {_first_line(err)}"
    if not frames:
        return pd.DataFrame(columns=["_file", "_row_number", "_raw_row"]), rejected, headers
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    df = df.astype(object).where(df.notna(), None)
    df["_row_number"] = df.groupby("_file", sort=False).cumcount() + 1
    return df, rejected, headers


def _check_required(header: list[str], table: ct.Table) -> None:
    missing = [c for c in table.required_columns if c not in header]
    if missing:
        c = table.column(missing[0])
        raise UnreadableFile(
            f"required column '{c.name}' is missing (contract rule: "
            f"{table.name}.{c.name} ({c.type}) is required"
            + (f"; all missing: {', '.join(missing)}" if len(missing) > 1 else "")
            + ")"
        )


def _read_xlsx_file(path: Path, table: ct.Table, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (no header row)")
    try:
        df = _read_xlsx(path, table)
    except Exception as err:
        raise UnreadableFile(f"cannot be read as xlsx: {_first_line(err)}") from err
    df.columns = [str(c).strip() for c in df.columns]
    _check_required(list(df.columns), table)
    con.register("_xlsx_rows", df)
    try:
        out = _select_strings(con, "(SELECT *, ? AS filename FROM _xlsx_rows)", [str(path)])
    finally:
        con.unregister("_xlsx_rows")
    return out


def _read_xlsx(path: Path, table: ct.Table) -> pd.DataFrame:
    raw = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    types = {c.name: c.type for c in table.columns}
    out = {}
    for col in raw.columns:
        typ = types.get(str(col).strip())
        out[col] = [_cell_to_string(v, typ) for v in raw[col].tolist()]
    return pd.DataFrame(out, columns=raw.columns, dtype=object)


def _cell_to_string(v, typ: str | None) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        if typ == "date" and (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.strftime("%Y-%m-%d")
        return pd.Timestamp(v).isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and typ in ("int", "money", "decimal"):
        return str(int(v))
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)
