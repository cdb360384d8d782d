"""`kpi run`: the whole pipeline through Dagster, in process, then a summary and the scorecard."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", help="landing zone folder (default: $KPI_LANDING_DIR or <home>/landing)")
    parser.add_argument("--as-of", dest="as_of", help="point-in-time date YYYY-MM-DD (default: yesterday, UTC)")
    parser.add_argument("--no-scorecard", action="store_true", help="do not print the scorecard at the end")


def apply_run_env(args: argparse.Namespace) -> None:
    """Flags become the environment the Dagster assets read (they run in this process)."""
    import datetime as dt

    if getattr(args, "landing", None):
        os.environ["KPI_LANDING_DIR"] = str(Path(args.landing).resolve())
    if getattr(args, "as_of", None):
        try:
            dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise SystemExit(f"kpi: --as-of {args.as_of!r} is not a date; write it as YYYY-MM-DD") from None
        os.environ["KPI_AS_OF"] = args.as_of


def run(args: argparse.Namespace) -> int:
    apply_run_env(args)
    from orchestration.lib.settings import Home, as_of_from_env

    home = Home.from_env().ensure()
    from orchestration.lib.gx_worker import prewarm

    prewarm(home.gx_dir)  # Great Expectations imports in its own process while Dagster starts
    as_of = as_of_from_env()
    print(f"kpi run: home {home.root}, landing {home.landing}, as of {as_of}", flush=True)

    from orchestration.lib.lint import lint_for_run

    if not lint_for_run():
        print("kpi run: stopped before any work: fix the target declarations above (see `kpi lint`).", file=sys.stderr)
        return 1

    landing_is_empty = not home.landing.exists() or not any(home.landing.iterdir())
    if landing_is_empty and not getattr(args, "landing", None):
        import datetime as dt

        from orchestration.lib.demo_data import write_demo_landing

        print(f"kpi run: no data in {home.landing}; writing the demo landing zone first", flush=True)
        write_demo_landing(home.landing, as_of - dt.timedelta(days=3 * 365 - 1), as_of)
    elif not home.landing.exists():
        print(
            f"kpi run: the landing folder {home.landing} does not exist; point --landing at a folder "
            "with one sub-folder per raw table (see README)",
            file=sys.stderr,
        )
        return 2

    from orchestration.lib.pipeline import print_summary, run_pipeline

    started = time.monotonic()
    ok = run_pipeline(home)
    print_summary(home, time.monotonic() - started)
    if not ok:
        return 1
    if not args.no_scorecard:
        from orchestration.lib.scorecard import print_run_scorecard

        print_run_scorecard(home)
    return 0
