"""`kpi demo-data`: write a deterministic demo landing zone (all 21 raw tables)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

# Same value as orchestration.lib.demo.ORDER_LINES_PER_SCALE_YEAR (a test checks
# it); repeated here so that `kpi --help` does not import numpy and pandas.
ORDER_LINES_PER_SCALE_YEAR = 17_000


def default_end() -> dt.date:
    """Yesterday, UTC."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def default_start(end: dt.date) -> dt.date:
    """Three years ending on `end`: end minus 3 years plus one day."""
    try:
        back = end.replace(year=end.year - 3)
    except ValueError:  # 29 February
        back = end.replace(year=end.year - 3, day=28)
    return back + dt.timedelta(days=1)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from err


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from err
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from err
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    per_year = f"{ORDER_LINES_PER_SCALE_YEAR:,}"
    per_3y = f"{3 * ORDER_LINES_PER_SCALE_YEAR:,}"
    parser.description = (
        "Write a deterministic demo landing zone: all 21 raw tables of the contract, one "
        "folder each, event tables split into one file per month (mostly CSV; accounts as "
        "xlsx, social_metrics as Parquet). The same arguments give byte-identical files; "
        "with the same --start, a later --end only adds or restates the latest files. "
        f"Volume: about {per_year} order lines per year per unit of --scale "
        f"(about {per_3y} order lines for the default three years at scale 1), growing "
        "over time with a Q4 peak."
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="landing folder to write into (default: the home's landing folder, "
        "i.e. $KPI_LANDING_DIR or <home>/landing). Files of the same names are overwritten; "
        "other files are left alone",
    )
    parser.add_argument(
        "--start",
        metavar="DATE",
        type=_date,
        help="first day of data, YYYY-MM-DD (default: --end minus 3 years plus 1 day)",
    )
    parser.add_argument(
        "--end", metavar="DATE", type=_date, help="last day of data, YYYY-MM-DD (default: yesterday, UTC)"
    )
    parser.add_argument(
        "--scale",
        metavar="N",
        type=_scale,
        default=1.0,
        help=f"volume multiplier (default 1): about {per_year} order lines per year per unit of "
        "scale; orders, customers, sessions, leads, tickets and the other volume tables grow linearly",
    )
    parser.add_argument("--seed", metavar="N", type=_seed, default=7, help="random seed (default 7)")


def run(args: argparse.Namespace) -> int:
    from orchestration.lib import demo as demo_data
    from orchestration.lib.settings import Home

    end = args.end or default_end()
    start = args.start or default_start(end)
    if end < start:
        print(f"kpi demo-data: --end {end} is before --start {start}", file=sys.stderr)
        return 2
    out = Path(args.out).resolve() if args.out else Home.from_env().landing
    print(f"writing the demo landing zone to {out}")
    print(f"  {start} .. {end}, scale {args.scale:g}, seed {args.seed}")
    began = time.perf_counter()

    def progress(table: str, rows: int) -> None:
        print(f"  {table:<22} {rows:>9,} rows", flush=True)

    counts = demo_data.write_demo_landing(out, start, end, args.scale, args.seed, progress=progress)
    elapsed = time.perf_counter() - began
    print(f"done: {sum(counts.values()):,} rows in {len(counts)} tables, {elapsed:.1f} s")
    return 0
