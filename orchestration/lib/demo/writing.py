"""Writing the landing zone: one file per table and month, CSV, Parquet and xlsx, byte-stable."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import COLUMNS, FILE_FORMATS, _dates, _timestamps


def _month_labels(d: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(d).astype("datetime64[M]"), unit="M")


_CSV_WRITER: list = []


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as RFC 4180 CSV with a header (DuckDB's writer: the same bytes as pandas'
    to_csv, about 3.5× faster)."""
    import tempfile

    import duckdb

    if not _CSV_WRITER:
        _CSV_WRITER.append(duckdb.connect())
    con = _CSV_WRITER[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.csv"
        con.register("_frame", df)
        try:
            con.execute(f"COPY (SELECT * FROM _frame) TO '{path}' (HEADER, DELIMITER ',')")
        finally:
            con.unregister("_frame")
        return path.read_bytes()


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """xlsx with no wall-clock in it (openpyxl stamps the document properties and
    the zip entries with the current time; both are replaced)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    raw = io.BytesIO()
    wb.save(raw)
    fixed = io.BytesIO()
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2020-01-01T00:00:00Z\g<3>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return fixed.getvalue()


def _orders_frame(orders: pd.DataFrame, cust_ids: np.ndarray, ccy_names: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(),
            "customer_id": cust_ids[orders["cust"].to_numpy()],
            "order_ts": _timestamps(orders["ts"].to_numpy(), orders["offset"].to_numpy()),
            "channel": orders["channel"].to_numpy(),
            "currency": ccy_names[orders["ccy"].to_numpy()],
            "status": orders["status"].to_numpy(),
        }
    )


def _sessions_frame(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions.assign(started_at=_timestamps(sessions["started_at"].to_numpy(), sessions["offset"].to_numpy()))


# Tables whose files are sorted across the months that feed them: (time column, id column)
# of the rows before formatting, kept as __t / __id until the file is written.
_SORTED = {"shipments", "support_tickets", "nps_responses"}


def _shipments_frame(shipments: pd.DataFrame) -> pd.DataFrame:
    return shipments.assign(
        __t=shipments["shipped_at"].to_numpy(),
        __id=shipments["shipment_id"].to_numpy(),
        promised_date=_dates(shipments["promised_date"].to_numpy()),
        shipped_at=_timestamps(shipments["shipped_at"].to_numpy()),
        delivered_at=_timestamps(shipments["delivered_at"].to_numpy()),
    )


def _tickets_frame(tickets: pd.DataFrame) -> pd.DataFrame:
    return tickets.assign(
        __t=tickets["opened_at"].to_numpy(),
        __id=tickets["ticket_id"].to_numpy(),
        opened_at=_timestamps(tickets["opened_at"].to_numpy(), tickets["off1"].to_numpy()),
        resolved_at=_timestamps(tickets["resolved_at"].to_numpy(), tickets["off2"].to_numpy()),
    )


def _nps_frame(nps: pd.DataFrame) -> pd.DataFrame:
    return nps.assign(
        __t=nps["responded_at"].to_numpy(),
        __id=nps["response_id"].to_numpy(),
        responded_at=_timestamps(nps["responded_at"].to_numpy()),
    )


class _MonthWriter:
    """Rows of month-split tables, kept until their month's file is complete, then written.

    The order-driven tables are generated one month of orders at a time; a row can land in a
    later month's file (a shipment or a survey after the order), never an earlier one, so after
    month m every file up to m is complete. A file's rows are in the order one generation of
    the whole table would give them (for _SORTED tables, re-sorted stably by time then id)."""

    def __init__(self, out: Path, counts: dict[str, int]):
        self.out, self.counts = out, counts
        self.pending: dict[str, dict[str, list[pd.DataFrame]]] = {}

    def add(self, table: str, frame: pd.DataFrame, labels) -> None:
        labels = np.broadcast_to(np.asarray(labels, dtype=object), (len(frame),))
        by_label = self.pending.setdefault(table, {})
        for label in np.unique(labels.astype(str)) if len(frame) else []:
            by_label.setdefault(label, []).append(frame[labels == label])
        self.counts.setdefault(table, 0)

    def flush(self, through: str) -> None:
        for table, by_label in self.pending.items():
            for label in sorted(k for k in by_label if k <= through):
                chunk = pd.concat(by_label.pop(label), ignore_index=True)
                if table in _SORTED:
                    chunk = chunk.sort_values(["__t", "__id"], kind="stable")
                chunk = chunk.loc[:, list(COLUMNS[table])].reset_index(drop=True)
                _put(self.out / table / f"{table}_{label}.csv", _csv_bytes(chunk))
                self.counts[table] += len(chunk)


def _put(path: Path, data: bytes) -> None:
    """Write only when the content changed (keeps mtimes, so a nightly run lands
    only the files that really changed), atomically."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write_table(out: Path, table: str, df: pd.DataFrame, months: np.ndarray | None) -> int:
    df = df.loc[:, list(COLUMNS[table])].reset_index(drop=True)
    fmt = FILE_FORMATS.get(table, "csv")
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    if months is None:
        chunks = [(table, df)]
    else:
        labels, code = np.unique(np.asarray(months, dtype=str), return_inverse=True)
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(len(labels) + 1))
        chunks = [
            (f"{table}_{m}", df.iloc[order[bounds[i] : bounds[i + 1]]].reset_index(drop=True))
            for i, m in enumerate(labels)
        ]
    for name, chunk in chunks:
        if fmt == "csv":
            data = _csv_bytes(chunk)
        elif fmt == "parquet":
            data = _parquet_bytes(chunk)
        else:
            data = _xlsx_bytes(chunk, table)
        _put(folder / f"{name}.{fmt}", data)
    return len(df)
