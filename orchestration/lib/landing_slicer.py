"""Cut a landing zone into history and nightly increments (for `kpi bench` and the nights test).

Every table with an event date is split by that date (UTC; order lines by their order's
date); tables without one (customers, products, campaigns, accounts) are copied whole each
time, with the same file name and content, so the ledger sees no change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from orchestration.lib.contract import TABLES


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype("string").fillna("").astype(str)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str).fillna("")
    raise ValueError(f"{path}: not a landing file")


def load_landing(src: Path) -> dict[str, pd.DataFrame]:
    """table -> all its rows as strings (as landed)."""
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        folder = src / name
        files = (
            sorted(p for p in folder.glob("*") if p.suffix in (".csv", ".parquet", ".xlsx")) if folder.is_dir() else []
        )
        if files:
            out[name] = pd.concat([_read(p) for p in files], ignore_index=True)
    return out


def _utc_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601").dt.date


def event_dates(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """table -> the UTC event date of each row (tables without an event date are absent)."""
    out: dict[str, pd.Series] = {}
    for name, frame in tables.items():
        spec = TABLES[name]
        if spec.event_date:
            out[name] = _utc_dates(frame[spec.event_date])
    if "order_lines" in tables and "orders" in tables:
        order_day = dict(zip(tables["orders"]["order_id"], out["orders"], strict=True))
        out["order_lines"] = tables["order_lines"]["order_id"].map(order_day)
    return out


def write_window(
    tables: dict[str, pd.DataFrame],
    dates: dict[str, pd.Series],
    dst: Path,
    after: dt.date | None,
    through: dt.date,
    tag: str,
) -> int:
    """Write the rows with event date in (after, through] as `<table>/<table>_<tag>.csv`; returns rows written."""
    written = 0
    for name, frame in tables.items():
        folder = dst / name
        folder.mkdir(parents=True, exist_ok=True)
        if name not in dates:
            frame.to_csv(folder / f"{name}.csv", index=False)
            continue
        day = dates[name]
        mask = day <= through
        if after is not None:
            mask &= day > after
        part = frame[mask.fillna(False).to_numpy()]
        if len(part):
            part.to_csv(folder / f"{name}_{tag}.csv", index=False)
            written += len(part)
    return written
