"""`kpi run`: the whole pipeline through Dagster, in process, then a summary and the scorecard."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    from orchestration.commands.args import existing_folder, past_date

    parser.add_argument(
        "--landing", type=existing_folder, help="landing zone folder (default: $KPI_LANDING_DIR or <home>/landing)"
    )
    parser.add_argument(
        "--as-of", dest="as_of", type=past_date, help="point-in-time date YYYY-MM-DD (default: yesterday, UTC)"
    )
    parser.add_argument("--no-scorecard", action="store_true", help="do not print the scorecard at the end")


def apply_run_env(args: argparse.Namespace) -> None:
    """`kpi ui`: flags become the environment of the Dagster processes it starts, whose `kpi`
    resource takes its defaults from it (`kpi run` passes them in the run's config instead)."""
    if getattr(args, "landing", None):
        os.environ["KPI_LANDING_DIR"] = str(Path(args.landing).resolve())
    if getattr(args, "as_of", None):
        os.environ["KPI_AS_OF"] = args.as_of.isoformat()


def landing_problem(landing: Path) -> str | None:
    """Why a landing folder holds nothing to ingest (None when it has a table folder)."""
    from orchestration.lib.contract import TABLES

    if not landing.exists():
        return f"the landing folder {landing} does not exist"
    if not landing.is_dir():
        return f"{landing} is a file, not a landing folder"
    found = sorted(p.name for p in landing.iterdir() if not p.name.startswith("."))
    tables = [n for n in found if (landing / n).is_dir() and n in TABLES]
    if tables:
        return None
    seen = f" (it holds: {', '.join(found[:8])}{' ...' if len(found) > 8 else ''})" if found else " (it is empty)"
    return (
        f"no table folder in {landing}{seen}: the landing zone has one sub-folder per raw table of "
        "raw-contract.md, named like orders/, customers/, gl_entries/"
    )


def run(args: argparse.Namespace) -> int:
    from orchestration.lib.settings import Home, as_of_from_env, parse_as_of

    home = Home.from_env()
    if getattr(args, "landing", None):
        home = Home(home.root, landing_dir=Path(args.landing).resolve())
    # check everything before anything is created in the home
    explicit_landing = bool(getattr(args, "landing", None) or os.environ.get("KPI_LANDING_DIR"))
    problem = landing_problem(home.landing)
    demo = problem is not None and not explicit_landing and not any(home.landing.glob("*"))
    if problem and not demo:
        print(
            f"kpi run: {problem}. Point --landing at your exports (see README), or run without "
            "--landing on an empty home to get the demo data.",
            file=sys.stderr,
        )
        return 2
    try:
        as_of = parse_as_of(args.as_of.isoformat()) if getattr(args, "as_of", None) else as_of_from_env()
    except ValueError as err:
        print(f"kpi run: {err}", file=sys.stderr)
        return 2
    home.ensure()
    from orchestration.lib.gx_worker import prewarm

    prewarm(home.gx_dir)  # Great Expectations imports in its own process while Dagster starts
    print(f"kpi run: home {home.root}, landing {home.landing}, as of {as_of}", flush=True)

    from orchestration.lib.lint import lint_for_run

    if not lint_for_run(home.warehouse, as_of):
        print("kpi run: stopped before any work: fix the target declarations above (see `kpi lint`).", file=sys.stderr)
        return 1

    if demo:
        import datetime as dt

        from orchestration.lib.demo import write_demo_landing

        print(f"kpi run: no data in {home.landing}; writing the demo landing zone first", flush=True)
        write_demo_landing(home.landing, as_of - dt.timedelta(days=3 * 365 - 1), as_of)

    from orchestration.pipeline import print_summary, run_pipeline

    started = time.monotonic()
    ok = run_pipeline(home, landing=home.landing, as_of=as_of)
    if not ok:
        if home.serving.exists():
            print(f"Nothing was published: {home.serving} still holds the last successful run's values")
        return 1
    print_summary(home, time.monotonic() - started)
    if not args.no_scorecard:
        from orchestration.commands.scorecard import print_scorecard

        print_scorecard(serving_path=home.serving)
    from orchestration.lib.report import report_path

    report = report_path(home.reports, as_of)
    if report.exists():
        print(f"\nReport: {report}")
    return 0
