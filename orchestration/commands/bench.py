"""`kpi bench`: how long a full build takes, and a nightly increment on top of 1, 2 and 3
years of history. Prints a table of wall-clock seconds; nothing is asserted (speed is
measured here, never in tests).

For each history length h it lands the demo data up to day D (h years), runs the pipeline
once (the full build), then lands one more day of files and runs again (the increment).
"""

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="demo volume (1 ≈ 17,000 order lines a year)")
    parser.add_argument("--years", default="1,2,3", help="history lengths to measure, in years (default 1,2,3)")
    parser.add_argument("--workdir", help="keep the bench homes here (default: a temporary folder, removed)")


def run(args: argparse.Namespace) -> int:
    from orchestration.lib.demo_data import write_demo_landing
    from orchestration.lib.landing_slicer import event_dates, load_landing, write_window
    from orchestration.lib.pipeline import run_pipeline
    from orchestration.lib.settings import Home

    years = [int(y) for y in args.years.split(",")]
    first = dt.date(2022, 1, 1)
    last_history = {y: first + dt.timedelta(days=365 * y - 1) for y in years}
    demo_end = max(last_history.values()) + dt.timedelta(days=1)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(args.workdir or tmp)
        source = root / "demo_source"
        print(f"bench: writing demo data {first} .. {demo_end} at scale {args.scale}", flush=True)
        write_demo_landing(source, first, demo_end, scale=args.scale)
        tables = load_landing(source)
        dates = event_dates(tables)
        print(
            f"bench: {sum(len(t) for t in tables.values()):,} rows, {len(tables.get('order_lines', [])):,} order lines",
            flush=True,
        )
        results = []
        for y in years:
            day = last_history[y]
            home = Home(root / f"home_{y}y")
            landing = home.root / "landing"
            write_window(tables, dates, landing, None, day, "history")
            os.environ["KPI_HOME"] = str(home.root)
            os.environ["KPI_LANDING_DIR"] = str(landing)
            os.environ["KPI_AS_OF"] = day.isoformat()
            os.environ["KPI_ALERT_WEBHOOK_URL"] = ""
            print(f"bench: {y} year(s) of history, full build as of {day}", flush=True)
            started = time.monotonic()
            ok_full = run_pipeline(home, tags={"kpi/alerts": "off"})
            full = time.monotonic() - started
            nxt = day + dt.timedelta(days=1)
            write_window(tables, dates, landing, day, nxt, nxt.isoformat())
            os.environ["KPI_AS_OF"] = nxt.isoformat()
            print(f"bench: {y} year(s) of history, nightly increment as of {nxt}", flush=True)
            started = time.monotonic()
            ok_inc = run_pipeline(home, tags={"kpi/alerts": "off"})
            inc = time.monotonic() - started
            results.append((y, full, inc, ok_full and ok_inc))
    print()
    print(f"{'history':>8}  {'full build s':>12}  {'nightly increment s':>20}")
    for y, full, inc, ok in results:
        print(f"{y:>7}y  {full:>12.1f}  {inc:>20.1f}{'' if ok else '  (a run failed)'}")
    return 0 if all(r[3] for r in results) else 1
